/* The DRTM chipset's plumbing: the log, byte order, time, socket I/O with
 * SCM_RIGHTS, the receive buffer of a stream (struct rbuf). Host program. */
#include "chipset.h"

/* Process-wide state (declared in chipset.h). */
FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
struct timespec t_start;
volatile sig_atomic_t stop_requested;

void logmsg(const char *fmt, ...)
{
	struct timespec now;
	va_list ap;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)(now.tv_sec - t_start.tv_sec) + (now.tv_nsec - t_start.tv_nsec) / 1e9;
	pthread_mutex_lock(&log_lock);
	fprintf(log_file, "[%9.3f] ", t);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
	pthread_mutex_unlock(&log_lock);
}

uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll one fd for input; 1 ready, 0 timeout, -1 error */
int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t end = now_ms() + timeout_ms;
	int r;

	for (;;) {
		r = poll(&p, 1, timeout_ms);
		if (r >= 0)
			return r > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
		timeout_ms = (int)(end - now_ms());
		if (timeout_ms < 0)
			timeout_ms = 0;
	}
}

/* Write all of buf; attach fd (if >= 0) as SCM_RIGHTS to the first byte. */
int send_all(int sock, const void *buf, size_t len, int fd)
{
	const uint8_t *p = buf;
	char cbuf[CMSG_SPACE(sizeof(int))];

	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (fd >= 0) {
			struct cmsghdr *c;

			memset(cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		fd = -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void rbuf_init(struct rbuf *rb, int fd)
{
	rb->fd = fd;
	rb->len = 0;
	rb->nfds = 0;
}

void rbuf_close_fds(struct rbuf *rb)
{
	for (int i = 0; i < rb->nfds; i++)
		close(rb->fds[i]);
	rb->nfds = 0;
}

/*
 * Receive once into rb (waiting up to timeout_ms). Returns bytes received,
 * 0 on end of stream, -1 on error, -2 on timeout.
 */
ssize_t rbuf_fill(struct rbuf *rb, int timeout_ms)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov;
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	ssize_t n;
	int r;

	if (rb->len >= sizeof(rb->data)) {
		errno = ENOBUFS;
		return -1;
	}
	r = wait_readable(rb->fd, timeout_ms);
	if (r <= 0)
		return r == 0 ? -2 : -1;
	iov.iov_base = rb->data + rb->len;
	iov.iov_len = sizeof(rb->data) - rb->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	do {
		n = recvmsg(rb->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t nf;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nf; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (rb->nfds < 4)
				rb->fds[rb->nfds++] = fd;
			else
				close(fd);
		}
	}
	rb->len += (size_t)n;
	return n;
}

/* Wait until rb holds at least need bytes. 0 ok, -1 error/EOF/timeout. */
int rbuf_need(struct rbuf *rb, size_t need, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (rb->len < need) {
		int left = (int)(end - now_ms());
		ssize_t n;

		if (left < 0)
			left = 0;
		n = rbuf_fill(rb, left);
		if (n <= 0)
			return -1;
	}
	return 0;
}

/* Take whatever else arrives within GRACE_MS, up to want bytes in total. */
void rbuf_grace(struct rbuf *rb, size_t want)
{
	int64_t end = now_ms() + GRACE_MS;

	while (rb->len < want) {
		int left = (int)(end - now_ms());

		if (left <= 0 || rbuf_fill(rb, left) <= 0)
			break;
	}
}

void rbuf_consume(struct rbuf *rb, size_t n)
{
	if (n > rb->len)
		n = rb->len;
	memmove(rb->data, rb->data + n, rb->len - n);
	rb->len -= n;
}

/* Forward exactly n body bytes from src (buffered first) to dst. */
int stream_body(struct rbuf *src, int dst, uint64_t n)
{
	while (n > 0) {
		size_t k;

		if (src->len == 0 && rbuf_fill(src, IO_TIMEOUT_MS) <= 0)
			return -1;
		k = src->len < n ? src->len : (size_t)n;
		if (send_all(dst, src->data, k, -1) < 0)
			return -1;
		rbuf_consume(src, k);
		n -= k;
	}
	return 0;
}
