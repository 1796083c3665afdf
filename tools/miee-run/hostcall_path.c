/* The runner's path rules and the forwarded path calls (guest OS user
 * space). A program path is made absolute against the program's virtual
 * cwd (or the path of its dirfd), normalized lexically (".." above "/" is
 * refused, so is /proc), matched to the longest --ro/--rw root, and then
 * opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) on that
 * root's directory fd, so a symlink cannot leave the root either. */
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
#define OPEN_FLAGS_OK (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | \
	O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECTORY | O_NOFOLLOW | \
	O_CLOEXEC | O_SYNC | O_NOATIME | O_LARGEFILE)

static int beneath(int dirfd, const char *rel, int flags, unsigned int mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags & (OPEN_FLAGS_OK | O_PATH)),
		.mode = (flags & O_CREAT) ? (mode & 07777) : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int hostcall_add_root(struct hostcall *s, const char *path, int writable)
{
	struct hostcall_root *r = &s->roots[s->nroots];
	struct stat st;
	char *slash;

	if (s->nroots == HOSTCALL_ROOTS_MAX)
		return -ENOSPC;
	if (!realpath(path, r->path))
		return -errno;
	if (stat(r->path, &st))
		return -errno;
	r->writable = writable;
	r->is_file = !S_ISDIR(st.st_mode);
	if (r->is_file) {
		char dir[PATH_MAX];

		slash = strrchr(r->path, '/');
		if (strlen(slash + 1) > NAME_MAX)
			return -ENAMETOOLONG;
		strcpy(r->name, slash + 1);
		memcpy(dir, r->path, (size_t)(slash - r->path));
		dir[slash - r->path] = '\0';
		r->dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		r->dirfd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (r->dirfd < 0)
		return -errno;
	s->nroots++;
	return 0;
}

/* Does root path p contain abs (p itself, or below it)? */
static size_t under(const char *p, const char *abs)
{
	size_t n = strlen(p);

	if (n == 1)		/* "/" */
		return 1;
	if (strncmp(p, abs, n) || (abs[n] != '/' && abs[n] != '\0'))
		return 0;
	return n;
}

int path_open_allowed(const struct hostcall *s, const char *abs, int write,
		      int *root)
{
	size_t best = 0;
	int found = -1;

	for (int i = 0; i < s->nroots; i++) {
		const struct hostcall_root *r = &s->roots[i];
		size_t n = r->is_file ? (strcmp(r->path, abs) ? 0 : strlen(abs)) :
					under(r->path, abs);

		if (n > best) {
			best = n;
			found = i;
		}
	}
	if (found < 0 || (write && !s->roots[found].writable))
		return -EACCES;
	*root = found;
	return 0;
}

/* Make abs the normalized absolute form of base + "/" + path. */
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

			if (!up)
				return -EACCES;	/* ".." above the root */
			*up = '\0';
			len = (size_t)(up - abs);
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

struct where {
	char abs[PATH_MAX];
	const struct hostcall_root *root;
	char rel[PATH_MAX];	/* relative to root->dirfd, "." for the root */
};

/* Resolve (dirfd, path) under the rules; 0 or -errno for the program. */
static int resolve(struct hc_req *q, int64_t dirfd, const char *path, int write,
		   struct where *w)
{
	const struct hostcall *s = q->s;
	const char *base = s->cwd;
	int ri, r;

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
	if (!strcmp(w->abs, "/proc") || !strncmp(w->abs, "/proc/", 6))
		return -EACCES;
	if ((r = path_open_allowed(s, w->abs, write, &ri)))
		return r;
	w->root = &s->roots[ri];
	if (w->root->is_file) {
		strcpy(w->rel, w->root->name);
	} else {
		const char *rest = w->abs + strlen(w->root->path);

		while (*rest == '/')
			rest++;
		strcpy(w->rel, *rest ? rest : ".");
	}
	return 0;
}

/* An O_PATH fd of w's parent directory and the last component in base. */
static int open_parent(const struct where *w, char base[NAME_MAX + 1])
{
	char dir[PATH_MAX];
	const char *slash = strrchr(w->rel, '/');

	if (!slash) {
		strcpy(dir, ".");
		slash = w->rel - 1;
	} else {
		memcpy(dir, w->rel, (size_t)(slash - w->rel));
		dir[slash - w->rel] = '\0';
	}
	if (strlen(slash + 1) > NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(base, slash + 1);
	return beneath(w->root->dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

static void h_openat(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	int flags = (int)A(2), write;
	struct where w;
	int r;

	if (!path)
		return;
	write = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND));
	if ((r = resolve(q, A(0), path, write, &w)) == 0)
		r = beneath(w.root->dirfd, w.rel, flags, (unsigned int)A(3));
	q->ret = hc_new_fd(q->s, r, w.abs);
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
	} else if ((r = resolve(q, A(0), path, 0, &w)) == 0) {
		if (flags & AT_SYMLINK_NOFOLLOW)
			fd = r = open_parent(&w, base), name = base;
		else
			fd = r = beneath(w.root->dirfd, w.rel, O_PATH | O_CLOEXEC, 0);
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
	if ((r = resolve(q, A(0), path, 0, &w)) == 0 && (fd = r = open_parent(&w, base)) >= 0) {
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
	if ((r = resolve(q, A(0), path, (int)A(2) & W_OK, &w)) == 0 &&
	    (fd = r = beneath(w.root->dirfd, w.rel, O_PATH | O_CLOEXEC, 0)) >= 0) {
		r = syscall(SYS_faccessat2, fd, "", (int)A(2), AT_EMPTY_PATH) < 0 ? -errno : 0;
		close(fd);
	}
	q->ret = r;
}

/* mkdirat, unlinkat: on the last component in its parent. */
static void h_modify(struct hc_req *q)
{
	const char *path = hc_str(q, A(1));
	char base[NAME_MAX + 1];
	struct where w;
	int r, fd;

	if (!path)
		return;
	if ((r = resolve(q, A(0), path, 1, &w)) == 0 && (fd = r = open_parent(&w, base)) >= 0) {
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
	if ((r = resolve(q, A(0), p1, 1, &w1)) == 0 && (r = resolve(q, A(2), p2, 1, &w2)) == 0 &&
	    (f1 = r = open_parent(&w1, b1)) >= 0 && (f2 = r = open_parent(&w2, b2)) >= 0)
		r = renameat(f1, b1, f2, b2) < 0 ? -errno : 0;
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
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
		if ((r = resolve(q, AT_FDCWD, path, 0, &w)) == 0 &&
		    (fd = r = beneath(w.root->dirfd, w.rel, O_PATH | O_DIRECTORY | O_CLOEXEC, 0)) >= 0) {
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
	case SYS_getcwd:
	case SYS_chdir:
		h_cwd(q);
		return 0;
	}
	return -ENOSYS;
}
