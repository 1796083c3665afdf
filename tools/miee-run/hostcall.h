/* The runner's host-call server: performs the system calls a libOS MIEE
 * forwards (include/hv/libos.h), each through the policy (policy.h: the
 * manifest's paths, firewall and limits; docs/policy.md), on the runner's
 * own fds (tools/miee-run, user space of the guest OS). It never
 * follows a pointer from the MIEE: every buffer is an offset into the
 * shared region's data[], bounds-checked against in_len first, and the
 * request is copied before it is checked. docs/libos.md. */
#ifndef MIEE_RUN_HOSTCALL_H
#define MIEE_RUN_HOSTCALL_H

#include <limits.h>
#include <stdint.h>

#include "hv/libos.h"
#include "policy.h"

#define HOSTCALL_FD_MAX 1024	/* host fds the MIEE may hold */

/* fd_ok[]: an fd the MIEE may use, and whether the policy counts it. */
enum { HC_FD_NONE, HC_FD_STDIO, HC_FD_COUNTED };

struct hostcall {
	struct manifest own;	/* the rules hostcall_add_root/_rule add (no manifest) */
	char *own_text;		/* ... as manifest text, parsed again on each addition */
	size_t own_len;
	struct policy pol;	/* every path, address and limit goes through it */
	unsigned char fd_ok[HOSTCALL_FD_MAX];	/* HC_FD_*: fds the MIEE may use */
	char *fd_path[HOSTCALL_FD_MAX];	/* the path a directory fd was opened by */
	char cwd[PATH_MAX];	/* the program's working directory (virtual) */
	int lie;		/* test-only hostile mode: HOSTCALL_LIE index + 1 */
	unsigned char *buf;	/* private copy of data[] */
	uint64_t served, refused;
};

int hostcall_init(struct hostcall *s);
void hostcall_fini(struct hostcall *s);

/* Allow path (a directory, or one file; made absolute with realpath)
 * read-only, or read-write-create: a `file ro` / `file create` rule of the
 * server's own manifest, the policy re-opened over it. Before the first
 * call only. 0 or -errno (the path does not exist, too many rules). */
int hostcall_add_root(struct hostcall *s, const char *path, int writable);

/* One manifest line ("connect 127.0.0.1 *", "limit fds 8", ...; not the
 * version line) added to the server's own manifest, parsed by the strict
 * parser, the policy re-opened. 0, or -EINVAL with the reason in *err
 * (the manifest as it was). Before the first call only. */
int hostcall_add_rule(struct hostcall *s, const char *line, struct manifest_error *err);

/* Serve under manifest m instead (not owned; it must outlive s): the
 * policy opened over it, now (so after confinement: inside the tree). 0 or
 * -errno and a log line naming the path that could not be opened. */
int hostcall_use_manifest(struct hostcall *s, const struct manifest *m);

/* Serve the request in the shared region (hc, data: the runner's mapping
 * of it). 0 when answered in hc->ret/out_len, 1 when refused as malformed
 * (hc->ret = -EINVAL or -ENOSYS): the MIEE resumes with RAX = that. */
int hostcall_serve(struct hostcall *s, struct libos_hc *hc, unsigned char *data);
/* The same for one thread slot's request: data is its window of win bytes
 * (LIBOS_HC_WINDOW), buf a private LIBOS_HC_DATA_MAX-byte copy buffer of
 * the host thread serving it, so slots are served concurrently. */
int hostcall_serve_slot(struct hostcall *s, struct libos_hc *hc, unsigned char *data,
			uint64_t win, unsigned char *buf);

/* TEST ONLY: the hostile mode. Each lie falsifies one call's result after
 * performing it. Refused (-EPERM) unless the environment has
 * MIEE_RUN_TEST_HOSTILE=1, so no production run can enable it by an
 * option alone. -ENOENT for an unknown name. */
int hostcall_set_lie(struct hostcall *s, const char *name);
/* The number of lies and the name and syscall of lie i (for the tests). */
int hostcall_lie_count(void);
const char *hostcall_lie_name(int i, unsigned int *nr);

#endif
