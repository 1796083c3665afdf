/* The runner's policy (tools/miee-run/policy.c) on real files: a temp tree
 * with an absolute and a relative symlink out, a symlink inside, a hard
 * link to a file outside, a FIFO, /dev/null and /proc; each refusal with
 * its errno and its one log line, and a control that the same action
 * passes where the policy allows it. Then the firewall, the limits and the
 * calls-per-second limiter, and the null policy. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "miee-run/policy.h"

static char top[64];		/* the temp dir */
static char lastlog[512];
static unsigned nlog;

static void capture(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(lastlog, sizeof(lastlog), "%s", line);
	nlog++;
}

static const char *P(const char *rel)	/* top + rel, in one of 8 buffers */
{
	static char b[8][256];
	static unsigned i;

	snprintf(b[i & 7], sizeof(b[0]), "%s%s", top, rel);
	return b[i++ & 7];
}

static void put(const char *rel, const char *text)
{
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/test_policy.XXXXXX");
	assert_non_null(mkdtemp(top));
	assert_int_equal(mkdir(P("/ro"), 0755), 0);
	assert_int_equal(mkdir(P("/rw"), 0755), 0);
	assert_int_equal(mkdir(P("/new"), 0755), 0);
	assert_int_equal(mkdir(P("/outside"), 0755), 0);
	put("/outside/secret", "secret");
	put("/ro/a.txt", "hello");
	put("/rw/b.txt", "b");
	assert_int_equal(symlink("/etc/passwd", P("/ro/abs-out")), 0);
	assert_int_equal(symlink("../outside", P("/ro/rel-out")), 0);
	assert_int_equal(symlink("a.txt", P("/ro/inner")), 0);
	assert_int_equal(link(P("/outside/secret"), P("/rw/hard")), 0);
	assert_int_equal(mkfifo(P("/ro/fifo"), 0644), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) ? -1 : 0;
}

/* The tree's manifest: ro, rw, create, /dev/null and /proc (read-only). */
static void tree_manifest(struct manifest *m, enum policy_mode mode)
{
	struct manifest_error e;

	memset(m, 0, sizeof(*m));
	assert_int_equal(manifest_add_file(m, FILE_RO, P("/ro"), &e), 0);
	assert_int_equal(manifest_add_file(m, FILE_RW, P("/rw"), &e), 0);
	assert_int_equal(manifest_add_file(m, FILE_CREATE, P("/new"), &e), 0);
	assert_int_equal(manifest_add_file(m, FILE_RO, "/dev/null", &e), 0);
	assert_int_equal(manifest_add_file(m, FILE_RO, "/proc", &e), 0);
	m->mode = mode;
}

/* policy_openat must give -err, and one log line holding rule. */
static void refused(struct policy *p, const char *path, int flags, int err, const char *rule)
{
	unsigned before = nlog;
	int r = policy_openat(p, path, flags, 0644);

	if (r >= 0)
		close(r);
	if (r != -err || nlog != before + 1 || !strstr(lastlog, rule) ||
	    !strstr(lastlog, "miee-run: policy: refused openat("))
		fail_msg("%s flags 0x%x: got %d (want -%d), log '%s' (want '%s')", path, flags, r,
			 err, nlog == before ? "(none)" : lastlog, rule);
}

static int opened(struct policy *p, const char *path, int flags)
{
	unsigned before = nlog;
	int r = policy_openat(p, path, flags, 0644);

	if (r < 0)
		fail_msg("%s flags 0x%x: refused %d, log '%s'", path, flags, r, lastlog);
	assert_int_equal(nlog, before);
	return r;
}

static void test_files(void **state)
{
	struct manifest m;
	struct policy p;
	char buf[16] = { 0 }, fdpath[64];
	unsigned before;
	int fd;

	(void)state;
	tree_manifest(&m, POLICY_ENFORCE);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);

	/* Controls: what the policy allows works. */
	fd = opened(&p, P("/ro/a.txt"), O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	assert_string_equal(buf, "hello");
	close(fd);
	close(opened(&p, P("/ro/inner"), O_RDONLY));		/* a symlink inside */
	close(opened(&p, P("/ro/./sub/../a.txt"), O_RDONLY));	/* lexical '..' inside */
	close(opened(&p, P("/ro"), O_RDONLY | O_DIRECTORY));
	close(opened(&p, P("/rw/b.txt"), O_RDWR | O_APPEND));
	close(opened(&p, P("/rw/b.txt"), O_WRONLY | O_CREAT | O_TRUNC));	/* exists */
	close(opened(&p, "/proc/cpuinfo", O_RDONLY));

	/* Escapes. */
	refused(&p, P("/ro/../outside/secret"), O_RDONLY, EACCES, "outside every allowed path");
	refused(&p, "/etc/passwd", O_RDONLY, EACCES, "outside every allowed path");
	refused(&p, P("/ro/abs-out"), O_RDONLY, EACCES, "leaves its allowed tree");
	refused(&p, P("/ro/rel-out/secret"), O_RDONLY, EACCES, "leaves its allowed tree");
	refused(&p, "/proc/self/root/etc/passwd", O_RDONLY, EACCES, "/proc/self");
	refused(&p, "/proc/self/status", O_RDONLY, EACCES, "/proc/self");
	refused(&p, "/proc/thread-self/fd/0", O_RDONLY, EACCES, "/proc/self");
	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/0", (int)getpid());
	refused(&p, fdpath, O_RDONLY, EACCES, "/proc/<pid>");
	refused(&p, "/proc/1/root", O_RDONLY, EACCES, "/proc/<pid>");
	refused(&p, "/proc/sys/../self/cwd", O_RDONLY, EACCES, "/proc/self");
	refused(&p, "/dev/null", O_RDONLY, EACCES, "a device node");
	refused(&p, "/dev/null/x", O_RDONLY, ENOTDIR, "below an allowed file");
	refused(&p, P("/ro/fifo"), O_RDONLY, EACCES, "neither a regular file nor a directory");
	refused(&p, P("/rw/hard"), O_RDONLY, EACCES, "a hard link");
	refused(&p, P("/rw/hard"), O_RDWR, EACCES, "a hard link");
	/* Rights. */
	refused(&p, P("/ro/a.txt"), O_WRONLY, EACCES, "write to a read-only path");
	refused(&p, P("/ro/a.txt"), O_RDONLY | O_TRUNC, EACCES, "write to a read-only path");
	refused(&p, P("/ro/a.txt"), O_RDWR, EACCES, "write to a read-only path");
	refused(&p, P("/rw/c.txt"), O_WRONLY | O_CREAT, EACCES, "create without the create right");
	refused(&p, P("/rw/b.txt"), O_WRONLY | O_CREAT | O_EXCL, EACCES, "create without");
	/* Arguments. */
	refused(&p, "ro/a.txt", O_RDONLY, EINVAL, "a relative path");
	refused(&p, "", O_RDONLY, ENOENT, "empty");
	refused(&p, P("/ro/a.txt"), O_PATH, EINVAL, "open flag outside the allowed set");
	refused(&p, P("/new"), O_TMPFILE | O_RDWR, EINVAL, "open flag outside the allowed set");
	refused(&p, P("/ro/a.txt"), 3, EINVAL, "access mode 3");
	assert_true(access(P("/rw/c.txt"), F_OK) != 0);	/* nothing was created */

	/* Create: allowed under /new; a file the PAL made may gain links. */
	fd = opened(&p, P("/new/made"), O_WRONLY | O_CREAT | O_EXCL);
	close(fd);
	assert_int_equal(link(P("/new/made"), P("/new/made2")), 0);
	close(opened(&p, P("/new/made"), O_RDWR));
	assert_int_equal(policy_openat(&p, P("/new/x/y"), O_WRONLY | O_CREAT, 0644), -ENOENT);
	/* Linux's own answers, not refusals: no log line. */
	before = nlog;
	assert_int_equal(policy_openat(&p, P("/new/made"), O_WRONLY | O_CREAT | O_EXCL, 0644), -EEXIST);
	assert_int_equal(policy_openat(&p, P("/ro/inner"), O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	assert_int_equal(nlog, before);
	policy_fini(&p);
	manifest_free(&m);
}

/* Not every failure is a refusal: ENOENT of a missing file in the tree is
 * the PAL's own business, returned without a log line. */
static void test_plain_errors(void **state)
{
	struct manifest m;
	struct policy p;
	unsigned before;

	(void)state;
	tree_manifest(&m, POLICY_ENFORCE);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	before = nlog;
	assert_int_equal(policy_openat(&p, P("/ro/missing"), O_RDONLY, 0), -ENOENT);
	assert_int_equal(nlog, before);
	policy_fini(&p);
	manifest_free(&m);
}

static void test_null_policy(void **state)
{
	struct manifest m;
	struct policy p;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(1) };

	(void)state;
	tree_manifest(&m, POLICY_NULL);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	close(opened(&p, "/etc/passwd", O_RDONLY));	/* passthrough */
	close(opened(&p, P("/rw/hard"), O_RDWR));
	refused(&p, "/etc/passwd", O_PATH, EINVAL, "open flag outside");	/* validated */
	in.sin_addr.s_addr = htonl(0x08080808);
	assert_int_equal(policy_connect(&p, (void *)&in, sizeof(in)), 0);
	assert_int_equal(policy_bind(&p, (void *)&in, sizeof(in)), 0);
	assert_int_equal(policy_connect(&p, (void *)&in, sizeof(in) - 1), -EINVAL);
	assert_int_equal(policy_connect(&p, (void *)&un, sizeof(un)), -EAFNOSUPPORT);
	policy_fini(&p);
	manifest_free(&m);
}

static void test_init_errors(void **state)
{
	struct manifest m;
	struct manifest_error e;
	struct policy p;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(manifest_add_file(&m, FILE_RO, P("/ro"), &e), 0);
	assert_int_equal(manifest_add_file(&m, FILE_RO, P("/nonexistent"), &e), 0);
	assert_int_equal(policy_init(&p, &m, capture, NULL), -ENOENT);
	assert_non_null(strstr(lastlog, "/nonexistent"));
	assert_int_equal(p.roots[0].fd, -1);	/* the first root was closed again */
	manifest_free(&m);
}

static struct sockaddr_in v4(const char *a, unsigned port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	assert_int_equal(inet_pton(AF_INET, a, &s.sin_addr), 1);
	return s;
}

static struct sockaddr_in6 v6(const char *a, unsigned port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	assert_int_equal(inet_pton(AF_INET6, a, &s.sin6_addr), 1);
	return s;
}

static void test_firewall(void **state)
{
	static const char text[] = "miee-manifest 1\nconnect 127.0.0.1 8080\nconnect 10.0.0.0/8 443\n"
				   "connect ::1 1000-2000\nbind 9000\n";
	struct manifest m;
	struct manifest_error e;
	struct policy p;
	struct sockaddr_in a;
	struct sockaddr_in6 b;
	unsigned before;

	(void)state;
	assert_int_equal(manifest_parse(text, sizeof(text) - 1, &m, &e), 0);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	a = v4("127.0.0.1", 8080);
	assert_int_equal(policy_connect(&p, (void *)&a, sizeof(a)), 0);
	a = v4("10.200.3.4", 443);
	assert_int_equal(policy_sendto(&p, (void *)&a, sizeof(a)), 0);
	b = v6("::1", 1500);
	assert_int_equal(policy_connect(&p, (void *)&b, sizeof(b)), 0);
	b = v6("::ffff:127.0.0.1", 8080);	/* IPv4-mapped: the IPv4 rule */
	assert_int_equal(policy_connect(&p, (void *)&b, sizeof(b)), 0);
	assert_int_equal(policy_sendto(&p, NULL, 0), 0);

	before = nlog;
	a = v4("127.0.0.1", 8081);
	assert_int_equal(policy_connect(&p, (void *)&a, sizeof(a)), -EPERM);
	assert_string_equal(lastlog, "miee-run: policy: refused connect(127.0.0.1:8081) -> EPERM: "
			    "no 'connect' rule allows this address and port");
	a = v4("11.0.0.1", 443);
	assert_int_equal(policy_sendto(&p, (void *)&a, sizeof(a)), -EPERM);
	assert_non_null(strstr(lastlog, "sendto(11.0.0.1:443)"));
	b = v6("::2", 1500);
	assert_int_equal(policy_connect(&p, (void *)&b, sizeof(b)), -EPERM);
	assert_non_null(strstr(lastlog, "[::2]:1500"));
	b = v6("::ffff:127.0.0.1", 443);
	assert_int_equal(policy_connect(&p, (void *)&b, sizeof(b)), -EPERM);
	assert_int_equal(policy_connect(&p, (void *)&a, 4), -EINVAL);
	assert_int_equal(policy_connect(&p, NULL, 0), -EINVAL);
	assert_int_equal(nlog, before + 6);

	a = v4("0.0.0.0", 9000);
	assert_int_equal(policy_bind(&p, (void *)&a, sizeof(a)), 0);
	a = v4("0.0.0.0", 9001);
	assert_int_equal(policy_bind(&p, (void *)&a, sizeof(a)), -EACCES);
	assert_non_null(strstr(lastlog, "refused bind(0.0.0.0:9001) -> EACCES"));
	assert_int_equal(policy_listen(&p, 9000), 0);
	assert_int_equal(policy_listen(&p, 80), -EACCES);
	assert_non_null(strstr(lastlog, "refused listen(port 80)"));
	assert_int_equal(p.refused, 8);
	policy_fini(&p);
	manifest_free(&m);
}

static void test_limits(void **state)
{
	static const char text[] = "miee-manifest 1\nmemory 16M\nthreads 4\nlimit fds 2\n"
				   "limit fsize 1000\nlimit calls 3\nfile rw /tmp\n";
	struct manifest m;
	struct manifest_error e;
	struct policy p;
	uint64_t t = 5000000000ull;
	int a, b;

	(void)state;
	assert_int_equal(manifest_parse(text, sizeof(text) - 1, &m, &e), 0);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	assert_int_equal(policy_limit(&p, LIMIT_MEMORY, 16 << 20), 0);
	assert_int_equal(policy_limit(&p, LIMIT_MEMORY, (16 << 20) + 1), -ENOMEM);
	assert_non_null(strstr(lastlog, "refused limit(memory 16777217) -> ENOMEM: limit memory 16777216"));
	assert_int_equal(policy_limit(&p, LIMIT_THREADS, 4), 0);
	assert_int_equal(policy_limit(&p, LIMIT_THREADS, 5), -EAGAIN);
	assert_int_equal(policy_limit(&p, LIMIT_FDS, 3), -EMFILE);
	assert_int_equal(policy_limit(&p, LIMIT_FSIZE, 1000), 0);
	assert_int_equal(policy_limit(&p, LIMIT_FSIZE, 1001), -EFBIG);
	assert_non_null(strstr(lastlog, "-> EFBIG: limit fsize 1000"));

	/* fds: counted by policy_openat itself. */
	a = opened(&p, P("/ro/a.txt"), O_RDONLY);
	b = opened(&p, P("/ro/a.txt"), O_RDONLY);
	refused(&p, P("/ro/a.txt"), O_RDONLY, EMFILE, "limit fds");
	close(b);
	policy_closed(&p);
	b = opened(&p, P("/ro/a.txt"), O_RDONLY);
	close(a);
	close(b);

	/* Calls per second: 3 in a window, then EAGAIN until it moves on. */
	assert_int_equal(policy_hostcall(&p, t), 0);
	assert_int_equal(policy_hostcall(&p, t + 1), 0);
	assert_int_equal(policy_hostcall(&p, t + 2), 0);
	assert_int_equal(policy_hostcall(&p, t + 999999999ull), -EAGAIN);
	assert_non_null(strstr(lastlog, "refused hostcall(call 4 in this second) -> EAGAIN"));
	assert_int_equal(policy_hostcall(&p, t + 1000000000ull), 0);
	policy_fini(&p);
	manifest_free(&m);

	/* No limits given: nothing refused. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	assert_int_equal(policy_limit(&p, LIMIT_FSIZE, UINT64_MAX), 0);
	assert_int_equal(policy_hostcall(&p, t), 0);
	policy_fini(&p);
}

/* The path calls other than open (policy_path, policy_resolved): the same
 * rules, the right each call needs, the root and flags to perform it. */
static void test_path_calls(void **state)
{
	struct manifest m;
	struct policy p;
	char rest[PATH_MAX];
	uint64_t res;
	int dirfd, fd;
	unsigned before;

	(void)state;
	tree_manifest(&m, POLICY_ENFORCE);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	/* Allowed: the root's fd, the rest, RESOLVE_BENEATH. */
	assert_int_equal(policy_path(&p, "newfstatat", P("/ro/a.txt"), FILE_RO, &dirfd, rest, &res), 0);
	assert_int_equal(dirfd, p.roots[0].fd);
	assert_string_equal(rest, "a.txt");
	assert_true(res & RESOLVE_BENEATH);
	assert_int_equal(policy_path(&p, "chdir", P("/ro"), FILE_RO, &dirfd, rest, &res), 0);
	assert_string_equal(rest, ".");
	assert_int_equal(policy_path(&p, "mkdirat", P("/new/d"), FILE_CREATE, &dirfd, rest, &res), 0);
	assert_int_equal(policy_path(&p, "newfstatat", "/dev/null", FILE_RO, &dirfd, rest, &res), 0);
	assert_string_equal(rest, "null");
	/* Refused, one line each naming the call and the rule. */
	before = nlog;
	assert_int_equal(policy_path(&p, "newfstatat", P("/outside/secret"), FILE_RO, &dirfd, rest,
				     &res), -EACCES);
	assert_non_null(strstr(lastlog, "refused newfstatat(\""));
	assert_non_null(strstr(lastlog, "outside every allowed path"));
	assert_int_equal(policy_path(&p, "readlinkat", "/proc/self/exe", FILE_RO, &dirfd, rest, &res),
			 -EACCES);
	assert_non_null(strstr(lastlog, "/proc/self"));
	assert_int_equal(policy_path(&p, "unlinkat", P("/rw/b.txt"), FILE_CREATE, &dirfd, rest, &res),
			 -EACCES);
	assert_non_null(strstr(lastlog, "create without the create right"));
	assert_int_equal(policy_path(&p, "faccessat", P("/ro/a.txt"), FILE_RW, &dirfd, rest, &res),
			 -EACCES);
	assert_non_null(strstr(lastlog, "write to a read-only path"));
	assert_int_equal(policy_path(&p, "chdir", "ro", FILE_RO, &dirfd, rest, &res), -EINVAL);
	assert_int_equal(nlog, before + 5);
	/* The kernel's answer beneath the root: a symlink out is a refusal. */
	assert_int_equal(policy_path(&p, "newfstatat", P("/ro/abs-out"), FILE_RO, &dirfd, rest, &res), 0);
	{
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = res };

		fd = (int)syscall(SYS_openat2, dirfd, rest, &how, sizeof(how));
		assert_int_equal(fd < 0 ? -errno : fd, -EXDEV);
	}
	assert_int_equal(policy_resolved(&p, "newfstatat", P("/ro/abs-out"), res, -EXDEV), -EACCES);
	assert_non_null(strstr(lastlog, "leaves its allowed tree"));
	assert_int_equal(policy_resolved(&p, "newfstatat", P("/ro/missing"), res, -ENOENT), -ENOENT);
	assert_int_equal(policy_resolved(&p, "newfstatat", P("/ro/a.txt"), res, 5), 5);
	policy_fini(&p);
	manifest_free(&m);

	/* The null policy: the path as given, from the runner's root. */
	tree_manifest(&m, POLICY_NULL);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	assert_int_equal(policy_path(&p, "newfstatat", "/etc/passwd", FILE_RO, &dirfd, rest, &res), 0);
	assert_int_equal(dirfd, AT_FDCWD);
	assert_string_equal(rest, "/etc/passwd");
	assert_int_equal(res, 0);
	assert_int_equal(policy_path(&p, "newfstatat", "", FILE_RO, &dirfd, rest, &res), -ENOENT);
	policy_fini(&p);
	manifest_free(&m);
}

/* fds of other kinds, sockets, file size written, threads, the log of
 * the calls-per-second limiter. */
static void test_limits_more(void **state)
{
	static const char text[] = "miee-manifest 1\nthreads 2\nlimit fds 3\nlimit fsize 1000\n"
				   "limit calls 2\n";
	static const char nonet[] = "miee-manifest 1\nfile ro /tmp\n";
	struct manifest m;
	struct manifest_error e;
	struct policy p;
	uint64_t t = 7000000000ull;
	unsigned before;

	(void)state;
	assert_int_equal(manifest_parse(text, sizeof(text) - 1, &m, &e), 0);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	assert_int_equal(policy_fd_new(&p, "pipe2", 2), 0);
	assert_int_equal(policy_fd_new(&p, "dup", 1), 0);
	assert_int_equal(policy_fd_new(&p, "socket", 1), -EMFILE);
	assert_non_null(strstr(lastlog, "refused socket(1 new, 3 open) -> EMFILE: limit fds"));
	refused(&p, "/tmp", O_RDONLY, EMFILE, "limit fds");	/* one counter for all kinds */
	policy_closed(&p);
	assert_int_equal(policy_fd_new(&p, "accept4", 1), 0);
	assert_int_equal(p.open_fds, 3);

	/* File size: cut at the limit, then EFBIG (no SIGXFSZ). */
	assert_int_equal(policy_fsize(&p, "write", 0, 1000), 1000);
	assert_int_equal(policy_fsize(&p, "write", 900, 500), 100);
	assert_int_equal(policy_fsize(&p, "write", 1000, 1), -EFBIG);
	assert_non_null(strstr(lastlog, "refused write(offset 1000, 1 bytes) -> EFBIG: limit fsize 1000"));
	assert_int_equal(policy_fsize(&p, "pwrite64", 5000, 0), -EFBIG);

	/* Threads: the hook a thread spawn calls (LIBOS_HC_SPAWN, #16). */
	assert_int_equal(policy_limit(&p, LIMIT_THREADS, 2), 0);
	assert_int_equal(policy_limit(&p, LIMIT_THREADS, 3), -EAGAIN);
	assert_non_null(strstr(lastlog, "refused limit(threads 3) -> EAGAIN: limit threads 2"));

	/* Sockets with a network rule or none. */
	assert_int_equal(policy_socket(&p, AF_INET, SOCK_STREAM), -EACCES);
	assert_non_null(strstr(lastlog, "no 'connect' or 'bind' rule"));

	/* Calls: the first refusal of a window is logged, the rest counted. */
	assert_int_equal(policy_hostcall(&p, t), 0);
	assert_int_equal(policy_hostcall(&p, t + 1), 0);
	before = nlog;
	assert_int_equal(policy_hostcall(&p, t + 2), -EAGAIN);
	assert_int_equal(policy_hostcall(&p, t + 3), -EAGAIN);
	assert_int_equal(policy_hostcall(&p, t + 4), -EAGAIN);
	assert_int_equal(nlog, before + 1);
	assert_int_equal(policy_hostcall(&p, t + 1000000000ull), 0);
	assert_int_equal(nlog, before + 2);
	assert_non_null(strstr(lastlog, "refused 2 more host calls in the last window"));
	policy_fini(&p);
	manifest_free(&m);

	/* The test-only bypass: refused without MIEE_RUN_TEST_BROKEN=1; with
	 * it, every decision allows. */
	assert_int_equal(manifest_parse(nonet, sizeof(nonet) - 1, &m, &e), 0);
	assert_int_equal(policy_init(&p, &m, capture, NULL), 0);
	unsetenv("MIEE_RUN_TEST_BROKEN");
	assert_int_equal(policy_set_bypass(&p), -EPERM);
	refused(&p, "/etc/passwd", O_RDONLY, EACCES, "outside every allowed path");
	setenv("MIEE_RUN_TEST_BROKEN", "1", 1);
	assert_int_equal(policy_set_bypass(&p), 0);
	assert_non_null(strstr(lastlog, "BYPASSED"));
	close(opened(&p, "/etc/passwd", O_RDONLY));
	assert_int_equal(policy_socket(&p, AF_INET, SOCK_STREAM), 0);
	unsetenv("MIEE_RUN_TEST_BROKEN");
	policy_fini(&p);
	manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_plain_errors),
		cmocka_unit_test(test_null_policy),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_path_calls),
		cmocka_unit_test(test_limits_more),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
