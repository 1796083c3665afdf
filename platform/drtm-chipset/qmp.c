/* The DRTM chipset's QMP client (QEMU's docs/interop/qmp-spec) and the
 * few JSON and "info mtree" parsers it needs. Host program. */
#include "chipset.h"

/*
 * Read one line. While waiting, keep serving QEMU's control channel: a vCPU
 * thread may hold QEMU's big lock while it waits for a control answer, and
 * QEMU would then never answer our QMP command.
 */
static char *qmp_readline(struct chipset *cs, struct qmp *q)
{
	int64_t end = now_ms() + QMP_TIMEOUT_MS;

	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct pollfd p[2];
		int left;

		if (nl) {
			size_t n = (size_t)(nl - q->buf) + 1;
			char *line = malloc(n);

			if (!line)
				return NULL;
			memcpy(line, q->buf, n - 1);
			line[n - 1] = 0;
			if (n >= 2 && line[n - 2] == '\r')
				line[n - 2] = 0;
			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			return line;
		}
		if (q->len + 4096 > q->cap) {
			size_t nc = q->cap ? q->cap * 2 : 65536;
			char *nb;

			if (nc > QMP_LINE_MAX)
				return NULL;
			nb = realloc(q->buf, nc);
			if (!nb)
				return NULL;
			q->buf = nb;
			q->cap = nc;
		}

		p[0] = (struct pollfd){ .fd = q->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = cs->qemu.fd, .events = POLLIN };
		left = (int)(end - now_ms());
		if (left <= 0)
			return NULL;
		if (poll(p, cs->qemu.fd >= 0 ? 2 : 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (cs->qemu.fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (ctrl_forward_one(cs) < 0)
				qemu_ctrl_closed(cs);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(q->fd, q->buf + q->len, q->cap - q->len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return NULL;
			q->len += (size_t)n;
		}
	}
}

/* The first key of a JSON object line: {"return"..., {"error"..., {"event"... */
bool first_key_is(const char *line, const char *key)
{
	size_t k = strlen(key);

	while (*line == ' ')
		line++;
	if (*line++ != '{')
		return false;
	while (*line == ' ')
		line++;
	return *line == '"' && !strncmp(line + 1, key, k) && line[1 + k] == '"';
}

/*
 * Run one command; returns the "return" line (malloc'ed) or NULL on an
 * error answer or a broken connection. Events in between are skipped.
 */
char *qmp_exec(struct chipset *cs, struct qmp *q, const char *json)
{
	char *line;

	if (send_all(q->fd, json, strlen(json), -1) < 0 || send_all(q->fd, "\n", 1, -1) < 0)
		return NULL;
	while ((line = qmp_readline(cs, q))) {
		if (first_key_is(line, "return"))
			return line;
		if (first_key_is(line, "error")) {
			logmsg("qmp: %s -> %.300s", json, line);
			free(line);
			return NULL;
		}
		free(line);   /* an event */
	}
	logmsg("qmp: no answer to %s", json);
	return NULL;
}

int qmp_open(struct chipset *cs, struct qmp *q)
{
	char *line;

	memset(q, 0, sizeof(*q));
	q->fd = unix_connect(cs->qmp_path);
	if (q->fd < 0) {
		logmsg("qmp: cannot connect to %s: %s", cs->qmp_path, strerror(errno));
		return -1;
	}
	line = qmp_readline(cs, q);
	if (!line || !first_key_is(line, "QMP")) {
		logmsg("qmp: no greeting");
		free(line);
		return -1;
	}
	free(line);
	line = qmp_exec(cs, q, "{\"execute\":\"qmp_capabilities\"}");
	if (!line)
		return -1;
	free(line);
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	q->fd = -1;
	q->buf = NULL;
}

/* Value of a JSON literal after "key": e.g. "running": true */
bool json_bool(const char *line, const char *key, bool *val)
{
	char pat[64];
	const char *p = line;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	/* The same word may appear as a value ("status": "running"): find the key. */
	while ((p = strstr(p, pat))) {
		p += strlen(pat);
		while (*p == ' ')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "true", 4)) {
			*val = true;
			return true;
		}
		if (!strncmp(p, "false", 5)) {
			*val = false;
			return true;
		}
		return false;
	}
	return false;
}

/* The string value of "return" in a QMP answer, unescaped (malloc'ed). */
char *json_return_string(const char *line)
{
	const char *p = strstr(line, "\"return\"");
	char *out, *o;

	if (!p)
		return NULL;
	p += 8;
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return NULL;
	out = o = malloc(strlen(p) + 1);
	if (!out)
		return NULL;
	while (*p && *p != '"') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			/* Non-ASCII never matters to the parser below. */
			for (int i = 0; i < 4 && p[1]; i++)
				p++;
			*o++ = '?';
			break;
		case 0:
			free(out);
			return NULL;
		default: *o++ = *p; break;  /* \" \\ \/ */
		}
		p++;
	}
	*o = 0;
	return out;
}

/*
 * Is [addr, addr+len) covered by RAM or ROM in the system address space?
 * Parses HMP "info mtree -f": the first FlatView used by AS "memory" lists
 * non-overlapping ranges "  START-END (prio P, TYPE): name", sorted.
 */
bool range_is_memory(const char *text, uint64_t addr, uint64_t len)
{
	const char *p = text;
	bool in_system = false, seen_system = false;
	uint64_t cur = addr, last = addr + len - 1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char l[512];

		if (n >= sizeof(l))
			n = sizeof(l) - 1;
		memcpy(l, p, n);
		l[n] = 0;
		if (n > 0 && l[n - 1] == '\r')   /* the monitor ends lines with CR LF */
			l[n - 1] = 0;
		p = eol ? eol + 1 : p + n;

		if (!strncmp(l, "FlatView #", 10)) {
			if (seen_system)
				break;
			in_system = false;
			continue;
		}
		if (!strcmp(l, " AS \"memory\", root: system")) {
			in_system = seen_system = true;
			continue;
		}
		if (!in_system)
			continue;

		uint64_t s, e;
		int prio;
		char type[16];

		if (sscanf(l, " %" SCNx64 "-%" SCNx64 " (prio %d, %15[^)])", &s, &e, &prio, type) != 4)
			continue;
		if (e < cur || s > cur)
			continue;  /* before us, or a gap (checked below) */
		if (strcmp(type, "ram") && strcmp(type, "rom") && strcmp(type, "romd"))
			return false;
		if (e >= last)
			return true;
		cur = e + 1;
	}
	return false;
}
