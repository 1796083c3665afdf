/* Internals of the forwarding layer (libos/fwd*.c, libOS CPL 0): the
 * layout of a request in the shared region's data[], the call itself,
 * and the checks every forwarded call shares. */
#ifndef LIBOS_FWD_H
#define LIBOS_FWD_H

#include <stdint.h>

#include "api.h"
#include "fd.h"
#include "iago.h"
#include "linux.h"

#define FWD_PATH_MAX 4096u
#define FWD_PRIV_SIZE 65536u	/* private copy of structured results */
#define FWD_RA_SIZE 262144u	/* the read-ahead buffer (fwd_ra.c) */

/* Buffers are laid out from data[0], each 8-byte aligned. */
struct lay {
	unsigned char *d;
	uint64_t len;
};

/* The result, copied out of the shared region once. */
struct fwd_res {
	int64_t ret;
	uint64_t out_len;
};

/* One private buffer per thread slot: a forwarded call's host call runs
 * without the libOS lock (libos/thread.c). */
#define FWD_SLOTS 16	/* MIEE_SLOTS_MAX */
extern unsigned char fwd_privs[FWD_SLOTS][FWD_PRIV_SIZE];
#define fwd_priv (fwd_privs[libos_slot()])

void lay_init(struct lay *l);
/* Room for n bytes: the offset, or -E2BIG if data[] is full. */
int64_t lay_alloc(struct lay *l, uint64_t n);
/* n bytes of the program's memory at uaddr: the offset, or -errno. */
int64_t lay_user(struct lay *l, uint64_t uaddr, uint64_t n);
/* A path from the program (NUL included): the offset, or -errno. */
int64_t lay_path(struct lay *l, uint64_t uaddr);

/* Send the request; r gets ret and out_len, read once. 0 or -EIO. */
int fwd_call(unsigned int nr, const int64_t args[6], const struct lay *l,
	     struct fwd_res *r);
/* The Iago checks of ret (against limit) and of out_len (want when
 * ret >= 0, else 0): ret for the program, or -EIO. */
long fwd_check(unsigned int nr, const struct fwd_res *r, uint64_t limit,
	       uint64_t want);
/* A program dirfd: LX_AT_FDCWD, the host fd, or -EBADF (callers test
 * for -EBADF: LX_AT_FDCWD is negative too). */
int64_t fwd_dirfd(int64_t dirfd);
/* A new host fd from call nr for program fd slot: checked (in range,
 * not already in the table) and entered. slot, or -EIO. */
long fwd_new_fd(unsigned int nr, int slot, int64_t host);
/* Close a host fd the libOS will not keep (result ignored). */
void fwd_close_host(int host);

/* Read-ahead (fwd_ra.c). fwd_ra_before() runs before every forwarded
 * call: unless the call neither uses a file offset nor changes a file or
 * the fd table, it seeks the host back by what was read ahead and drops
 * it. fwd_ra_read() is the program's read(). fwd_ra_drop() forgets all
 * (the tests; a new program). */
struct fwd_ra_stats {
	uint64_t host_reads, served, rewinds;
};
extern struct fwd_ra_stats fwd_ra_stats;
void fwd_ra_before(unsigned int nr, const uint64_t a[6]);
long fwd_ra_read(const uint64_t a[6]);
void fwd_ra_drop(void);

long fwd_file(unsigned int nr, const uint64_t a[6], int *handled);
long fwd_fdops(unsigned int nr, const uint64_t a[6], int *handled);
long fwd_poll(unsigned int nr, const uint64_t a[6], int *handled);
long fwd_net(unsigned int nr, const uint64_t a[6], int *handled);

#endif
