/* The manifest parser (format: docs/policy.md, "Manifest"). Strict: one
 * error stops it, with the line number and the reason, and nothing of a
 * refused manifest is kept. Host user space. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "manifest.h"

/* What each once-only key has been given, while parsing. */
struct seen {
	unsigned program, memory, threads, fds, fsize, calls, policy;
};

static int fail(struct manifest_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

int manifest_path_ok(const char *p, size_t len)
{
	size_t i, seg = 0;

	if (len == 0 || len >= MANIFEST_MAX_LINE || p[0] != '/')
		return 0;
	if (len == 1)
		return 1;		/* "/" itself */
	if (p[len - 1] == '/')
		return 0;
	for (i = 1; i <= len; i++) {
		if (i == len || p[i] == '/') {
			size_t n = i - seg - 1;	/* the component p[seg+1 .. i) */

			if (n == 0)
				return 0;	/* "//" */
			if (n == 1 && p[seg + 1] == '.')
				return 0;
			if (n == 2 && p[seg + 1] == '.' && p[seg + 2] == '.')
				return 0;
			seg = i;
		} else if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
			return 0;
		}
	}
	return 1;
}

/* Decimal digits only, no sign, no leading zero (except "0"), <= max. */
static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_size_n(const char *s, size_t n, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'M' || s[n - 1] == 'G')) {
		shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	if (parse_uint(s, n, UINT64_MAX, &v))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int manifest_parse_size(const char *s, uint64_t *out)
{
	return parse_size_n(s, strlen(s), out);
}

/* "PORT", "LO-HI" or "*" (1-65535). */
static int parse_ports(const char *s, size_t n, unsigned min, uint16_t *lo, uint16_t *hi)
{
	const char *dash = memchr(s, '-', n);
	uint64_t a, b;

	if (n == 1 && s[0] == '*') {
		*lo = 1;
		*hi = 65535;
		return 0;
	}
	if (dash) {
		if (parse_uint(s, (size_t)(dash - s), 65535, &a) ||
		    parse_uint(dash + 1, n - (size_t)(dash - s) - 1, 65535, &b))
			return -EINVAL;
	} else {
		if (parse_uint(s, n, 65535, &a))
			return -EINVAL;
		b = a;
	}
	if (a < min || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* "ADDR[/PREFIX] PORTS": v is the value, n its length. */
static int parse_connect(const char *v, size_t n, struct manifest_net *r, const char **why)
{
	const char *sp = memchr(v, ' ', n), *slash;
	char addr[INET6_ADDRSTRLEN + 1];
	size_t an;
	uint64_t prefix;

	*why = "expected 'connect ADDR[/PREFIX] PORT[-PORT]|*'";
	if (!sp)
		return -EINVAL;
	an = (size_t)(sp - v);
	slash = memchr(v, '/', an);
	if ((slash ? (size_t)(slash - v) : an) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, v, slash ? (size_t)(slash - v) : an);
	addr[slash ? (size_t)(slash - v) : an] = 0;
	memset(r, 0, sizeof(*r));
	if (inet_pton(AF_INET, addr, r->addr) == 1) {
		r->family = AF_INET;
		r->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, r->addr) == 1) {
		r->family = AF_INET6;
		r->prefix = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	if (slash) {
		if (parse_uint(slash + 1, an - (size_t)(slash - v) - 1, r->prefix, &prefix)) {
			*why = "bad prefix length";
			return -EINVAL;
		}
		r->prefix = (unsigned)prefix;
	}
	if (parse_ports(sp + 1, n - an - 1, 1, &r->port_lo, &r->port_hi)) {
		*why = "bad port: 1..65535, LO-HI or *";
		return -EINVAL;
	}
	return 0;
}

static int env_name_ok(const char *v, size_t n)
{
	const char *eq = memchr(v, '=', n);
	size_t i;

	if (!eq || eq == v)
		return 0;
	for (i = 0; v + i < eq; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') || v[i] == '_' ||
		      (i && v[i] >= '0' && v[i] <= '9')))
			return 0;
	return 1;
}

static int add_file(struct manifest *m, enum file_right right, const char *p, size_t n,
		    unsigned line, struct manifest_error *err)
{
	unsigned i;

	if (!manifest_path_ok(p, n))
		return fail(err, line, "path must be absolute and normalized (no '.', '..', '//', "
			    "trailing '/', control characters)");
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i].len == n && !memcmp(m->files[i].path, p, n))
			return fail(err, line, "path given twice");
	if (m->nfiles == MANIFEST_MAX_FILES)
		return fail(err, line, "more than %u paths", MANIFEST_MAX_FILES);
	m->files[m->nfiles].path = dup_n(p, n);
	if (!m->files[m->nfiles].path)
		return fail(err, line, "out of memory");
	m->files[m->nfiles].len = n;
	m->files[m->nfiles].right = right;
	m->nfiles++;
	return 0;
}

static int once(unsigned *count, unsigned line, const char *key, struct manifest_error *err)
{
	if ((*count)++)
		return fail(err, line, "'%s' given twice", key);
	return 0;
}

#define KEY(k) (kn == sizeof(k) - 1 && !memcmp(key, k, kn))

/* One line past the version line: key, one space, value. */
static int parse_line(struct manifest *m, struct seen *s, const char *key, size_t kn,
		      const char *v, size_t n, unsigned line, struct manifest_error *err)
{
	const char *why;
	uint64_t x;

	if (KEY("arg")) {
		if (m->argc == MANIFEST_MAX_ARGS)
			return fail(err, line, "more than %u 'arg' lines", MANIFEST_MAX_ARGS);
		if (!(m->argv[m->argc] = dup_n(v, n)))
			return fail(err, line, "out of memory");
		m->argc++;
		return 0;
	}
	if (KEY("env")) {
		unsigned i;
		size_t nl;

		if (!env_name_ok(v, n))
			return fail(err, line, "expected 'env NAME=VALUE', NAME [A-Za-z_][A-Za-z0-9_]*");
		nl = (size_t)((const char *)memchr(v, '=', n) - v) + 1;
		for (i = 0; i < m->envc; i++)
			if (!strncmp(m->env[i], v, nl))
				return fail(err, line, "variable '%.*s' given twice", (int)(nl - 1), v);
		if (m->envc == MANIFEST_MAX_ENV)
			return fail(err, line, "more than %u 'env' lines", MANIFEST_MAX_ENV);
		if (!(m->env[m->envc] = dup_n(v, n)))
			return fail(err, line, "out of memory");
		m->envc++;
		return 0;
	}
	if (KEY("program")) {
		if (once(&s->program, line, "program", err))
			return -EINVAL;
		if (!manifest_path_ok(v, n))
			return fail(err, line, "program must be an absolute, normalized path");
		if (!(m->program = dup_n(v, n)))
			return fail(err, line, "out of memory");
		return 0;
	}
	if (KEY("memory")) {
		if (once(&s->memory, line, "memory", err))
			return -EINVAL;
		if (parse_size_n(v, n, &x) || x < MANIFEST_MIN_MEMORY || x > MANIFEST_MAX_MEMORY ||
		    x % 4096)
			return fail(err, line, "memory must be a size (N, NK, NM, NG) of 1M..64G, "
				    "a multiple of 4K");
		m->memory = x;
		return 0;
	}
	if (KEY("threads")) {
		if (once(&s->threads, line, "threads", err))
			return -EINVAL;
		if (parse_uint(v, n, MANIFEST_MAX_THREADS, &x) || !x)
			return fail(err, line, "threads must be 1..%u", MANIFEST_MAX_THREADS);
		m->threads = (unsigned)x;
		return 0;
	}
	if (KEY("file")) {
		const char *sp = memchr(v, ' ', n);
		size_t rn = sp ? (size_t)(sp - v) : n;
		enum file_right r;

		if (rn == 2 && !memcmp(v, "ro", 2))
			r = FILE_RO;
		else if (rn == 2 && !memcmp(v, "rw", 2))
			r = FILE_RW;
		else if (rn == 6 && !memcmp(v, "create", 6))
			r = FILE_CREATE;
		else
			return fail(err, line, "expected 'file ro|rw|create PATH'");
		if (!sp)
			return fail(err, line, "expected 'file ro|rw|create PATH'");
		return add_file(m, r, sp + 1, n - rn - 1, line, err);
	}
	if (KEY("connect")) {
		if (m->nconnect == MANIFEST_MAX_NET)
			return fail(err, line, "more than %u 'connect' lines", MANIFEST_MAX_NET);
		if (parse_connect(v, n, &m->connect[m->nconnect], &why))
			return fail(err, line, "%s", why);
		m->nconnect++;
		return 0;
	}
	if (KEY("bind")) {
		struct manifest_net *r = &m->bind[m->nbind];

		if (m->nbind == MANIFEST_MAX_NET)
			return fail(err, line, "more than %u 'bind' lines", MANIFEST_MAX_NET);
		memset(r, 0, sizeof(*r));
		if (parse_ports(v, n, 0, &r->port_lo, &r->port_hi))
			return fail(err, line, "expected 'bind PORT[-PORT]|*', ports 0..65535");
		m->nbind++;
		return 0;
	}
	if (KEY("limit")) {
		const char *sp = memchr(v, ' ', n);
		size_t ln = sp ? (size_t)(sp - v) : n;

		if (!sp)
			return fail(err, line, "expected 'limit fds|fsize|calls VALUE'");
		if (ln == 3 && !memcmp(v, "fds", 3)) {
			if (once(&s->fds, line, "limit fds", err))
				return -EINVAL;
			if (parse_uint(sp + 1, n - ln - 1, 65536, &x) || !x)
				return fail(err, line, "limit fds must be 1..65536");
			m->limit_fds = x;
		} else if (ln == 5 && !memcmp(v, "fsize", 5)) {
			if (once(&s->fsize, line, "limit fsize", err))
				return -EINVAL;
			if (parse_size_n(sp + 1, n - ln - 1, &x) || !x || x > (1ull << 62))
				return fail(err, line, "limit fsize must be a size of 1..4611686018427387904");
			m->limit_fsize = x;
		} else if (ln == 5 && !memcmp(v, "calls", 5)) {
			if (once(&s->calls, line, "limit calls", err))
				return -EINVAL;
			if (parse_uint(sp + 1, n - ln - 1, 1000000000, &x) || !x)
				return fail(err, line, "limit calls (per second) must be 1..1000000000");
			m->limit_calls = x;
		} else {
			return fail(err, line, "unknown limit '%.*s' (fds, fsize, calls; memory and "
				    "threads are their own keys)", (int)ln, v);
		}
		return 0;
	}
	if (KEY("policy")) {
		if (once(&s->policy, line, "policy", err))
			return -EINVAL;
		if (n == 4 && !memcmp(v, "null", 4))
			m->mode = POLICY_NULL;
		else if (n == 7 && !memcmp(v, "enforce", 7))
			m->mode = POLICY_ENFORCE;
		else
			return fail(err, line, "expected 'policy null|enforce'");
		return 0;
	}
	return fail(err, line, "unknown key '%.*s'", (int)(kn > 32 ? 32 : kn), key);
}

int manifest_parse(const char *buf, size_t len, struct manifest *out, struct manifest_error *err)
{
	struct manifest m;
	struct seen s;
	size_t pos = 0;
	unsigned line = 0;
	int r = 0;

	memset(&m, 0, sizeof(m));
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	err->line = 0;
	err->reason[0] = 0;
	if (len > MANIFEST_MAX_BYTES)
		return fail(err, 0, "larger than %u bytes", MANIFEST_MAX_BYTES);
	if (len == 0)
		return fail(err, 1, "empty: the first line must be '" MANIFEST_VERSION_LINE "'");
	while (pos < len) {
		const char *l = buf + pos, *nl = memchr(l, '\n', len - pos), *sp;
		size_t n, i;

		line++;
		if (!nl) {
			r = fail(err, line, "no newline at the end (truncated?)");
			goto out;
		}
		n = (size_t)(nl - l);
		pos += n + 1;
		if (n > MANIFEST_MAX_LINE) {
			r = fail(err, line, "longer than %u bytes", MANIFEST_MAX_LINE);
			goto out;
		}
		for (i = 0; i < n; i++)
			if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f) {
				r = fail(err, line, "control character 0x%02x at column %zu "
					 "(tab, CR and NUL included)", (unsigned char)l[i], i + 1);
				goto out;
			}
		if (line == 1) {
			if (n != sizeof(MANIFEST_VERSION_LINE) - 1 ||
			    memcmp(l, MANIFEST_VERSION_LINE, n)) {
				r = n > 14 && !memcmp(l, "miee-manifest ", 14)
				    ? fail(err, line, "unsupported version '%.*s' (this runner reads 1)",
					   (int)(n - 14 > 16 ? 16 : n - 14), l + 14)
				    : fail(err, line, "the first line must be '" MANIFEST_VERSION_LINE "'");
				goto out;
			}
			continue;
		}
		if (n == 0 || l[0] == '#')
			continue;
		sp = memchr(l, ' ', n);
		if (!sp) {
			r = fail(err, line, "expected 'KEY VALUE'");
			goto out;
		}
		r = parse_line(&m, &s, l, (size_t)(sp - l), sp + 1, n - (size_t)(sp - l) - 1, line, err);
		if (r)
			goto out;
	}
	*out = m;
	return 0;
out:
	manifest_free(&m);
	return r;
}

int manifest_add_file(struct manifest *m, enum file_right right, const char *path,
		      struct manifest_error *err)
{
	err->line = 0;
	return add_file(m, right, path, strlen(path), 0, err);
}

int manifest_set_memory(struct manifest *m, const char *size, struct manifest_error *err)
{
	uint64_t x;

	err->line = 0;
	if (manifest_parse_size(size, &x) || x < MANIFEST_MIN_MEMORY || x > MANIFEST_MAX_MEMORY ||
	    x % 4096)
		return fail(err, 0, "--memory must be a size (N, NK, NM, NG) of 1M..64G, a multiple of 4K");
	m->memory = x;
	return 0;
}

void manifest_free(struct manifest *m)
{
	unsigned i;

	free(m->program);
	for (i = 0; i < m->argc; i++)
		free(m->argv[i]);
	for (i = 0; i < m->envc; i++)
		free(m->env[i]);
	for (i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	memset(m, 0, sizeof(*m));
}

int manifest_loopback_only(const struct manifest *m)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	unsigned i;

	for (i = 0; i < m->nconnect; i++) {
		const struct manifest_net *r = &m->connect[i];

		if (r->family == AF_INET && !(r->addr[0] == 127 && r->prefix >= 8))
			return 0;
		if (r->family == AF_INET6 && !(r->prefix == 128 && !memcmp(r->addr, lo6, 16)))
			return 0;
	}
	return 1;
}
