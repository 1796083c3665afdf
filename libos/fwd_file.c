/* Forwarded file calls: I/O, metadata, directories and paths (libOS,
 * CPL 0). Each marshals into data[], calls the runner, checks the result
 * (libos/iago.c) and only then copies it to the program. */
#include "fwd.h"

#define CHUNK hc_window()

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* read, pread64: one chunk; a short read is what Linux may do too. */
static long do_read(unsigned int nr, const uint64_t a[6])
{
	int64_t h = fd_host((int32_t)a[0]);
	uint64_t n = min_u64(a[2], CHUNK);
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	lay_init(&l);
	lay_alloc(&l, n);
	if (fwd_call(nr, (int64_t[6]){ h, 0, (int64_t)n, (int64_t)a[3] }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, n, (uint64_t)r.ret);
	if (ret > 0 && copy_to_user(a[1], l.d, (size_t)ret))
		return -LX_EFAULT;
	return ret;
}

/* write, pwrite64: chunk by chunk until all is written or the host
 * writes less (then the bytes written so far, as Linux reports). */
static long do_write(unsigned int nr, const uint64_t a[6])
{
	int64_t h = fd_host((int32_t)a[0]);
	uint64_t done = 0, count = min_u64(a[2], 0x7ffff000);
	struct lay l;
	struct fwd_res r;

	if (h < 0)
		return h;
	do {
		uint64_t n = min_u64(count - done, CHUNK);
		int64_t pos = (int64_t)(a[3] + done);
		long ret;

		lay_init(&l);
		if (lay_user(&l, a[1] + done, n) < 0)
			return done ? (long)done : -LX_EFAULT;
		if (fwd_call(nr, (int64_t[6]){ h, 0, (int64_t)n, pos }, &l, &r))
			return -LX_EIO;
		ret = fwd_check(nr, &r, n, 0);
		if (ret < 0)
			return done ? (long)done : ret;
		done += (uint64_t)ret;
		if ((uint64_t)ret < n)
			break;
	} while (done < count);
	return (long)done;
}

/* readv, writev: the iovecs' buffers laid out one after the other behind
 * the marshaled array, cut at data[]'s end (a short transfer). */
static long do_rwv(unsigned int nr, const uint64_t a[6])
{
	int64_t h = fd_host((int32_t)a[0]);
	uint64_t cnt = a[2], total = 0, start;
	struct lx_iovec *iov = (struct lx_iovec *)fwd_priv;
	struct libos_hc_iov *w;
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	if (cnt > LX_UIO_MAXIOV)
		return -LX_EINVAL;
	if (copy_from_user(iov, a[1], cnt * sizeof(*iov)))
		return -LX_EFAULT;
	lay_init(&l);
	w = (struct libos_hc_iov *)(l.d + lay_alloc(&l, cnt * sizeof(*w)));
	start = l.len;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t room = hc_window() - l.len;
		uint64_t n = min_u64(iov[i].len, room);

		if (iov[i].len > 0x7ffff000 - total)
			return -LX_EINVAL;
		w[i].off = l.len;
		w[i].len = n;
		if (nr == LX_writev && n && copy_from_user(l.d + l.len, iov[i].base, n))
			return -LX_EFAULT;
		l.len += n;
		total += iov[i].len;
	}
	if (fwd_call(nr, (int64_t[6]){ h, 0, (int64_t)cnt }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, l.len - start,
			nr == LX_readv && r.ret > 0 ? start + (uint64_t)r.ret : 0);
	if (ret > 0 && nr == LX_readv) {
		uint64_t left = (uint64_t)ret, pos = start;

		for (uint64_t i = 0; i < cnt && left; i++) {
			uint64_t n = min_u64(iov[i].len, left);

			if (copy_to_user(iov[i].base, l.d + pos, n))
				return -LX_EFAULT;
			pos += n;
			left -= n;
		}
	}
	return ret;
}

/* newfstatat (stat, lstat, fstat with AT_EMPTY_PATH) and fstat. */
static long do_stat(unsigned int nr, int64_t dirfd, uint64_t path,
		    uint64_t ust, int64_t flags)
{
	struct lx_stat st;
	struct lay l;
	struct fwd_res r;
	int64_t h, p = LIBOS_HC_NOBUF;
	long ret;

	h = nr == LX_fstat ? fd_host((int32_t)dirfd) : fwd_dirfd(dirfd);
	if (h == -LX_EBADF)
		return h;
	if (flags & ~(int64_t)(LX_AT_SYMLINK_NOFOLLOW | LX_AT_EMPTY_PATH | 0x800))
		return -LX_EINVAL;
	lay_init(&l);
	lay_alloc(&l, sizeof(st));
	if (nr != LX_fstat && (p = lay_path(&l, path)) < 0)
		return p;
	if (fwd_call(nr, (int64_t[6]){ h, nr == LX_fstat ? 0 : p, 0, flags }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, 0, sizeof(st));
	if (ret < 0)
		return ret;
	__builtin_memcpy(&st, l.d, sizeof(st));
	if (iago_stat(nr, &st))
		return -LX_EIO;
	return copy_to_user(ust, &st, sizeof(st)) ? -LX_EFAULT : 0;
}

static long do_statx(const uint64_t a[6])
{
	struct lx_statx sx;
	struct lay l;
	struct fwd_res r;
	int64_t h = fwd_dirfd((int64_t)a[0]), p;
	long ret;

	if (h == -LX_EBADF)
		return h;
	lay_init(&l);
	lay_alloc(&l, sizeof(sx));
	if ((p = lay_path(&l, a[1])) < 0)
		return p;
	if (fwd_call(LX_statx, (int64_t[6]){ h, p, (int32_t)a[2], (uint32_t)a[3], 0 }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_statx, &r, 0, sizeof(sx));
	if (ret < 0)
		return ret;
	__builtin_memcpy(&sx, l.d, sizeof(sx));
	if (iago_statx(LX_statx, &sx))
		return -LX_EIO;
	return copy_to_user(a[4], &sx, sizeof(sx)) ? -LX_EFAULT : 0;
}

static long do_getdents(const uint64_t a[6])
{
	int64_t h = fd_host((int32_t)a[0]);
	uint64_t n = min_u64(a[2], FWD_PRIV_SIZE);
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	lay_init(&l);
	lay_alloc(&l, n);
	if (fwd_call(LX_getdents64, (int64_t[6]){ h, 0, (int64_t)n }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_getdents64, &r, n, (uint64_t)r.ret);
	if (ret <= 0)
		return ret;
	__builtin_memcpy(fwd_priv, l.d, (size_t)ret);
	if (iago_dirents(LX_getdents64, fwd_priv, (uint64_t)ret))
		return -LX_EIO;
	return copy_to_user(a[1], fwd_priv, (size_t)ret) ? -LX_EFAULT : ret;
}

static long do_readlink(int64_t dirfd, uint64_t path, uint64_t buf, int64_t size)
{
	int64_t h = fwd_dirfd(dirfd), p;
	uint64_t n;
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h == -LX_EBADF)
		return h;
	if ((int32_t)size <= 0)
		return -LX_EINVAL;
	n = min_u64((uint64_t)(int32_t)size, FWD_PATH_MAX);
	lay_init(&l);
	lay_alloc(&l, n);
	if ((p = lay_path(&l, path)) < 0)
		return p;
	if (fwd_call(LX_readlinkat, (int64_t[6]){ h, p, 0, (int64_t)n }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_readlinkat, &r, n, (uint64_t)r.ret);
	if (ret > 0 && copy_to_user(buf, l.d, (size_t)ret))
		return -LX_EFAULT;
	return ret;
}

static long do_openat(int64_t dirfd, uint64_t path, int64_t flags, int64_t mode)
{
	int64_t h = fwd_dirfd(dirfd), p;
	int slot = fd_lowest_free(0);
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h == -LX_EBADF)
		return h;
	if (slot < 0)
		return slot;
	lay_init(&l);
	if ((p = lay_path(&l, path)) < 0)
		return p;
	if (fwd_call(LX_openat, (int64_t[6]){ h, p, (int32_t)flags, (uint32_t)mode }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_openat, &r, 0, 0);
	if (ret < 0)
		return ret;
	return fwd_new_fd(LX_openat, slot, ret);
}

/* Calls whose only input is a path or two and whose result is 0. */
static long do_path(unsigned int nr, int64_t dirfd, uint64_t path,
		    int64_t arg, int64_t dirfd2, uint64_t path2)
{
	int64_t h = fwd_dirfd(dirfd), h2 = 0, p, p2 = 0;
	struct lay l;
	struct fwd_res r;

	if (h == -LX_EBADF)
		return h;
	if (nr == LX_renameat && (h2 = fwd_dirfd(dirfd2)) == -LX_EBADF)
		return h2;
	lay_init(&l);
	if ((p = lay_path(&l, path)) < 0)
		return p;
	if (nr == LX_renameat && (p2 = lay_path(&l, path2)) < 0)
		return p2;
	if (nr == LX_renameat) {
		if (fwd_call(nr, (int64_t[6]){ h, p, h2, p2 }, &l, &r))
			return -LX_EIO;
	} else if (fwd_call(nr, (int64_t[6]){ h, p, arg }, &l, &r)) {
		return -LX_EIO;
	}
	return fwd_check(nr, &r, 0, 0);
}

/* symlinkat(target, newdirfd, linkpath); linkat(olddirfd, old,
 * newdirfd, new, flags): flags 0 only (no AT_SYMLINK_FOLLOW: the runner
 * never follows the old name; no AT_EMPTY_PATH). */
static long do_link(unsigned int nr, int64_t dirfd, uint64_t path, int64_t dirfd2,
		    uint64_t path2, int64_t flags)
{
	int64_t h = 0, h2 = fwd_dirfd(dirfd2), p, p2;
	struct lay l;
	struct fwd_res r;

	if (nr == LX_linkat && (h = fwd_dirfd(dirfd)) == -LX_EBADF)
		return h;
	if (h2 == -LX_EBADF)
		return h2;
	if (nr == LX_linkat && (int32_t)flags != 0)
		return -LX_EINVAL;
	lay_init(&l);
	if ((p = lay_path(&l, path)) < 0)
		return p;
	if ((p2 = lay_path(&l, path2)) < 0)
		return p2;
	if (nr == LX_symlinkat) {
		if (fwd_call(nr, (int64_t[6]){ p, h2, p2 }, &l, &r))
			return -LX_EIO;
	} else if (fwd_call(nr, (int64_t[6]){ h, p, h2, p2, 0 }, &l, &r)) {
		return -LX_EIO;
	}
	return fwd_check(nr, &r, 0, 0);
}

/* utimensat(dirfd, path or NULL, times or NULL, flags), fchmodat(dirfd,
 * path, mode), fchmod(fd, mode). */
static long do_setattr(unsigned int nr, int64_t dirfd, uint64_t path, uint64_t arg, int64_t flags)
{
	int64_t h, p = LIBOS_HC_NOBUF, t = LIBOS_HC_NOBUF;
	struct lay l;
	struct fwd_res r;

	h = nr == LX_fchmod || (nr == LX_utimensat && !path) ? fd_host((int32_t)dirfd) : fwd_dirfd(dirfd);
	if (h == -LX_EBADF)
		return h;
	if (nr == LX_utimensat && (flags & ~(int64_t)LX_AT_SYMLINK_NOFOLLOW))
		return -LX_EINVAL;
	lay_init(&l);
	if (nr == LX_utimensat && arg && (t = lay_user(&l, arg, 2 * sizeof(struct lx_timespec))) < 0)
		return t;
	if (nr != LX_fchmod && path && (p = lay_path(&l, path)) < 0)
		return p;
	if (nr == LX_utimensat) {
		if (fwd_call(nr, (int64_t[6]){ h, p, t, flags }, &l, &r))
			return -LX_EIO;
	} else if (nr == LX_fchmodat) {
		if (!path)
			return -LX_EFAULT;
		if (fwd_call(nr, (int64_t[6]){ h, p, (uint32_t)arg }, &l, &r))
			return -LX_EIO;
	} else if (fwd_call(nr, (int64_t[6]){ h, (uint32_t)arg }, &l, &r)) {
		return -LX_EIO;
	}
	return fwd_check(nr, &r, 0, 0);
}

static long do_chdir(uint64_t path)
{
	struct lay l;
	struct fwd_res r;
	int64_t p;

	lay_init(&l);
	if ((p = lay_path(&l, path)) < 0)
		return p;
	if (fwd_call(LX_chdir, (int64_t[6]){ p }, &l, &r))
		return -LX_EIO;
	return fwd_check(LX_chdir, &r, 0, 0);
}

static long do_getcwd(uint64_t buf, uint64_t size)
{
	uint64_t n = min_u64(size, FWD_PATH_MAX);
	struct lay l;
	struct fwd_res r;
	long ret;

	lay_init(&l);
	lay_alloc(&l, n);
	if (fwd_call(LX_getcwd, (int64_t[6]){ 0, (int64_t)n }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_getcwd, &r, n, (uint64_t)r.ret);
	if (ret < 0)
		return ret;
	__builtin_memcpy(fwd_priv, l.d, (size_t)ret);
	if (iago_string(LX_getcwd, (char *)fwd_priv, (uint64_t)ret, 1))
		return -LX_EIO;
	if (fwd_priv[0] != '/')
		return iago_fail(LX_getcwd, "not absolute");
	return copy_to_user(buf, fwd_priv, (size_t)ret) ? -LX_EFAULT : ret;
}

/* Calls on an fd with plain integer arguments. */
static long do_fdint(unsigned int nr, const uint64_t a[6])
{
	int64_t h = fd_host((int32_t)a[0]);
	struct lay l;
	struct fwd_res r;

	if (h < 0)
		return h;
	lay_init(&l);
	if (fwd_call(nr, (int64_t[6]){ h, (int64_t)a[1], (int64_t)a[2] }, &l, &r))
		return -LX_EIO;
	return fwd_check(nr, &r, 0, 0);
}

long fwd_file(unsigned int nr, const uint64_t a[6], int *handled)
{
	const int64_t cwd = LX_AT_FDCWD;

	*handled = 1;
	switch (nr) {
	case LX_read:
		return fwd_ra_read(a);
	case LX_pread64:
		return do_read(LX_pread64, a);
	case LX_write:
		return do_write(LX_write, (uint64_t[6]){ a[0], a[1], a[2], 0 });
	case LX_pwrite64:
		return do_write(LX_pwrite64, a);
	case LX_readv:
	case LX_writev:
		return do_rwv(nr, a);
	case LX_lseek:
	case LX_ftruncate:
	case LX_fsync:
		return do_fdint(nr, a);
	case LX_fstat:
		return do_stat(LX_fstat, (int64_t)a[0], 0, a[1], 0);
	case LX_stat:
		return do_stat(LX_newfstatat, cwd, a[0], a[1], 0);
	case LX_lstat:
		return do_stat(LX_newfstatat, cwd, a[0], a[1], LX_AT_SYMLINK_NOFOLLOW);
	case LX_newfstatat:
		return do_stat(LX_newfstatat, (int64_t)a[0], a[1], a[2], (int32_t)a[3]);
	case LX_statx:
		return do_statx(a);
	case LX_getdents64:
		return do_getdents(a);
	case LX_readlink:
		return do_readlink(cwd, a[0], a[1], (int64_t)a[2]);
	case LX_readlinkat:
		return do_readlink((int64_t)a[0], a[1], a[2], (int64_t)a[3]);
	case LX_open:
		return do_openat(cwd, a[0], (int64_t)a[1], (int64_t)a[2]);
	case LX_openat:
		return do_openat((int64_t)a[0], a[1], (int64_t)a[2], (int64_t)a[3]);
	case LX_access:
		return do_path(LX_faccessat, cwd, a[0], (int32_t)a[1], 0, 0);
	case LX_faccessat:
		return do_path(LX_faccessat, (int64_t)a[0], a[1], (int32_t)a[2], 0, 0);
	case LX_mkdir:
		return do_path(LX_mkdirat, cwd, a[0], (uint32_t)a[1], 0, 0);
	case LX_mkdirat:
		return do_path(LX_mkdirat, (int64_t)a[0], a[1], (uint32_t)a[2], 0, 0);
	case LX_unlink:
		return do_path(LX_unlinkat, cwd, a[0], 0, 0, 0);
	case LX_rmdir:
		return do_path(LX_unlinkat, cwd, a[0], LX_AT_REMOVEDIR, 0, 0);
	case LX_unlinkat:
		if ((int32_t)a[2] & ~LX_AT_REMOVEDIR)
			return -LX_EINVAL;
		return do_path(LX_unlinkat, (int64_t)a[0], a[1], (int32_t)a[2], 0, 0);
	case LX_rename:
		return do_path(LX_renameat, cwd, a[0], 0, cwd, a[1]);
	case LX_renameat:
		return do_path(LX_renameat, (int64_t)a[0], a[1], 0, (int64_t)a[2], a[3]);
	case LX_symlink:
		return do_link(LX_symlinkat, 0, a[0], cwd, a[1], 0);
	case LX_symlinkat:
		return do_link(LX_symlinkat, 0, a[0], (int64_t)a[1], a[2], 0);
	case LX_link:
		return do_link(LX_linkat, cwd, a[0], cwd, a[1], 0);
	case LX_linkat:
		return do_link(LX_linkat, (int64_t)a[0], a[1], (int64_t)a[2], a[3], (int64_t)a[4]);
	case LX_utimensat:
		return do_setattr(LX_utimensat, (int64_t)a[0], a[1], a[2], (int32_t)a[3]);
	case LX_chmod:
		return do_setattr(LX_fchmodat, cwd, a[0], a[1], 0);
	case LX_fchmodat:
		return do_setattr(LX_fchmodat, (int64_t)a[0], a[1], a[2], 0);
	case LX_fchmod:
		return do_setattr(LX_fchmod, (int64_t)a[0], 0, a[1], 0);
	case LX_getcwd:
		return do_getcwd(a[0], a[1]);
	case LX_chdir:
		return do_chdir(a[0]);
	}
	*handled = 0;
	return -LX_ENOSYS;
}
