/* The libOS's host-call seam (libos/api.h: hc_request, hc_data, hc_call)
 * for host tests that link the libOS forwarding layer with the runner's
 * server (test_libos_fwd, test_libos_progs): the shared page is ordinary
 * memory and hc_call() serves it in the same process with
 * hostcall_serve(). Also strncpy_from_user(), over the test's own
 * copy_from_user(). Host side. */
#ifndef TESTS_FAKE_HC_H
#define TESTS_FAKE_HC_H

#include <hv/libos.h>

/* The shared region as the libOS sees it: the request page, then data[]. */
struct fake_hc_shared {
	struct libos_hc hc;
	unsigned char pad[LIBOS_PAGE - sizeof(struct libos_hc)];
	unsigned char data[LIBOS_HC_DATA_MAX];
};

struct hostcall;
extern struct fake_hc_shared *fake_hc_shared;
extern struct hostcall fake_hc_srv;	/* the test sets it up (hostcall_init) */

/* What hc_window() and libos_threads_live() answer: LIBOS_HC_DATA_MAX and
 * 1 after fake_hc_init(); a test may set them (a slot's window with
 * threads, several threads live). */
extern uint64_t fake_hc_window;
extern unsigned int fake_threads_live;

/* Allocates the shared region: 0, or -1 out of memory. */
int fake_hc_init(void);
void fake_hc_fini(void);

#endif
