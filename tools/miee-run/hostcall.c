/* The runner's host-call server: each forwarded call copied, bounds-
 * checked, judged by the policy (policy.c: paths, addresses, limits) and
 * performed with the real system call (guest OS user space). Paths go
 * through hostcall_path.c, sockets through hostcall_net.c; the hostile
 * test mode through hostcall_lie.c. docs/libos.md, "The runner performs forwarded calls". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hostcall.h"
#include "hostcall-int.h"

#define A(i) (q->h.args[i])

static long sysret(long r)
{
	return r < 0 ? -errno : r;
}

void *hc_span(struct hc_req *q, int64_t off, uint64_t len)
{
	if (off < 0 || (uint64_t)off > q->in_len || len > q->in_len - (uint64_t)off) {
		q->bad = 1;
		return NULL;
	}
	return q->b + off;
}

const char *hc_str(struct hc_req *q, int64_t off)
{
	const char *p = hc_span(q, off, 1);

	if (!p || !memchr(p, '\0', q->in_len - (uint64_t)off)) {
		q->bad = 1;
		return NULL;
	}
	return p;
}

int hc_fd_ok(const struct hostcall *s, int64_t fd)
{
	return fd >= 0 && fd < HOSTCALL_FD_MAX && s->fd_ok[fd];
}

/* A new fd for the MIEE, already counted by the policy (policy_openat,
 * policy_fd_new; a failed call's count given back here): within the set's
 * range, remembered with the path it was opened by (for dirfd-relative
 * paths), else closed. */
long hc_new_fd(struct hostcall *s, long fd, const char *path)
{
	if (fd < 0)
		return fd;
	if (fd >= HOSTCALL_FD_MAX) {
		close((int)fd);
		policy_closed(&s->pol);
		return -EMFILE;
	}
	s->fd_ok[fd] = HC_FD_COUNTED;
	free(s->fd_path[fd]);
	s->fd_path[fd] = path ? strdup(path) : NULL;
	return fd;
}

/* fd (or -errno) from a call other than open, for which policy_fd_new
 * counted one: as hc_new_fd, the count given back if the call failed. */
long hc_new_fd_counted(struct hostcall *s, long fd, const char *path)
{
	if (fd < 0) {
		policy_closed(&s->pol);
		return fd;
	}
	return hc_new_fd(s, fd, path);
}

static void forget_fd(struct hostcall *s, int fd)
{
	if (s->fd_ok[fd] == HC_FD_COUNTED)
		policy_closed(&s->pol);
	s->fd_ok[fd] = HC_FD_NONE;
	free(s->fd_path[fd]);
	s->fd_path[fd] = NULL;
}

int hostcall_init(struct hostcall *s)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(LIBOS_HC_DATA_MAX);
	if (!s->buf)
		return -ENOMEM;
	for (int i = 0; i < 3; i++)
		s->fd_ok[i] = HC_FD_STDIO;
	if (!getcwd(s->cwd, sizeof(s->cwd)))
		strcpy(s->cwd, "/");
	return policy_init(&s->pol, &s->own, NULL, NULL);	/* no rules: nothing allowed */
}

void hostcall_fini(struct hostcall *s)
{
	policy_fini(&s->pol);
	manifest_free(&s->own);
	free(s->own_text);
	s->own_text = NULL;
	s->own_len = 0;
	for (int i = 0; i < HOSTCALL_FD_MAX; i++)
		free(s->fd_path[i]);
	free(s->buf);
	s->buf = NULL;
}

/* ---- fd calls */

/* `limit fsize` on a write of len bytes to fd (at pos; -1: its offset,
 * or its end under O_APPEND): the bytes that may be written, or -EFBIG.
 * Only regular files; no system call at all without the limit. */
static int64_t fsize_cut(struct hc_req *q, int fd, int64_t pos, uint64_t len)
{
	struct stat st;
	int fl;

	if (!q->s->pol.m->limit_fsize || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return (int64_t)len;
	if (pos < 0) {
		fl = fcntl(fd, F_GETFL);
		pos = fl >= 0 && (fl & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
		if (pos < 0)
			return (int64_t)len;	/* not seekable: the write itself will say */
	}
	return policy_fsize(&q->s->pol, q->h.nr == SYS_write ? "write" : q->h.nr == SYS_pwrite64 ?
			    "pwrite64" : q->h.nr == SYS_ftruncate ? "ftruncate" : "writev",
			    (uint64_t)pos, len);
}

static void h_io(struct hc_req *q)
{
	int fd = (int)A(0);
	void *p = hc_span(q, A(1), (uint64_t)A(2));
	int64_t n;

	if (!p)
		return;
	switch (q->h.nr) {
	case SYS_read:
		q->ret = sysret(read(fd, p, (size_t)A(2)));
		break;
	case SYS_pread64:
		q->ret = sysret(pread(fd, p, (size_t)A(2), A(3)));
		break;
	case SYS_write:
		if ((q->ret = n = fsize_cut(q, fd, -1, (uint64_t)A(2))) >= 0)
			q->ret = sysret(write(fd, p, (size_t)n));
		return;
	case SYS_pwrite64:
		if ((q->ret = n = fsize_cut(q, fd, A(3) < 0 ? 0 : A(3), (uint64_t)A(2))) >= 0)
			q->ret = sysret(pwrite(fd, p, (size_t)n, A(3)));
		return;
	}
	if (q->ret >= 0)
		q->out_len = (uint64_t)A(1) + (uint64_t)q->ret;
}

/* The marshaled iovecs at off, cnt of them, as real ones into data[]. */
static int hc_iov(struct hc_req *q, int64_t off, uint64_t cnt, struct iovec *iov)
{
	struct libos_hc_iov w;
	const unsigned char *a;

	if (cnt > UIO_MAXIOV || !(a = hc_span(q, off, cnt * sizeof(w))))
		return -1;
	for (uint64_t i = 0; i < cnt; i++) {
		memcpy(&w, a + i * sizeof(w), sizeof(w));
		if (w.off > INT64_MAX || !(iov[i].iov_base = hc_span(q, (int64_t)w.off, w.len)))
			return -1;
		iov[i].iov_len = w.len;
	}
	return 0;
}

/* out_len of a scattered read: the end of the last byte written. */
static uint64_t iov_end(const struct hc_req *q, const struct iovec *iov,
			uint64_t cnt, int64_t ret)
{
	uint64_t end = 0, left = ret > 0 ? (uint64_t)ret : 0;

	for (uint64_t i = 0; i < cnt && left; i++) {
		uint64_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
		uint64_t e = (uint64_t)((unsigned char *)iov[i].iov_base - q->b) + n;

		if (n && e > end)
			end = e;
		left -= n;
	}
	return end;
}

static void h_iov(struct hc_req *q)
{
	struct iovec iov[UIO_MAXIOV];
	uint64_t cnt = (uint64_t)A(2);

	if (hc_iov(q, A(1), cnt, iov))
		return;
	if (q->h.nr == SYS_writev) {
		uint64_t total = 0, i;
		int64_t n;

		for (i = 0; i < cnt; i++)
			total += iov[i].iov_len;	/* each <= LIBOS_HC_DATA_MAX */
		if ((q->ret = n = fsize_cut(q, (int)A(0), -1, total)) < 0)
			return;
		for (i = cnt; i-- > 0 && total > (uint64_t)n;) {	/* cut at the limit */
			uint64_t d = total - (uint64_t)n < iov[i].iov_len ? total - (uint64_t)n :
									   iov[i].iov_len;

			iov[i].iov_len -= d;
			total -= d;
		}
		q->ret = sysret(writev((int)A(0), iov, (int)cnt));
		return;
	}
	q->ret = sysret(readv((int)A(0), iov, (int)cnt));
	q->out_len = iov_end(q, iov, cnt, q->ret);
}

static void h_fdint(struct hc_req *q)
{
	int fd = (int)A(0);

	switch (q->h.nr) {
	case SYS_lseek:
		q->ret = sysret(lseek(fd, A(1), (int)A(2)));
		break;
	case SYS_ftruncate:
		/* Growing a file past `limit fsize` is EFBIG, as Linux. */
		if (A(1) > 0 && q->s->pol.m->limit_fsize && (uint64_t)A(1) > q->s->pol.m->limit_fsize)
			q->ret = policy_fsize(&q->s->pol, "ftruncate", (uint64_t)A(1), 0);
		else
			q->ret = sysret(ftruncate(fd, A(1)));
		break;
	case SYS_fsync:
		q->ret = sysret(fsync(fd));
		break;
	case SYS_listen: {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		unsigned port = 0;

		/* The port listen would use: the bound one (0: the kernel picks one). */
		if (!getsockname(fd, (struct sockaddr *)&ss, &len))
			port = ss.ss_family == AF_INET6 ?
				ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
				ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if ((q->ret = policy_listen(&q->s->pol, port)) == 0)
			q->ret = sysret(listen(fd, (int)A(1)));
		break;
	}
	case SYS_shutdown:
		q->ret = sysret(shutdown(fd, (int)A(1)));
		break;
	}
}

static void h_close(struct hc_req *q)
{
	q->ret = sysret(close((int)A(0)));
	if (q->ret != -EBADF)
		forget_fd(q->s, (int)A(0));
}

static void h_dup(struct hc_req *q)
{
	int fd = (int)A(0);
	const char *path = q->s->fd_path[fd];

	if (q->h.nr == SYS_dup) {
		if ((q->ret = policy_fd_new(&q->s->pol, "dup", 1)) == 0)
			q->ret = hc_new_fd_counted(q->s, sysret(dup(fd)), path);
		return;
	}
	switch ((int)A(1)) {	/* fcntl */
	case F_GETFD:
	case F_GETFL:
		q->ret = sysret(fcntl(fd, (int)A(1)));
		break;
	case F_SETFD:
	case F_SETFL:
		q->ret = sysret(fcntl(fd, (int)A(1), (int)A(2)));
		break;
	case F_DUPFD_CLOEXEC:
		if ((q->ret = policy_fd_new(&q->s->pol, "fcntl", 1)) == 0)
			q->ret = hc_new_fd_counted(q->s, sysret(fcntl(fd, F_DUPFD_CLOEXEC, 0)), path);
		break;
	default:
		q->ret = -EINVAL;
	}
}

static void h_ioctl(struct hc_req *q)
{
	unsigned char k[64];
	uint64_t size = A(1) == TCGETS ? 36 : A(1) == TIOCGWINSZ ? 8 : 0;
	void *p;

	if (!size) {
		q->ret = -ENOTTY;
		return;
	}
	if (!(p = hc_span(q, A(2), size)))
		return;
	q->ret = sysret(ioctl((int)A(0), (unsigned long)A(1), k));
	if (q->ret >= 0) {
		memcpy(p, k, size);
		q->out_len = (uint64_t)A(2) + size;
	}
}

static void h_pipe2(struct hc_req *q)
{
	int p[2];
	void *out = hc_span(q, A(0), sizeof(p));

	if (!out || (q->ret = policy_fd_new(&q->s->pol, "pipe2", 2)))
		return;
	q->ret = sysret(pipe2(p, (int)A(1) & (O_CLOEXEC | O_NONBLOCK)));
	if (q->ret >= 0 && (p[0] >= HOSTCALL_FD_MAX || p[1] >= HOSTCALL_FD_MAX)) {
		close(p[0]);
		close(p[1]);
		q->ret = -EMFILE;
	}
	if (q->ret < 0) {
		policy_closed(&q->s->pol);
		policy_closed(&q->s->pol);
		return;
	}
	hc_new_fd(q->s, p[0], NULL);
	hc_new_fd(q->s, p[1], NULL);
	memcpy(out, p, sizeof(p));
	q->out_len = (uint64_t)A(0) + sizeof(p);
}

static void h_fstat(struct hc_req *q)
{
	struct stat st;
	void *p = hc_span(q, A(1), sizeof(st));

	if (!p)
		return;
	q->ret = sysret(fstat((int)A(0), &st));
	if (q->ret >= 0) {
		memcpy(p, &st, sizeof(st));
		q->out_len = (uint64_t)A(1) + sizeof(st);
	}
}

static void h_getdents(struct hc_req *q)
{
	void *p = hc_span(q, A(1), (uint64_t)A(2));

	if (!p)
		return;
	q->ret = sysret(syscall(SYS_getdents64, (int)A(0), p, (size_t)A(2)));
	if (q->ret >= 0)
		q->out_len = (uint64_t)A(1) + (uint64_t)q->ret;
}

static void h_poll(struct hc_req *q)
{
	struct pollfd *p;
	uint64_t n = (uint64_t)A(1);

	if (n > HOSTCALL_FD_MAX || !(p = hc_span(q, A(0), n * sizeof(*p))))
		return;
	for (uint64_t i = 0; i < n; i++)
		if (p[i].fd >= 0 && !hc_fd_ok(q->s, p[i].fd)) {
			q->ret = -EBADF;
			return;
		}
	q->ret = sysret(poll(p, n, (int)A(2)));
	if (q->ret >= 0)
		q->out_len = (uint64_t)A(0) + n * sizeof(*p);
}

static void h_sleep(struct hc_req *q)
{
	struct timespec req, rem;
	void *in = hc_span(q, A(2), sizeof(req)), *out = NULL;
	int r;

	if (!in || (A(3) != LIBOS_HC_NOBUF && !(out = hc_span(q, A(3), sizeof(rem)))))
		return;
	memcpy(&req, in, sizeof(req));
	r = clock_nanosleep((clockid_t)A(0), (int)A(1) & TIMER_ABSTIME, &req, out ? &rem : NULL);
	q->ret = -r;
	if (r == EINTR && out) {
		memcpy(out, &rem, sizeof(rem));
		q->out_len = (uint64_t)A(3) + sizeof(rem);
	}
}

/* The calls whose first argument is an fd of the MIEE. */
static int takes_fd(unsigned int nr)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
	case SYS_readv: case SYS_writev: case SYS_lseek: case SYS_close:
	case SYS_fstat: case SYS_getdents64: case SYS_ftruncate: case SYS_fsync:
	case SYS_fcntl: case SYS_ioctl: case SYS_dup: case SYS_bind:
	case SYS_connect: case SYS_listen: case SYS_accept4: case SYS_sendto:
	case SYS_recvfrom: case SYS_sendmsg: case SYS_recvmsg:
	case SYS_getsockopt: case SYS_setsockopt: case SYS_getsockname:
	case SYS_getpeername: case SYS_shutdown:
		return 1;
	}
	return 0;
}

/* One call: 0 when performed (result in q), -ENOSYS if not forwarded. */
static int dispatch(struct hc_req *q)
{
	unsigned int nr = q->h.nr;

	if (takes_fd(nr) && !hc_fd_ok(q->s, A(0))) {
		q->ret = -EBADF;
		return 0;
	}
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
		h_io(q);
		break;
	case SYS_readv: case SYS_writev:
		h_iov(q);
		break;
	case SYS_lseek: case SYS_ftruncate: case SYS_fsync: case SYS_listen:
	case SYS_shutdown:
		h_fdint(q);
		break;
	case SYS_close:
		h_close(q);
		break;
	case SYS_dup: case SYS_fcntl:
		h_dup(q);
		break;
	case SYS_ioctl:
		h_ioctl(q);
		break;
	case SYS_pipe2:
		h_pipe2(q);
		break;
	case SYS_fstat:
		h_fstat(q);
		break;
	case SYS_getdents64:
		h_getdents(q);
		break;
	case SYS_poll:
		h_poll(q);
		break;
	case SYS_clock_nanosleep:
		h_sleep(q);
		break;
	default:
		if (hc_path_call(q) == 0 || hc_net_call(q) == 0)
			break;
		return -ENOSYS;
	}
	return 0;
}

int hostcall_serve(struct hostcall *s, struct libos_hc *hc, unsigned char *data)
{
	return hostcall_serve_slot(s, hc, data, LIBOS_HC_DATA_MAX, s->buf);
}

int hostcall_serve_slot(struct hostcall *s, struct libos_hc *hc, unsigned char *data,
			uint64_t win, unsigned char *buf)
{
	volatile struct libos_hc *v = hc;
	struct hc_req q = { .s = s, .b = buf };

	/* Copy the request once; everything below reads only the copy. */
	memcpy(&q.h, (const void *)v, sizeof(q.h));
	q.in_len = q.h.in_len;
	if (q.h.magic != LIBOS_HC_MAGIC || q.in_len > win || win > LIBOS_HC_DATA_MAX ||
	    q.h.nr >= LIBOS_HC_FIRST) {
		v->ret = q.h.nr >= LIBOS_HC_FIRST ? -ENOSYS : -EINVAL;
		v->out_len = 0;
		s->refused++;
		return 1;
	}
	memcpy(q.b, data, q.in_len);
	if (dispatch(&q) || q.bad) {
		v->ret = q.bad ? -EINVAL : -ENOSYS;
		v->out_len = 0;
		s->refused++;
		return 1;
	}
	if (q.ret < 0)
		q.out_len = 0;
	if (s->lie)
		hc_lie(&q);
	memcpy(data, q.b, q.out_len <= q.in_len ? q.out_len : q.in_len);
	v->ret = q.ret;
	v->out_len = q.out_len;
	s->served++;
	return 0;
}
