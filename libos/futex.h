/* The futex wait queue and the thread table of the libOS (libos/futex.c):
 * pure logic over libOS memory, with the few things it needs from its
 * surroundings (the program's memory, the clock, park/unpark) passed in
 * as struct futex_env, so the host unit tests (tests/unit/
 * test_libos_futex.c) drive the same code. The caller holds the libOS
 * lock around every call except where a function says it drops it.
 * docs/libos.md, "Threads". */
#ifndef LIBOS_FUTEX_H
#define LIBOS_FUTEX_H

#include <stdint.h>

#define THREADS_MAX 16		/* MIEE_SLOTS_MAX */
#define PARK_SLICE_NS 10000000ll	/* the longest PARK: a lost unpark delays this long */

/* Linux futex(2) operations (include/uapi/linux/futex.h). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ANY 0xffffffffu

#define CLK_REALTIME 0
#define CLK_MONOTONIC 1

/* One waiting thread (in its struct thread). */
struct fwaiter {
	uint64_t addr;		/* the futex word's user address */
	uint32_t bits;		/* FUTEX_WAIT_BITSET's mask */
	uint32_t queued;	/* 1 while on the queue */
	uint32_t woken;		/* set by a waker inside the MIEE, never by the host */
	uint32_t slot;		/* its thread slot, for UNPARK */
	uint64_t ticket;	/* FIFO order of waiters */
};

struct futex_q {
	struct fwaiter *w[THREADS_MAX];	/* the queued waiters, in no order */
	unsigned n;
	uint64_t next_ticket;
};

/* What the wait needs from around it. park runs with the lock dropped
 * (unlock before, lock after); everything else with it held. */
struct futex_env {
	int (*read_word)(uint64_t addr, uint32_t *val);		/* 0 or -EFAULT */
	int (*read_time)(uint64_t uaddr, int64_t *sec, int64_t *nsec);	/* 0 or -EFAULT */
	int64_t (*now)(int clk);		/* ns; < 0: the clock failed (-errno) */
	void (*park)(unsigned slot, int64_t ns);	/* -1: no limit */
	void (*unpark)(unsigned slot);
	void (*lock)(void);
	void (*unlock)(void);
	int (*interrupted)(void);	/* a signal the waiter does not block is pending */
	unsigned (*live)(void);		/* threads live now */
};

void fq_init(struct futex_q *q);
/* w waits on addr for bits (woken cleared, last in line) / leaves. */
void fq_enqueue(struct futex_q *q, struct fwaiter *w, uint64_t addr, uint32_t bits);
void fq_dequeue(struct futex_q *q, struct fwaiter *w);
/* Wakes up to max waiters on addr whose bits meet bits, oldest first:
 * marks them woken, takes them off the queue and UNPARKs their slots (with
 * the lock held: UNPARK does not block). The number woken. */
long fq_wake(struct futex_q *q, const struct futex_env *e, uint64_t addr, uint32_t bits, long max);
/* FUTEX_REQUEUE: wakes nwake on addr, then moves up to nreq of the rest to
 * addr2. The number woken plus moved. */
long fq_requeue(struct futex_q *q, const struct futex_env *e, uint64_t addr, uint64_t addr2,
		long nwake, long nreq);

/* futex(2) as Linux x86-64 defines it, for the threads of one MIEE: the
 * result for the program (>= 0 or -errno). w is the caller's waiter. */
long futex_op(struct futex_q *q, const struct futex_env *e, struct fwaiter *w, uint64_t uaddr,
	      uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2, uint64_t val3);

/* ---- the thread table: which of the THREADS_MAX entries are live, and
 * their thread ids (tid 100 is the first thread; later ones count up and
 * are never reused in a run). */
struct thread_tab {
	uint32_t live[THREADS_MAX];	/* 1: live */
	int32_t tid[THREADS_MAX];
	unsigned limit;			/* boot.threads */
	unsigned nlive;
	int32_t next_tid;
	uint64_t made, freed;		/* for --stats */
};

void tt_init(struct thread_tab *t, unsigned limit, int32_t first_tid);
/* A free entry for a new thread, marked live with a new tid: its index, or
 * -EAGAIN (limit threads are live). */
int tt_alloc(struct thread_tab *t);
void tt_free(struct thread_tab *t, unsigned i);
/* The live entry with thread id tid, or -ESRCH. */
int tt_find(const struct thread_tab *t, int32_t tid);

#endif
