/* miee-run's checkpoint storage (checkpoint.c): LIBOS_HC_CKPT_* of
 * include/hv/libos.h. docs/libos.md, "Checkpoint and restore". */
#ifndef MIEE_RUN_CHECKPOINT_H
#define MIEE_RUN_CHECKPOINT_H

#include <limits.h>
#include <stdint.h>

#include "hv/libos.h"

#define CKPT_MODE_NONE 0
#define CKPT_MODE_TAKE 1	/* --checkpoint FILE: SIGUSR2 asks */
#define CKPT_MODE_RESTORE 2	/* --restore FILE */

struct ckpt_host {
	int mode, fd, done;	/* done: a complete checkpoint was kept */
	int refused;		/* the libOS refused one (LIBOS_HC_CKPT_DONE(0)) */
	const char *path;
	char tmp[PATH_MAX];
	uint64_t len;		/* restore: the file's length */
};

/* Open FILE (checkpoint: FILE.tmp, and install the SIGUSR2 handler).
 * Both NULL: no checkpointing. 0 or -errno. */
int ckpt_host_open(struct ckpt_host *c, const char *ckpt, const char *restore);
/* The end of the run: FILE.tmp removed unless a checkpoint was kept. */
void ckpt_host_close(struct ckpt_host *c);
/* host_flags for the next answer. */
uint64_t ckpt_host_flags(struct ckpt_host *c);
/* Serve a LIBOS_HC_CKPT_* request (h: the checked copy; out: the shared
 * header for ret/out_len; data: the slot's window of win bytes): 0 answered, 1 refused as malformed, -1 not a
 * checkpoint call. fd_ok(srv, fd): is fd one of the MIEE's host fds. */
int ckpt_host_serve(struct ckpt_host *c, const struct libos_hc *h, struct libos_hc *out,
		    unsigned char *data, uint64_t win, int (*fd_ok)(void *, int), void *srv);

#endif
