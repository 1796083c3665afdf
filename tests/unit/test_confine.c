/* The runner's confinement (tools/miee-run/confine.c) on this host: a
 * child confines itself with a temp tree (a read-only and a writable
 * path), and from outside the test reads its /proc status and namespaces
 * and what it could do: only the tree exists, read-only where the policy
 * says so, no host process visible, no network, no mount; a forbidden
 * system call ends it with CONFINE_EXIT. Needs user namespaces (root, or
 * unprivileged ones enabled): without them each test is a cmocka skip. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "miee-run/confine.h"

static char top[64];
static int have_userns;

static const char *P(const char *rel)
{
	static char b[8][160];
	static unsigned i;

	snprintf(b[i & 7], sizeof(b[0]), "%s%s", top, rel);
	return b[i++ & 7];
}

static int setup(void **state)
{
	pid_t pid;
	int st, fd;

	(void)state;
	strcpy(top, "/tmp/test_confine.XXXXXX");
	if (!mkdtemp(top) || chmod(top, 0755))
		return -1;
	if (mkdir(P("/ro"), 0755) || mkdir(P("/rw"), 0777) || chmod(P("/rw"), 0777) ||
	    mkdir(P("/outside"), 0755))
		return -1;
	fd = open(P("/ro/file"), O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "tree", 4) != 4)
		return -1;
	close(fd);
	/* Can this host make user namespaces at all? */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	have_userns = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) ? -1 : 0;
}

static long raw_open(const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
				.mode = (flags & O_CREAT) ? 0644 : 0 };
	long r = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	return r < 0 ? -errno : r;
}

/* The confined side: one errno (or fd >= 0) per probe, on the pipe. */
enum { PR_OUTSIDE, PR_RO_READ, PR_RO_WRITE, PR_RW_CREATE, PR_ROOT_WRITE, PR_PROC, PR_KILL_HOST,
       PR_SOCKET_CONNECT, PR_MOUNT, PR_NPROBES };

struct report {
	long r[PR_NPROBES];
	pid_t inside_pid;
	uid_t inside_uid;
};

static void confined_child(int out, int wait_fd, int no_seccomp, int forbidden, pid_t host_pid)
{
	static struct manifest m;
	static struct confine c;
	struct manifest_error e;
	struct report rep;
	char b[8];
	long fd;

	if (manifest_add_file(&m, FILE_RO, P("/ro"), &e) || manifest_add_file(&m, FILE_RW, P("/rw"), &e))
		_exit(90);
	c.m = &m;
	c.no_seccomp = no_seccomp;
	confine_enter(&c);	/* the supervisor exits with our status */
	confine_seccomp(&c);
	if (forbidden)
		syscall(SYS_getppid);	/* not on the allow list */
	memset(&rep, 0, sizeof(rep));
	rep.inside_pid = getpid();
	rep.inside_uid = getuid();
	rep.r[PR_OUTSIDE] = raw_open(P("/outside"), O_RDONLY | O_DIRECTORY);
	fd = raw_open(P("/ro/file"), O_RDONLY);
	rep.r[PR_RO_READ] = fd < 0 ? fd : read((int)fd, b, sizeof(b));
	rep.r[PR_RO_WRITE] = raw_open(P("/ro/new"), O_WRONLY | O_CREAT);
	rep.r[PR_RW_CREATE] = raw_open(P("/rw/new"), O_WRONLY | O_CREAT);
	rep.r[PR_ROOT_WRITE] = raw_open("/new", O_WRONLY | O_CREAT);
	rep.r[PR_PROC] = raw_open("/proc/self/status", O_RDONLY);
	if (no_seccomp) {
		int s = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		struct { unsigned short f, port; unsigned addr; char z[8]; } a = { AF_INET, 0x5b15,
			0x0100007f, { 0 } };

		rep.r[PR_KILL_HOST] = syscall(SYS_kill, host_pid, 0) ? -errno : 0;
		rep.r[PR_SOCKET_CONNECT] = s < 0 ? -errno :
			(syscall(SYS_connect, s, &a, sizeof(a)) ? -errno : 0);
		rep.r[PR_MOUNT] = syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) ? -errno : 0;
	}
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(91);
	(void)!read(wait_fd, b, 1);	/* until the test has looked at /proc */
	syscall(SYS_exit_group, 0);	/* not _exit: ASan's would call sigaltstack */
}

/* Runs a confined child; *status its supervisor's exit status. */
static void run_child(int no_seccomp, int forbidden, struct report *rep, int *status,
		      void (*look)(pid_t runner))
{
	int rp[2], wp[2], op[2];
	char line[256];
	pid_t sup, runner = 0;
	FILE *f;
	int st;

	assert_int_equal(pipe(rp), 0);
	assert_int_equal(pipe(wp), 0);
	assert_int_equal(pipe(op), 0);
	fflush(stdout);
	sup = fork();
	assert_true(sup >= 0);
	if (sup == 0) {
		pid_t host = getppid();

		dup2(op[1], 1);
		close(op[0]);
		close(rp[0]);
		close(wp[1]);
		setvbuf(stdout, NULL, _IOLBF, 0);
		confined_child(rp[1], wp[0], no_seccomp, forbidden, host);
	}
	close(rp[1]);
	close(wp[0]);
	close(op[1]);
	f = fdopen(op[0], "r");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "miee-run: confined runner pid %d", &runner) == 1)
			break;
	memset(rep, 0, sizeof(*rep));
	if (read(rp[0], rep, sizeof(*rep)) == sizeof(*rep) && look)
		look(runner);
	close(wp[1]);
	close(rp[0]);
	fclose(f);
	assert_int_equal(waitpid(sup, &st, 0), sup);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char status_text[4096];

static void look_proc(pid_t runner)
{
	char path[64], a[64], b[64];
	static const char *const ns[] = { "user", "mnt", "pid", "net", "ipc", "uts" };
	unsigned i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)runner);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? 0 : read(fd, status_text, sizeof(status_text) - 1);
	status_text[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)runner, ns[i]);
		n = readlink(path, a, sizeof(a) - 1);
		a[n > 0 ? n : 0] = 0;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		n = readlink(path, b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = 0;
		if (!a[0] || !strcmp(a, b))
			snprintf(status_text, sizeof(status_text), "namespace %s shared: %s", ns[i], a);
	}
}

static void test_confined(void **state)
{
	struct report rep;
	struct stat st;
	int status;

	(void)state;
	if (!have_userns)
		skip();
	run_child(0, 0, &rep, &status, look_proc);
	assert_int_equal(status, 0);
	if (!strstr(status_text, "Seccomp:\t2\n") || !strstr(status_text, "NoNewPrivs:\t1\n") ||
	    !strstr(status_text, "CapEff:\t0000000000000000\n") ||
	    !strstr(status_text, "CapPrm:\t0000000000000000\n") ||
	    !strstr(status_text, "CapBnd:\t0000000000000000\n") ||
	    (geteuid() == 0 && !strstr(status_text, "Uid:\t65534\t65534\t65534\t65534\n")))
		fail_msg("status of the confined runner: %s", status_text);
	assert_int_equal(rep.inside_pid, 1);
	assert_int_equal(rep.inside_uid, 0);	/* root of its own namespace, nothing more */
	assert_int_equal(rep.r[PR_OUTSIDE], -ENOENT);
	assert_int_equal(rep.r[PR_RO_READ], 4);
	assert_int_equal(rep.r[PR_RO_WRITE], -EROFS);
	assert_true(rep.r[PR_RW_CREATE] >= 0);
	assert_int_equal(rep.r[PR_ROOT_WRITE], -EROFS);
	assert_int_equal(rep.r[PR_PROC], -ENOENT);
	assert_int_equal(stat(P("/rw/new"), &st), 0);	/* it landed in the real rw dir */
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, CONFINE_UID);
	assert_int_not_equal(stat(P("/ro/new"), &st), 0);
	unlink(P("/rw/new"));
}

static void test_namespaces_alone(void **state)
{
	struct report rep;
	int status;

	(void)state;
	if (!have_userns)
		skip();
	run_child(1, 0, &rep, &status, NULL);
	assert_int_equal(status, 0);
	assert_int_equal(rep.r[PR_OUTSIDE], -ENOENT);
	assert_int_equal(rep.r[PR_KILL_HOST], -ESRCH);	/* the test process: not in its pid ns */
	assert_int_equal(rep.r[PR_SOCKET_CONNECT], -ENETUNREACH);	/* its own net ns, lo down */
	assert_int_equal(rep.r[PR_MOUNT], -EPERM);	/* no capabilities left */
	unlink(P("/rw/new"));
}

static void test_forbidden_kills(void **state)
{
	struct report rep;
	int status;

	(void)state;
	if (!have_userns)
		skip();
	run_child(0, 1, &rep, &status, NULL);
	assert_int_equal(status, CONFINE_EXIT);
	assert_int_equal(rep.inside_pid, 0);	/* killed before it reported */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confined),
		cmocka_unit_test(test_namespaces_alone),
		cmocka_unit_test(test_forbidden_kills),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
