/* The libOS's host-call seam over the runner's server, in one process
 * (fake_hc.h). Host side. */
#include <errno.h>
#include <stdlib.h>

#include "api.h"
#include "../tools/miee-run/hostcall.h"
#include "fake_hc.h"

struct fake_hc_shared *fake_hc_shared;
struct hostcall fake_hc_srv;
static uint32_t seq;
uint64_t fake_hc_window = LIBOS_HC_DATA_MAX;
unsigned int fake_threads_live = 1;

int fake_hc_init(void)
{
	fake_hc_shared = aligned_alloc(LIBOS_PAGE, sizeof(*fake_hc_shared));
	seq = 0;
	fake_hc_window = LIBOS_HC_DATA_MAX;
	fake_threads_live = 1;
	return fake_hc_shared ? 0 : -1;
}

void fake_hc_fini(void)
{
	free(fake_hc_shared);
	fake_hc_shared = NULL;
}

struct libos_hc *hc_request(void)
{
	return &fake_hc_shared->hc;
}

unsigned char *hc_data(void)
{
	return fake_hc_shared->data;
}

/* One thread slot: the whole data area is its window. */
uint64_t hc_window(void)
{
	return fake_hc_window;
}

unsigned int libos_slot(void)
{
	return 0;
}

unsigned int libos_threads_live(void)
{
	return fake_threads_live;
}

/* The libOS's side of a host call, as libos/hc.c makes it: magic and a
 * request count, then the runner serves it. */
int hc_call(void)
{
	fake_hc_shared->hc.magic = LIBOS_HC_MAGIC;
	fake_hc_shared->hc.seq = ++seq;
	return hostcall_serve(&fake_hc_srv, &fake_hc_shared->hc, fake_hc_shared->data) ? -EIO : 0;
}

/* A string of the program's, byte by byte through the test's
 * copy_from_user(): its length, -EFAULT, or -ENAMETOOLONG without a NUL in
 * max bytes. */
long strncpy_from_user(char *dst, uint64_t uaddr, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copy_from_user(dst + i, uaddr + i, 1))
			return -EFAULT;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
