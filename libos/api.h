/* The seams inside the libOS (runs at CPL 0 in an MIEE, freestanding):
 * what the core (boot, memory, syscall dispatch: the other libos/ files) offers the
 * forwarding layer (libos/fwd*.c, libos/iago*.c), and what the forwarding
 * layer offers the dispatcher. The forwarding layer uses nothing else of
 * the core, so its host unit tests provide these few functions over a
 * fake address space and a fake runner. docs/libos.md. */
#ifndef LIBOS_API_H
#define LIBOS_API_H

#include <stddef.h>
#include <stdint.h>

#include "hv/libos.h"

/* ---- offered by the core */

/* The program's memory, by user virtual address. Each returns 0, or
 * -EFAULT if any byte of the range is not mapped for the program with the
 * needed right (read for copy_from_user, write for copy_to_user); nothing
 * is copied then. */
int copy_from_user(void *dst, uint64_t uaddr, size_t n);
int copy_to_user(uint64_t uaddr, const void *src, size_t n);
/* A NUL-terminated string of at most max bytes (NUL included) into dst:
 * its length, -EFAULT, or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, uint64_t uaddr, size_t max);

/* The host-call transport. hc_request() is the request in the shared
 * region and hc_data() its data area (LIBOS_HC_DATA_MAX bytes); both
 * are the host's memory: the caller fills them, hc_call() sets magic and
 * seq, makes the host call and returns 0, or -EIO if the runner refused
 * the request. Afterwards the caller must copy ret/out_len and the data
 * it needs out of the shared region once, then check the copies (the
 * host may change the shared region at any time). */
struct libos_hc *hc_request(void);
unsigned char *hc_data(void);
int hc_call(void);
/* With threads, each thread slot has its own request and data window:
 * hc_window() bytes (LIBOS_HC_WINDOW(boot.threads)), which bound every
 * transfer; libos_slot() is the calling thread's slot (0..15). */
uint64_t hc_window(void);
unsigned int libos_slot(void);
/* Threads of the program now live (1 without threads): the forwarding
 * layer's shared read-ahead buffer is used only while this is 1. */
unsigned int libos_threads_live(void);

/* One line for the host's log (LIBOS_HC_LOG) and the libOS's counters;
 * printf-like with %d %u %ld %lu %lx %s %c %p. */
void libos_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- offered by the forwarding layer */

/* Forward system call nr (a Linux x86-64 number) with the program's
 * arguments a[0..5]: marshal into the shared region, hc_call(), check the
 * result against the call's Iago rules, copy results to the program.
 * Returns the result for the program (>= 0 or -errno). *handled = 0 if
 * nr is not a forwarded call (then the return value means nothing). */
long libos_forward(unsigned int nr, const uint64_t a[6], int *handled);

#endif
