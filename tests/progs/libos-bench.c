/* libos-bench: the libOS's micro benchmarks for make bench
 * (tests/bench/libos-bench.sh, docs/benchmarks.md). Run the same way
 * natively and in an MIEE; each mode prints one figure line:
 *   getpid N   N getpid system calls (handled inside the libOS)
 *   write N    N one-byte writes to its stdout, which the caller points at
 *              /dev/null (forwarded: one host call each); the figure line
 *              goes to stderr. stdout, not an open of /dev/null: the
 *              runner's policy never opens a device node (docs/policy.md),
 *              but an MIEE's stdio is the runner's own.
 *   time CMD...  (natively only) fork, exec CMD, wait: its wall time in ms
 * The loops time themselves with CLOCK_MONOTONIC (in an MIEE that is one
 * forwarded clock_gettime before and one after the loop). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int loop_getpid(long n)
{
	double t0 = now();
	long sum = 0;

	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getpid);	/* not glibc's cached getpid() */
	printf("getpid: %ld calls, %.0f ns per call (sum %ld)\n", n,
	       n ? (now() - t0) * 1e9 / (double)n : 0.0, sum ? 1l : 0l);
	return 0;
}

static int loop_write(long n)
{
	double t0 = now();

	for (long i = 0; i < n; i++)
		if (write(1, "x", 1) != 1) {
			perror("libos-bench: write");
			return 1;
		}
	fprintf(stderr, "write: %ld calls, %.0f ns per call\n", n,
		n ? (now() - t0) * 1e9 / (double)n : 0.0);
	return 0;
}

/* CMD's wall time; its stdout and stderr go where ours go. */
static int time_cmd(char **argv)
{
	double t0 = now();
	int st;
	pid_t p = fork();

	if (p < 0) {
		perror("libos-bench: fork");
		return 1;
	}
	if (p == 0) {
		execvp(argv[0], argv);
		perror("libos-bench: exec");
		_exit(127);
	}
	if (waitpid(p, &st, 0) != p) {
		perror("libos-bench: waitpid");
		return 1;
	}
	fprintf(stderr, "time: %.1f ms, status %d\n", (now() - t0) * 1e3,
		WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "getpid"))
		return loop_getpid(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "write"))
		return loop_write(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return time_cmd(argv + 2);
	fprintf(stderr, "usage: libos-bench getpid N | write N | time CMD [ARGS...]\n");
	return 2;
}
