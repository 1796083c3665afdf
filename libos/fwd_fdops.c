/* Forwarded calls that change the fd table or query an fd: close, dup*,
 * fcntl, ioctl, pipe2 (libOS, CPL 0). The table changes only after every
 * check has passed: a lying host cannot corrupt it. */
#include "fwd.h"

/* One call on host fd h with integer arguments; checked with limit. */
static long fd_call(unsigned int nr, int64_t h, int64_t a1, int64_t a2,
		    uint64_t limit)
{
	struct lay l;
	struct fwd_res r;

	lay_init(&l);
	if (fwd_call(nr, (int64_t[6]){ h, a1, a2 }, &l, &r))
		return -LX_EIO;
	return fwd_check(nr, &r, limit, 0);
}

/* Linux frees the fd whatever close returns (but EBADF); a result off
 * the whitelist leaves the table as it was. */
static long do_close(int64_t fd)
{
	int h = fd_host((int32_t)fd);
	unsigned long lies = iago_failures;
	long ret;

	if (h < 0)
		return h;
	ret = fd_call(LX_close, h, 0, 0, 0);
	if (iago_failures != lies)
		return ret;
	if (ret != -LX_EBADF)
		fd_clear((int)fd);
	return ret;
}

/* A host duplicate of program fd old, entered at program fd slot. */
static long dup_to(int old, int slot, int cloexec)
{
	int h = fd_host(old);
	long ret;

	if (h < 0)
		return h;
	if (cloexec) {
		ret = fd_call(LX_fcntl, h, LX_F_DUPFD_CLOEXEC, 0, LIBOS_HOST_FD_MAX - 1);
		if (ret < 0)
			return ret;
		return fwd_new_fd(LX_fcntl, slot, ret);
	}
	ret = fd_call(LX_dup, h, 0, 0, 0);
	if (ret < 0)
		return ret;
	return fwd_new_fd(LX_dup, slot, ret);
}

/* dup2/dup3: the new host fd is taken first; only when it passed its
 * checks is the old target closed (its result ignored, as Linux does). */
static long do_dup3(int64_t old, int64_t new, int64_t flags, int is_dup2)
{
	int hold = fd_host((int32_t)old), hnew, slot_host;
	long ret;

	if (hold < 0)
		return hold;
	if ((int32_t)new < 0 || (int32_t)new >= LIBOS_FD_MAX)
		return -LX_EBADF;
	if (old == new)
		return is_dup2 ? new : -LX_EINVAL;
	if (flags & ~(int64_t)LX_O_CLOEXEC)
		return -LX_EINVAL;
	hnew = fd_host((int32_t)new);
	/* Take the new host fd into the slot's place only once checked. */
	if (hnew >= 0)
		fd_clear((int)new);
	ret = dup_to((int)old, (int)new, flags != 0);
	if (ret < 0) {
		if (hnew >= 0)
			fd_set_host((int)new, hnew);
		return ret;
	}
	slot_host = fd_host((int32_t)new);
	if (hnew >= 0 && hnew != slot_host)
		fwd_close_host(hnew);
	return new;
}

static long do_fcntl(int64_t fd, int64_t cmd, int64_t arg)
{
	int h = fd_host((int32_t)fd);
	int slot;

	if (h < 0)
		return h;
	switch ((int32_t)cmd) {
	case LX_F_GETFD:
		return fd_call(LX_fcntl, h, cmd, 0, LX_FD_CLOEXEC);
	case LX_F_SETFD:
		return fd_call(LX_fcntl, h, cmd, arg & LX_FD_CLOEXEC, 0);
	case LX_F_GETFL:
		return fd_call(LX_fcntl, h, cmd, 0, (1u << 23) - 1);
	case LX_F_SETFL:
		return fd_call(LX_fcntl, h, cmd, (int32_t)arg, 0);
	case LX_F_DUPFD:
	case LX_F_DUPFD_CLOEXEC:
		if ((slot = fd_lowest_free((int32_t)arg)) < 0)
			return slot;
		return dup_to((int)fd, slot, (int32_t)cmd == LX_F_DUPFD_CLOEXEC);
	}
	libos_log("fwd: fcntl cmd %ld refused", (long)cmd);
	return -LX_EINVAL;
}

static long do_ioctl(int64_t fd, uint64_t req, uint64_t arg)
{
	int h = fd_host((int32_t)fd);
	uint64_t size;
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	switch ((uint32_t)req) {
	case LX_TCGETS:
		size = LX_TERMIOS_SIZE;
		break;
	case LX_TIOCGWINSZ:
		size = sizeof(struct lx_winsize);
		break;
	default:
		libos_log("fwd: ioctl 0x%lx refused", (unsigned long)req);
		return -LX_ENOTTY;
	}
	lay_init(&l);
	lay_alloc(&l, size);
	if (fwd_call(LX_ioctl, (int64_t[6]){ h, (uint32_t)req, 0 }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_ioctl, &r, 0, size);
	if (ret < 0)
		return ret;
	__builtin_memcpy(fwd_priv, l.d, size);
	return copy_to_user(arg, fwd_priv, size) ? -LX_EFAULT : 0;
}

static long do_pipe2(uint64_t ufds, int64_t flags)
{
	int32_t host[2], mine[2];
	int s0 = fd_lowest_free(0), s1;
	struct lay l;
	struct fwd_res r;
	long ret;

	if (flags & ~(int64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK))
		return -LX_EINVAL;
	if (s0 < 0)
		return s0;
	fd_set_host(s0, LIBOS_HOST_FD_MAX);	/* hold the slot while we look */
	s1 = fd_lowest_free(s0 + 1);
	fd_clear(s0);
	if (s1 < 0)
		return s1;
	lay_init(&l);
	lay_alloc(&l, sizeof(host));
	if (fwd_call(LX_pipe2, (int64_t[6]){ 0, (int32_t)flags }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_pipe2, &r, 0, sizeof(host));
	if (ret < 0)
		return ret;
	__builtin_memcpy(host, l.d, sizeof(host));
	if (host[0] == host[1])
		return iago_fail(LX_pipe2, "same fd twice");
	if (host[1] < 0 || host[1] >= LIBOS_HOST_FD_MAX || fd_host_used(host[1]))
		return iago_fail(LX_pipe2, "fd range or already in the table");
	if (fwd_new_fd(LX_pipe2, s0, host[0]) < 0)
		return -LX_EIO;
	fd_set_host(s1, host[1]);
	mine[0] = s0;
	mine[1] = s1;
	if (copy_to_user(ufds, mine, sizeof(mine))) {
		fd_clear(s0);
		fd_clear(s1);
		fwd_close_host(host[0]);
		fwd_close_host(host[1]);
		return -LX_EFAULT;
	}
	return 0;
}

long fwd_fdops(unsigned int nr, const uint64_t a[6], int *handled)
{
	int slot;

	*handled = 1;
	switch (nr) {
	case LX_close:
		return do_close((int64_t)a[0]);
	case LX_dup:
		if (fd_host((int32_t)a[0]) < 0)
			return -LX_EBADF;
		if ((slot = fd_lowest_free(0)) < 0)
			return slot;
		return dup_to((int32_t)a[0], slot, 0);
	case LX_dup2:
		return do_dup3((int32_t)a[0], (int32_t)a[1], 0, 1);
	case LX_dup3:
		return do_dup3((int32_t)a[0], (int32_t)a[1], (int32_t)a[2], 0);
	case LX_fcntl:
		return do_fcntl((int64_t)a[0], (int64_t)a[1], (int64_t)a[2]);
	case LX_ioctl:
		return do_ioctl((int64_t)a[0], a[1], a[2]);
	case LX_pipe:
		return do_pipe2(a[0], 0);
	case LX_pipe2:
		return do_pipe2(a[0], (int32_t)a[1]);
	}
	*handled = 0;
	return -LX_ENOSYS;
}
