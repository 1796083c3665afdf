/* Iago checks: the rules every result of a forwarded call must meet
 * before the libOS believes it (libOS, CPL 0 of an MIEE; also built into
 * the host unit tests). One table, libos/iago.c; docs/libos.md lists it.
 * Each check works on copies the caller took out of the shared region;
 * a broken rule logs one line "iago: CALL: CHECK" and gives -EIO. */
#ifndef LIBOS_IAGO_H
#define LIBOS_IAGO_H

#include <stddef.h>
#include <stdint.h>

#include "linux.h"

/* What a call's non-negative return value may be. */
enum iago_ret {
	IAGO_R_ZERO,	/* exactly 0 */
	IAGO_R_COUNT,	/* 0 <= ret <= the count requested */
	IAGO_R_FD,	/* a new host fd: 0 <= ret < LIBOS_HOST_FD_MAX */
	IAGO_R_OFF,	/* a file offset: 0 <= ret < 2^62 */
	IAGO_R_LIMIT,	/* 0 <= ret <= a caller-given limit (poll: nfds,
			 * fcntl F_GETFD: 1, ...) */
};

/* Host fds the libOS accepts (the runner's fds are small numbers). */
#define LIBOS_HOST_FD_MAX 65536

struct iago_rule {
	uint16_t nr;
	uint8_t ret;		/* enum iago_ret */
	uint8_t errset;		/* which errno whitelist (iago.c) */
	const char *name;
	const char *out;	/* the structural check of its output, for
				 * the log and docs/libos.md */
};

const struct iago_rule *iago_rule(unsigned int nr);

/* Results refused so far (each also logged). */
extern unsigned long iago_failures;

/* Log "iago: CALL: CHECK" and return -EIO. */
long iago_fail(unsigned int nr, const char *check);

/* The return value: a negative one must be an errno on the call's
 * whitelist; a non-negative one must fit the call's rule with limit.
 * Returns ret, or -EIO. */
long iago_ret(unsigned int nr, int64_t ret, uint64_t limit);

/* out_len must equal what the call's result implies. */
int iago_out_len(unsigned int nr, uint64_t out_len, uint64_t want);

/* Structural checks of copied-out results: 0 or -EIO (logged). */
int iago_stat(unsigned int nr, const struct lx_stat *st);
int iago_statx(unsigned int nr, const struct lx_statx *sx);
int iago_dirents(unsigned int nr, const unsigned char *buf, uint64_t len);
int iago_addrlen(unsigned int nr, uint32_t got, uint32_t cap);
int iago_string(unsigned int nr, const char *buf, uint64_t len, int nul);
int iago_timespec(unsigned int nr, const struct lx_timespec *ts,
		  const struct lx_timespec *bound);
/* revents only where requested (fd >= 0), only events asked for plus
 * POLLERR|POLLHUP|POLLNVAL, and ret = the number of entries with revents. */
int iago_poll(unsigned int nr, const struct lx_pollfd *req,
	      const int16_t *revents, uint64_t nfds, int64_t ret);

#endif
