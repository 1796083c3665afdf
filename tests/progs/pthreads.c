/* POSIX threads in an MIEE (tests/guest/libos-threads.sh): run natively
 * and under miee-run, built with glibc -static and musl -static; the
 * outputs must be equal. Every line is deterministic.
 *   pthreads          16 threads (main + 15): a mutex counter, a condvar producer/
 *                     consumer, a barrier, TLS, join values, detached ones
 *   pthreads stress   2000 create/join cycles; 8 threads x 100000
 *                     lock/unlock pairs on one mutex
 *   pthreads pingpong N / create N   timings for tests/bench (not compared) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NT 15	/* workers: with main, 16 threads, every MIEE slot */

static int failures;
#define CHECK(c, what)                                                     \
	do {                                                               \
		if (!(c)) {                                                \
			printf("FAIL %s (line %d)\n", what, __LINE__);     \
			failures++;                                        \
		}                                                          \
	} while (0)

/* ---- a mutex-protected counter */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
	long n = (long)(intptr_t)arg, i;

	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return (void *)(intptr_t)(n + 1);
}

/* ---- condition variable: a bounded queue */
#define QN 8
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qfull = PTHREAD_COND_INITIALIZER, qempty = PTHREAD_COND_INITIALIZER;
static int queue[QN], qh, qt, qcount;

static void put(int v)
{
	pthread_mutex_lock(&qmu);
	while (qcount == QN)
		pthread_cond_wait(&qfull, &qmu);
	queue[qt] = v;
	qt = (qt + 1) % QN;
	qcount++;
	pthread_cond_signal(&qempty);
	pthread_mutex_unlock(&qmu);
}

static int take(void)
{
	int v;

	pthread_mutex_lock(&qmu);
	while (qcount == 0)
		pthread_cond_wait(&qempty, &qmu);
	v = queue[qh];
	qh = (qh + 1) % QN;
	qcount--;
	pthread_cond_signal(&qfull);
	pthread_mutex_unlock(&qmu);
	return v;
}

static void *producer(void *arg)
{
	int base = (int)(intptr_t)arg, i;

	for (i = 1; i <= 1000; i++)
		put(base + i);
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		sum += take();
	return (void *)(intptr_t)sum;
}

/* ---- barrier and TLS */
static pthread_barrier_t bar;
static __thread long tls_val = 42;
static __thread char tls_buf[64];
static int arrived[NT], after_ok[NT];

static void *barrier_tls(void *arg)
{
	int id = (int)(intptr_t)arg, i, ok = 1;

	if (tls_val != 42 || tls_buf[0])
		ok = 0;		/* a new thread's TLS starts from the image */
	tls_val = 1000 + id;
	snprintf(tls_buf, sizeof(tls_buf), "thread %d", id);
	__atomic_store_n(&arrived[id], 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&bar);
	for (i = 0; i < NT; i++)	/* after the barrier, everyone arrived */
		if (!__atomic_load_n(&arrived[i], __ATOMIC_SEQ_CST))
			ok = 0;
	sched_yield();
	pthread_barrier_wait(&bar);
	if (tls_val != 1000 + id || strcmp(tls_buf, "thread ") < 0 || atoi(tls_buf + 7) != id)
		ok = 0;		/* nobody else's TLS */
	after_ok[id] = ok;
	return (void *)(intptr_t)syscall(SYS_gettid);
}

/* ---- detached threads */
static pthread_mutex_t dmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dcv = PTHREAD_COND_INITIALIZER;
static int detached_done;

static void *detached(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dmu);
	detached_done++;
	pthread_cond_broadcast(&dcv);
	pthread_mutex_unlock(&dmu);
	return NULL;
}

static void run_basic(void)
{
	pthread_t t[NT];
	pthread_attr_t da;
	void *rv;
	long sum, total, want;
	int i, tids_distinct = 1;
	long tids[NT];
	cpu_set_t cs;

	/* 16 threads on one counter, each returning a value to join. */
	for (i = 0; i < NT; i++) {
		int rc = pthread_create(&t[i], NULL, count_up, (void *)(intptr_t)(1000 + i));

		if (rc)
			printf("pthread_create: %s\n", strerror(rc));
		CHECK(rc == 0, "create");
	}
	sum = 0;
	for (i = 0; i < NT; i++) {
		CHECK(pthread_join(t[i], &rv) == 0, "join");
		sum += (long)(intptr_t)rv;
	}
	count_up((void *)(intptr_t)1000);	/* main is the 16th */
	printf("counter: 16 threads, %ld increments, %ld counted\n", 15 * 1000 + 105l + 1000, counter);
	printf("join values: sum %ld\n", sum);

	/* 4 producers, 4 consumers over an 8-slot queue. */
	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, producer, (void *)(intptr_t)(i * 100000)) == 0, "create p");
	for (i = 4; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, consumer, NULL) == 0, "create c");
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	total = 0;
	for (i = 4; i < 8; i++) {
		pthread_join(t[i], &rv);
		total += (long)(intptr_t)rv;
	}
	want = 0;
	for (i = 0; i < 4; i++)
		want += 1000l * i * 100000 + 1000l * 1001 / 2;
	printf("producer/consumer: 4000 items, sum %s\n", total == want ? "right" : "WRONG");
	CHECK(total == want, "queue sum");

	/* A barrier of 16, TLS per thread, tids back through join. */
	CHECK(pthread_barrier_init(&bar, NULL, NT + 1) == 0, "barrier init");
	for (i = 0; i < NT; i++)
		CHECK(pthread_create(&t[i], NULL, barrier_tls, (void *)(intptr_t)i) == 0, "create b");
	pthread_barrier_wait(&bar);	/* main is the 16th at the barrier */
	pthread_barrier_wait(&bar);
	for (i = 0; i < NT; i++) {
		pthread_join(t[i], &rv);
		tids[i] = (long)(intptr_t)rv;
	}
	for (i = 0; i < NT; i++) {
		int j;

		CHECK(after_ok[i], "barrier and TLS");
		for (j = 0; j < i; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				tids_distinct = 0;
	}
	pthread_barrier_destroy(&bar);
	printf("barrier+TLS: %d threads ok, tids %s, main TLS %ld\n", NT + 1,
	       tids_distinct ? "distinct" : "SHARED", tls_val);

	/* Detached threads: nobody joins them. */
	pthread_attr_init(&da);
	pthread_attr_setdetachstate(&da, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], &da, detached, NULL) == 0, "create detached");
	pthread_mutex_lock(&dmu);
	while (detached_done < 8)
		pthread_cond_wait(&dcv, &dmu);
	pthread_mutex_unlock(&dmu);
	pthread_attr_destroy(&da);
	printf("detached: %d ran\n", detached_done);

	/* A timed wait that times out. */
	{
		struct timespec ts;
		int r;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&dmu);
		r = pthread_cond_timedwait(&dcv, &dmu, &ts);
		pthread_mutex_unlock(&dmu);
		printf("timedwait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "other");
	}
	CHECK(sched_getaffinity(0, sizeof(cs), &cs) == 0 && CPU_COUNT(&cs) >= 1, "affinity");
}

/* ---- stress */
static void *nothing(void *arg)
{
	return arg;
}

static void *hammer(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void run_stress(void)
{
	pthread_t t[8];
	long ok = 0;
	void *rv;
	int i;

	for (i = 0; i < 2000; i++) {
		pthread_t x;

		if (pthread_create(&x, NULL, nothing, (void *)(intptr_t)i) == 0 &&
		    pthread_join(x, &rv) == 0 && (intptr_t)rv == i)
			ok++;
	}
	printf("create/join: 2000 cycles, %ld right\n", ok);
	counter = 0;
	for (i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, hammer, NULL) == 0, "create hammer");
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("mutex: 8 threads x 100000 pairs, counter %ld\n", counter);
	CHECK(counter == 800000, "contended counter");
}

/* ---- bench: futex ping-pong and create+join, in ns per operation */
static volatile int pp_turn;
static long pp_n;

static void *pong(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < pp_n; i++) {
		while (__atomic_load_n(&pp_turn, __ATOMIC_ACQUIRE) != 1)
			syscall(SYS_futex, &pp_turn, 0 | 128, 0, NULL, NULL, 0);
		__atomic_store_n(&pp_turn, 0, __ATOMIC_RELEASE);
		syscall(SYS_futex, &pp_turn, 1 | 128, 1, NULL, NULL, 0);
	}
	return NULL;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void run_pingpong(long n)
{
	pthread_t t;
	double t0, t1;
	long i;

	pp_n = n;
	pthread_create(&t, NULL, pong, NULL);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		__atomic_store_n(&pp_turn, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &pp_turn, 1 | 128, 1, NULL, NULL, 0);
		while (__atomic_load_n(&pp_turn, __ATOMIC_ACQUIRE) != 0)
			syscall(SYS_futex, &pp_turn, 0 | 128, 1, NULL, NULL, 0);
	}
	t1 = now_ns();
	pthread_join(t, NULL);
	printf("pingpong: %ld round trips, %.0f ns each\n", n, (t1 - t0) / n);
}

static void run_create(long n)
{
	double t0, t1;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pthread_t x;

		pthread_create(&x, NULL, nothing, NULL);
		pthread_join(x, NULL);
	}
	t1 = now_ns();
	printf("create+join: %ld, %.0f ns each\n", n, (t1 - t0) / n);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "stress"))
		run_stress();
	else if (argc > 2 && !strcmp(argv[1], "pingpong"))
		run_pingpong(atol(argv[2]));
	else if (argc > 2 && !strcmp(argv[1], "create"))
		run_create(atol(argv[2]));
	else
		run_basic();
	printf("failures: %d\n", failures);
	return failures ? 1 : 0;
}
