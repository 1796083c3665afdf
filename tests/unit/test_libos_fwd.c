/* Host unit tests of the libOS forwarding layer (libos/fwd*.c, iago.c,
 * fd.c) against the runner's host-call server (tools/miee-run/hostcall*.c)
 * over a fake core: the program's memory is a plain buffer, hc_call()
 * calls the server on a shared buffer (tests/unit/support/libos/fake_hc.c). Real files, pipes and sockets go
 * through the pair; every hostile lie must be caught with -EIO and the
 * named check, with the fd table unchanged. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "fd.h"

void fwd_ra_drop(void);	/* libos/fwd.h (its linux.h clashes with <sys/stat.h>) */
#include "../tools/miee-run/hostcall.h"
#include "support/libos/fake_hc.h"

/* ---- the fake core */
#define UBASE 0x10000000ull
#define USIZE (8u << 20)
static unsigned char *umem;
static uint64_t ubrk;
static char last_log[512];
static int nlogs;

static int urange(uint64_t a, size_t n)
{
	return a >= UBASE && n <= USIZE && a - UBASE <= USIZE - n;
}

int copy_from_user(void *dst, uint64_t uaddr, size_t n)
{
	if (!urange(uaddr, n))
		return -EFAULT;
	memcpy(dst, umem + (uaddr - UBASE), n);
	return 0;
}

int copy_to_user(uint64_t uaddr, const void *src, size_t n)
{
	if (!urange(uaddr, n))
		return -EFAULT;
	memcpy(umem + (uaddr - UBASE), src, n);
	return 0;
}

void libos_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlogs++;
}

/* ---- helpers */
static char dir[PATH_MAX], rodir[PATH_MAX], outside[PATH_MAX];

static uint64_t ualloc(size_t n)
{
	uint64_t a = UBASE + ubrk;

	ubrk = (ubrk + n + 15) & ~15ull;
	assert_true(ubrk <= USIZE);
	memset(umem + (a - UBASE), 0, n);
	return a;
}

static void *up(uint64_t a)
{
	return umem + (a - UBASE);
}

static uint64_t ustr(const char *s)
{
	uint64_t a = ualloc(strlen(s) + 1);

	strcpy(up(a), s);
	return a;
}

static long sc(unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
	       uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t a[6] = { a0, a1, a2, a3, a4, a5 };
	int handled = 0;
	long r = libos_forward(nr, a, &handled);

	assert_int_equal(handled, 1);
	return r;
}
#define SC(nr, ...) sc(nr, ##__VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sc(nr, a, b, c, d, e, f, ...) sc(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), \
	(uint64_t)(d), (uint64_t)(e), (uint64_t)(f))

static void put_file(const char *d, const char *name, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", d, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char p[PATH_MAX * 3];
	struct manifest_error merr;

	(void)state;
	umem = calloc(1, USIZE);
	if (!umem || fake_hc_init())
		return -1;
	ubrk = 0;
	strcpy(dir, "/tmp/libosfwd-rw-XXXXXX");
	strcpy(rodir, "/tmp/libosfwd-ro-XXXXXX");
	strcpy(outside, "/tmp/libosfwd-out-XXXXXX");
	if (!mkdtemp(dir) || !mkdtemp(rodir) || !mkdtemp(outside))
		return -1;
	put_file(rodir, "ro.txt", "read only\n");
	put_file(outside, "secret", "do not read\n");
	snprintf(p, sizeof(p), "%s/secret", outside);
	snprintf(p + 2 * PATH_MAX, PATH_MAX, "%.4000s/escape", dir);
	if (symlink(p, p + 2 * PATH_MAX))
		return -1;
	if (hostcall_init(&fake_hc_srv) || hostcall_add_root(&fake_hc_srv, dir, 1) ||
	    hostcall_add_root(&fake_hc_srv, rodir, 0) ||
	    hostcall_add_rule(&fake_hc_srv, "connect 127.0.0.0/8 *", &merr) ||
	    hostcall_add_rule(&fake_hc_srv, "bind 0-65535", &merr))
		return -1;
	strcpy(fake_hc_srv.cwd, dir);
	fd_init();
	nlogs = 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[4 * PATH_MAX];

	(void)state;
	for (int fd = 3; fd < LIBOS_FD_MAX; fd++)
		if (fd_host(fd) >= 0)
			close(fd_host(fd));
	hostcall_fini(&fake_hc_srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", dir, rodir, outside);
	if (system(cmd))
		return -1;
	free(umem);
	fake_hc_fini();
	return 0;
}

static long xopen(const char *path, int flags)
{
	return SC(SYS_open, ustr(path), flags, 0644);
}

/* ---- real round trips */

/* Runs first, before any fd_init(): the libOS core never calls it, so
 * the zeroed table itself must mean 0, 1, 2 open and the rest closed. */
static void test_table_before_init(void **state)
{
	(void)state;
	assert_int_equal(fd_host(0), 0);
	assert_int_equal(fd_host(1), 1);
	assert_int_equal(fd_host(2), 2);
	assert_int_equal(fd_host(3), -EBADF);
	assert_int_equal(fd_lowest_free(0), 3);
	assert_int_equal(fd_host_used(0), 1);
	assert_int_equal(fd_host_used(5), 0);
}

static void test_file_io(void **state)
{
	uint64_t buf = ualloc(4096), st = ualloc(sizeof(struct stat));
	uint64_t iov = ualloc(2 * sizeof(struct iovec));
	struct iovec *v = up(iov);
	long fd;

	(void)state;
	fd = xopen("f.txt", O_RDWR | O_CREAT | O_TRUNC);
	assert_true(fd >= 3);
	memcpy(up(buf), "hello world\n", 12);
	assert_int_equal(SC(SYS_write, fd, buf, 12), 12);
	assert_int_equal(SC(SYS_lseek, fd, 0, SEEK_SET), 0);
	memset(up(buf), 0, 64);
	assert_int_equal(SC(SYS_read, fd, buf, 64), 12);
	assert_memory_equal(up(buf), "hello world\n", 12);
	assert_int_equal(SC(SYS_pread64, fd, buf, 5, 6), 5);
	assert_memory_equal(up(buf), "world", 5);
	memcpy(up(buf), "HELLO", 5);
	assert_int_equal(SC(SYS_pwrite64, fd, buf, 5, 0), 5);
	assert_int_equal(SC(SYS_fstat, fd, st), 0);
	assert_int_equal(((struct stat *)up(st))->st_size, 12);
	assert_true(S_ISREG(((struct stat *)up(st))->st_mode));
	/* writev then readv across two iovecs */
	memcpy(up(buf), "abcXYZ", 6);
	v[0] = (struct iovec){ (void *)(uintptr_t)buf, 3 };
	v[1] = (struct iovec){ (void *)(uintptr_t)(buf + 3), 3 };
	assert_int_equal(SC(SYS_lseek, fd, 0, SEEK_END), 12);
	assert_int_equal(SC(SYS_writev, fd, iov, 2), 6);
	assert_int_equal(SC(SYS_lseek, fd, 12, SEEK_SET), 12);
	memset(up(buf), 0, 6);
	assert_int_equal(SC(SYS_readv, fd, iov, 2), 6);
	assert_memory_equal(up(buf), "abcXYZ", 6);
	assert_int_equal(SC(SYS_ftruncate, fd, 4), 0);
	assert_int_equal(SC(SYS_fsync, fd), 0);
	assert_int_equal(SC(SYS_stat, ustr("f.txt"), st), 0);
	assert_int_equal(((struct stat *)up(st))->st_size, 4);
	assert_int_equal(SC(SYS_close, fd), 0);
	assert_int_equal(fd_host(fd), -EBADF);
	assert_int_equal(SC(SYS_close, fd), -EBADF);
	assert_int_equal(SC(SYS_read, 77, buf, 1), -EBADF);
}

/* Writes and reads larger than data[] are split into chunks. */
static void test_big_io(void **state)
{
	const size_t n = 5 * LIBOS_HC_DATA_MAX / 2;
	uint64_t buf = ualloc(n), back = ualloc(n);
	size_t got = 0;
	long fd, r;

	(void)state;
	for (size_t i = 0; i < n; i++)
		((unsigned char *)up(buf))[i] = (unsigned char)(i * 7 + 3);
	fd = xopen("big", O_RDWR | O_CREAT | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(SC(SYS_write, fd, buf, n), (long)n);
	assert_int_equal(SC(SYS_lseek, fd, 0, SEEK_SET), 0);
	while (got < n && (r = SC(SYS_read, fd, back + got, n - got)) > 0) {
		assert_true((size_t)r <= LIBOS_HC_DATA_MAX);
		got += (size_t)r;
	}
	assert_int_equal(got, n);
	assert_memory_equal(up(buf), up(back), n);
	assert_int_equal(SC(SYS_close, fd), 0);
}

static void test_dirs(void **state)
{
	uint64_t buf = ualloc(8192), st = ualloc(sizeof(struct stat));
	long fd, n;
	int found = 0;

	(void)state;
	assert_int_equal(SC(SYS_mkdir, ustr("sub"), 0755), 0);
	assert_int_equal(SC(SYS_mkdir, ustr("sub"), 0755), -EEXIST);
	put_file(dir, "sub/a", "A");
	assert_int_equal(SC(SYS_rename, ustr("sub/a"), ustr("sub/b")), 0);
	assert_int_equal(SC(SYS_access, ustr("sub/b"), R_OK), 0);
	assert_int_equal(SC(SYS_access, ustr("sub/a"), F_OK), -ENOENT);
	fd = xopen("sub", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	n = SC(SYS_getdents64, fd, buf, 8192);
	assert_true(n > 0);
	for (long pos = 0; pos < n;) {
		unsigned char *d = (unsigned char *)up(buf) + pos;
		uint16_t reclen;

		memcpy(&reclen, d + 16, 2);
		found |= !strcmp((char *)d + 19, "b");
		pos += reclen;
	}
	assert_true(found);
	/* dirfd-relative */
	assert_int_equal(SC(SYS_newfstatat, fd, ustr("b"), st, 0), 0);
	assert_int_equal(((struct stat *)up(st))->st_size, 1);
	assert_int_equal(SC(SYS_close, fd), 0);
	/* readlink, lstat of the symlink */
	n = SC(SYS_readlink, ustr("escape"), buf, 4096);
	assert_true(n > 0);
	assert_int_equal(SC(SYS_lstat, ustr("escape"), st), 0);
	assert_true(S_ISLNK(((struct stat *)up(st))->st_mode));
	/* chdir, getcwd */
	assert_int_equal(SC(SYS_chdir, ustr("sub")), 0);
	n = SC(SYS_getcwd, buf, 4096);
	assert_int_equal(n, (long)strlen(dir) + 5);
	assert_true(!strncmp(up(buf), dir, strlen(dir)));
	assert_int_equal(SC(SYS_getcwd, buf, 3), -ERANGE);
	assert_int_equal(SC(SYS_unlink, ustr("b")), 0);
	assert_int_equal(SC(SYS_chdir, ustr("..")), 0);
	assert_int_equal(SC(SYS_rmdir, ustr("sub")), 0);
	assert_int_equal(SC(SYS_access, ustr("sub"), F_OK), -ENOENT);
}

/* The --ro/--rw rules: writes under --ro, anything outside the roots,
 * ".." escapes, symlinks out of the tree and /proc are refused. */
static void test_path_rules(void **state)
{
	char p[PATH_MAX * 2];
	long fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/ro.txt", rodir);
	fd = xopen(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(SC(SYS_close, fd), 0);
	assert_int_equal(xopen(p, O_WRONLY), -EACCES);
	assert_int_equal(xopen(p, O_RDONLY | O_TRUNC), -EACCES);
	snprintf(p, sizeof(p), "%s/new", rodir);
	assert_int_equal(xopen(p, O_RDWR | O_CREAT), -EACCES);
	assert_int_equal(SC(SYS_mkdir, ustr(p), 0755), -EACCES);
	snprintf(p, sizeof(p), "%s/secret", outside);
	assert_int_equal(xopen(p, O_RDONLY), -EACCES);
	snprintf(p, sizeof(p), "%s/../%s/secret", dir, strrchr(outside, '/') + 1);
	assert_int_equal(xopen(p, O_RDONLY), -EACCES);
	assert_int_equal(xopen("../../../../../../../../etc/passwd", O_RDONLY), -EACCES);
	assert_int_equal(xopen("/etc/passwd", O_RDONLY), -EACCES);
	/* the symlink inside the root pointing out of it (the policy: EACCES) */
	assert_int_equal(xopen("escape", O_RDONLY), -EACCES);
	assert_int_equal(SC(SYS_stat, ustr("escape"), ualloc(sizeof(struct stat))), -EACCES);
	assert_int_equal(xopen("/proc/self/root/etc/passwd", O_RDONLY), -EACCES);
	assert_int_equal(SC(SYS_rename, ustr("escape"), ustr(p)), -EACCES);
	assert_int_equal(SC(SYS_chdir, ustr("/")), -EACCES);
	/* a one-file root: only that file */
	snprintf(p, sizeof(p), "%s/secret", outside);
	assert_int_equal(hostcall_add_root(&fake_hc_srv, p, 0), 0);
	fd = xopen(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(SC(SYS_close, fd), 0);
	assert_int_equal(xopen(outside, O_RDONLY), -EACCES);
	assert_int_equal(xopen(p, O_RDWR), -EACCES);
}

static void test_pipe_poll_dup(void **state)
{
	uint64_t fds = ualloc(8), buf = ualloc(64), pfd = ualloc(3 * sizeof(struct pollfd));
	uint64_t set = ualloc(128), ts = ualloc(16);
	struct pollfd *p = up(pfd);
	int32_t *f = up(fds);
	long d;

	(void)state;
	assert_int_equal(SC(SYS_pipe2, fds, O_CLOEXEC), 0);
	assert_true(f[0] >= 3 && f[1] > f[0]);
	p[0] = (struct pollfd){ f[0], POLLIN, 0 };
	p[1] = (struct pollfd){ -1, POLLIN, 0 };
	p[2] = (struct pollfd){ 900, POLLIN, 0 };	/* not open: POLLNVAL */
	assert_int_equal(SC(SYS_poll, pfd, 3, 0), 1);
	assert_int_equal(p[0].revents, 0);
	assert_int_equal(p[2].revents, POLLNVAL);
	memcpy(up(buf), "ping", 4);
	assert_int_equal(SC(SYS_write, f[1], buf, 4), 4);
	assert_int_equal(SC(SYS_poll, pfd, 2, 1000), 1);
	assert_int_equal(p[0].revents, POLLIN);
	/* select on the same pipe */
	((uint64_t *)up(set))[0] = 1ull << f[0];
	assert_int_equal(SC(SYS_select, f[0] + 1, set, 0, 0, 0), 1);
	assert_int_equal(((uint64_t *)up(set))[0], 1ull << f[0]);
	((int64_t *)up(ts))[0] = 0;
	((int64_t *)up(ts))[1] = 0;
	((uint64_t *)up(set))[0] = 1ull << f[1];
	assert_int_equal(SC(SYS_pselect6, f[1] + 1, 0, set, 0, ts, 0), 1);
	/* dup family and fcntl */
	d = SC(SYS_dup, f[0]);
	assert_true(d > f[1]);
	assert_int_equal(SC(SYS_dup2, f[0], 40), 40);
	assert_int_equal(SC(SYS_dup2, 40, 40), 40);
	assert_int_equal(SC(SYS_dup3, f[0], 40, O_CLOEXEC), 40);
	assert_int_equal(SC(SYS_dup3, 40, 40, 0), -EINVAL);
	assert_int_equal(SC(SYS_fcntl, 40, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(SYS_fcntl, 40, F_SETFD, 0), 0);
	assert_int_equal(SC(SYS_fcntl, 40, F_GETFD), 0);
	assert_int_equal(SC(SYS_fcntl, f[0], F_DUPFD, 100), 100);
	assert_int_equal(SC(SYS_fcntl, f[0], F_DUPFD_CLOEXEC, 100), 101);
	assert_int_equal(SC(SYS_fcntl, f[0], F_SETFL, O_NONBLOCK), 0);
	assert_true(SC(SYS_fcntl, f[0], F_GETFL) & O_NONBLOCK);
	assert_int_equal(SC(SYS_fcntl, f[0], F_SETLK, 0), -EINVAL);
	assert_int_equal(SC(SYS_read, 100, buf, 64), 4);
	assert_memory_equal(up(buf), "ping", 4);
	assert_int_equal(SC(SYS_read, 101, buf, 64), -EAGAIN);
	assert_int_equal(SC(SYS_ioctl, f[0], 0x1234, buf), -ENOTTY);
	assert_int_equal(SC(SYS_ioctl, f[0], 0x5413 /* TIOCGWINSZ */, buf), -ENOTTY);
	for (long i = 0; i < 3; i++)
		assert_int_equal(fd_host_used(fd_host(f[0])), 1);
	assert_int_equal(SC(SYS_close, 40), 0);
	assert_int_equal(SC(SYS_close, d), 0);
	/* nanosleep with a remaining-time buffer */
	((int64_t *)up(ts))[0] = 0;
	((int64_t *)up(ts))[1] = 1000000;
	assert_int_equal(SC(SYS_nanosleep, ts, ualloc(16)), 0);
	((int64_t *)up(ts))[1] = 1000000000;
	assert_int_equal(SC(SYS_nanosleep, ts, 0), -EINVAL);
}

/* Loopback TCP and UDP through the pair. */
static void test_sockets(void **state)
{
	uint64_t sa = ualloc(128), len = ualloc(4), buf = ualloc(256), msg = ualloc(64);
	uint64_t iov = ualloc(sizeof(struct iovec)), val = ualloc(8);
	struct sockaddr_in *in = up(sa);
	long ls, cs, as, us, us2;
	struct msghdr *m = up(msg);
	struct iovec *v = up(iov);

	(void)state;
	assert_int_equal(SC(SYS_socket, AF_UNIX, SOCK_STREAM, 0), -EAFNOSUPPORT);
	ls = SC(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	*(int *)up(val) = 1;
	assert_int_equal(SC(SYS_setsockopt, ls, SOL_SOCKET, SO_REUSEADDR, val, 4), 0);
	assert_int_equal(SC(SYS_setsockopt, ls, SOL_SOCKET, 99, val, 4), -ENOPROTOOPT);
	*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(SC(SYS_bind, ls, sa, sizeof(*in)), 0);
	assert_int_equal(SC(SYS_listen, ls, 4), 0);
	*(uint32_t *)up(len) = 128;
	assert_int_equal(SC(SYS_getsockname, ls, sa, len), 0);
	assert_int_equal(*(uint32_t *)up(len), sizeof(*in));
	assert_true(in->sin_port != 0);
	cs = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(SC(SYS_connect, cs, sa, sizeof(*in)), 0);
	*(uint32_t *)up(len) = 128;
	as = SC(SYS_accept4, ls, sa, len, SOCK_CLOEXEC);
	assert_true(as >= 0);
	assert_int_equal(*(uint32_t *)up(len), sizeof(*in));
	memcpy(up(buf), "over loopback", 13);
	assert_int_equal(SC(SYS_sendto, cs, buf, 13, 0, 0, 0), 13);
	memset(up(buf), 0, 13);
	assert_int_equal(SC(SYS_recvfrom, as, buf, 256, 0, 0, 0), 13);
	assert_memory_equal(up(buf), "over loopback", 13);
	/* sendmsg / recvmsg */
	v[0] = (struct iovec){ (void *)(uintptr_t)buf, 5 };
	*m = (struct msghdr){ .msg_iov = (void *)(uintptr_t)iov, .msg_iovlen = 1 };
	memcpy(up(buf), "hello", 5);
	assert_int_equal(SC(SYS_sendmsg, as, msg, 0), 5);
	memset(up(buf), 0, 5);
	v[0].iov_len = 64;
	assert_int_equal(SC(SYS_recvmsg, cs, msg, 0), 5);
	assert_memory_equal(up(buf), "hello", 5);
	m->msg_control = (void *)(uintptr_t)buf;
	m->msg_controllen = 16;
	assert_int_equal(SC(SYS_sendmsg, as, msg, 0), -EOPNOTSUPP);
	*(uint32_t *)up(len) = 4;
	assert_int_equal(SC(SYS_getsockopt, cs, SOL_SOCKET, SO_TYPE, val, len), 0);
	assert_int_equal(*(int *)up(val), SOCK_STREAM);
	*(uint32_t *)up(len) = 128;
	assert_int_equal(SC(SYS_getpeername, cs, sa, len), 0);
	assert_int_equal(SC(SYS_shutdown, cs, SHUT_WR), 0);
	assert_int_equal(SC(SYS_recvfrom, as, buf, 256, 0, 0, 0), 0);
	/* UDP with addresses */
	us = SC(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	us2 = SC(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(SC(SYS_bind, us, sa, sizeof(*in)), 0);
	*(uint32_t *)up(len) = 128;
	assert_int_equal(SC(SYS_getsockname, us, sa, len), 0);
	memcpy(up(buf), "dgram", 5);
	assert_int_equal(SC(SYS_sendto, us2, buf, 5, 0, sa, sizeof(*in)), 5);
	*(uint32_t *)up(len) = 2;	/* a short address buffer: truncated */
	memset(up(sa), 0, 16);
	assert_int_equal(SC(SYS_recvfrom, us, buf, 256, 0, sa, len), 5);
	assert_int_equal(*(uint32_t *)up(len), sizeof(*in));
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(in->sin_port, 0);	/* not written past the 2 bytes */
	for (long fd = ls; fd <= us2; fd++)
		assert_int_equal(SC(SYS_close, fd), 0);
}

/* ---- the server's own checks */

static void test_server_bounds(void **state)
{
	struct libos_hc *hc = &fake_hc_shared->hc;
	int fd = open("/dev/null", O_RDONLY);	/* the runner's, not the MIEE's */

	(void)state;
	memset(hc, 0, sizeof(*hc));
	hc->magic = LIBOS_HC_MAGIC;
	hc->nr = SYS_read;
	hc->args[0] = 0;
	hc->args[1] = 16;
	hc->args[2] = 100;
	hc->in_len = 64;	/* [16, 116) is past in_len */
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	assert_int_equal(hc->ret, -EINVAL);
	hc->in_len = LIBOS_HC_DATA_MAX + 1;
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	hc->in_len = 200;
	hc->args[1] = -8;
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	hc->args[1] = INT64_MAX;
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	/* an fd the runner holds but never gave the MIEE */
	hc->args[0] = fd;
	hc->args[1] = 0;
	hc->args[2] = 10;
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 0);
	assert_int_equal(hc->ret, -EBADF);
	/* a path without its NUL inside in_len */
	hc->nr = SYS_openat;
	hc->args[0] = AT_FDCWD;
	hc->args[1] = 0;
	hc->in_len = 8;
	memset(fake_hc_shared->data, 'a', 8);
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	/* a path longer than PATH_MAX (the libOS never sends one): refused,
	 * not cut (cut, "././...missing" would open the cwd) */
	hc->in_len = 3 * PATH_MAX;
	for (uint64_t i = 0; i + 1 < hc->in_len; i += 2)
		memcpy(fake_hc_shared->data + i, "./", 2);
	strcpy((char *)fake_hc_shared->data + hc->in_len - 8, "missing");
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 0);
	assert_int_equal(hc->ret, -ENAMETOOLONG);
	hc->magic = 0;
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	hc->magic = LIBOS_HC_MAGIC;
	hc->nr = 59;		/* execve: not forwarded */
	assert_int_equal(hostcall_serve(&fake_hc_srv, hc, fake_hc_shared->data), 1);
	assert_int_equal(hc->ret, -ENOSYS);
	close(fd);
	unsetenv("MIEE_RUN_TEST_HOSTILE");
	assert_int_equal(hostcall_set_lie(&fake_hc_srv, "read-count"), -EPERM);
	assert_int_equal(fake_hc_srv.lie, 0);
}

/* ---- the hostile runner: every lie caught */

struct lie_case {
	const char *name;
	const char *log;	/* "iago: CALL: CHECK" */
};

static const struct lie_case cases[] = {
	{ "read-count", "iago: read: count > requested" },
	{ "read-outlen", "iago: read: out_len" },
	{ "read-errno", "iago: read: errno whitelist" },
	{ "read-negative", "iago: read: errno range" },
	{ "write-count", "iago: write: count > requested" },
	{ "pread-count", "iago: pread64: count > requested" },
	{ "readv-count", "iago: readv: count > requested" },
	{ "writev-count", "iago: writev: count > requested" },
	{ "lseek-range", "iago: lseek: offset range" },
	{ "open-fd-range", "iago: openat: fd range" },
	{ "open-fd-in-table", "iago: openat: fd already in the table" },
	{ "open-errno", "iago: openat: errno whitelist" },
	{ "close-ret", "iago: close: ret not 0" },
	{ "dup-fd-range", "iago: dup: fd range" },
	{ "dup-fd-in-table", "iago: dup: fd already in the table" },
	{ "fstat-size", "iago: fstat: stat size" },
	{ "fstat-mode", "iago: fstat: stat mode" },
	{ "fstat-blocks", "iago: fstat: stat blocks" },
	{ "fstat-outlen", "iago: fstat: out_len" },
	{ "stat-nsec", "iago: newfstatat: stat nsec" },
	{ "statx-size", "iago: statx: statx size" },
	{ "dents-reclen0", "iago: getdents64: dirent reclen" },
	{ "dents-unaligned", "iago: getdents64: dirent reclen" },
	{ "dents-past-end", "iago: getdents64: dirent past end" },
	{ "dents-no-nul", "iago: getdents64: dirent name" },
	{ "dents-count", "iago: getdents64: count > requested" },
	{ "readlink-count", "iago: readlinkat: count > requested" },
	{ "getcwd-no-nul", "iago: getcwd: string NUL" },
	{ "getcwd-relative", "iago: getcwd: not absolute" },
	{ "pipe-same-fd", "iago: pipe2: same fd twice" },
	{ "pipe-fd-range", "iago: pipe2: fd range or already in the table" },
	{ "poll-count", "iago: poll: ret > limit" },
	{ "poll-revents", "iago: poll: revents not requested" },
	{ "poll-ready", "iago: poll: ready count" },
	{ "poll-negative-fd", "iago: poll: revents for unrequested fd" },
	{ "sleep-remaining", "iago: clock_nanosleep: remaining > requested" },
	{ "socket-fd-range", "iago: socket: fd range" },
	{ "accept-addrlen", "iago: accept4: addrlen > buffer" },
	{ "sockname-addrlen", "iago: getsockname: addrlen > buffer" },
	{ "recvfrom-count", "iago: recvfrom: count > requested" },
	{ "recvfrom-addrlen", "iago: recvfrom: addrlen > buffer" },
	{ "sendto-count", "iago: sendto: count > requested" },
	{ "recvmsg-namelen", "iago: recvmsg: addrlen > buffer" },
	{ "recvmsg-flags", "iago: recvmsg: msg_flags" },
	{ "getsockopt-optlen", "iago: getsockopt: optlen > buffer" },
	{ "ioctl-outlen", "iago: ioctl: out_len" },
	{ "fcntl-getfd", "iago: fcntl: ret > limit" },
	{ "connect-errno", "iago: connect: errno whitelist" },
	{ "sendmsg-count", "iago: sendmsg: count > requested" },
};

/* Sockets prepared before the lie: a listener with a pending connection,
 * a connected pair, and a UDP socket with a datagram waiting. */
struct net {
	long ls, cs, as, us, extra;
	uint64_t sa, len;
};

static void net_setup(struct net *n)
{
	struct sockaddr_in *in;
	uint64_t buf = ualloc(8);
	long c2, u2;

	n->sa = ualloc(128);
	n->len = ualloc(4);
	in = up(n->sa);
	n->ls = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
	*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(SC(SYS_bind, n->ls, n->sa, sizeof(*in)), 0);
	assert_int_equal(SC(SYS_listen, n->ls, 4), 0);
	*(uint32_t *)up(n->len) = 128;
	assert_int_equal(SC(SYS_getsockname, n->ls, n->sa, n->len), 0);
	n->cs = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(SC(SYS_connect, n->cs, n->sa, sizeof(*in)), 0);
	n->as = SC(SYS_accept4, n->ls, 0, 0, 0);
	c2 = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(SC(SYS_connect, c2, n->sa, sizeof(*in)), 0);	/* pending */
	memcpy(up(buf), "data", 4);
	assert_int_equal(SC(SYS_sendto, n->cs, buf, 4, 0, 0, 0), 4);
	n->us = SC(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	u2 = SC(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	*in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(SC(SYS_bind, n->us, n->sa, sizeof(*in)), 0);
	*(uint32_t *)up(n->len) = 128;
	assert_int_equal(SC(SYS_getsockname, n->us, n->sa, n->len), 0);
	assert_int_equal(SC(SYS_sendto, u2, buf, 4, 0, n->sa, sizeof(*in)), 4);
	*(uint32_t *)up(n->len) = 128;
	n->extra = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

/* Make the call lie i targets; its result. */
static long trigger(unsigned int nr, long fd, long dfd, long pr, long pw,
		    const struct net *n)
{
	uint64_t buf = ualloc(4096), iov = ualloc(sizeof(struct iovec));
	uint64_t msg = ualloc(sizeof(struct msghdr)), pfd = ualloc(2 * sizeof(struct pollfd));
	struct iovec *v = up(iov);
	struct msghdr *m = up(msg);
	struct pollfd *p = up(pfd);
	uint64_t ts = ualloc(16);

	v[0] = (struct iovec){ (void *)(uintptr_t)buf, 8 };
	switch (nr) {
	case SYS_read: return SC(SYS_read, fd, buf, 5);
	case SYS_write: return SC(SYS_write, fd, buf, 5);
	case SYS_pread64: return SC(SYS_pread64, fd, buf, 5, 0);
	case SYS_readv: return SC(SYS_readv, fd, iov, 1);
	case SYS_writev: return SC(SYS_writev, fd, iov, 1);
	case SYS_lseek: return SC(SYS_lseek, fd, 0, SEEK_SET);
	case SYS_openat: return xopen("f", O_RDONLY);
	case SYS_close: return SC(SYS_close, fd);
	case SYS_dup: return SC(SYS_dup, fd);
	case SYS_fstat: return SC(SYS_fstat, fd, buf);
	case SYS_newfstatat: return SC(SYS_stat, ustr("f"), buf);
	case SYS_statx: return SC(SYS_statx, AT_FDCWD, ustr("f"), 0, 0x7ff, buf);
	case SYS_getdents64: return SC(SYS_getdents64, dfd, buf, 4096);
	case SYS_readlinkat: return SC(SYS_readlink, ustr("escape"), buf, 16);
	case SYS_getcwd: return SC(SYS_getcwd, buf, 4096);
	case SYS_pipe2: return SC(SYS_pipe2, buf, 0);
	case SYS_poll:
		p[0] = (struct pollfd){ pr, POLLIN, 0 };
		p[1] = (struct pollfd){ -1, POLLIN, 0 };
		return SC(SYS_poll, pfd, 2, 0);
	case SYS_clock_nanosleep:
		((int64_t *)up(ts))[1] = 1000;
		return SC(SYS_nanosleep, ts, ualloc(16));
	case SYS_socket: return SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
	case SYS_accept4: return SC(SYS_accept4, n->ls, n->sa, n->len, 0);
	case SYS_getsockname: return SC(SYS_getsockname, n->ls, n->sa, n->len);
	case SYS_recvfrom: return SC(SYS_recvfrom, n->us, buf, 64, 0, n->sa, n->len);
	case SYS_sendto: return SC(SYS_sendto, n->cs, buf, 4, 0, 0, 0);
	case SYS_recvmsg:
		*m = (struct msghdr){ .msg_name = (void *)(uintptr_t)n->sa, .msg_namelen = 128,
				      .msg_iov = (void *)(uintptr_t)iov, .msg_iovlen = 1 };
		return SC(SYS_recvmsg, n->us, msg, 0);
	case SYS_sendmsg:
		*m = (struct msghdr){ .msg_iov = (void *)(uintptr_t)iov, .msg_iovlen = 1 };
		return SC(SYS_sendmsg, n->cs, msg, 0);
	case SYS_getsockopt:
		*(uint32_t *)up(n->len) = 4;
		return SC(SYS_getsockopt, n->cs, SOL_SOCKET, SO_TYPE, buf, n->len);
	case SYS_ioctl: return SC(SYS_ioctl, pw, 0x5413, buf);
	case SYS_fcntl: return SC(SYS_fcntl, fd, F_GETFD);
	case SYS_connect: return SC(SYS_connect, n->extra, n->sa, 16);
	}
	fail_msg("no trigger for syscall %u", nr);
	return 0;
}

static void test_lies(void **state)
{
	int32_t before[LIBOS_FD_MAX], after[LIBOS_FD_MAX];
	int ncases = (int)(sizeof(cases) / sizeof(cases[0]));

	(void)state;
	setenv("MIEE_RUN_TEST_HOSTILE", "1", 1);
	assert_int_equal(hostcall_lie_count(), ncases);
	assert_true(ncases >= 30);
	put_file(dir, "f", "0123456789abcdef");
	for (int i = 0; i < ncases; i++) {
		unsigned int nr;
		const char *name = hostcall_lie_name(i, &nr);
		long fd, dfd, r;
		uint64_t fds = ualloc(8);
		struct net n;
		int lies_before = nlogs;

		assert_string_equal(name, cases[i].name);
		fd_init();
		fd = xopen("f", O_RDWR);
		dfd = xopen(".", O_RDONLY | O_DIRECTORY);
		assert_int_equal(SC(SYS_pipe2, fds, 0), 0);
		net_setup(&n);
		{
			/* data on the pipe for poll */
			uint64_t b = ustr("x");

			assert_int_equal(SC(SYS_write, ((int32_t *)up(fds))[1], b, 1), 1);
		}
		assert_int_equal(nlogs, lies_before);
		fd_snapshot(before);
		assert_int_equal(hostcall_set_lie(&fake_hc_srv, name), 0);
		r = trigger(nr, fd, dfd, ((int32_t *)up(fds))[0], ((int32_t *)up(fds))[1], &n);
		assert_int_equal(hostcall_set_lie(&fake_hc_srv, NULL), 0);
		fd_snapshot(after);
		if (r != -EIO || strcmp(last_log, cases[i].log))
			fail_msg("lie %s: ret %ld, log '%s', want -EIO and '%s'", name, r,
				 last_log, cases[i].log);
		assert_memory_equal(before, after, sizeof(before));
		/* the libOS goes on: the same call without the lie works */
		/* (the lying close did close the host fd: check another) */
		r = SC(SYS_fstat, nr == SYS_close ? dfd : fd, ualloc(sizeof(struct stat)));
		if (r != 0)
			fail_msg("lie %s: fstat after it: %ld (%s)", name, r, last_log);
		for (int f = 3; f < LIBOS_FD_MAX; f++)
			if (fd_host(f) >= 0)
				SC(SYS_close, f);
		ubrk = 0;
	}
}

/* ---- symlinkat, linkat, utimensat, fchmodat, fchmod */
static void test_link_attr(void **state)
{
	uint64_t buf = ualloc(256), ts = ualloc(2 * sizeof(struct timespec));
	struct timespec *t = up(ts);
	char p[PATH_MAX * 2];
	struct stat a, b;
	long fd;

	(void)state;
	put_file(dir, "f", "data\n");
	/* symlink: made in the rw tree, read back; not in the ro tree */
	assert_int_equal(SC(SYS_symlink, ustr("f"), ustr("sl")), 0);
	assert_int_equal(SC(SYS_readlink, ustr("sl"), buf, 256), 1);
	assert_memory_equal(up(buf), "f", 1);
	snprintf(p, sizeof(p), "%s/sl2", rodir);
	assert_int_equal(SC(SYS_symlinkat, ustr("x"), AT_FDCWD, ustr(p)), -EACCES);
	assert_int_equal(SC(SYS_symlink, ustr("f"), ustr("sl")), -EEXIST);
	/* link: same inode; from the ro tree refused; AT_SYMLINK_FOLLOW refused */
	assert_int_equal(SC(SYS_link, ustr("f"), ustr("hl")), 0);
	snprintf(p, sizeof(p), "%s/f", dir);
	assert_int_equal(stat(p, &a), 0);
	snprintf(p, sizeof(p), "%s/hl", dir);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	snprintf(p, sizeof(p), "%s/ro.txt", rodir);
	assert_int_equal(SC(SYS_link, ustr(p), ustr("ro-link")), -EACCES);
	snprintf(p, sizeof(p), "%s/ro-link", dir);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(SC(SYS_linkat, AT_FDCWD, ustr("f"), AT_FDCWD, ustr("hl2"), AT_SYMLINK_FOLLOW), -EINVAL);
	/* the PAL's own link opens (its only name was f); a hard link into
	 * the tree from outside does not, nor does a link the PAL makes of it */
	fd = xopen("hl", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(SC(SYS_read, fd, buf, 256), 5);
	assert_memory_equal(up(buf), "data\n", 5);
	SC(SYS_close, fd);
	snprintf(p, sizeof(p), "%s/secret", outside);
	snprintf(p + PATH_MAX, PATH_MAX, "%.4000s/out-link", dir);
	assert_int_equal(link(p, p + PATH_MAX), 0);
	assert_int_equal(SC(SYS_link, ustr("out-link"), ustr("out-link2")), 0);
	assert_int_equal(xopen("out-link2", O_RDONLY), -EACCES);
	assert_int_equal(SC(SYS_chmod, ustr("out-link"), 0777), -EACCES);
	assert_int_equal(SC(SYS_utimensat, AT_FDCWD, ustr("out-link2"), 0, 0), -EACCES);
	assert_int_equal(stat(p, &a), 0);
	assert_int_not_equal(a.st_mode & 07777, 0777);
	assert_int_not_equal(a.st_mtim.tv_sec, 1300000000);
	/* chmod by path (through the symlink: its target), not in the ro tree */
	assert_int_equal(SC(SYS_chmod, ustr("sl"), 0600), 0);
	snprintf(p, sizeof(p), "%s/f", dir);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/ro.txt", rodir);
	assert_int_equal(SC(SYS_fchmodat, AT_FDCWD, ustr(p), 0777), -EACCES);
	assert_int_equal(stat(p, &a), 0);
	assert_int_not_equal(a.st_mode & 07777, 0777);
	/* the escaping symlink: nothing outside changes */
	assert_true(SC(SYS_chmod, ustr("escape"), 0777) < 0);
	snprintf(p, sizeof(p), "%s/secret", outside);
	assert_int_equal(stat(p, &a), 0);
	assert_int_not_equal(a.st_mode & 07777, 0777);
	/* fchmod: only an fd opened for writing */
	fd = xopen("f", O_RDONLY);
	assert_int_equal(SC(SYS_fchmod, fd, 0644), -EPERM);
	SC(SYS_close, fd);
	fd = xopen("f", O_RDWR);
	assert_int_equal(SC(SYS_fchmod, fd, 0640), 0);
	snprintf(p, sizeof(p), "%s/f", dir);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0640);
	/* utimensat by path and by fd */
	t[0] = (struct timespec){ 1000000000, 5 };
	t[1] = (struct timespec){ 1200000000, 7 };
	assert_int_equal(SC(SYS_utimensat, AT_FDCWD, ustr("f"), ts, 0), 0);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mtim.tv_sec, 1200000000);
	assert_int_equal(a.st_mtim.tv_nsec, 7);
	assert_int_equal(a.st_atim.tv_sec, 1000000000);
	t[1].tv_sec = 1300000000;
	assert_int_equal(SC(SYS_utimensat, fd, 0, ts, 0), 0);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mtim.tv_sec, 1300000000);
	assert_int_equal(SC(SYS_utimensat, AT_FDCWD, ustr("sl"), ts, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(SC(SYS_utimensat, AT_FDCWD, ustr("f"), ts, 0x1), -EINVAL);
	snprintf(p, sizeof(p), "%s/ro.txt", rodir);
	assert_int_equal(SC(SYS_utimensat, AT_FDCWD, ustr(p), 0, 0), -EACCES);
	SC(SYS_close, fd);
	fd = xopen(p, O_RDONLY);
	assert_int_equal(SC(SYS_utimensat, fd, 0, 0, 0), -EPERM);	/* read-only fd */
	SC(SYS_close, fd);
}

/* ---- read-ahead (libos/fwd_ra.c) */

/* A file of n bytes whose byte i is (i * 7 + i / 4096) & 0xff. */
static void put_pattern(const char *name, size_t n)
{
	char p[PATH_MAX * 2];
	unsigned char *b = malloc(n);
	FILE *f;

	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 7 + i / 4096);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
	free(b);
}

static void check_pattern(uint64_t buf, size_t off, size_t n)
{
	const unsigned char *b = up(buf);

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)((off + i) * 7 + (off + i) / 4096))
			fail_msg("byte %zu of the file wrong", off + i);
}

/* Sequential 4 KiB reads of a 1 MiB file: the same bytes as the file,
 * each read exactly what was asked, far fewer host calls than reads. */
static void test_readahead_sequential(void **state)
{
	const size_t size = 1u << 20;
	uint64_t buf = ualloc(8192);
	uint32_t calls;
	size_t off = 0;
	long fd, r;

	(void)state;
	fwd_ra_drop();
	put_pattern("big", size);
	fd = xopen("big", O_RDONLY);
	assert_true(fd >= 3);
	calls = fake_hc_shared->hc.seq;
	while ((r = SC(SYS_read, fd, buf, 4096)) > 0) {
		assert_int_equal(r, 4096);	/* a regular file: never short */
		check_pattern(buf, off, (size_t)r);
		off += (size_t)r;
	}
	assert_int_equal(r, 0);
	assert_int_equal(off, size);
	/* 256 reads: 2 plain, one fstat, fills of 16, 32, ... 256 KiB, EOF */
	if (fake_hc_shared->hc.seq - calls > 16)
		fail_msg("%u host calls for 256 reads", fake_hc_shared->hc.seq - calls);
	assert_int_equal(SC(SYS_close, fd), 0);
}

/* With threads: several live means plain reads (one host call each, the
 * shared buffer unused: the lock is dropped around host calls), and no
 * transfer is larger than the slot's window (64 KiB with 16 slots), even
 * when the program asks for more; the bytes stay right. */
static void test_readahead_threads(void **state)
{
	const size_t size = 1u << 20;
	uint64_t buf = ualloc(1u << 20);
	uint32_t calls;
	size_t off = 0;
	long fd, r;

	(void)state;
	fwd_ra_drop();
	put_pattern("thr", size);
	fd = xopen("thr", O_RDONLY);
	assert_true(fd >= 3);
	fake_threads_live = 2;
	calls = fake_hc_shared->hc.seq;
	while (off < 64 * 4096 && (r = SC(SYS_read, fd, buf, 4096)) > 0) {
		check_pattern(buf, off, (size_t)r);
		off += (size_t)r;
	}
	assert_int_equal(off, 64 * 4096);
	assert_int_equal(fake_hc_shared->hc.seq - calls, 64);	/* no read-ahead */
	fake_threads_live = 1;
	fake_hc_window = 65536;
	/* back to one thread, small windows: read-ahead fills of at most the
	 * window; a 1 MiB read gets what was buffered plus one plain read
	 * of at most the window */
	while (off < 128 * 4096 && (r = SC(SYS_read, fd, buf, 4096)) > 0) {
		check_pattern(buf, off, (size_t)r);
		off += (size_t)r;
	}
	r = SC(SYS_read, fd, buf, 1u << 20);
	assert_true(r > 0 && r <= 2 * 65536);
	check_pattern(buf, off, (size_t)r);
	off += (size_t)r;
	fwd_ra_drop();		/* nothing buffered: one plain read of the window */
	r = SC(SYS_read, fd, buf, 1u << 20);
	assert_int_equal(r, 65536);
	check_pattern(buf, off, (size_t)r);
	fake_hc_window = LIBOS_HC_DATA_MAX;
	assert_int_equal(SC(SYS_close, fd), 0);
}

/* The host's offset and the program's agree whenever anything else
 * looks: lseek(SEEK_CUR), a dup, a write through another fd (then the
 * new bytes are read, not the stale ones), odd sizes, pread. */
static void test_readahead_consistent(void **state)
{
	const size_t size = 300000;
	uint64_t buf = ualloc(65536), w = ustr("WXYZ");
	long fd, fd2, d, r;
	size_t off = 0;

	(void)state;
	fwd_ra_drop();
	put_pattern("f", size);
	fd = xopen("f", O_RDONLY);
	fd2 = xopen("f", O_RDWR);
	assert_true(fd >= 3 && fd2 > fd);
	for (int i = 0; i < 3; i++) {	/* the third read fills the buffer */
		assert_int_equal(SC(SYS_read, fd, buf, 1000), 1000);
		check_pattern(buf, off, 1000);
		off += 1000;
	}
	assert_int_equal(SC(SYS_lseek, fd, 0, SEEK_CUR), (long)off);
	/* read on, then a pread in the middle changes nothing */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(SC(SYS_read, fd, buf, 777), 777);
		check_pattern(buf, off, 777);
		off += 777;
	}
	assert_int_equal(SC(SYS_pread64, fd, buf, 10, 100), 10);
	check_pattern(buf, 100, 10);
	assert_int_equal(SC(SYS_read, fd, buf, 777), 777);
	check_pattern(buf, off, 777);
	off += 777;
	assert_int_equal(SC(SYS_read, fd, buf, 777), 777);
	off += 777;
	/* a dup shares the offset: it must be the program's */
	d = SC(SYS_dup, fd);
	assert_true(d > fd2);
	assert_int_equal(SC(SYS_lseek, d, 0, SEEK_CUR), (long)off);
	assert_int_equal(SC(SYS_close, d), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(SC(SYS_read, fd, buf, 2048), 2048);
		check_pattern(buf, off, 2048);
		off += 2048;
	}
	/* overwrite the next bytes through fd2: fd reads the new ones */
	assert_int_equal(SC(SYS_pwrite64, fd2, w, 4, off), 4);
	assert_int_equal(SC(SYS_read, fd, buf, 8), 8);
	assert_memory_equal(up(buf), "WXYZ", 4);
	check_pattern(buf + 4, off + 4, 4);
	off += 8;
	/* read to the end in 60000-byte reads: exact, then 0 */
	while ((r = SC(SYS_read, fd, buf, 60000)) > 0) {
		assert_true(r <= 60000);
		assert_true(r == 60000 || off + (size_t)r == size);
		check_pattern(buf, off, (size_t)r);
		off += (size_t)r;
	}
	assert_int_equal(r, 0);
	assert_int_equal(off, size);
	assert_int_equal(SC(SYS_lseek, fd, 0, SEEK_CUR), (long)size);
	/* lseek back then read: the bytes at the new offset */
	assert_int_equal(SC(SYS_lseek, fd, 5000, SEEK_SET), 5000);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(SC(SYS_read, fd, buf, 100), 100);
		check_pattern(buf, 5000 + 100 * (size_t)i, 100);
	}
	assert_int_equal(SC(SYS_close, fd), 0);
	assert_int_equal(SC(SYS_close, fd2), 0);
}

/* A pipe is never read ahead: each read is one host read of the asked
 * size (the rest stays in the pipe for whoever reads next). */
static void test_readahead_not_pipe(void **state)
{
	uint64_t fds = ualloc(8), buf = ualloc(64), msg = ustr("abcdefghij");
	int32_t *f = up(fds);

	(void)state;
	fwd_ra_drop();
	assert_int_equal(SC(SYS_pipe2, fds, 0), 0);
	assert_int_equal(SC(SYS_write, f[1], msg, 10), 10);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(SC(SYS_read, f[0], buf, 2), 2);
		assert_memory_equal(up(buf), "abcdefghij" + 2 * i, 2);
	}
	/* the bytes are still in the host's pipe, not in a libOS buffer */
	assert_int_equal(SC(SYS_write, f[1], msg, 3), 3);
	assert_int_equal(read(fd_host(f[0]), up(buf), 64), 3);
	SC(SYS_close, f[0]);
	SC(SYS_close, f[1]);
}

/* A lying fill (count > the window asked) is caught like any read. */
static void test_readahead_lie(void **state)
{
	uint64_t buf = ualloc(4096);
	int32_t before[LIBOS_FD_MAX], after[LIBOS_FD_MAX];
	long fd;

	(void)state;
	fwd_ra_drop();
	setenv("MIEE_RUN_TEST_HOSTILE", "1", 1);
	put_pattern("f", 100000);
	fd = xopen("f", O_RDONLY);
	assert_int_equal(SC(SYS_read, fd, buf, 100), 100);
	assert_int_equal(SC(SYS_read, fd, buf, 100), 100);	/* buffered now */
	check_pattern(buf, 100, 100);
	/* drain the buffer (400 bytes were read ahead), then lie on the refill */
	assert_int_equal(SC(SYS_read, fd, buf, 300), 300);
	fd_snapshot(before);
	assert_int_equal(hostcall_set_lie(&fake_hc_srv, "read-count"), 0);
	assert_int_equal(SC(SYS_read, fd, buf, 100), -EIO);
	assert_int_equal(hostcall_set_lie(&fake_hc_srv, NULL), 0);
	assert_string_equal(last_log, "iago: read: count > requested");
	fd_snapshot(after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(SC(SYS_close, fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_before_init),	/* first */
		cmocka_unit_test_setup_teardown(test_file_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_poll_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_attr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readahead_sequential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readahead_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readahead_consistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readahead_not_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readahead_lie, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
