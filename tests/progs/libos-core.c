/* libos-core: a static test program of the system calls the libOS handles
 * inside the MIEE (docs/libos.md): anonymous memory up to 200 MiB and back,
 * mprotect, mremap, brk, madvise, a SIGSEGV handler that recovers (also on
 * an alternate stack), SIGFPE, signals sent to itself and masked, getrandom,
 * the virtual ids, uname, the clocks, rlimits and affinity. Prints only what
 * is the same natively and in an MIEE; exits 0 after "libos-core: all
 * done". Built with glibc, glibc static-PIE and musl (tests/guest/libos-core.sh). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ul * 1024ul)
#define CHECK(c, what) do { if (!(c)) { printf("libos-core: FAIL %s (errno %d)\n", what, errno); exit(1); } } while (0)

static volatile sig_atomic_t segv_hits, usr1_hits;
static volatile uintptr_t segv_addr, segv_page, handler_sp;
static sigjmp_buf fpe_jmp;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	char here;

	(void)sig;
	(void)uc;
	segv_hits++;
	segv_addr = (uintptr_t)si->si_addr;
	handler_sp = (uintptr_t)&here;
	/* Recover: make the page writable, then the write is retried. */
	mprotect((void *)segv_page, 4096, PROT_READ | PROT_WRITE);
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
}

static void on_fpe(int sig)
{
	(void)sig;
	siglongjmp(fpe_jmp, 1);
}

static void memory(void)
{
	size_t len = 200 * MIB, i;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long sum = 0;
	char *q, *r, *b0, *b1;

	CHECK(p != MAP_FAILED, "mmap 200 MiB");
	for (i = 0; i < len; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	for (i = 0; i < len; i += 4096)
		sum += p[i];
	CHECK(munmap(p, len) == 0, "munmap 200 MiB");
	printf("libos-core: mmap 200 MiB touched and unmapped, sum %lu\n", sum);
	p = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 64 MiB after");
	memset(p, 0x5a, 64 * MIB);
	CHECK(p[64 * MIB - 1] == 0x5a && munmap(p, 64 * MIB) == 0, "64 MiB again");
	printf("libos-core: 64 MiB again after the unmap\n");

	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap 1 page");
	strcpy(q, "kept across mremap");
	r = mremap(q, 4096, 4 * 4096, MREMAP_MAYMOVE);
	CHECK(r != MAP_FAILED && !strcmp(r, "kept across mremap"), "mremap");
	r[4 * 4096 - 1] = 1;
	printf("libos-core: mremap grew 1 -> 4 pages, contents kept\n");
	r[0] = 'x';
	CHECK(madvise(r, 4096, MADV_DONTNEED) == 0 && r[0] == 0, "madvise DONTNEED");
	printf("libos-core: madvise DONTNEED gives a zero page\n");
	CHECK(munmap(r, 4 * 4096) == 0, "munmap mremapped");

	/* brk itself: musl's sbrk only answers sbrk(0). */
	b0 = (char *)syscall(SYS_brk, 0);
	b1 = (char *)syscall(SYS_brk, b0 + MIB);
	CHECK(b1 == b0 + MIB, "brk +1 MiB");
	b0[MIB - 1] = 7;
	CHECK((char *)syscall(SYS_brk, b0) == b0, "brk -1 MiB");
	printf("libos-core: brk up 1 MiB and back\n");
	CHECK(mprotect(b0 + 64 * MIB * 1024, 4096, PROT_READ) == -1 && errno == ENOMEM,
	      "mprotect of unmapped memory");
	printf("libos-core: mprotect of unmapped memory refused\n");
}

static void signals(void)
{
	struct sigaction sa;
	stack_t ss;
	sigset_t set;
	volatile char *page;
	char *alt;
	volatile int zero = 0, num = 100, x;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SEGV");
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED, "mmap ro page");
	segv_page = (uintptr_t)page;
	page[100] = 42;		/* faults once, the handler fixes it */
	CHECK(segv_hits == 1 && segv_addr == (uintptr_t)page + 100 && page[100] == 42, "SIGSEGV recovery");
	printf("libos-core: SIGSEGV handled at the faulting address, write retried\n");

	alt = malloc(65536);
	ss.ss_sp = alt;
	ss.ss_size = 65536;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SEGV onstack");
	CHECK(mprotect((void *)page, 4096, PROT_READ) == 0, "mprotect ro again");
	page[200] = 43;
	CHECK(segv_hits == 2 && handler_sp >= (uintptr_t)alt && handler_sp < (uintptr_t)alt + 65536,
	      "SIGSEGV on the alternate stack");
	printf("libos-core: SIGSEGV handled on the alternate stack\n");

	signal(SIGFPE, on_fpe);
	if (!sigsetjmp(fpe_jmp, 1)) {
		x = num / zero;
		CHECK(0, "division by zero did not trap");
	}
	(void)x;
	printf("libos-core: SIGFPE from a division by zero, longjmp out\n");

	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	CHECK(usr1_hits == 1, "raise SIGUSR1");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block");
	raise(SIGUSR1);
	CHECK(usr1_hits == 1, "blocked SIGUSR1 not delivered");
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && usr1_hits == 2, "delivered on unblock");
	printf("libos-core: SIGUSR1 raised, blocked, delivered on unblock\n");
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	printf("libos-core: an ignored signal is dropped\n");
}

static void identity(void)
{
	unsigned char a[64], b[64], z[64] = { 0 };
	struct utsname u;
	struct timespec t0, t1;
	struct rlimit rl;
	cpu_set_t cs;
	int i;

	CHECK(getrandom(a, sizeof(a), 0) == sizeof(a) && getrandom(b, sizeof(b), 0) == sizeof(b),
	      "getrandom");
	CHECK(memcmp(a, b, sizeof(a)) && memcmp(a, z, sizeof(a)), "getrandom bytes");
	printf("libos-core: getrandom gave two different nonzero blocks\n");
	CHECK(getpid() > 0 && getpid() == getpid() && getppid() >= 0, "getpid");
	CHECK(getuid() == geteuid() && getgid() == getegid(), "ids");
	printf("libos-core: pid and ids consistent\n");
	CHECK(uname(&u) == 0 && !strcmp(u.sysname, "Linux") && !strcmp(u.machine, "x86_64"), "uname");
	printf("libos-core: uname %s %s\n", u.sysname, u.machine);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t0) == 0, "clock_gettime");
	for (i = 0; i < 200; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0, "clock_gettime");
		CHECK(t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec >= t0.tv_nsec),
		      "monotonic");
		t0 = t1;
	}
	CHECK(time(NULL) > 1600000000, "time");
	printf("libos-core: monotonic clock never went back in 200 reads\n");
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 8 * MIB, "getrlimit");
	CPU_ZERO(&cs);
	CHECK(sched_getaffinity(0, sizeof(cs), &cs) == 0 && CPU_COUNT(&cs) >= 1, "affinity");
	CHECK(sched_yield() == 0, "sched_yield");
	printf("libos-core: rlimit, affinity, yield\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	memory();
	signals();
	identity();
	printf("libos-core: all done\n");
	return 0;
}
