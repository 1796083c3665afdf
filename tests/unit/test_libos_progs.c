/* The static test program (tests/progs/libos-families.c, glibc and musl
 * builds) run through the libOS forwarding layer and the runner's server
 * on the host: a ptrace tracer stops the program at every system call,
 * hands each forwarded one to libos_forward() (the program's memory read
 * and written with process_vm_readv/writev), skips the real call and
 * returns the libOS's result. Its output must equal a native run; under a
 * hostile lie the program must see EIO and go on. Until the libOS runs in
 * an MIEE (tests/guest/libos-fwd.sh) this is the end-to-end check. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "fd.h"
#include "../tools/miee-run/hostcall.h"

static pid_t tracee;
static struct hostcall srv;
static struct {
	struct libos_hc hc;
	unsigned char pad[LIBOS_PAGE - sizeof(struct libos_hc)];
	unsigned char data[LIBOS_HC_DATA_MAX];
} *shared;
/* Every log line of the run, shared with the runner process. */
static struct {
	char logs[8192];
	int nlogs;
} *lg;
#define logs (lg->logs)
#define nlogs (lg->nlogs)

int copy_from_user(void *dst, uint64_t uaddr, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)(uintptr_t)uaddr, n };

	if (!n)
		return 0;
	return process_vm_readv(tracee, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -EFAULT;
}

int copy_to_user(uint64_t uaddr, const void *src, size_t n)
{
	struct iovec l = { (void *)src, n }, r = { (void *)(uintptr_t)uaddr, n };

	if (!n)
		return 0;
	return process_vm_writev(tracee, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -EFAULT;
}

long strncpy_from_user(char *dst, uint64_t uaddr, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copy_from_user(dst + i, uaddr + i, 1))
			return -EFAULT;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

struct libos_hc *hc_request(void)
{
	return &shared->hc;
}

unsigned char *hc_data(void)
{
	return shared->data;
}

/* One thread slot: the whole data area is its window. */
uint64_t hc_window(void)
{
	return LIBOS_HC_DATA_MAX;
}

unsigned int libos_slot(void)
{
	return 0;
}

int hc_call(void)
{
	shared->hc.magic = LIBOS_HC_MAGIC;
	return hostcall_serve(&srv, &shared->hc, shared->data) ? -EIO : 0;
}

void libos_log(const char *fmt, ...)
{
	va_list ap;

	size_t n = strlen(logs);

	va_start(ap, fmt);
	if (n + 2 < sizeof(logs)) {
		vsnprintf(logs + n, sizeof(logs) - n - 1, fmt, ap);
		strcat(logs, "\n");
	}
	va_end(ap);
	nlogs++;
}

static char dir[64];

static void fresh_dir(void)
{
	char cmd[128];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	strcpy(dir, "/tmp/libosprog-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/lnk", dir);
	assert_int_equal(symlink("target", cmd), 0);
}

/* Run prog DIR natively, stdout into out; its exit status. */
static int run_native(const char *prog, const char *out)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		execl(prog, prog, dir, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The runner: prog DIR traced, every forwarded call through the libOS
 * and the server; runs in its own process, since the program may close or
 * reuse the runner's fds 0-2 as a real runner's. Exits with the
 * program's status. */
static void runner(const char *prog, const char *out, const char *lie)
{
	int st, sig = 0, in_call = 0, fd, pending = 0;
	long result = 0;

	if (hostcall_init(&srv) || hostcall_add_root(&srv, dir, 1) ||
	    hostcall_add_root(&srv, prog, 0) || (lie && hostcall_set_lie(&srv, lie)))
		_exit(126);
	fd_init();
	tracee = fork();
	if (tracee < 0)
		_exit(126);
	if (!tracee) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execl(prog, prog, dir, (char *)NULL);
		_exit(127);
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	if (waitpid(tracee, &st, 0) != tracee)
		_exit(126);
	ptrace(PTRACE_SETOPTIONS, tracee, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	for (;;) {
		struct user_regs_struct r;

		ptrace(PTRACE_SYSCALL, tracee, 0, sig);
		sig = 0;
		if (waitpid(tracee, &st, 0) != tracee || WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			if (WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP)
				sig = WSTOPSIG(st);
			continue;
		}
		ptrace(PTRACE_GETREGS, tracee, 0, &r);
		in_call = !in_call;
		if (in_call) {
			uint64_t a[6] = { r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
			int handled = 0;

			result = libos_forward((unsigned int)r.orig_rax, a, &handled);
			if (handled) {
				r.orig_rax = (unsigned long long)-1;	/* skip the real call */
				ptrace(PTRACE_SETREGS, tracee, 0, &r);
				pending = 1;
			}
		} else if (pending) {
			r.rax = (unsigned long long)result;
			ptrace(PTRACE_SETREGS, tracee, 0, &r);
			pending = 0;
		}
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int run_traced(const char *prog, const char *out, const char *lie)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		runner(prog, out, lie);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 65536);

	assert_non_null(f);
	assert_true(fread(s, 1, 65535, f) < 65535);
	fclose(f);
	return s;
}

static void same_output(const char *prog)
{
	char *a, *b;

	fresh_dir();
	assert_int_equal(run_native(prog, "/tmp/libosprog-native.out"), 0);
	fresh_dir();
	nlogs = 0;
	assert_int_equal(run_traced(prog, "/tmp/libosprog-traced.out", NULL), 0);
	a = slurp("/tmp/libosprog-native.out");
	b = slurp("/tmp/libosprog-traced.out");
	if (strcmp(a, b))
		fail_msg("%s: output differs\n--- native\n%s--- through the libOS\n%s", prog, a, b);
	assert_non_null(strstr(b, "libos-families: all done"));
	assert_int_equal(nlogs, 0);
	free(a);
	free(b);
}

static void test_glibc(void **state)
{
	(void)state;
	same_output(PROGS_DIR "/libos-families-glibc");
}

static void test_musl(void **state)
{
	(void)state;
	same_output(PROGS_DIR "/libos-families-musl");
}

/* A hostile runner under the real programs: each lie is caught (logged by
 * name), the program sees EIO where it checks, and it exits cleanly. */
static void test_hostile(void **state)
{
	static const struct {
		const char *lie, *log, *line;
	} cases[] = {
		{ "read-count", "iago: read: count > requested", "FAIL read (errno 5)" },
		{ "fstat-size", ": stat size", "FAIL fstat (errno 5)" },
		{ "dents-no-nul", "iago: getdents64: dirent name", "FAIL readdir (errno 5)" },
		{ "poll-count", "iago: poll: ret > limit", "FAIL poll empty (errno 5)" },
		{ "open-fd-in-table", "iago: openat: fd already in the table", "FAIL open (errno 5)" },
		{ "close-ret", "iago: close: ret not 0", "FAIL close (errno 5)" },
		{ "getsockopt-optlen", "iago: getsockopt: optlen > buffer", "FAIL getsockopt (errno 5)" },
		{ "recvfrom-addrlen", "iago: recvfrom: addrlen > buffer", "FAIL recvfrom (errno 5)" },
	};
	const char *progs[] = { PROGS_DIR "/libos-families-glibc", PROGS_DIR "/libos-families-musl" };

	(void)state;
	setenv("MIEE_RUN_TEST_HOSTILE", "1", 1);
	for (size_t p = 0; p < 2; p++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char *out;
			int rc;

			fprintf(stderr, "# %s under the lie %s\n", progs[p], cases[i].lie);
			fresh_dir();
			nlogs = 0;
			logs[0] = '\0';
			rc = run_traced(progs[p], "/tmp/libosprog-traced.out", cases[i].lie);
			out = slurp("/tmp/libosprog-traced.out");
			if (rc != 1 || !strstr(out, "libos-families: FAILED") ||
			    !strstr(out, cases[i].line) || !strstr(logs, cases[i].log))
				fail_msg("%s under %s: rc %d, log:\n%s--- output:\n%s",
					 progs[p], cases[i].lie, rc, logs, out);
			free(out);
		}
}

static int setup(void **state)
{
	(void)state;
	shared = aligned_alloc(4096, sizeof(*shared));
	lg = mmap(NULL, sizeof(*lg), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return shared && lg != MAP_FAILED ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	free(shared);
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		return system(cmd) ? -1 : 0;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glibc),
		cmocka_unit_test(test_musl),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
