/* The runner's host-call server: performs the system calls a libOS MIEE
 * forwards (include/hv/libos.h), under the --ro/--rw path rules, on the
 * runner's own fds (tools/miee-run, user space of the guest OS). It never
 * follows a pointer from the MIEE: every buffer is an offset into the
 * shared region's data[], bounds-checked against in_len first, and the
 * request is copied before it is checked. docs/libos.md. */
#ifndef MIEE_RUN_HOSTCALL_H
#define MIEE_RUN_HOSTCALL_H

#include <limits.h>
#include <stdint.h>

#include "hv/libos.h"

#define HOSTCALL_ROOTS_MAX 32
#define HOSTCALL_FD_MAX 1024	/* host fds the MIEE may hold */

struct hostcall_root {
	char path[PATH_MAX];	/* canonical (realpath) */
	int dirfd;		/* O_PATH of the directory, or of a file's parent */
	int writable;
	int is_file;		/* path names one file: only it is reachable */
	char name[NAME_MAX + 1];	/* that file's name in dirfd */
};

struct hostcall {
	struct hostcall_root roots[HOSTCALL_ROOTS_MAX];
	int nroots;
	unsigned char fd_ok[HOSTCALL_FD_MAX];	/* fds the MIEE may use */
	char *fd_path[HOSTCALL_FD_MAX];	/* the path a directory fd was opened by */
	char cwd[PATH_MAX];	/* the program's working directory (virtual) */
	int lie;		/* test-only hostile mode: HOSTCALL_LIE index + 1 */
	unsigned char *buf;	/* private copy of data[] */
	uint64_t served, refused;
};

int hostcall_init(struct hostcall *s);
void hostcall_fini(struct hostcall *s);

/* Allow path (a directory, or one file) read-only, or read-write. 0 or
 * -errno (the path does not exist, too many roots). */
int hostcall_add_root(struct hostcall *s, const char *path, int writable);

/* The policy seam (the full policy module replaces it): may the program
 * reach the normalized absolute path abs, for writing if write? 0 and
 * the root index in *root, or -EACCES. */
int path_open_allowed(const struct hostcall *s, const char *abs, int write,
		      int *root);

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
