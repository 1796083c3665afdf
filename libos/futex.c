/* futex(2) inside the MIEE and the thread table (libOS CPL 0; also built
 * for the host unit tests). Waits and wakes are resolved here: the host
 * only lends time. A waiter PARKs its slot; a waker marks it woken in
 * libOS memory and asks the host to UNPARK that slot. Whatever the host
 * does with a PARK (return at once, late, never unless the slice ends),
 * the waiter rechecks the woken flag, its futex word, pending signals and
 * the clock each time: a lost or spurious unpark only delays.
 * docs/libos.md, "Threads". */
#include "futex.h"
#include "lerrno.h"

#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif
#ifndef EDEADLK
#define EDEADLK 35
#endif

#define NS 1000000000ll

void fq_init(struct futex_q *q)
{
	unsigned i;

	for (i = 0; i < THREADS_MAX; i++)
		q->w[i] = 0;
	q->n = 0;
	q->next_ticket = 1;
}

void fq_enqueue(struct futex_q *q, struct fwaiter *w, uint64_t addr, uint32_t bits)
{
	w->addr = addr;
	w->bits = bits;
	w->woken = 0;
	w->queued = 1;
	w->ticket = q->next_ticket++;
	q->w[q->n++] = w;
}

void fq_dequeue(struct futex_q *q, struct fwaiter *w)
{
	unsigned i;

	for (i = 0; i < q->n; i++)
		if (q->w[i] == w) {
			q->w[i] = q->w[--q->n];
			q->w[q->n] = 0;
			break;
		}
	w->queued = 0;
}

/* The oldest queued waiter on addr matching bits, or NULL. */
static struct fwaiter *fq_oldest(const struct futex_q *q, uint64_t addr, uint32_t bits)
{
	struct fwaiter *best = 0;
	unsigned i;

	for (i = 0; i < q->n; i++) {
		struct fwaiter *w = q->w[i];

		if (w->addr == addr && (w->bits & bits) && (!best || w->ticket < best->ticket))
			best = w;
	}
	return best;
}

long fq_wake(struct futex_q *q, const struct futex_env *e, uint64_t addr, uint32_t bits, long max)
{
	long n = 0;
	struct fwaiter *w;

	while (n < max && (w = fq_oldest(q, addr, bits))) {
		fq_dequeue(q, w);
		w->woken = 1;
		e->unpark(w->slot);
		n++;
	}
	return n;
}

long fq_requeue(struct futex_q *q, const struct futex_env *e, uint64_t addr, uint64_t addr2,
		long nwake, long nreq)
{
	long woke = fq_wake(q, e, addr, FUTEX_BITSET_ANY, nwake), moved = 0;
	struct fwaiter *w;

	while (moved < nreq && addr != addr2 && (w = fq_oldest(q, addr, FUTEX_BITSET_ANY))) {
		/* Moved waiters keep their place in line. */
		w->addr = addr2;
		moved++;
	}
	return woke + moved;
}

/* A timespec from the program: ns, or -EFAULT / -EINVAL. */
static int64_t user_ns(const struct futex_env *e, uint64_t utime)
{
	int64_t sec, nsec;

	if (e->read_time(utime, &sec, &nsec))
		return -EFAULT;
	if (sec < 0 || nsec < 0 || nsec >= NS)
		return -EINVAL;
	if (sec >= INT64_MAX / NS - 1)
		return INT64_MAX / 2;	/* far enough: never */
	return sec * NS + nsec;
}

/* The wait itself; deadline < 0: none. The lock is held on entry and on
 * return, dropped around each PARK. */
static long futex_wait(struct futex_q *q, const struct futex_env *e, struct fwaiter *w,
		       uint64_t uaddr, uint32_t val, uint32_t bits, int clk, int64_t deadline)
{
	uint32_t cur;
	int64_t now, left;

	if (e->read_word(uaddr, &cur))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (deadline < 0 && e->live() <= 1)
		return -EDEADLK;	/* nobody left who could ever wake it */
	fq_enqueue(q, w, uaddr, bits);
	for (;;) {
		left = PARK_SLICE_NS;
		if (deadline >= 0) {
			now = e->now(clk);
			if (now < 0) {
				fq_dequeue(q, w);
				return now;
			}
			if (now >= deadline) {
				fq_dequeue(q, w);
				return -ETIMEDOUT;
			}
			if (deadline - now < left)
				left = deadline - now;
		}
		e->unlock();
		e->park(w->slot, left);
		e->lock();
		/* Rechecked after every PARK, whatever the host did. */
		if (w->woken)
			return 0;
		if (e->read_word(uaddr, &cur) || cur != val) {
			/* The word moved on: a spurious wake-up, which futex(2)
			 * allows; the caller rechecks its condition. */
			fq_dequeue(q, w);
			return 0;
		}
		if (e->interrupted()) {
			fq_dequeue(q, w);
			return -EINTR;
		}
	}
}

long futex_op(struct futex_q *q, const struct futex_env *e, struct fwaiter *w, uint64_t uaddr,
	      uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2, uint64_t val3)
{
	unsigned cmd = (unsigned)(op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	int clk = op & FUTEX_CLOCK_REALTIME ? CLK_REALTIME : CLK_MONOTONIC;
	int64_t deadline = -1, t, now;
	uint32_t cur;

	if (op >> 32 || (uaddr & 3))
		return -EINVAL;
	/* Linux: FUTEX_CLOCK_REALTIME only with the waits. */
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		val3 = FUTEX_BITSET_ANY;
		/* fall through */
	case FUTEX_WAIT_BITSET:
		if (!(uint32_t)val3)
			return -EINVAL;
		if (utime) {
			t = user_ns(e, utime);
			if (t < 0)
				return t;
			if (cmd == FUTEX_WAIT) {	/* relative */
				now = e->now(clk);
				if (now < 0)
					return now;
				deadline = now + t;
			} else {			/* absolute, on clk */
				deadline = t;
			}
		}
		return futex_wait(q, e, w, uaddr, (uint32_t)val, (uint32_t)val3, clk, deadline);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		if (!(uint32_t)val3)
			return -EINVAL;
		return fq_wake(q, e, uaddr, (uint32_t)val3, (long)(int32_t)val < 0 ? 0 : (long)(int32_t)val);
	case FUTEX_CMP_REQUEUE:
		if (e->read_word(uaddr, &cur))
			return -EFAULT;
		if (cur != (uint32_t)val3)
			return -EAGAIN;
		/* fall through */
	case FUTEX_REQUEUE:
		/* The 4th argument is the requeue count (val2), not a time. */
		if ((int32_t)val < 0 || (int32_t)utime < 0 || (uaddr2 & 3))
			return -EINVAL;
		return fq_requeue(q, e, uaddr, uaddr2, (int32_t)val, (int32_t)utime);
	default:
		return -ENOSYS;	/* WAKE_OP, the PI and waitv operations */
	}
}

/* ---- the thread table */

void tt_init(struct thread_tab *t, unsigned limit, int32_t first_tid)
{
	unsigned i;

	for (i = 0; i < THREADS_MAX; i++) {
		t->live[i] = 0;
		t->tid[i] = 0;
	}
	t->limit = limit < 1 ? 1 : limit > THREADS_MAX ? THREADS_MAX : limit;
	t->nlive = 0;
	t->next_tid = first_tid;
	t->made = t->freed = 0;
}

int tt_alloc(struct thread_tab *t)
{
	unsigned i;

	if (t->nlive >= t->limit)
		return -EAGAIN;
	for (i = 0; i < THREADS_MAX; i++)
		if (!t->live[i]) {
			t->live[i] = 1;
			t->tid[i] = t->next_tid++;
			t->nlive++;
			t->made++;
			return (int)i;
		}
	return -EAGAIN;
}

void tt_free(struct thread_tab *t, unsigned i)
{
	if (i >= THREADS_MAX || !t->live[i])
		return;
	t->live[i] = 0;
	t->nlive--;
	t->freed++;
}

int tt_find(const struct thread_tab *t, int32_t tid)
{
	unsigned i;

	for (i = 0; i < THREADS_MAX; i++)
		if (t->live[i] && t->tid[i] == tid)
			return (int)i;
	return -ESRCH;
}
