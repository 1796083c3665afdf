/* attest/verify: the transport to the agent, one TCP connection with one
 * line per request and per answer, each answer parsed as evidence
 * (attest/evidence.c). Host side. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "verify.h"

int conn_open(struct conn *c, const char *hostport, time_t deadline)
{
	char host[128];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct pollfd pfd;
	int err = 0;
	socklen_t el = sizeof(err);

	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host))
		die(EXIT_USAGE, "--agent wants HOST:PORT");
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		die(EXIT_INPUT, "cannot resolve %s", hostport);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->have = 0;
	c->deadline = deadline;
	if (c->fd < 0)
		die(EXIT_INPUT, "socket: %s", strerror(errno));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		goto fail;
	pfd.fd = c->fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 5000) != 1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err)
		goto fail;
	freeaddrinfo(ai);
	return 0;
fail:
	freeaddrinfo(ai);
	close(c->fd);
	c->fd = -1;
	return -1;
}

int conn_send(struct conn *c, const char *line)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = send(c->fd, line + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { c->fd, POLLOUT, 0 };
			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* One answer line (without the newline) into c->buf; -1 on EOF, timeout,
 * or a line longer than EV_MAX_JSON. */
static int conn_line(struct conn *c, size_t *len)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		if (nl) {
			*len = (size_t)(nl - c->buf);
			*nl = 0;
			return 0;
		}
		if (c->have >= sizeof(c->buf) - 1)
			return -1;
		long left = (long)(c->deadline - time(NULL));
		if (left <= 0)
			return -1;
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(left > 30 ? 30000 : left * 1000)) <= 0)
			return -1;
		ssize_t r = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

static void conn_consume(struct conn *c, size_t len)
{
	memmove(c->buf, c->buf + len + 1, c->have - len - 1);
	c->have -= len + 1;
}

/* Request, answer parsed as a message of FORMAT with FIELDS. 0, -1 transport, -2 bad answer. */
int ask(struct conn *c, const char *req, const char *format, unsigned fields,
	       struct evidence *ev, char *err, size_t errlen, char **raw)
{
	size_t len;

	if (conn_send(c, req) || conn_line(c, &len)) {
		snprintf(err, errlen, "no answer to '%.*s'", (int)strcspn(req, " \n"), req);
		return -1;
	}
	int rc = ev_parse_message(c->buf, len, format, fields, ev, err, errlen) ? -2 : 0;
	if (raw)
		*raw = strndup(c->buf, len);
	conn_consume(c, len);
	return rc;
}
