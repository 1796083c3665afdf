/* miee-run's libOS mode, its run (libos-run.c) and its host threads
 * (threads.c): one host thread per live MIEE thread slot, each entering
 * its slot and serving that slot's host calls from the slot's own request
 * header and data window. Guest user space. docs/libos.md, "Threads". */
#ifndef MIEE_RUN_THREADS_H
#define MIEE_RUN_THREADS_H

#include <stdint.h>

#include "checkpoint.h"
#include "hv/libos.h"
#include "hv/miee.h"

struct hostcall;

struct lrun {
	int fd;
	unsigned char *buf;
	struct libos_hc *hc;
	unsigned char *data;
	struct hostcall *srv;
	struct ckpt_host ck;	/* --checkpoint / --restore (checkpoint.h) */
	uint64_t st[5];		/* LIBOS_HC_STATS: handled, forwarded, refused, pages, host calls */
	int have_st;
	uint64_t donated, reclaimed, hostcalls, refused;
	uint64_t max_pages, added;	/* the layout's: what a donation may fill */
	unsigned threads;	/* boot.threads: the slots the libOS may use */
	uint64_t win;		/* LIBOS_HC_WINDOW(threads) */
	int stats;
	double t0, t_plan, t_add, t_init, t_end;	/* --stats: start-up split */
};

/* libos-run.c: one host call of slot, from its header hc and window data.
 * Returns RAX for the MIEE: 0 answered, 1 refused. buf: the host thread's
 * private copy buffer (LIBOS_HC_DATA_MAX bytes). */
uint64_t lrun_serve(struct lrun *r, struct libos_hc *hc, unsigned char *data, unsigned char *buf);
/* The end of the run from the exit e of a slot (MIEE_EXIT_DONE, _FAULT or
 * something outside the protocol): prints --stats, returns miee-run's
 * exit code. */
int lrun_finish(struct lrun *r, const struct miee_ioc_enter *e);

/* threads.c: runs the MIEE from slot 0 until it ends; miee-run's exit
 * code. hostile: NULL, or a TEST ONLY threads-* mode (threads_hostile_ok). */
int threads_run(struct lrun *r, const char *hostile);
/* 1 if name is one of the hostile thread modes (threads-order,
 * threads-twice, threads-drop, threads-spurious, threads-dead). */
int threads_hostile_ok(const char *name);

#endif
