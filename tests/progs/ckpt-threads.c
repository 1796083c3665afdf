/* Threads around a checkpoint (tests/guest/libos-ckpt.sh), run natively
 * and under miee-run --checkpoint / --restore; every line is
 * deterministic, so the outputs must be equal.
 *   ckpt-threads between FIFO   4 threads compute and are joined, main
 *                               reads a line from FIFO (the checkpoint
 *                               comes here, one thread live), 4 new
 *                               threads compute from that line
 *   ckpt-threads during FIFO    4 threads wait on a condition variable
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

/* One line from the FIFO: the seed of the next phase. */
static unsigned long read_line(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		printf("FAIL read %ld\n", (long)n);
		exit(1);
	}
	buf[n] = 0;
	close(fd);
	return strtoul(buf, NULL, 10);
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
	if (argc != 3 || (strcmp(argv[1], "between") && strcmp(argv[1], "during"))) {
		fprintf(stderr, "usage: ckpt-threads between|during FIFO | many N\n");
		return 2;
	}
	seed = 7;
	if (!strcmp(argv[1], "between")) {
		start(t, computer);
		join_all(t, "before");
		printf("waiting for the line\n");
		fflush(stdout);
		seed = read_line(argv[2]);
		start(t, computer);
		join_all(t, "after");
	} else {
		start(t, waiter);
		printf("waiting for the line\n");
		fflush(stdout);
		seed = read_line(argv[2]);
		pthread_mutex_lock(&mu);
		go = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		join_all(t, "after");
	}
	printf("seed %lu done\n", seed);
	return 0;
}
