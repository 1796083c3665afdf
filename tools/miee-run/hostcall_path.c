/* The forwarded path calls (guest OS user space). A program path is made
 * absolute against the program's virtual cwd (or the path of its dirfd)
 * and handed to the policy (policy.c, the one set of path rules): opens
 * to policy_openat, the other calls to policy_path, which names the
 * allowed root's fd and the openat2 resolve flags
 * (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) the call is performed with,
 * so a '..' or a symlink cannot leave the root either. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostcall.h"
#include "hostcall-int.h"

#define A(i) (q->h.args[i])

static int beneath(int dirfd, const char *rel, int flags, unsigned int mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.mode = (flags & O_CREAT) ? (mode & 07777) : 0,
		.resolve = resolve,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int hostcall_add_rule(struct hostcall *s, const char *line, struct manifest_error *err)
{
	static const char head[] = MANIFEST_VERSION_LINE "\n";
	size_t n = strlen(line), old = s->own_len ? s->own_len : sizeof(head) - 1;
	char *t = realloc(s->own_text, old + n + 2);

	if (!t)
		return -ENOMEM;
	if (!s->own_len)
		memcpy(t, head, old);
	memcpy(t + old, line, n);
	t[old + n] = '\n';
	s->own_text = t;
	policy_fini(&s->pol);
	manifest_free(&s->own);
	if (manifest_parse(t, old + n + 1, &s->own, err)) {
		struct manifest_error e2;

		if (s->own_len && manifest_parse(t, s->own_len, &s->own, &e2))
			return -EINVAL;		/* cannot be: it parsed before */
		policy_init(&s->pol, &s->own, NULL, NULL);
		return -EINVAL;
	}
	s->own_len = old + n + 1;
	return policy_init(&s->pol, &s->own, NULL, NULL);
}

int hostcall_add_root(struct hostcall *s, const char *path, int writable)
{
	struct manifest_error err;
	char real[PATH_MAX], line[PATH_MAX + 16];

	if (!realpath(path, real))
		return -errno;
	snprintf(line, sizeof(line), "file %s %s", writable ? "create" : "ro", real);
	return hostcall_add_rule(s, line, &err);
}

int hostcall_use_manifest(struct hostcall *s, const struct manifest *m)
{
	policy_fini(&s->pol);
	return policy_init(&s->pol, m, NULL, NULL);
}

/* Make abs the absolute form of base + "/" + path, lexically normalized
 * (".." above "/" stays at "/", as in Linux); the policy judges it. */
static int normalize(const char *base, const char *path, char abs[PATH_MAX])
{
	char tmp[2 * PATH_MAX + 2];
	size_t len = 0;
	char *save, *c;

	if (path[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", path);
	else
		snprintf(tmp, sizeof(tmp), "%s/%s", base, path);
	abs[0] = '\0';
	for (c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t n = strlen(c);

		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *up = strrchr(abs, '/');

			if (up) {
				*up = '\0';
				len = (size_t)(up - abs);
			}
			continue;
		}
		if (len + 1 + n >= PATH_MAX)
			return -ENAMETOOLONG;
		abs[len++] = '/';
		memcpy(abs + len, c, n + 1);
		len += n;
	}
	if (!len)
		strcpy(abs, "/");
	return 0;
}

/* Where a path call is performed: rel under dirfd with resolve flags,
 * as the policy decided (policy_path). */
struct where {
	char abs[PATH_MAX];
	int dirfd;
	char rel[PATH_MAX];
	uint64_t resolve;
};

/* (dirfd, path) made absolute and judged by the policy with right need;
 * 0 or -errno for the program. */
static int resolve(struct hc_req *q, const char *call, int64_t dirfd, const char *path,
		   enum file_right need, struct where *w)
{
	const struct hostcall *s = q->s;
	const char *base = s->cwd;
	int r;

	if (!path[0])
		return -ENOENT;
	if (strnlen(path, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;	/* never cut: a cut path names another file */
	if (path[0] != '/' && (int)dirfd != AT_FDCWD) {
		if (!hc_fd_ok(s, dirfd))
			return -EBADF;
		if (!s->fd_path[dirfd])
			return -ENOTDIR;
		base = s->fd_path[dirfd];
	}
	if ((r = normalize(base, path, w->abs)))
		return r;
	return policy_path(&q->s->pol, call, w->abs, need, &w->dirfd, w->rel, &w->resolve);
}

/* The kernel's answer under the policy's resolution, as the policy maps
 * it: a '..' or symlink out (EXDEV), a magic link (ELOOP) are refusals. */
static int judged(struct hc_req *q, const char *call, const struct where *w, int r)
{
	return policy_resolved(&q->s->pol, call, w->abs, w->resolve, r);
}

/* An O_PATH fd of w's parent directory and the last component in base. */
static int open_parent(const struct where *w, char base[NAME_MAX + 1])
{
	char dir[PATH_MAX];
	const char *slash = strrchr(w->rel, '/');

	if (!slash) {
		strcpy(dir, ".");
		slash = w->rel - 1;
	} else if (slash == w->rel) {
		strcpy(dir, "/");	/* an absolute rel (the null policy) */
	} else {
		memcpy(dir, w->rel, (size_t)(slash - w->rel));
		dir[slash - w->rel] = '\0';
	}
	if (strlen(slash + 1) > NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(base, slash + 1);
	return beneath(w->dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, w->resolve);
}

static void h_openat(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	const char *base = q->s->cwd;
	char abs[PATH_MAX];
	int r;

	if (!path)
		return;
	if (!path[0]) {
		q->ret = -ENOENT;
		return;
	}
	if (strnlen(path, PATH_MAX) == PATH_MAX) {
		q->ret = -ENAMETOOLONG;
		return;
	}
	if (path[0] != '/' && (int)A(0) != AT_FDCWD) {
		if (!hc_fd_ok(q->s, A(0))) {
			q->ret = -EBADF;
			return;
		}
		if (!q->s->fd_path[A(0)]) {
			q->ret = -ENOTDIR;
			return;
		}
		base = q->s->fd_path[A(0)];
	}
	if ((r = normalize(base, path, abs)) == 0)
		r = policy_openat(&q->s->pol, abs, (int)A(2), (mode_t)A(3));
	q->ret = hc_new_fd(q->s, r, abs);
}

/* stat and friends: follow = open the path itself (O_PATH) beneath the
 * root; nofollow = its parent, then the last component itself. */
static void h_stat(struct hc_req *q)
{
	int statx_call = q->h.nr == SYS_statx;
	int64_t off = statx_call ? A(4) : A(2);
	int flags = (int)(statx_call ? A(2) : A(3));
	uint64_t size = statx_call ? sizeof(struct statx) : sizeof(struct stat);
	const char *path = hc_str(q, A(1));
	void *out = hc_span(q, off, size);
	char base[NAME_MAX + 1];
	struct stat st;
	struct statx sx;
	struct where w;
	int fd = -1, r;
	const char *name = "";

	if (!path || !out)
		return;
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		if (!hc_fd_ok(q->s, A(0))) {
			q->ret = -EBADF;
			return;
		}
		fd = (int)A(0);
		r = 0;
	} else if ((r = resolve(q, statx_call ? "statx" : "newfstatat", A(0), path, FILE_RO,
				&w)) == 0) {
		if (flags & AT_SYMLINK_NOFOLLOW)
			fd = r = open_parent(&w, base), name = base;
		else
			fd = r = beneath(w.dirfd, w.rel, O_PATH | O_CLOEXEC, 0, w.resolve);
		r = judged(q, statx_call ? "statx" : "newfstatat", &w, r);
	}
	if (r >= 0) {
		int f = (name[0] ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);

		if (statx_call)
			r = statx(fd, name, f | (flags & AT_STATX_SYNC_TYPE), (unsigned int)A(3), &sx);
		else
			r = fstatat(fd, name, &st, f);
		r = r < 0 ? -errno : 0;
		if (fd != (int)A(0) || path[0])
			close(fd);
	}
	q->ret = r;
	if (r == 0) {
		memcpy(out, statx_call ? (void *)&sx : (void *)&st, size);
		q->out_len = (uint64_t)off + size;
	}
}

static void h_readlink(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	void *out = hc_span(q, A(2), (uint64_t)A(3));
	char base[NAME_MAX + 1];
	struct where w;
	int r, fd;

	if (!path || !out)
		return;
	if ((r = resolve(q, "readlinkat", A(0), path, FILE_RO, &w)) == 0 &&
	    (fd = r = judged(q, "readlinkat", &w, open_parent(&w, base))) >= 0) {
		long n = readlinkat(fd, base, out, (size_t)A(3));

		r = n < 0 ? -errno : (int)n;
		close(fd);
	}
	q->ret = r;
	if (r >= 0)
		q->out_len = (uint64_t)A(2) + (uint64_t)r;
}

static void h_access(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	struct where w;
	int r, fd;

	if (!path)
		return;
	if ((r = resolve(q, "faccessat", A(0), path, ((int)A(2) & W_OK) ? FILE_RW : FILE_RO,
			 &w)) == 0 &&
	    (fd = r = judged(q, "faccessat", &w,
			     beneath(w.dirfd, w.rel, O_PATH | O_CLOEXEC, 0, w.resolve))) >= 0) {
		r = syscall(SYS_faccessat2, fd, "", (int)A(2), AT_EMPTY_PATH) < 0 ? -errno : 0;
		close(fd);
	}
	q->ret = r;
}

/* mkdirat, unlinkat: on the last component in its parent. */
static void h_modify(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	const char *call = q->h.nr == SYS_mkdirat ? "mkdirat" : "unlinkat";
	char base[NAME_MAX + 1];
	struct where w;
	int r, fd;

	if (!path)
		return;
	if ((r = resolve(q, call, A(0), path, FILE_CREATE, &w)) == 0 &&
	    (fd = r = judged(q, call, &w, open_parent(&w, base))) >= 0) {
		if (q->h.nr == SYS_mkdirat)
			r = mkdirat(fd, base, (mode_t)A(2) & 07777);
		else
			r = unlinkat(fd, base, (int)A(2) & AT_REMOVEDIR);
		r = r < 0 ? -errno : 0;
		close(fd);
	}
	q->ret = r;
}

static void h_rename(struct hc_req *q)
{
	const char *p1 = hc_str(q, A(1)), *p2 = hc_str(q, A(3));
	char b1[NAME_MAX + 1], b2[NAME_MAX + 1];
	struct where w1, w2;
	int r, f1 = -1, f2 = -1;

	if (!p1 || !p2)
		return;
	if ((r = resolve(q, "renameat", A(0), p1, FILE_CREATE, &w1)) == 0 &&
	    (r = resolve(q, "renameat", A(2), p2, FILE_CREATE, &w2)) == 0 &&
	    (f1 = r = judged(q, "renameat", &w1, open_parent(&w1, b1))) >= 0 &&
	    (f2 = r = judged(q, "renameat", &w2, open_parent(&w2, b2))) >= 0)
		r = renameat(f1, b1, f2, b2) < 0 ? -errno : 0;
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	q->ret = r;
}

/* symlinkat(target, newdirfd, linkpath): the link is made where the
 * policy allows create; its target is any string (every later call
 * resolves it beneath its root, so a target leading out is a refusal
 * then, not an escape). */
static void h_symlink(struct hc_req *q)
{
	const char *target = hc_str(q, A(0)), *path = hc_str(q, A(2));
	char base[NAME_MAX + 1];
	struct where w;
	int r, fd;

	if (!target || !path)
		return;
	if ((r = resolve(q, "symlinkat", A(1), path, FILE_CREATE, &w)) == 0 &&
	    (fd = r = judged(q, "symlinkat", &w, open_parent(&w, base))) >= 0) {
		r = symlinkat(target, fd, base) < 0 ? -errno : 0;
		close(fd);
	}
	q->ret = r;
}

/* linkat(olddirfd, old, newdirfd, new, 0): both names where the policy
 * allows create (a hard link from a read-only file into a writable tree
 * would make it writable there); the old name's last component never
 * followed (flags 0: the link names a symlink itself). The new link
 * gives the inode st_nlink 2, which the policy's hard-link rule refuses
 * to open unless the PAL made it: policy_linked records it when the old
 * name was the inode's only one. */
static void h_link(struct hc_req *q)
{
	const char *p1 = hc_str(q, A(1)), *p2 = hc_str(q, A(3));
	char b1[NAME_MAX + 1], b2[NAME_MAX + 1];
	struct where w1, w2;
	struct stat before, after;
	int r, f1 = -1, f2 = -1;

	if (!p1 || !p2)
		return;
	if (A(4) != 0) {
		q->ret = -EINVAL;
		return;
	}
	if ((r = resolve(q, "linkat", A(0), p1, FILE_CREATE, &w1)) == 0 &&
	    (r = resolve(q, "linkat", A(2), p2, FILE_CREATE, &w2)) == 0 &&
	    (f1 = r = judged(q, "linkat", &w1, open_parent(&w1, b1))) >= 0 &&
	    (f2 = r = judged(q, "linkat", &w2, open_parent(&w2, b2))) >= 0) {
		r = fstatat(f1, b1, &before, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		if (r == 0)
			r = linkat(f1, b1, f2, b2, 0) < 0 ? -errno : 0;
		if (r == 0 && fstatat(f2, b2, &after, AT_SYMLINK_NOFOLLOW) == 0)
			policy_linked(&q->s->pol, &before, &after);
	}
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	q->ret = r;
}

/* An fd the MIEE opened for writing (so where the policy allows writes). */
static int fd_writable(struct hc_req *q, int64_t fd)
{
	int fl;

	if (!hc_fd_ok(q->s, fd))
		return -EBADF;
	fl = fcntl((int)fd, F_GETFL);
	if (fl < 0)
		return -errno;
	return (fl & O_ACCMODE) == O_RDONLY ? -EPERM : 0;
}

/* fchmod of the file an O_PATH fd (of stat st) names: Linux 6.1 has no
 * fchmodat2, and fchmod needs a real fd, so the same file is opened again
 * beneath its root for reading (or, failing that, writing: neither has a
 * side effect on a regular file or directory) and must be the same inode. */
static int chmod_reopen(struct hc_req *q, const struct where *w, const struct stat *st,
			mode_t mode)
{
	int base = O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct stat st2;
	int fd, r;

	fd = beneath(w->dirfd, w->rel, O_RDONLY | base, 0, w->resolve);
	if (fd == -EACCES && S_ISREG(st->st_mode))
		fd = beneath(w->dirfd, w->rel, O_WRONLY | base, 0, w->resolve);
	if ((fd = judged(q, "fchmodat", w, fd)) < 0)
		return fd;
	if (fstat(fd, &st2))
		r = -errno;
	else if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino)
		r = policy_swapped(&q->s->pol, "fchmodat", w->abs);
	else
		r = fchmod(fd, mode & 07777) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* utimensat, fchmodat, fchmod: metadata writes, so the write right.
 * By path: the file (or with AT_SYMLINK_NOFOLLOW a symlink itself) is
 * opened O_PATH beneath its root, judged by policy_attr (its type, the
 * hard-link rule) and changed through that fd (utimensat AT_EMPTY_PATH)
 * or the same file opened again (chmod_reopen). A symlink's mode is not
 * changed (Linux: EOPNOTSUPP). By fd (utimensat with a NULL path,
 * fchmod): only an fd opened for writing. */
static void h_setattr(struct hc_req *q)
{
	unsigned int nr = q->h.nr;
	const char *call = nr == SYS_utimensat ? "utimensat" : "fchmodat";
	int64_t dirfd = A(0), poff = nr == SYS_fchmod ? LIBOS_HC_NOBUF : A(1);
	const struct timespec *ts = NULL;
	const char *path = NULL;
	struct where w;
	struct stat st;
	int r, fd, nofollow = 0;

	if (nr == SYS_utimensat) {
		if (A(2) != LIBOS_HC_NOBUF && !(ts = hc_span(q, A(2), 2 * sizeof(*ts))))
			return;
		if (A(3) & ~(int64_t)AT_SYMLINK_NOFOLLOW) {
			q->ret = -EINVAL;
			return;
		}
		nofollow = (A(3) & AT_SYMLINK_NOFOLLOW) != 0;
	}
	if (poff != LIBOS_HC_NOBUF && !(path = hc_str(q, poff)))
		return;
	if (!path) {
		if ((r = fd_writable(q, dirfd)) == 0) {
			if (nr == SYS_utimensat)
				r = futimens((int)dirfd, ts) < 0 ? -errno : 0;
			else
				r = fchmod((int)dirfd, (mode_t)A(1) & 07777) < 0 ? -errno : 0;
		}
		q->ret = r;
		return;
	}
	if ((r = resolve(q, call, dirfd, path, FILE_RW, &w)) != 0) {
		q->ret = r;
		return;
	}
	fd = beneath(w.dirfd, w.rel, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0, w.resolve);
	if ((fd = r = judged(q, call, &w, fd)) < 0) {
		q->ret = r;
		return;
	}
	r = fstat(fd, &st) ? -errno : policy_attr(&q->s->pol, call, w.abs, &st, nofollow);
	if (r == 0 && nr == SYS_utimensat)
		r = utimensat(fd, "", ts, AT_EMPTY_PATH) < 0 ? -errno : 0;
	else if (r == 0)
		r = chmod_reopen(q, &w, &st, (mode_t)A(2));
	close(fd);
	q->ret = r;
}

static void h_cwd(struct hc_req *q)
{
	if (q->h.nr == SYS_getcwd) {
		size_t n = strlen(q->s->cwd) + 1;
		void *out = hc_span(q, A(0), (uint64_t)A(1));

		if (!out)
			return;
		if (n > (uint64_t)A(1)) {
			q->ret = -ERANGE;
			return;
		}
		memcpy(out, q->s->cwd, n);
		q->ret = (int64_t)n;
		q->out_len = (uint64_t)A(0) + n;
	} else {
		const char *path = hc_str(q, A(0));
		struct where w;
		int r, fd;

		if (!path)
			return;
		if ((r = resolve(q, "chdir", AT_FDCWD, path, FILE_RO, &w)) == 0 &&
		    (fd = r = judged(q, "chdir", &w, beneath(w.dirfd, w.rel, O_PATH | O_DIRECTORY |
							      O_CLOEXEC, 0, w.resolve))) >= 0) {
			close(fd);
			strcpy(q->s->cwd, w.abs);
			r = 0;
		}
		q->ret = r;
	}
}

int hc_path_call(struct hc_req *q)
{
	switch (q->h.nr) {
	case SYS_openat:
		h_openat(q);
		return 0;
	case SYS_newfstatat:
	case SYS_statx:
		h_stat(q);
		return 0;
	case SYS_readlinkat:
		h_readlink(q);
		return 0;
	case SYS_faccessat:
		h_access(q);
		return 0;
	case SYS_mkdirat:
	case SYS_unlinkat:
		h_modify(q);
		return 0;
	case SYS_renameat:
		h_rename(q);
		return 0;
	case SYS_symlinkat:
		h_symlink(q);
		return 0;
	case SYS_linkat:
		h_link(q);
		return 0;
	case SYS_utimensat:
	case SYS_fchmodat:
	case SYS_fchmod:
		h_setattr(q);
		return 0;
	case SYS_getcwd:
	case SYS_chdir:
		h_cwd(q);
		return 0;
	}
	return -ENOSYS;
}
