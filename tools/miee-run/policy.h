/* The policy the runner enforces on every host call, from the manifest
 * (docs/policy.md, "Enforcement points"): file opens resolved with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) under one fd per
 * allowed path, the firewall for connect/sendto/bind/listen, the limits
 * and a host-calls-per-second limiter. Each call returns 0 (or an fd) or
 * -errno, the errno the PAL gets; each refusal writes one log line (call,
 * arguments, rule). Host user space. */
#ifndef TOOLS_MIEE_RUN_POLICY_H
#define TOOLS_MIEE_RUN_POLICY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "manifest.h"

#define POLICY_MAX_CREATED 1024u	/* files the PAL created (hard-link rule) */

enum limit { LIMIT_MEMORY, LIMIT_THREADS, LIMIT_FDS, LIMIT_FSIZE };

/* One log line, without its '\n'. */
typedef void policy_log_fn(void *ctx, const char *line);

struct policy_root {
	int fd;			/* O_PATH: the directory itself, or a file's parent */
	int is_dir;
	const char *name;	/* a file root: its last component, opened under fd */
};

struct policy {
	const struct manifest *m;	/* not owned; must outlive the policy */
	struct policy_root roots[MANIFEST_MAX_FILES];	/* one per m->files[] */
	struct { dev_t dev; ino_t ino; } created[POLICY_MAX_CREATED];
	unsigned ncreated;
	uint64_t open_fds;		/* opened through policy_openat, not closed */
	uint64_t window_start_ns, window_calls;	/* the calls-per-second window */
	uint64_t refused;
	int bypass;			/* TEST ONLY: the broken runner (policy_set_bypass) */
	uint64_t window_quiet;		/* refusals of this window not logged */
	policy_log_fn *log;
	void *log_ctx;
};

/* Opens the allowed roots (the paths as seen now: after confinement, the
 * same paths inside the policy tree). log NULL: stderr. 0, or -errno and
 * a log line naming the path that could not be opened (nothing kept). */
int policy_init(struct policy *p, const struct manifest *m, policy_log_fn *log, void *log_ctx);
void policy_fini(struct policy *p);

/* TEST ONLY, the "deliberately broken runner" (docs/policy.md): every
 * decision below allows, and paths are opened as given, from the runner's
 * root, with no resolve flag. Refused (-EPERM) unless the environment has
 * MIEE_RUN_TEST_BROKEN=1, so no option alone turns it on. */
int policy_set_bypass(struct policy *p);

/* open(at) of an absolute path: a new fd (O_CLOEXEC added) or -errno. */
int policy_openat(struct policy *p, const char *path, int flags, mode_t mode);
/* The PAL closed an fd policy_openat or policy_fd_new counted. */
void policy_closed(struct policy *p);

/* The path calls other than open (stat, readlink, access, mkdir, unlink,
 * rename, chdir): policy_openat's steps for the path (normalization,
 * /proc/self, the allowed paths, the right `need`), without its file-type
 * checks. 0 and where the caller performs the call: *dirfd and rest (a
 * path relative to it, "." for the root itself), with openat2 resolve
 * flags *resolve (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); or -errno and
 * one log line. call names the call in that line. */
int policy_path(struct policy *p, const char *call, const char *path, enum file_right need,
		int *dirfd, char *rest, uint64_t *resolve);

/* r, the result of a call performed as policy_path said (an fd, 0 or
 * -errno), as the PAL gets it: under RESOLVE_BENEATH a '..' or a symlink
 * out (-EXDEV) or a magic link (-ELOOP) is a refusal, -EACCES and a log
 * line; anything else is returned as it is. */
int policy_resolved(struct policy *p, const char *call, const char *path, uint64_t resolve, int r);

/* A metadata change (chmod, utimensat) by path, to the file of stat st
 * (opened O_PATH as policy_path said): 0, or -EACCES and a log line for
 * what policy_openat would refuse to open (a device node, a FIFO or
 * socket, a hard link the PAL did not create); a symlink only with
 * symlink_ok (utimensat AT_SYMLINK_NOFOLLOW). Nothing changes the policy. */
int policy_attr(struct policy *p, const char *call, const char *path, const struct stat *st,
		int symlink_ok);
/* The file the caller judged is not the one it opened again: -EACCES and
 * a log line. */
int policy_swapped(struct policy *p, const char *call, const char *path);
/* The PAL made a hard link: before is the old name's stat before the
 * link, after the new name's after it. The same regular file whose only
 * name was the old one is recorded as the PAL's own (the hard-link rule
 * opens it); any other is left to the rule. */
void policy_linked(struct policy *p, const struct stat *before, const struct stat *after);

/* n new fds of another kind (dup, pipe2, socket, accept4) for the PAL:
 * 0 and counted, or -EMFILE (`limit fds`) and a log line. */
int policy_fd_new(struct policy *p, const char *call, unsigned n);

/* A socket of family and type: 0, or -EACCES when the manifest has no
 * `connect` and no `bind` rule (no network at all). */
int policy_socket(struct policy *p, int family, int type);

/* A write of len bytes at offset pos of a regular file, against `limit
 * fsize`: the bytes that may be written (len, or fewer: the write is cut
 * at the limit, as Linux does), or -EFBIG for a write starting at or past
 * the limit (Linux with SIGXFSZ ignored: no signal goes to the PAL). */
int64_t policy_fsize(struct policy *p, const char *call, uint64_t pos, uint64_t len);

/* The firewall. sendto with addr NULL (a connected socket) is allowed. */
int policy_connect(struct policy *p, const struct sockaddr *sa, socklen_t len);
int policy_sendto(struct policy *p, const struct sockaddr *sa, socklen_t len);
int policy_bind(struct policy *p, const struct sockaddr *sa, socklen_t len);
int policy_listen(struct policy *p, unsigned port);

/* A request that would bring the resource to value (bytes of memory,
 * threads, open fds, the end offset of a write): 0 or -ENOMEM / -EAGAIN /
 * -EMFILE / -EFBIG. */
int policy_limit(struct policy *p, enum limit which, uint64_t value);

/* Every host call, before anything else: 0, or -EAGAIN when more than
 * `limit calls` arrived in the current one-second window. Only the first
 * refusal of a window is logged (a PAL that keeps calling must not flood
 * the host's log); the count of the rest goes into the next window's. */
int policy_hostcall(struct policy *p, uint64_t now_ns);

#endif
