/* The table of Iago rules for forwarded calls, and its checks (libOS,
 * CPL 0; host unit tests). Nothing here reads the shared region: the
 * callers pass copies. */
#include "iago.h"
#include "api.h"

enum { E_IO, E_PATH, E_FD, E_SOCK, E_MISC, E_COUNT };

/* Per-family errno whitelists, 0-terminated: what a real Linux kernel
 * returns for these calls on files, pipes and sockets. Anything else
 * (including EFAULT: the host's buffers are the shared region, always
 * valid) is a lie. */
static const int16_t errs[E_COUNT][40] = {
	[E_IO] = { LX_EAGAIN, LX_EINTR, LX_EBADF, LX_EINVAL, LX_EISDIR,
		   LX_ENOSPC, LX_EPIPE, LX_EFBIG, LX_EIO, LX_ENXIO, LX_ESPIPE,
		   LX_EDQUOT, LX_EOVERFLOW, LX_ECONNRESET, LX_ENOTCONN,
		   LX_EDESTADDRREQ, LX_ENOTDIR, LX_ENOENT, LX_ENOTTY, LX_EPERM,
		   LX_EACCES, LX_EROFS, LX_ETXTBSY, 0 },
	[E_PATH] = { LX_ENOENT, LX_EACCES, LX_EPERM, LX_EEXIST, LX_ENOTDIR,
		     LX_EISDIR, LX_ENAMETOOLONG, LX_ELOOP, LX_EROFS, LX_ENOSPC,
		     LX_EINVAL, LX_EBUSY, LX_ENOTEMPTY, LX_EXDEV, LX_EMFILE,
		     LX_ENFILE, LX_EMLINK, LX_EBADF, LX_ETXTBSY, LX_EFBIG,
		     LX_EOVERFLOW, LX_ENXIO, LX_ENODEV, LX_EAGAIN, LX_EINTR,
		     LX_EDQUOT, LX_EIO, LX_ERANGE, LX_ENOMEM, 0 },
	[E_FD] = { LX_EBADF, LX_EINVAL, LX_EMFILE, LX_ENFILE, LX_EINTR,
		   LX_EIO, LX_EBUSY, LX_EAGAIN, LX_EPERM, LX_ENOTTY, LX_EACCES,
		   LX_ENOMEM, 0 },
	[E_SOCK] = { LX_EACCES, LX_EADDRINUSE, LX_EADDRNOTAVAIL,
		     LX_EAFNOSUPPORT, LX_EAGAIN, LX_EALREADY, LX_EBADF,
		     LX_ECONNREFUSED, LX_ECONNRESET, LX_ECONNABORTED,
		     LX_EINPROGRESS, LX_EINTR, LX_EINVAL, LX_EISCONN,
		     LX_EMFILE, LX_ENFILE, LX_ENOBUFS, LX_ENOMEM, LX_ENOTCONN,
		     LX_ENOTSOCK, LX_EOPNOTSUPP, LX_EPIPE, LX_EPROTONOSUPPORT,
		     LX_EPROTOTYPE, LX_ETIMEDOUT, LX_ENETUNREACH,
		     LX_EHOSTUNREACH, LX_EDESTADDRREQ, LX_EMSGSIZE,
		     LX_ENOPROTOOPT, LX_EPERM, LX_ENOENT, 0 },
	[E_MISC] = { LX_EINTR, LX_EINVAL, LX_EBADF, LX_ENOMEM, LX_EAGAIN,
		     LX_ENOENT, LX_EACCES, LX_ENOTDIR, LX_ERANGE, LX_ENOTTY,
		     LX_ENAMETOOLONG, LX_ELOOP, 0 },
};

/* The one table: every forwarded call, what its return value may be,
 * which errnos it may fail with, and what is checked of its output. */
static const struct iago_rule rules[] = {
	{ LX_read, IAGO_R_COUNT, E_IO, "read", "ret <= count, out_len" },
	{ LX_write, IAGO_R_COUNT, E_IO, "write", "ret <= count" },
	{ LX_pread64, IAGO_R_COUNT, E_IO, "pread64", "ret <= count, out_len" },
	{ LX_pwrite64, IAGO_R_COUNT, E_IO, "pwrite64", "ret <= count" },
	{ LX_readv, IAGO_R_COUNT, E_IO, "readv", "ret <= sum of iov_len, out_len" },
	{ LX_writev, IAGO_R_COUNT, E_IO, "writev", "ret <= sum of iov_len" },
	{ LX_lseek, IAGO_R_OFF, E_IO, "lseek", "0 <= ret < 2^62" },
	{ LX_close, IAGO_R_ZERO, E_FD, "close", "ret = 0" },
	{ LX_fstat, IAGO_R_ZERO, E_PATH, "fstat", "stat sane, out_len = 144" },
	{ LX_newfstatat, IAGO_R_ZERO, E_PATH, "newfstatat", "stat sane, out_len = 144" },
	{ LX_statx, IAGO_R_ZERO, E_PATH, "statx", "statx sane, out_len = 256" },
	{ LX_getdents64, IAGO_R_COUNT, E_PATH, "getdents64", "reclen chain exact" },
	{ LX_readlinkat, IAGO_R_COUNT, E_PATH, "readlinkat", "ret <= bufsiz" },
	{ LX_openat, IAGO_R_FD, E_PATH, "openat", "new fd in range, unused" },
	{ LX_faccessat, IAGO_R_ZERO, E_PATH, "faccessat", "ret = 0" },
	{ LX_mkdirat, IAGO_R_ZERO, E_PATH, "mkdirat", "ret = 0" },
	{ LX_unlinkat, IAGO_R_ZERO, E_PATH, "unlinkat", "ret = 0" },
	{ LX_renameat, IAGO_R_ZERO, E_PATH, "renameat", "ret = 0" },
	{ LX_symlinkat, IAGO_R_ZERO, E_PATH, "symlinkat", "ret = 0" },
	{ LX_linkat, IAGO_R_ZERO, E_PATH, "linkat", "ret = 0" },
	{ LX_utimensat, IAGO_R_ZERO, E_PATH, "utimensat", "ret = 0" },
	{ LX_fchmodat, IAGO_R_ZERO, E_PATH, "fchmodat", "ret = 0" },
	{ LX_fchmod, IAGO_R_ZERO, E_PATH, "fchmod", "ret = 0" },
	{ LX_ftruncate, IAGO_R_ZERO, E_IO, "ftruncate", "ret = 0" },
	{ LX_fsync, IAGO_R_ZERO, E_IO, "fsync", "ret = 0" },
	{ LX_getcwd, IAGO_R_COUNT, E_MISC, "getcwd", "ret <= size, NUL at ret-1, absolute" },
	{ LX_chdir, IAGO_R_ZERO, E_PATH, "chdir", "ret = 0" },
	{ LX_fcntl, IAGO_R_LIMIT, E_FD, "fcntl", "per cmd: GETFD <= 1, GETFL < 2^22, SET* = 0" },
	{ LX_ioctl, IAGO_R_ZERO, E_FD, "ioctl", "ret = 0, out_len = struct size" },
	{ LX_dup, IAGO_R_FD, E_FD, "dup", "new fd in range, unused" },
	{ LX_pipe2, IAGO_R_ZERO, E_FD, "pipe2", "two distinct new fds in range, unused" },
	{ LX_poll, IAGO_R_LIMIT, E_MISC, "poll", "ret <= nfds, revents only as requested" },
	{ LX_clock_nanosleep, IAGO_R_ZERO, E_MISC, "clock_nanosleep", "remaining <= requested" },
	{ LX_socket, IAGO_R_FD, E_SOCK, "socket", "new fd in range, unused" },
	{ LX_bind, IAGO_R_ZERO, E_SOCK, "bind", "ret = 0" },
	{ LX_listen, IAGO_R_ZERO, E_SOCK, "listen", "ret = 0" },
	{ LX_connect, IAGO_R_ZERO, E_SOCK, "connect", "ret = 0" },
	{ LX_accept4, IAGO_R_FD, E_SOCK, "accept4", "new fd in range, addrlen <= buffer" },
	{ LX_sendto, IAGO_R_COUNT, E_SOCK, "sendto", "ret <= len" },
	{ LX_recvfrom, IAGO_R_COUNT, E_SOCK, "recvfrom", "ret <= len, addrlen <= buffer" },
	{ LX_sendmsg, IAGO_R_COUNT, E_SOCK, "sendmsg", "ret <= sum of iov_len" },
	{ LX_recvmsg, IAGO_R_COUNT, E_SOCK, "recvmsg", "ret <= sum of iov_len, namelen, controllen <= buffer, no SCM_RIGHTS" },
	{ LX_getsockopt, IAGO_R_ZERO, E_SOCK, "getsockopt", "optlen <= buffer" },
	{ LX_setsockopt, IAGO_R_ZERO, E_SOCK, "setsockopt", "ret = 0" },
	{ LX_getsockname, IAGO_R_ZERO, E_SOCK, "getsockname", "addrlen <= buffer" },
	{ LX_getpeername, IAGO_R_ZERO, E_SOCK, "getpeername", "addrlen <= buffer" },
	{ LX_shutdown, IAGO_R_ZERO, E_SOCK, "shutdown", "ret = 0" },
};

const struct iago_rule *iago_rule(unsigned int nr)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].nr == nr)
			return &rules[i];
	return NULL;
}

unsigned long iago_failures;

long iago_fail(unsigned int nr, const char *check)
{
	const struct iago_rule *r = iago_rule(nr);

	iago_failures++;
	libos_log("iago: %s: %s", r ? r->name : "?", check);
	return -LX_EIO;
}

long iago_ret(unsigned int nr, int64_t ret, uint64_t limit)
{
	const struct iago_rule *r = iago_rule(nr);

	if (!r)
		return iago_fail(nr, "no rule");
	if (ret < 0) {
		if (ret < -LX_ERRNO_MAX)
			return iago_fail(nr, "errno range");
		for (const int16_t *e = errs[r->errset]; *e; e++)
			if (-ret == *e)
				return ret;
		return iago_fail(nr, "errno whitelist");
	}
	switch (r->ret) {
	case IAGO_R_ZERO:
		if (ret != 0)
			return iago_fail(nr, "ret not 0");
		break;
	case IAGO_R_COUNT:
		if ((uint64_t)ret > limit)
			return iago_fail(nr, "count > requested");
		break;
	case IAGO_R_FD:
		if (ret >= LIBOS_HOST_FD_MAX)
			return iago_fail(nr, "fd range");
		break;
	case IAGO_R_OFF:
		if ((uint64_t)ret >= (1ull << 62))
			return iago_fail(nr, "offset range");
		break;
	case IAGO_R_LIMIT:
		if ((uint64_t)ret > limit)
			return iago_fail(nr, "ret > limit");
		break;
	}
	return ret;
}

int iago_out_len(unsigned int nr, uint64_t out_len, uint64_t want)
{
	if (out_len != want)
		return (int)iago_fail(nr, "out_len");
	return 0;
}

/* st_mode's type must be one of the seven Linux file types. */
static int mode_type_ok(uint32_t mode)
{
	switch (mode & LX_S_IFMT) {
	case 0140000: case 0120000: case 0100000: case 0060000:
	case 0040000: case 0020000: case 0010000:
		return 1;
	}
	return 0;
}

/* Blocks may be fewer than the size implies (sparse files) and somewhat
 * more (preallocation, indirect blocks), but not absurdly more. */
static int blocks_ok(int64_t size, int64_t blocks)
{
	return blocks >= 0 && (uint64_t)blocks <= (uint64_t)size / 512 + (1ull << 21);
}

int iago_stat(unsigned int nr, const struct lx_stat *st)
{
	if (st->st_size < 0 || st->st_size >= (1ll << 62))
		return (int)iago_fail(nr, "stat size");
	if (!blocks_ok(st->st_size, st->st_blocks))
		return (int)iago_fail(nr, "stat blocks");
	if (!mode_type_ok(st->st_mode) || (st->st_mode & ~0177777u))
		return (int)iago_fail(nr, "stat mode");
	if (st->st_blksize <= 0 || st->st_blksize > (1 << 24))
		return (int)iago_fail(nr, "stat blksize");
	if (st->st_atime_ns >= 1000000000u || st->st_mtime_ns >= 1000000000u ||
	    st->st_ctime_ns >= 1000000000u)
		return (int)iago_fail(nr, "stat nsec");
	return 0;
}

int iago_statx(unsigned int nr, const struct lx_statx *sx)
{
	if (sx->size >= (1ull << 62))
		return (int)iago_fail(nr, "statx size");
	if (sx->blocks > sx->size / 512 + (1ull << 21))
		return (int)iago_fail(nr, "statx blocks");
	if ((sx->mask & 1u /* STATX_TYPE */) && !mode_type_ok(sx->mode))
		return (int)iago_fail(nr, "statx mode");
	if (sx->atime.nsec >= 1000000000u || sx->mtime.nsec >= 1000000000u ||
	    sx->ctime.nsec >= 1000000000u || sx->btime.nsec >= 1000000000u)
		return (int)iago_fail(nr, "statx nsec");
	return 0;
}

/* The records must tile [0, len) exactly: each 8-byte aligned, long
 * enough for its header and a name of at least one byte plus NUL, the
 * name NUL-terminated inside the record, and the last one ending at len. */
int iago_dirents(unsigned int nr, const unsigned char *buf, uint64_t len)
{
	uint64_t pos = 0;

	while (pos < len) {
		struct lx_dirent64 d;
		uint64_t nlen = 0;

		if (len - pos < LX_DIRENT_HDR)
			return (int)iago_fail(nr, "dirent header past end");
		__builtin_memcpy(&d, buf + pos, sizeof(d));
		if (d.d_reclen < LX_DIRENT_HDR + 2 || (d.d_reclen & 7))
			return (int)iago_fail(nr, "dirent reclen");
		if (d.d_reclen > len - pos)
			return (int)iago_fail(nr, "dirent past end");
		while (LX_DIRENT_HDR + nlen < d.d_reclen &&
		       buf[pos + LX_DIRENT_HDR + nlen])
			nlen++;
		if (LX_DIRENT_HDR + nlen >= d.d_reclen || nlen == 0)
			return (int)iago_fail(nr, "dirent name");
		pos += d.d_reclen;
	}
	return 0;
}

int iago_addrlen(unsigned int nr, uint32_t got, uint32_t cap)
{
	if (got > cap)
		return (int)iago_fail(nr, "addrlen > buffer");
	return 0;
}

/* len bytes; with nul, the last of them must be the only NUL. */
int iago_string(unsigned int nr, const char *buf, uint64_t len, int nul)
{
	if (!nul)
		return 0;
	if (len == 0 || buf[len - 1] != '\0')
		return (int)iago_fail(nr, "string NUL");
	for (uint64_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\0')
			return (int)iago_fail(nr, "string NUL");
	return 0;
}

int iago_timespec(unsigned int nr, const struct lx_timespec *ts,
		  const struct lx_timespec *bound)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return (int)iago_fail(nr, "timespec range");
	if (bound && (ts->tv_sec > bound->tv_sec ||
		      (ts->tv_sec == bound->tv_sec && ts->tv_nsec > bound->tv_nsec)))
		return (int)iago_fail(nr, "remaining > requested");
	return 0;
}

int iago_poll(unsigned int nr, const struct lx_pollfd *req,
	      const int16_t *revents, uint64_t nfds, int64_t ret)
{
	const uint16_t always = LX_POLLERR | LX_POLLHUP | LX_POLLNVAL;
	int64_t ready = 0;

	for (uint64_t i = 0; i < nfds; i++) {
		uint16_t got = (uint16_t)revents[i];

		if (!got)
			continue;
		if (req[i].fd < 0)
			return (int)iago_fail(nr, "revents for unrequested fd");
		if (got & ~((uint16_t)req[i].events | always))
			return (int)iago_fail(nr, "revents not requested");
		ready++;
	}
	if (ready != ret)
		return (int)iago_fail(nr, "ready count");
	return 0;
}
