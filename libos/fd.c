/* The libOS's fd table (libOS, CPL 0). */
#include "fd.h"
#include "linux.h"

static int32_t fds[LIBOS_FD_MAX];	/* host fd, or -1 when closed */
static int ready;

void fd_init(void)
{
	for (int i = 0; i < LIBOS_FD_MAX; i++)
		fds[i] = i < 3 ? i : -1;
	ready = 1;
}

/* The table is valid before anyone called fd_init(): a zeroed bss would
 * otherwise map every program fd to host fd 0. */
static void ensure(void)
{
	if (!ready)
		fd_init();
}

int fd_host(int64_t fd)
{
	ensure();
	if (fd < 0 || fd >= LIBOS_FD_MAX || fds[fd] < 0)
		return -LX_EBADF;
	return fds[fd];
}

int fd_lowest_free(int64_t min)
{
	ensure();
	if (min < 0 || min >= LIBOS_FD_MAX)
		return -LX_EINVAL;
	for (int i = (int)min; i < LIBOS_FD_MAX; i++)
		if (fds[i] < 0)
			return i;
	return -LX_EMFILE;
}

int fd_host_used(int host)
{
	ensure();
	for (int i = 0; i < LIBOS_FD_MAX; i++)
		if (fds[i] == host)
			return 1;
	return 0;
}

void fd_set_host(int fd, int host)
{
	ensure();
	fds[fd] = host;
}

void fd_clear(int fd)
{
	ensure();
	fds[fd] = -1;
}

void fd_snapshot(int32_t out[LIBOS_FD_MAX])
{
	ensure();
	for (int i = 0; i < LIBOS_FD_MAX; i++)
		out[i] = fds[i];
}
