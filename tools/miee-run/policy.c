/* The runner's policy decisions (policy.h; rules in docs/policy.md,
 * "Enforcement points"). Host user space, Linux >= 5.6 (openat2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy.h"

/* The open flags the PAL may pass; anything else is EINVAL, before any
 * rule (also under the null policy). O_PATH and O_TMPFILE are not among
 * them. */
#define POLICY_O_LARGEFILE 0100000	/* the kernel's value: glibc's O_LARGEFILE is 0 on x86-64 */
#define POLICY_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			   O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | O_NOFOLLOW | \
			   O_CLOEXEC | POLICY_O_LARGEFILE | O_NOATIME)

static void log_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void say(struct policy *p, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->log(p->log_ctx, line);
}

/* A string from the PAL, printable: control bytes and quotes escaped, cut
 * at 160 bytes. */
static const char *esc(const char *s, char out[256])
{
	size_t i, o = 0;

	for (i = 0; s[i] && o < 240; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 160) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, 256 - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
	return out;
}

/* One refusal: count it, log "call(args) -> ERRNO: rule", return -e. */
static int refuse(struct policy *p, int e, const char *call, const char *args, const char *rule)
{
	p->refused++;
	say(p, "miee-run: policy: refused %s(%s) -> %s: %s", call, args, strerrorname_np(e), rule);
	return -e;
}

int policy_init(struct policy *p, const struct manifest *m, policy_log_fn *log, void *log_ctx)
{
	unsigned i;
	int r = 0;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->log = log ? log : log_stderr;
	p->log_ctx = log_ctx;
	for (i = 0; i < MANIFEST_MAX_FILES; i++)
		p->roots[i].fd = -1;
	for (i = 0; i < m->nfiles; i++) {
		const char *path = m->files[i].path;
		struct policy_root *rt = &p->roots[i];
		struct stat st;
		int fd = open(path, O_PATH | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st)) {
			r = -errno;
			say(p, "miee-run: policy: allowed path %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			rt->fd = fd;
			rt->is_dir = 1;
			continue;
		}
		/* Not a directory: opened by name under its parent, and judged
		 * (device node, FIFO, ...) at each open like any other file. */
		close(fd);
		{
			const char *slash = strrchr(path, '/');
			char *parent = strndup(path, slash == path ? 1 : (size_t)(slash - path));

			if (!parent) {
				r = -ENOMEM;
				goto out;
			}
			rt->fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (rt->fd < 0)
				r = -errno;
			free(parent);
			if (r) {
				say(p, "miee-run: policy: allowed path %s: its directory: %s", path,
				    strerror(-r));
				goto out;
			}
			rt->name = slash + 1;
		}
	}
	return 0;
out:
	policy_fini(p);
	return r;
}

void policy_fini(struct policy *p)
{
	unsigned i;

	for (i = 0; i < MANIFEST_MAX_FILES; i++) {
		if (p->roots[i].fd >= 0)
			close(p->roots[i].fd);
		p->roots[i].fd = -1;
		p->roots[i].is_dir = 0;
		p->roots[i].name = NULL;
	}
}

/* Lexical normalization of an absolute path into out (PATH_MAX): "//" and
 * "." dropped, ".." removes the last component ("/.." is "/", as in Linux).
 * The result holds no "." or ".." and so matches manifest_path_ok(). The
 * kernel then resolves it again, under RESOLVE_BENEATH, so a symlink in
 * the path cannot take it out of its root. */
static int normalize(const char *in, char *out)
{
	size_t o = 0, i = 0;

	while (in[i]) {
		size_t n;

		while (in[i] == '/')
			i++;
		for (n = 0; in[i + n] && in[i + n] != '/'; n++)
			;
		if (n == 0)
			break;
		if (n == 1 && in[i] == '.') {
			/* nothing */
		} else if (n == 2 && in[i] == '.' && in[i + 1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;	/* the '/' before it */
		} else {
			if (o + 1 + n >= PATH_MAX)
				return -ENAMETOOLONG;
			out[o++] = '/';
			memcpy(out + o, in + i, n);
			o += n;
		}
		i += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return 0;
}

/* The longest allowed path that is p or a prefix of p at a '/'; -1: none.
 * *rest: what follows it ("" for the root itself). */
static int match_root(const struct policy *p, const char *path, const char **rest)
{
	size_t n = strlen(path), best = 0;
	int k = -1;
	unsigned i;

	for (i = 0; i < p->m->nfiles; i++) {
		const struct manifest_file *f = &p->m->files[i];

		if (f->len == 1) {	/* "/" */
			if (k < 0) {
				k = (int)i;
				best = 0;
			}
			continue;
		}
		if (f->len > n || memcmp(path, f->path, f->len) ||
		    (path[f->len] && path[f->len] != '/'))
			continue;
		if (k < 0 || f->len > best) {
			k = (int)i;
			best = f->len;
		}
	}
	if (k >= 0) {
		*rest = path + best;
		while (**rest == '/')
			(*rest)++;
	}
	return k;
}

/* /proc/self, /proc/thread-self and /proc/<pid>, and everything below. */
static int proc_self(const char *path)
{
	const char *q;

	if (strncmp(path, "/proc/", 6))
		return 0;
	q = path + 6;
	if (!strncmp(q, "self", 4) && (!q[4] || q[4] == '/'))
		return 1;
	if (!strncmp(q, "thread-self", 11) && (!q[11] || q[11] == '/'))
		return 1;
	if (*q >= '0' && *q <= '9') {
		while (*q >= '0' && *q <= '9')
			q++;
		return !*q || *q == '/';
	}
	return 0;
}

static int was_created(const struct policy *p, const struct stat *st)
{
	unsigned i;

	for (i = 0; i < p->ncreated; i++)
		if (p->created[i].dev == st->st_dev && p->created[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* openat2 is the policy's one way to open (the confined runner's filter
 * allows no open/openat): beneath dirfd, or (resolve 0, the null policy)
 * as plain openat. */
static int openat2_how(int dirfd, const char *rest, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode & 07777 : 0,
		.resolve = resolve,
	};
	long r = syscall(SYS_openat2, dirfd, *rest ? rest : ".", &how, sizeof(how));

	return r < 0 ? -errno : (int)r;
}

static int do_openat2(int dirfd, const char *rest, uint64_t flags, uint64_t mode)
{
	return openat2_how(dirfd, rest, flags, mode, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
}

/* Why openat2 refused a path, as a rule. */
static const char *resolve_rule(int e)
{
	switch (e) {
	case EXDEV: return "the path leaves its allowed tree ('..' or a symlink out)";
	case ELOOP: return "a magic link (/proc/*/fd, /proc/*/root) or a symlink loop";
	default: return NULL;
	}
}

/* A refused path call: its arguments formatted only now. flags < 0: a
 * call with the path alone. */
static int refuse_open(struct policy *p, int e, const char *call, const char *path, int flags,
		       mode_t mode, const char *rule)
{
	char args[512], e1[256];

	if (flags < 0)
		snprintf(args, sizeof(args), "\"%s\"", esc(path, e1));
	else
		snprintf(args, sizeof(args), "\"%s\", 0x%x, 0%o", esc(path, e1), (unsigned)flags,
			 (unsigned)mode);
	return refuse(p, e, call, args, rule);
}

/* Steps 3-6 (docs/policy.md): an absolute path, normalized, not in
 * /proc/self, under an allowed path with the right need. 0 with the
 * root's index in *k and what follows the root in *rest (for a file root:
 * its name), or -errno and the log line. */
static int judge(struct policy *p, const char *call, const char *path, int flags, mode_t mode,
		 enum file_right need, char norm[PATH_MAX], int *k, const char **rest)
{
	const struct manifest_file *f;
	int r;

	if (path[0] != '/')
		return refuse_open(p, EINVAL, call, path, flags, mode,
				   "a relative path (the libOS sends absolute ones)");
	r = normalize(path, norm);
	if (r)
		return refuse_open(p, -r, call, path, flags, mode, "the normalized path is too long");
	if (proc_self(norm))
		return refuse_open(p, EACCES, call, path, flags, mode,
				   "/proc/self, /proc/thread-self, /proc/<pid>");
	*k = match_root(p, norm, rest);
	if (*k < 0)
		return refuse_open(p, EACCES, call, path, flags, mode, "outside every allowed path");
	f = &p->m->files[*k];
	if (need >= FILE_RW && f->right < FILE_RW)
		return refuse_open(p, EACCES, call, path, flags, mode, "write to a read-only path");
	if (need >= FILE_CREATE && f->right < FILE_CREATE)
		return refuse_open(p, EACCES, call, path, flags, mode, "create without the create right");
	if (!p->roots[*k].is_dir) {
		if (**rest)	/* below a file: never */
			return refuse_open(p, ENOTDIR, call, path, flags, mode, "below an allowed file");
		*rest = p->roots[*k].name;
	}
	return 0;
}

int policy_set_bypass(struct policy *p)
{
	const char *e = getenv("MIEE_RUN_TEST_BROKEN");

	if (!e || strcmp(e, "1"))
		return -EPERM;
	p->bypass = 1;
	say(p, "miee-run: policy: BYPASSED (the test-only broken runner): every call performed as asked");
	return 0;
}

int policy_openat(struct policy *p, const char *path, int flags, mode_t mode)
{
	char norm[PATH_MAX];
	const struct manifest_file *f;
	const char *rest;
	struct stat st, st2;
	int write, k, fd, r, created = 0;
	uint64_t f2;

	if (p->bypass) {
		fd = openat2_how(AT_FDCWD, path, (uint64_t)flags, mode, 0);
		if (fd >= 0)
			p->open_fds++;
		return fd;
	}
	if (!path[0] || strnlen(path, PATH_MAX) == PATH_MAX)
		return refuse_open(p, !path[0] ? ENOENT : ENAMETOOLONG, "openat", path, flags, mode,
				   "empty or too long a path");
	if (flags & ~POLICY_OPEN_FLAGS)
		return refuse_open(p, EINVAL, "openat", path, flags, mode,
				   "an open flag outside the allowed set");
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return refuse_open(p, EINVAL, "openat", path, flags, mode, "access mode 3");
	if (p->m->limit_fds && p->open_fds >= p->m->limit_fds)
		return refuse_open(p, EMFILE, "openat", path, flags, mode, "limit fds");
	if (p->m->mode == POLICY_NULL) {
		fd = openat2_how(AT_FDCWD, path, (uint64_t)flags, mode, 0);
		if (fd < 0)
			return fd;
		p->open_fds++;
		return fd;
	}
	write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_APPEND));
	r = judge(p, "openat", path, flags, mode,
		  (flags & O_CREAT) && (flags & O_EXCL) ? FILE_CREATE : write ? FILE_RW : FILE_RO,
		  norm, &k, &rest);
	if (r)
		return r;
	f = &p->m->files[k];

	/* Probe without opening: a device node is never opened, not even for
	 * the side effects of open(2) itself. */
	f2 = (uint64_t)flags & ~(uint64_t)(O_CREAT | O_EXCL | O_TRUNC | O_ACCMODE | O_APPEND);
	fd = do_openat2(p->roots[k].fd, rest, O_PATH | (f2 & (O_NOFOLLOW | O_DIRECTORY)), 0);
	if (fd == -ENOENT && (flags & O_CREAT)) {
		if (f->right < FILE_CREATE)
			return refuse_open(p, EACCES, "openat", path, flags, mode,
					   "create without the create right");
		fd = do_openat2(p->roots[k].fd, rest, (uint64_t)flags | O_EXCL, mode);
		if (fd < 0) {
			const char *rule = resolve_rule(-fd);

			return rule ? refuse_open(p, EACCES, "openat", path, flags, mode, rule) : fd;
		}
		created = 1;
		goto opened;
	}
	if (fd < 0) {
		const char *rule = resolve_rule(-fd);

		return rule ? refuse_open(p, EACCES, "openat", path, flags, mode, rule) : fd;
	}
	r = fstat(fd, &st) ? -errno : 0;
	close(fd);
	if (r)
		return r;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;		/* as Linux: not a refusal */
	if (S_ISLNK(st.st_mode))
		return -ELOOP;		/* O_NOFOLLOW on a symlink, as Linux */
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return refuse_open(p, EACCES, "openat", path, flags, mode, "a device node");
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return refuse_open(p, EACCES, "openat", path, flags, mode,
				   "neither a regular file nor a directory");
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 && !was_created(p, &st))
		return refuse_open(p, EACCES, "openat", path, flags, mode,
				   "a hard link (st_nlink > 1) the PAL did not create");
	fd = do_openat2(p->roots[k].fd, rest, (uint64_t)flags & ~(uint64_t)O_CREAT, 0);
	if (fd < 0) {
		const char *rule = resolve_rule(-fd);

		return rule ? refuse_open(p, EACCES, "openat", path, flags, mode, rule) : fd;
	}
opened:
	if (fstat(fd, &st2)) {
		r = -errno;
		close(fd);
		return r;
	}
	if (created) {
		if (p->ncreated < POLICY_MAX_CREATED) {
			p->created[p->ncreated].dev = st2.st_dev;
			p->created[p->ncreated].ino = st2.st_ino;
			p->ncreated++;
		}
	} else if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		/* Swapped between the probe and the open. */
		close(fd);
		return refuse_open(p, EACCES, "openat", path, flags, mode,
				   "the file changed while it was checked");
	}
	p->open_fds++;
	return fd;
}

int policy_path(struct policy *p, const char *call, const char *path, enum file_right need,
		int *dirfd, char *rest, uint64_t *resolve)
{
	char norm[PATH_MAX];
	const char *r0;
	int k, r;

	if (!path[0] || strnlen(path, PATH_MAX) == PATH_MAX)
		return refuse_open(p, !path[0] ? ENOENT : ENAMETOOLONG, call, path, -1, 0,
				   "empty or too long a path");
	if (p->bypass || p->m->mode == POLICY_NULL) {
		*dirfd = AT_FDCWD;
		strcpy(rest, path);
		*resolve = 0;
		return 0;
	}
	r = judge(p, call, path, -1, 0, need, norm, &k, &r0);
	if (r)
		return r;
	*dirfd = p->roots[k].fd;
	strcpy(rest, *r0 ? r0 : ".");
	*resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	return 0;
}

int policy_resolved(struct policy *p, const char *call, const char *path, uint64_t resolve, int r)
{
	const char *rule = r < 0 && (resolve & RESOLVE_BENEATH) ? resolve_rule(-r) : NULL;

	return rule ? refuse_open(p, EACCES, call, path, -1, 0, rule) : r;
}

int policy_attr(struct policy *p, const char *call, const char *path, const struct stat *st,
		int symlink_ok)
{
	if (p->bypass || p->m->mode == POLICY_NULL)
		return 0;
	if (S_ISLNK(st->st_mode) && symlink_ok)
		return 0;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return refuse_open(p, EACCES, call, path, -1, 0, "a device node");
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return refuse_open(p, EACCES, call, path, -1, 0,
				   "neither a regular file nor a directory");
	if (S_ISREG(st->st_mode) && st->st_nlink > 1 && !was_created(p, st))
		return refuse_open(p, EACCES, call, path, -1, 0,
				   "a hard link (st_nlink > 1) the PAL did not create");
	return 0;
}

int policy_swapped(struct policy *p, const char *call, const char *path)
{
	return refuse_open(p, EACCES, call, path, -1, 0, "the file changed while it was checked");
}

void policy_linked(struct policy *p, const struct stat *before, const struct stat *after)
{
	if (!S_ISREG(before->st_mode) || before->st_dev != after->st_dev ||
	    before->st_ino != after->st_ino || was_created(p, before))
		return;
	if (before->st_nlink == 1 && after->st_nlink == 2 && p->ncreated < POLICY_MAX_CREATED) {
		p->created[p->ncreated].dev = after->st_dev;
		p->created[p->ncreated].ino = after->st_ino;
		p->ncreated++;
	}
}

int policy_fd_new(struct policy *p, const char *call, unsigned n)
{
	char args[64];

	if (!p->bypass && p->m->limit_fds && p->open_fds + n > p->m->limit_fds) {
		snprintf(args, sizeof(args), "%u new, %llu open", n, (unsigned long long)p->open_fds);
		return refuse(p, EMFILE, call, args, "limit fds");
	}
	p->open_fds += n;
	return 0;
}

int policy_socket(struct policy *p, int family, int type)
{
	char args[64];

	if (p->bypass || p->m->mode == POLICY_NULL || p->m->nconnect + p->m->nbind)
		return 0;
	snprintf(args, sizeof(args), "%s, %d", family == AF_INET6 ? "AF_INET6" : family == AF_INET ?
		 "AF_INET" : "?", type);
	return refuse(p, EACCES, "socket", args, "no 'connect' or 'bind' rule: no network");
}

int64_t policy_fsize(struct policy *p, const char *call, uint64_t pos, uint64_t len)
{
	uint64_t max = p->m->limit_fsize;
	char args[64], rule[48];

	if (p->bypass || !max || (pos < max && len <= max - pos))
		return (int64_t)len;
	if (pos < max)
		return (int64_t)(max - pos);	/* cut at the limit, as Linux */
	snprintf(args, sizeof(args), "offset %llu, %llu bytes", (unsigned long long)pos,
		 (unsigned long long)len);
	snprintf(rule, sizeof(rule), "limit fsize %llu", (unsigned long long)max);
	return refuse(p, EFBIG, call, args, rule);
}

void policy_closed(struct policy *p)
{
	if (p->open_fds)
		p->open_fds--;
}

/* The address and port of an AF_INET/AF_INET6 sockaddr, IPv4-mapped IPv6
 * taken as IPv4. 0, or -EINVAL (-EAFNOSUPPORT: another family). */
static int sock_addr(const struct sockaddr *sa, socklen_t len, int *family, uint8_t a[16],
		     unsigned *port)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		if (len < sizeof(*in))
			return -EINVAL;
		*family = AF_INET;
		memset(a, 0, 16);
		memcpy(a, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (len < sizeof(*in6))
			return -EINVAL;
		*port = ntohs(in6->sin6_port);
		memset(a, 0, 16);
		if (!memcmp(in6->sin6_addr.s6_addr, mapped, 12)) {
			*family = AF_INET;
			memcpy(a, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(a, in6->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full))
		return 0;
	return !rest || ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static void addr_args(char *out, size_t n, int family, const uint8_t a[16], unsigned port)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family, a, s, sizeof(s));
	snprintf(out, n, family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

static int firewall_out(struct policy *p, const char *call, const struct sockaddr *sa,
			socklen_t len)
{
	char args[96];
	uint8_t a[16];
	unsigned port, i;
	int family, r;

	if (p->bypass)
		return 0;
	r = sock_addr(sa, len, &family, a, &port);

	if (r) {
		snprintf(args, sizeof(args), "family %d, len %u", sa && len >= 2 ? sa->sa_family : -1,
			 (unsigned)len);
		return refuse(p, -r, call, args, r == -EINVAL ? "a short or missing sockaddr"
			      : "only AF_INET and AF_INET6 addresses are served");
	}
	if (p->m->mode == POLICY_NULL)
		return 0;
	for (i = 0; i < p->m->nconnect; i++) {
		const struct manifest_net *c = &p->m->connect[i];

		if (c->family == family && prefix_match(a, c->addr, c->prefix) &&
		    port >= c->port_lo && port <= c->port_hi)
			return 0;
	}
	addr_args(args, sizeof(args), family, a, port);
	return refuse(p, EPERM, call, args, "no 'connect' rule allows this address and port");
}

int policy_connect(struct policy *p, const struct sockaddr *sa, socklen_t len)
{
	return firewall_out(p, "connect", sa, len);
}

int policy_sendto(struct policy *p, const struct sockaddr *sa, socklen_t len)
{
	if (!sa && !len)
		return 0;	/* a connected socket: its connect was checked */
	return firewall_out(p, "sendto", sa, len);
}

static int port_allowed(const struct policy *p, unsigned port)
{
	unsigned i;

	for (i = 0; i < p->m->nbind; i++)
		if (port >= p->m->bind[i].port_lo && port <= p->m->bind[i].port_hi)
			return 1;
	return 0;
}

int policy_bind(struct policy *p, const struct sockaddr *sa, socklen_t len)
{
	char args[96];
	uint8_t a[16];
	unsigned port;
	int family, r;

	if (p->bypass)
		return 0;
	r = sock_addr(sa, len, &family, a, &port);
	if (r) {
		snprintf(args, sizeof(args), "family %d, len %u", sa && len >= 2 ? sa->sa_family : -1,
			 (unsigned)len);
		return refuse(p, -r, "bind", args, r == -EINVAL ? "a short or missing sockaddr"
			      : "only AF_INET and AF_INET6 addresses are served");
	}
	if (p->m->mode == POLICY_NULL || port_allowed(p, port))
		return 0;
	addr_args(args, sizeof(args), family, a, port);
	return refuse(p, EACCES, "bind", args, "no 'bind' rule allows this port");
}

int policy_listen(struct policy *p, unsigned port)
{
	char args[32];

	if (p->bypass)
		return 0;
	if (port > 65535) {
		snprintf(args, sizeof(args), "port %u", port);
		return refuse(p, EINVAL, "listen", args, "not a port");
	}
	if (p->m->mode == POLICY_NULL || port_allowed(p, port))
		return 0;
	snprintf(args, sizeof(args), "port %u", port);
	return refuse(p, EACCES, "listen", args, "no 'bind' rule allows this port");
}

int policy_limit(struct policy *p, enum limit which, uint64_t value)
{
	static const char *const name[] = { "memory", "threads", "fds", "fsize" };
	static const int err[] = { ENOMEM, EAGAIN, EMFILE, EFBIG };
	uint64_t max;
	char args[64];

	switch (which) {
	case LIMIT_MEMORY: max = p->m->memory; break;
	case LIMIT_THREADS: max = p->m->threads; break;
	case LIMIT_FDS: max = p->m->limit_fds; break;
	case LIMIT_FSIZE: max = p->m->limit_fsize; break;
	default:
		return refuse(p, EINVAL, "limit", "?", "unknown limit");
	}
	if (p->bypass || !max || value <= max)
		return 0;
	snprintf(args, sizeof(args), "%s %llu", name[which], (unsigned long long)value);
	{
		char rule[64];

		snprintf(rule, sizeof(rule), "limit %s %llu", name[which], (unsigned long long)max);
		return refuse(p, err[which], "limit", args, rule);
	}
}

int policy_hostcall(struct policy *p, uint64_t now_ns)
{
	char args[48];

	if (p->bypass || !p->m->limit_calls)
		return 0;
	if (now_ns - p->window_start_ns >= 1000000000ull || now_ns < p->window_start_ns) {
		if (p->window_quiet)
			say(p, "miee-run: policy: refused %llu more host calls in the last window "
			    "(limit calls, not logged one by one)", (unsigned long long)p->window_quiet);
		p->window_start_ns = now_ns;
		p->window_calls = 0;
		p->window_quiet = 0;
	}
	if (++p->window_calls <= p->m->limit_calls)
		return 0;
	if (p->window_calls > p->m->limit_calls + 1) {
		p->refused++;
		p->window_quiet++;
		return -EAGAIN;
	}
	snprintf(args, sizeof(args), "call %llu in this second", (unsigned long long)p->window_calls);
	return refuse(p, EAGAIN, "hostcall", args, "limit calls (per second)");
}
