/* The escape-attempt program of issue #17 (tests/guest/libos-escape.sh,
 * docs/policy.md): a static Linux program, run in a libOS MIEE, that
 * tries every way out of its policy. Usage:
 *   escape deny TREE OUT    each attempt must fail with the documented errno
 *   escape allow TREE OUT   the control: the same actions, allowed, succeed
 *   escape calls-deny|calls-allow TREE OUT   a burst against `limit calls`
 *   escape broken TREE OUT  under the test-only broken runner (the policy
 *                           bypassed) and --confine: the confinement alone
 *                           must stop the file, process and network attempts
 *   escape memory           touch 24 MiB (killed under `memory 16M`)
 *   escape rawshadow        read /etc/shadow (the broken runner's control)
 *   escape bench N FILE     per-call costs (tests/bench/libos-policy.sh)
 * TREE holds ro/file, rw/ (writable), rw/link -> ../../out/secret (a
 * relative symlink the host planted: out of rw/, OUT = TREE/../out), rw/hard (a hard link of OUT/hardsrc); OUT holds secret.
 * The policies the test gives: docs/policy.md and libos-escape.sh. One line
 * per attempt, "ok NAME ..." or "FAIL NAME ..."; exit 0 if all are ok.
 * Built twice (glibc, musl; guest/build.mk). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT_OK 5601	/* a `bind` and `connect` rule allow it */
#define PORT_BAD 5602	/* no rule names it */
#define FDS 8		/* `limit fds` */
#define FSIZE 4096	/* `limit fsize` */
#define BIG_MAP (24u << 20)	/* more than `memory 16M`, less than 64M */
#define CALLS 2000	/* host calls in a burst, against `limit calls 200` */

static int failed;
static const char *tree, *out;

/* Output that survives `limit calls`: a write refused with EAGAIN is
 * tried again (the next one-second window lets it through). */
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, off = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	while (off < n) {
		ssize_t w = write(1, buf + off, (size_t)(n - off));

		if (w > 0)
			off += (int)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return;
	}
}

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case EMFILE: return "EMFILE";
	case EFBIG: return "EFBIG";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case EROFS: return "EROFS";
	case ENETUNREACH: return "ENETUNREACH";
	case EXDEV: return "EXDEV";
	case ELOOP: return "ELOOP";
	case EINVAL: return "EINVAL";
	default: return "other";
	}
}

/* An attempt's result: r >= 0 succeeded; else errno. want: the errno it
 * must fail with, 0: it must succeed, -1: it must fail (any errno). */
static void check(const char *name, long r, int want)
{
	int e = r >= 0 ? 0 : errno;
	int ok = want == 0 ? r >= 0 : want < 0 ? r < 0 : (r < 0 && e == want);

	say("%s %s -> %s (%d)%s\n", ok ? "ok" : "FAIL", name, r >= 0 ? "success" : ename(e), e,
	    ok ? "" : want == 0 ? ", wanted success" : want < 0 ? ", wanted a failure" : ", wrong errno");
	if (!ok)
		failed = 1;
}

static long open_at(const char *dir, const char *rest, int flags)
{
	char p[4096];
	long fd;

	snprintf(p, sizeof(p), "%s%s", dir, rest);
	fd = open(p, flags, 0644);
	if (fd >= 0)
		close((int)fd);
	return fd;
}

static long net(int do_bind, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	long r;
	int e;

	if (s < 0)
		return -1;
	r = do_bind ? bind(s, (struct sockaddr *)&a, sizeof(a)) : connect(s, (struct sockaddr *)&a, sizeof(a));
	e = errno;
	close(s);
	errno = e;
	return r;
}

/* Files: deny wants the refusal, allow (OUT allowed, ro/ writable) success. */
static void files(int deny)
{
	char rel[4096];

	/* ".." from inside the tree, and the absolute path. */
	snprintf(rel, sizeof(rel), "/ro/../../%s/secret", strrchr(out, '/') + 1);
	check("dotdot", open_at(tree, rel, O_RDONLY), deny ? EACCES : 0);
	check("absolute", open_at(out, "/secret", O_RDONLY), deny ? EACCES : 0);
	check("symlink-planted", open_at(tree, "/rw/link", O_RDONLY), deny ? EACCES : 0);
	check("write-readonly", open_at(tree, "/ro/file", O_WRONLY), deny ? EACCES : 0);
	/* Refused under any policy: no control. */
	check("proc-self-root", open_at("/proc/self/root", out, O_RDONLY), EACCES);
	check("proc-self-fd", open_at("/proc/self/fd/0", "", O_RDONLY), EACCES);
	check("hard-link", open_at(tree, "/rw/hard", O_RDONLY), EACCES);
}

static void network(int deny)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT_OK),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	/* The allowed port, both ways, in either mode (the firewall's own control). */
	check("bind-allowed", l < 0 ? -1 : bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	check("listen-allowed", listen(l, 4), 0);
	check("connect-allowed", net(0, PORT_OK), 0);
	close(l);
	if (deny) {
		check("connect-forbidden", net(0, PORT_BAD), EPERM);
		check("bind-forbidden", net(1, PORT_BAD), EACCES);
	} else {
		/* Allowed, nobody listens: the kernel's answer, not the policy's. */
		check("connect-forbidden", net(0, PORT_BAD), ECONNREFUSED);
		check("bind-forbidden", net(1, PORT_BAD), 0);
	}
}

static void limits(int deny)
{
	char p[4096], buf[FSIZE * 2];
	int fds[FDS * 2], n = 0, e = 0, fd, i;
	long w1, w2;

	/* fds: more than FDS files open at once. */
	snprintf(p, sizeof(p), "%s/ro/file", tree);
	while (n < FDS * 2 && (fds[n] = open(p, O_RDONLY)) >= 0)
		n++;
	e = errno;
	for (i = 0; i < n; i++)
		close(fds[i]);
	errno = e;
	say("  fds: %d of %d opened\n", n, FDS * 2);
	check("limit-fds", n == FDS * 2 ? 0 : -1, deny ? EMFILE : 0);

	/* fsize: a write past the limit is cut at it, the next one EFBIG. */
	snprintf(p, sizeof(p), "%s/rw/big", tree);
	memset(buf, 'x', sizeof(buf));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	w1 = fd < 0 ? -1 : write(fd, buf, sizeof(buf));
	say("  fsize: first write of %zu bytes wrote %ld\n", sizeof(buf), w1);
	w2 = fd < 0 ? -1 : write(fd, buf, sizeof(buf));
	check("limit-fsize", w2, deny ? EFBIG : 0);
	if (deny && w1 != FSIZE) {
		say("FAIL limit-fsize-cut: the first write was not cut at %d\n", FSIZE);
		failed = 1;
	}
	if (fd >= 0)
		close(fd);

	(void)deny;
}

/* calls per second: a burst of forwarded preads; the output after it
 * waits for the next window (say()). */
static void calls(int deny)
{
	char p[4096], c;
	int fd, i, again = 0;

	snprintf(p, sizeof(p), "%s/ro/file", tree);
	fd = open(p, O_RDONLY);
	for (i = 0; i < CALLS; i++)
		if (pread(fd, &c, 1, 0) < 0 && errno == EAGAIN)
			again++;
	errno = EAGAIN;
	check("limit-calls", again ? -1 : 0, deny ? EAGAIN : 0);
	say("  calls: %d of %d refused with EAGAIN\n", again, CALLS);
	if (fd >= 0)
		close(fd);
}

/* memory: BIG_MAP touched. The libOS maps memory lazily (as Linux with
 * overcommit), so past the MIEE's memory the program is killed (SIGKILL,
 * the libOS's "out of memory" line): reaching the end is the control. */
static void memory(void)
{
	char *m = mmap(NULL, BIG_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	check("memory-map", m == MAP_FAILED ? -1 : 0, 0);
	if (m == MAP_FAILED)
		return;
	for (i = 0; i < BIG_MAP; i += 4096)
		m[i] = 1;
	say("  memory: %u MiB touched\n", BIG_MAP >> 20);
	munmap(m, BIG_MAP);
}

/* The policy bypassed: only the confinement stands. Network last (the
 * filter may kill the runner at socket()). */
static void broken(void)
{
	char p[4096];

	check("broken-shadow", open_at("/etc/shadow", "", O_RDONLY), -1);
	check("broken-outside", open_at(out, "/secret", O_RDONLY), -1);
	check("broken-host-procs", open_at("/proc/1/cmdline", "", O_RDONLY), -1);
	check("broken-write-root", open_at("/escape-was-here", "", O_WRONLY | O_CREAT), -1);
	snprintf(p, sizeof(p), "%s/escape-was-here", out);
	check("broken-write-outside", open_at(p, "", O_WRONLY | O_CREAT), -1);
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80),
					 .sin_addr.s_addr = inet_addr("10.0.2.2") };
		int s = socket(AF_INET, SOCK_STREAM, 0);

		check("broken-network", s < 0 ? -1 : connect(s, (struct sockaddr *)&a, sizeof(a)), -1);
	}
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* tests/bench/libos-policy.sh: n openat+close of FILE, n connect attempts
 * to 127.0.0.1:PORT_BAD (nobody listens: ECONNREFUSED, or the firewall's
 * EPERM), each loop timed in the MIEE; the best of 3 rounds. */
static void bench(int n, const char *file)
{
	double best_o = 1e30, best_c = 1e30;
	int round, i;

	for (round = 0; round < 3; round++) {
		double t0 = now_us();

		for (i = 0; i < n; i++) {
			int fd = open(file, O_RDONLY);

			if (fd >= 0)
				close(fd);
		}
		if (now_us() - t0 < best_o)
			best_o = now_us() - t0;
		t0 = now_us();
		for (i = 0; i < n; i++)
			net(0, PORT_BAD);
		if (now_us() - t0 < best_c)
			best_c = now_us() - t0;
	}
	say("bench-result openat+close %.1f us, socket+connect+close %.1f us (per iteration, best of 3 x %d)\n",
	    best_o / n, best_c / n, n);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "bench")) {
		bench(atoi(argv[2]), argv[3]);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "rawshadow")) {
		check("rawshadow", open_at("/etc/shadow", "", O_RDONLY), 0);
	} else if (argc == 2 && !strcmp(argv[1], "memory")) {
		memory();
	} else if (argc != 4) {
		say("usage: escape deny|allow|calls-deny|calls-allow|broken TREE OUT | "
		    "escape memory | escape rawshadow | escape bench N FILE\n");
		return 2;
	} else if (!strcmp(argv[1], "broken")) {
		tree = argv[2];
		out = argv[3];
		broken();
	} else if (!strncmp(argv[1], "calls-", 6)) {
		tree = argv[2];
		out = argv[3];
		calls(!strcmp(argv[1], "calls-deny"));
	} else {
		int deny = !strcmp(argv[1], "deny");

		tree = argv[2];
		out = argv[3];
		files(deny);
		network(deny);
		limits(deny);
	}
	say("escape %s: %s\n", argv[1], failed ? "FAILED" : "all ok");
	return failed;
}
