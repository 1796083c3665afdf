/* The libOS's futex wait queue and thread table (libos/futex.c) over a
 * fake surrounding: a scripted host whose PARK returns early, late or
 * never wakes, a fake clock, and a lock whose discipline is checked
 * (PARK with the lock dropped, everything else with it held). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "futex.h"

#define WORD 0x10000ull		/* user address of the futex word */
#define WORD2 0x10040ull

static uint32_t words[2];
static int locked;
static int64_t clock_now[2];
static unsigned nparks, nunparks, live_threads;
static int64_t last_park_ns;
static unsigned unparked[64];
static int sig_pending, fault_word;
static struct futex_q q;

/* What the "host" and the "other threads" do at the nth PARK. */
enum act { A_NOTHING, A_WAKE, A_WAKE_LOST, A_CHANGE_WORD, A_SIGNAL, A_ADVANCE };
static enum act script[32];
static struct fwaiter *me;

static uint32_t *word_at(uint64_t a)
{
	return a == WORD ? &words[0] : a == WORD2 ? &words[1] : NULL;
}

static int f_read_word(uint64_t a, uint32_t *v)
{
	assert_true(locked);
	if (fault_word || !word_at(a))
		return -EFAULT;
	*v = *word_at(a);
	return 0;
}

static int64_t times[2];	/* the program's timespec */
static int f_read_time(uint64_t ua, int64_t *s, int64_t *ns)
{
	if (ua != 0x2000)
		return -EFAULT;
	*s = times[0];
	*ns = times[1];
	return 0;
}

static int64_t f_now(int clk)
{
	assert_true(locked);
	assert_true(clk == 0 || clk == 1);
	return clock_now[clk];
}

static void f_unpark(unsigned slot)
{
	assert_true(locked);
	unparked[nunparks++ % 64] = slot;
}

static void f_lock(void)
{
	assert_false(locked);
	locked = 1;
}

static void f_unlock(void)
{
	assert_true(locked);
	locked = 0;
}

static int f_interrupted(void)
{
	return sig_pending;
}

static unsigned f_live(void)
{
	return live_threads;
}

static const struct futex_env env;

static void f_park(unsigned slot, int64_t ns)
{
	enum act a = nparks < 32 ? script[nparks] : A_NOTHING;

	assert_false(locked);	/* never PARK holding the libOS lock */
	assert_int_equal(slot, me->slot);
	assert_true(ns > 0 && ns <= PARK_SLICE_NS);
	last_park_ns = ns;
	nparks++;
	/* The slice or the timeout passed (the host returned late or at
	 * its time), except when the script says another thread acted. */
	clock_now[0] += ns;
	clock_now[1] += ns;
	f_lock();
	switch (a) {
	case A_WAKE:		/* another thread's FUTEX_WAKE */
		assert_int_equal(fq_wake(&q, &env, WORD, FUTEX_BITSET_ANY, 1), 1);
		break;
	case A_WAKE_LOST:	/* the same, but the host drops the UNPARK: the
				 * PARK returns only at the slice's end */
		assert_int_equal(fq_wake(&q, &env, WORD, FUTEX_BITSET_ANY, 1), 1);
		nunparks--;
		break;
	case A_CHANGE_WORD:
		words[0]++;
		break;
	case A_SIGNAL:
		sig_pending = 1;
		break;
	default:
		break;
	}
	f_unlock();
}

static const struct futex_env env = {
	.read_word = f_read_word, .read_time = f_read_time, .now = f_now, .park = f_park,
	.unpark = f_unpark, .lock = f_lock, .unlock = f_unlock, .interrupted = f_interrupted,
	.live = f_live,
};

static struct fwaiter w0;

static int setup(void **st)
{
	(void)st;
	memset(words, 0, sizeof(words));
	memset(script, 0, sizeof(script));
	memset(&w0, 0, sizeof(w0));
	w0.slot = 3;
	me = &w0;
	locked = 1;		/* the dispatcher holds it */
	nparks = nunparks = 0;
	clock_now[0] = 1000ll * 1000000000;
	clock_now[1] = 5ll * 1000000000;
	live_threads = 2;
	sig_pending = fault_word = 0;
	fq_init(&q);
	return 0;
}

static long op(uint64_t uaddr, uint64_t fop, uint64_t val, uint64_t ut, uint64_t ua2, uint64_t v3)
{
	long r = futex_op(&q, &env, &w0, uaddr, fop, val, ut, ua2, v3);

	assert_true(locked);	/* held again on return */
	return r;
}

static void test_wait_word_differs(void **st)
{
	(void)st;
	words[0] = 7;
	assert_int_equal(op(WORD, FUTEX_WAIT, 6, 0, 0, 0), -EAGAIN);
	assert_int_equal(op(WORD, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 6, 0, 0, 1), -EAGAIN);
	assert_int_equal(nparks, 0);
	assert_int_equal(q.n, 0);
}

static void test_wait_woken(void **st)
{
	(void)st;
	script[0] = A_WAKE;
	assert_int_equal(op(WORD, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0), 0);
	assert_int_equal(nparks, 1);
	assert_int_equal(nunparks, 1);
	assert_int_equal(unparked[0], 3);	/* the waiter's own slot */
	assert_false(w0.queued);
	assert_int_equal(q.n, 0);
}

/* The host returns from PARK early, again and again: the wait goes on
 * until a real wake; a spurious return never ends it. */
static void test_spurious_unparks(void **st)
{
	(void)st;
	script[5] = A_WAKE;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), 0);
	assert_int_equal(nparks, 6);
}

/* The host drops the UNPARK: the waiter notices at the slice's end. */
static void test_lost_unpark_delays(void **st)
{
	(void)st;
	script[0] = A_WAKE_LOST;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), 0);
	assert_int_equal(nparks, 1);
	assert_int_equal(nunparks, 0);
	assert_int_equal(last_park_ns, PARK_SLICE_NS);
}

static void test_word_moved_returns(void **st)
{
	(void)st;
	script[2] = A_CHANGE_WORD;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), 0);
	assert_int_equal(nparks, 3);
	assert_false(w0.queued);
	assert_int_equal(q.n, 0);
}

static void test_signal_interrupts(void **st)
{
	(void)st;
	script[1] = A_SIGNAL;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), -EINTR);
	assert_int_equal(q.n, 0);
}

static void test_relative_timeout(void **st)
{
	(void)st;
	times[0] = 0;
	times[1] = 25000000;	/* 25 ms: three PARKs, the last one 5 ms */
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0x2000, 0, 0), -ETIMEDOUT);
	assert_int_equal(nparks, 3);
	assert_int_equal(last_park_ns, 5000000);
	assert_int_equal(q.n, 0);
}

static void test_absolute_timeouts(void **st)
{
	(void)st;
	/* CLOCK_MONOTONIC, already past: no PARK at all. */
	times[0] = 4;
	times[1] = 0;
	assert_int_equal(op(WORD, FUTEX_WAIT_BITSET, 0, 0x2000, 0, FUTEX_BITSET_ANY), -ETIMEDOUT);
	assert_int_equal(nparks, 0);
	/* CLOCK_REALTIME, 1 ms ahead of the realtime clock (far behind the
	 * monotonic one would be in the past: the flag picks the clock). */
	times[0] = 1000;
	times[1] = 1000000;
	assert_int_equal(op(WORD, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, 0x2000, 0, 1),
			 -ETIMEDOUT);
	assert_int_equal(nparks, 1);
	assert_int_equal(last_park_ns, 1000000);
	/* A bad timespec. */
	times[1] = 1000000000;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0x2000, 0, 0), -EINVAL);
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0x3000, 0, 0), -EFAULT);
}

static void test_bad_ops(void **st)
{
	(void)st;
	assert_int_equal(op(WORD + 1, FUTEX_WAKE, 1, 0, 0, 0), -EINVAL);	/* unaligned */
	assert_int_equal(op(WORD, FUTEX_WAIT_BITSET, 0, 0, 0, 0), -EINVAL);	/* bitset 0 */
	assert_int_equal(op(WORD, FUTEX_WAKE_BITSET, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(op(WORD, 5, 1, 0, 0, 0), -ENOSYS);		/* WAKE_OP */
	assert_int_equal(op(WORD, 6, 1, 0, 0, 0), -ENOSYS);		/* LOCK_PI */
	assert_int_equal(op(WORD, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0), -ENOSYS);
	assert_int_equal(op(WORD, 1ull << 40, 1, 0, 0, 0), -EINVAL);
	fault_word = 1;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(q.n, 0);
	fault_word = 0;
	/* The only thread, no timeout: nobody could ever wake it. */
	live_threads = 1;
	assert_int_equal(op(WORD, FUTEX_WAIT, 0, 0, 0, 0), -EDEADLK);
	assert_int_equal(nparks, 0);
}

static void test_wake_order_bits_count(void **st)
{
	struct fwaiter w[4];
	unsigned i;

	(void)st;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++) {
		w[i].slot = 10 + i;
		fq_enqueue(&q, &w[i], WORD, i == 2 ? 0x2 : 0x1);
	}
	assert_int_equal(op(WORD, FUTEX_WAKE, 0, 0, 0, 0), 0);	/* none asked */
	assert_int_equal(op(WORD2, FUTEX_WAKE, 5, 0, 0, 0), 0);	/* another word */
	assert_int_equal(op(WORD, FUTEX_WAKE_BITSET, 5, 0, 0, 0x4), 0);	/* no bits meet */
	assert_int_equal(op(WORD, FUTEX_WAKE_BITSET, 5, 0, 0, 0x2), 1);	/* only w[2] */
	assert_true(w[2].woken);
	assert_int_equal(unparked[0], 12);
	assert_int_equal(op(WORD, FUTEX_WAKE, 2, 0, 0, 0), 2);	/* the oldest two */
	assert_true(w[0].woken && w[1].woken && !w[3].woken);
	assert_int_equal(unparked[1], 10);
	assert_int_equal(unparked[2], 11);
	assert_int_equal(op(WORD, FUTEX_WAKE, 9, 0, 0, 0), 1);
	assert_true(w[3].woken);
	assert_int_equal(q.n, 0);
}

static void test_requeue(void **st)
{
	struct fwaiter w[4];
	unsigned i;

	(void)st;
	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++) {
		w[i].slot = i + 1;
		fq_enqueue(&q, &w[i], WORD, FUTEX_BITSET_ANY);
	}
	words[0] = 5;
	assert_int_equal(op(WORD, FUTEX_CMP_REQUEUE, 1, 2, WORD2, 4), -EAGAIN);
	assert_int_equal(op(WORD, FUTEX_CMP_REQUEUE, 1, 2, WORD2, 5), 3);	/* 1 woken, 2 moved */
	assert_true(w[0].woken);
	assert_true(w[1].addr == WORD2 && w[2].addr == WORD2 && w[3].addr == WORD);
	assert_int_equal(op(WORD2, FUTEX_WAKE, 9, 0, 0, 0), 2);
	assert_int_equal(op(WORD, FUTEX_REQUEUE, 0, 9, WORD2, 0), 1);
	assert_int_equal(op(WORD2, FUTEX_WAKE, 9, 0, 0, 0), 1);
	assert_int_equal(q.n, 0);
}

static void test_thread_table(void **st)
{
	struct thread_tab t;
	int i, a, b;

	(void)st;
	tt_init(&t, 3, 100);
	assert_int_equal(tt_alloc(&t), 0);
	assert_int_equal(t.tid[0], 100);
	a = tt_alloc(&t);
	b = tt_alloc(&t);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(tt_alloc(&t), -EAGAIN);	/* the limit: boot.threads */
	assert_int_equal(tt_find(&t, 101), 1);
	tt_free(&t, 1);
	tt_free(&t, 1);				/* twice: no effect */
	assert_int_equal(t.nlive, 2);
	assert_int_equal(tt_find(&t, 101), -ESRCH);
	i = tt_alloc(&t);
	assert_int_equal(i, 1);			/* the entry again, */
	assert_int_equal(t.tid[1], 103);		/* a new tid */
	assert_int_equal(t.made, 4);
	assert_int_equal(t.freed, 1);
	for (i = 0; i < 2000; i++) {		/* create/join cycles */
		tt_free(&t, 2);
		assert_int_equal(tt_alloc(&t), 2);
	}
	assert_int_equal(t.made - t.freed, t.nlive);
	tt_init(&t, 99, 100);
	assert_int_equal(t.limit, THREADS_MAX);
	tt_init(&t, 0, 100);
	assert_int_equal(t.limit, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_wait_word_differs, setup),
		cmocka_unit_test_setup(test_wait_woken, setup),
		cmocka_unit_test_setup(test_spurious_unparks, setup),
		cmocka_unit_test_setup(test_lost_unpark_delays, setup),
		cmocka_unit_test_setup(test_word_moved_returns, setup),
		cmocka_unit_test_setup(test_signal_interrupts, setup),
		cmocka_unit_test_setup(test_relative_timeout, setup),
		cmocka_unit_test_setup(test_absolute_timeouts, setup),
		cmocka_unit_test_setup(test_bad_ops, setup),
		cmocka_unit_test_setup(test_wake_order_bits_count, setup),
		cmocka_unit_test_setup(test_requeue, setup),
		cmocka_unit_test_setup(test_thread_table, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
