/* The libOS's fd table: the program's fd numbers, chosen by the libOS,
 * each mapped to one host fd of the runner (libOS, CPL 0). The host never
 * picks a program fd number; a host fd appears at most once. */
#ifndef LIBOS_FD_H
#define LIBOS_FD_H

#include <stdint.h>

#define LIBOS_FD_MAX 1024

/* 0, 1, 2 map to the runner's 0, 1, 2; everything else is closed. The
 * first use of the table does this by itself; fd_init() resets it. */
void fd_init(void);
/* The host fd behind program fd fd, or -EBADF. */
int fd_host(int64_t fd);
/* The lowest free program fd >= min, or -EMFILE (-EINVAL if min is out
 * of range). Nothing is reserved: the caller sets it after its checks. */
int fd_lowest_free(int64_t min);
/* 1 if some program fd maps to host fd host. */
int fd_host_used(int host);
void fd_set_host(int fd, int host);
void fd_clear(int fd);
/* A copy of the table (host fd or -1 per program fd), for the tests. */
void fd_snapshot(int32_t out[LIBOS_FD_MAX]);

#endif
