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
	policy_log_fn *log;
	void *log_ctx;
};

/* Opens the allowed roots (the paths as seen now: after confinement, the
 * same paths inside the policy tree). log NULL: stderr. 0, or -errno and
 * a log line naming the path that could not be opened (nothing kept). */
int policy_init(struct policy *p, const struct manifest *m, policy_log_fn *log, void *log_ctx);
void policy_fini(struct policy *p);

/* open(at) of an absolute path: a new fd (O_CLOEXEC added) or -errno. */
int policy_openat(struct policy *p, const char *path, int flags, mode_t mode);
/* The PAL closed an fd policy_openat gave it. */
void policy_closed(struct policy *p);

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
 * `limit calls` arrived in the current one-second window. */
int policy_hostcall(struct policy *p, uint64_t now_ns);

#endif
