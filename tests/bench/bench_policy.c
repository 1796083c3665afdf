/* make bench: the runner's per-host-call costs of the policy and of the
 * seccomp filter (docs/benchmarks.md, "Policy and confinement"), measured
 * on this host in one run: a micro benchmark of tools/miee-run/policy.c
 * and confine.c, not the in-MIEE path (the libOS's forwarded calls are not
 * served through them yet). Each figure: the best of 5 rounds of N calls,
 * ns per call. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/miee.h"
#include "miee-run/confine.h"
#include "miee-run/policy.h"

#define N 20000
#define ROUNDS 5

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static char path[128];
static struct policy pol_null, pol_file, pol_fw, pol_none_fw;
static struct sockaddr_in dst;
static int devnull;

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static void open_plain(void)	/* the null policy's own system call, unchecked */
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };

	close((int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)));
}
static void open_null(void) { close(policy_openat(&pol_null, path, O_RDONLY, 0)); policy_closed(&pol_null); }
static void open_file(void) { close(policy_openat(&pol_file, path, O_RDONLY, 0)); policy_closed(&pol_file); }
static void conn_none(void) { __asm__ __volatile__("" ::: "memory"); }
static void conn_null(void) { (void)policy_connect(&pol_null, (void *)&dst, sizeof(dst)); }
static void conn_fw(void) { (void)policy_connect(&pol_fw, (void *)&dst, sizeof(dst)); }
static void sys_getpid(void) { syscall(SYS_getpid); }
static void sys_ioctl(void) { ioctl(devnull, MIEE_IOC_INFO, NULL); }

static double best(void (*fn)(void))
{
	double b = 1e30;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now();

		for (i = 0; i < N; i++)
			fn();
		t0 = (now() - t0) / N;
		if (t0 < b)
			b = t0;
	}
	return b;
}

int main(void)
{
	static char tmpl[] = "/tmp/bench_policy.XXXXXX";
	static const char fw[] =
		"miee-manifest 1\nconnect 10.0.0.1 80\nconnect 10.0.0.2 80\nconnect 10.0.0.3 80\n"
		"connect 10.0.0.4 80\nconnect 192.168.0.0/16 443\nconnect ::1 80\n"
		"connect 127.0.0.0/8 1000-2000\nconnect 127.0.0.1 8080\n";
	static struct manifest m_null, m_file, m_fw;
	struct manifest_error e;
	double a, b, c;
	int st, fd;
	pid_t pid;

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(path, sizeof(path), "%s/file", tmpl);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	if (manifest_add_file(&m_null, FILE_RO, tmpl, &e) || manifest_add_file(&m_file, FILE_RO, tmpl, &e) ||
	    manifest_parse(fw, sizeof(fw) - 1, &m_fw, &e))
		return 1;
	m_null.mode = POLICY_NULL;
	if (policy_init(&pol_null, &m_null, quiet, NULL) || policy_init(&pol_file, &m_file, quiet, NULL) ||
	    policy_init(&pol_fw, &m_fw, quiet, NULL))
		return 1;
	dst.sin_family = AF_INET;
	dst.sin_port = htons(8080);
	dst.sin_addr.s_addr = htonl(0x7f000001);	/* the last rule */

	a = best(open_plain);
	b = best(open_null);
	c = best(open_file);
	printf("bench policy open+close (host micro benchmark, not in-MIEE): no policy %.0f ns, "
	       "null %.0f ns (+%.0f), file %.0f ns (+%.0f)\n", a, b, b - a, c, c - a);
	a = best(conn_none);
	b = best(conn_null);
	c = best(conn_fw);
	printf("bench policy connect decision (host micro benchmark, 8 rules, the last matches): "
	       "no policy %.0f ns, null %.0f ns (+%.0f), firewall %.0f ns (+%.0f)\n", a, b, b - a, c,
	       c - a);

	/* The filter: in a child, which can then never leave it. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static struct manifest none;
		static struct confine cf;
		double g0, g1, i0, i1;

		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cf.m = &none;
		cf.miee_fds[0] = devnull;
		cf.nfds = 1;
		g0 = best(sys_getpid);
		i0 = best(sys_ioctl);
		confine_seccomp(&cf);
		g1 = best(sys_getpid);
		i1 = best(sys_ioctl);
		printf("bench seccomp filter per system call (host, the runner's filter): getpid %.0f -> "
		       "%.0f ns (+%.0f), ioctl on the miee fd (the deepest rule) %.0f -> %.0f ns (+%.0f)\n",
		       g0, g1, g1 - g0, i0, i1, i1 - i0);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "bench_policy: the seccomp child failed (status 0x%x)\n", st);
	policy_fini(&pol_null);
	policy_fini(&pol_file);
	policy_fini(&pol_fw);
	unlink(path);
	rmdir(tmpl);
	(void)pol_none_fw;
	return 0;
}
