/* Threads around a checkpoint (tests/guest/libos-ckpt.sh), run natively
 * and under miee-run --checkpoint / --restore; every line is
 * deterministic, so the outputs must be equal. The line comes on stdin
 * (a FIFO the test holds open; the policy opens no FIFO by path).
 *   ckpt-threads between FILE   4 threads compute and are joined; main
 *                               reads FILE's first 64 KiB, then a line
 *                               from stdin (the checkpoint comes here,
 *                               one thread live, FILE open at 64 KiB),
 *                               then the rest of FILE; 4 new
 *                               threads compute from the line
 *   ckpt-threads during         4 threads wait on a condition variable
 *                               while main reads the line (a checkpoint
 *                               here must be refused: 5 threads live),
 *                               then compute from it
 *   ckpt-threads many N         up to N threads that wait, then are
 *                               released and joined: how many were made
 *                               and pthread_create's error after them
 *                               (tests/guest/libos-thread-limit.sh) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT 4

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static unsigned long seed;
static int go;

static unsigned long work(unsigned long k)
{
	unsigned long x = seed * 2654435761ul + k, i;

	for (i = 0; i < 200000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x >> 16;
}

static void *computer(void *arg)
{
	return (void *)work((unsigned long)arg);
}

static void *waiter(void *arg)
{
	pthread_mutex_lock(&mu);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return (void *)work((unsigned long)arg);
}

static void join_all(pthread_t *t, const char *phase)
{
	unsigned long i;
	void *r;

	for (i = 0; i < NT; i++) {
		if (pthread_join(t[i], &r)) {
			printf("FAIL join\n");
			exit(1);
		}
		printf("%s thread %lu: %lx\n", phase, i, (unsigned long)r);
	}
	fflush(stdout);
}

static void start(pthread_t *t, void *(*fn)(void *))
{
	unsigned long i;

	for (i = 0; i < NT; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)i)) {
			printf("FAIL create\n");
			exit(1);
		}
}

/* One line from stdin: the seed of the next phase. */
static unsigned long read_line(void)
{
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf) - 1);

	if (n <= 0) {
		printf("FAIL read %ld\n", (long)n);
		exit(1);
	}
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/* FNV-1a of up to n bytes of fd (all of it if n < 0), and their count. */
static unsigned long fnv(int fd, long n, unsigned long h, long *got)
{
	unsigned char b[4096];
	ssize_t k;

	*got = 0;
	while (n < 0 || *got < n) {
		size_t want = n < 0 || n - *got > (long)sizeof(b) ? sizeof(b) : (size_t)(n - *got);
		ssize_t i;

		k = read(fd, b, want);
		if (k <= 0)
			break;
		for (i = 0; i < k; i++)
			h = (h ^ b[i]) * 1099511628211ul;
		*got += k;
	}
	return h;
}

/* Threads until N or the first refusal. */
static int many(int n)
{
	pthread_t t[64];
	int i, made = 0, e = 0;
	void *r;

	if (n < 1 || n > 64)
		return 2;
	for (i = 0; i < n; i++) {
		e = pthread_create(&t[i], NULL, waiter, (void *)(unsigned long)i);
		if (e)
			break;
		made++;
	}
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < made; i++)
		pthread_join(t[i], &r);
	printf("made %d of %d threads; then %s\n", made, n,
	       e == EAGAIN ? "EAGAIN" : e ? strerror(e) : "none refused");
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t[NT];

	if (argc == 3 && !strcmp(argv[1], "many"))
		return many(atoi(argv[2]));
	seed = 7;
	if (argc == 3 && !strcmp(argv[1], "between")) {
		unsigned long h;
		long a, b;
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		start(t, computer);
		join_all(t, "before");
		h = fnv(fd, 65536, 14695981039346656037ul, &a);
		printf("waiting for the line\n");
		fflush(stdout);
		seed = read_line();
		h = fnv(fd, -1, h, &b);
		printf("file: %ld + %ld bytes, fnv %lx\n", a, b, h);
		start(t, computer);
		join_all(t, "after");
	} else if (argc == 2 && !strcmp(argv[1], "during")) {
		start(t, waiter);
		printf("waiting for the line\n");
		fflush(stdout);
		seed = read_line();
		pthread_mutex_lock(&mu);
		go = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		join_all(t, "after");
	} else {
		fprintf(stderr, "usage: ckpt-threads between FILE | during | many N\n");
		return 2;
	}
	printf("seed %lu done\n", seed);
	return 0;
}
