/* libos-core: a static test program of the system calls the libOS handles
 * inside the MIEE (docs/libos.md): anonymous memory up to 200 MiB and back,
 * mprotect, mremap, brk, madvise, a SIGSEGV handler that recovers (also on
 * an alternate stack), SIGFPE, signals sent to itself and masked, the
 * x87/SSE/AVX state across a signal whose handler overwrites it and the
 * FP part of the frame in Linux's layout, getrandom,
 * the virtual ids, uname, the clocks, rlimits and affinity. Prints only what
 * is the same natively and in an MIEE; exits 0 after "libos-core: all
 * done". Built with glibc, glibc static-PIE and musl (tests/guest/libos-core.sh).
 * "libos-core badfp-bv" / "badfp-ptr": a handler that breaks its frame's
 * XSTATE_BV / fpstate pointer, so rt_sigreturn must kill with SIGSEGV;
 * "libos-core fp": only the FP state across a signal; "altsmall": a frame
 * larger than a 2048-byte alternate stack must give SIGSEGV. */
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
#include <ucontext.h>
#include <unistd.h>
#include <cpuid.h>

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

/* ---- the FP state across a signal (docs/libos.md, "Signals") */
#define FP_MAGIC1 0x46505853u
#define FP_MAGIC2 0x46505845u
#define FP_SW_OFF 464

static int fp_osxsave, fp_avx;
static uint64_t fp_xcr0;
static uint32_t fp_cpuid_size;
static volatile int fp_frame_bad = -1, fp_hits, fp_break, fp_ymm_live;

static void fp_detect(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	fp_osxsave = (c >> 27) & 1;
	if (fp_osxsave) {
		__asm__ __volatile__("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		fp_xcr0 = (uint64_t)d << 32 | a;
		__cpuid_count(0xd, 0, a, b, c, d);
		fp_cpuid_size = b;
	}
	__cpuid(1, a, b, c, d);
	fp_avx = fp_osxsave && ((c >> 28) & 1) && (fp_xcr0 & 6) == 6;
}

/* 0 if the frame's FP part is what Linux's layout says for this CPU's
 * XCR0, else the number of the first check that failed. */
static int fp_frame_check(const ucontext_t *uc)
{
	const unsigned char *fp = (const unsigned char *)uc->uc_mcontext.fpregs;
	uint32_t magic1, ext, xsize, magic2;
	uint64_t xfeat, bv;

	if (!fp)
		return 1;
	memcpy(&magic1, fp + FP_SW_OFF, 4);
	/* No XSAVE, or XCR0 x87|SSE only: an FXSAVE image. Linux writes its
	 * sw bytes there too (MAGIC1, but no MAGIC2: no extended state); the
	 * libOS leaves them zero. Either is a valid frame. */
	if (!fp_osxsave || fp_xcr0 == 3)
		return ((uintptr_t)fp & 15) ? 3 : 0;
	memcpy(&ext, fp + FP_SW_OFF + 4, 4);
	memcpy(&xfeat, fp + FP_SW_OFF + 8, 8);
	memcpy(&xsize, fp + FP_SW_OFF + 16, 4);
	memcpy(&bv, fp + 512, 8);
	if (magic1 != FP_MAGIC1)
		return 4;
	if ((uintptr_t)fp & 63)
		return 5;
	if (xsize < 576 || xsize > fp_cpuid_size || ext != xsize + 4)
		return 6;
	memcpy(&magic2, fp + xsize, 4);
	if (magic2 != FP_MAGIC2)
		return 7;
	if ((xfeat & 3) != 3 || (xfeat & ~fp_xcr0) || (bv & ~xfeat))
		return 8;
	if (fp_ymm_live && !(bv & 4))	/* the YMM upper halves were in use */
		return 9;
	if (!(uc->uc_flags & 1))	/* UC_FP_XSTATE */
		return 10;
	return 0;
}

static void on_usr2(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;

	(void)sig;
	(void)si;
	fp_hits++;
	fp_frame_bad = fp_frame_check(uc);
	if (fp_break == 1 && fp) {	/* a component outside XCR0 */
		uint64_t bv;

		memcpy(&bv, fp + 512, 8);
		bv |= 1ull << 62;
		memcpy(fp + 512, &bv, 8);
	} else if (fp_break == 2) {
		uc->uc_mcontext.fpregs = (void *)16;
	}
	/* Overwrite what the program had in the vector registers. */
	if (fp_avx)
		__asm__ __volatile__(
			"vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\tvpcmpeqd %%ymm1, %%ymm1, %%ymm1\n\t"
			"vpcmpeqd %%ymm2, %%ymm2, %%ymm2\n\tvpcmpeqd %%ymm3, %%ymm3, %%ymm3\n\t"
			"vpcmpeqd %%ymm4, %%ymm4, %%ymm4\n\tvpcmpeqd %%ymm5, %%ymm5, %%ymm5\n\t"
			"vpcmpeqd %%ymm6, %%ymm6, %%ymm6\n\tvpcmpeqd %%ymm7, %%ymm7, %%ymm7\n\t"
			"vpcmpeqd %%ymm8, %%ymm8, %%ymm8\n\tvpcmpeqd %%ymm9, %%ymm9, %%ymm9\n\t"
			"vpcmpeqd %%ymm10, %%ymm10, %%ymm10\n\tvpcmpeqd %%ymm11, %%ymm11, %%ymm11\n\t"
			"vpcmpeqd %%ymm12, %%ymm12, %%ymm12\n\tvpcmpeqd %%ymm13, %%ymm13, %%ymm13\n\t"
			"vpcmpeqd %%ymm14, %%ymm14, %%ymm14\n\tvpcmpeqd %%ymm15, %%ymm15, %%ymm15"
			: : : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	else
		__asm__ __volatile__(
			"pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\t"
			"pcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
			"pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm8, %%xmm8\n\t"
			"pcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
			"pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\tpcmpeqd %%xmm14, %%xmm14\n\t"
			"pcmpeqd %%xmm15, %%xmm15"
			: : : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/* Loads in[] into XMM0-15 (YMM0-15 with AVX), sends itself SIGUSR2 with a
 * raw tgkill (no libc code, which could touch them, between the loads and
 * the stores), then stores the registers into out[]. */
static void fp_signal_roundtrip(unsigned char (*in)[32], unsigned char (*out)[32], int avx)
{
	long pid = getpid(), tid = syscall(SYS_gettid);

#define REGS(insn, a, b) \
	insn " " a "0*32(%[i])" b "0\n\t" insn " " a "1*32(%[i])" b "1\n\t" \
	insn " " a "2*32(%[i])" b "2\n\t" insn " " a "3*32(%[i])" b "3\n\t" \
	insn " " a "4*32(%[i])" b "4\n\t" insn " " a "5*32(%[i])" b "5\n\t" \
	insn " " a "6*32(%[i])" b "6\n\t" insn " " a "7*32(%[i])" b "7\n\t" \
	insn " " a "8*32(%[i])" b "8\n\t" insn " " a "9*32(%[i])" b "9\n\t" \
	insn " " a "10*32(%[i])" b "10\n\t" insn " " a "11*32(%[i])" b "11\n\t" \
	insn " " a "12*32(%[i])" b "12\n\t" insn " " a "13*32(%[i])" b "13\n\t" \
	insn " " a "14*32(%[i])" b "14\n\t" insn " " a "15*32(%[i])" b "15\n\t"
#define STORES(insn, r) \
	insn " %%" r "0, 0*32(%[o])\n\t" insn " %%" r "1, 1*32(%[o])\n\t" \
	insn " %%" r "2, 2*32(%[o])\n\t" insn " %%" r "3, 3*32(%[o])\n\t" \
	insn " %%" r "4, 4*32(%[o])\n\t" insn " %%" r "5, 5*32(%[o])\n\t" \
	insn " %%" r "6, 6*32(%[o])\n\t" insn " %%" r "7, 7*32(%[o])\n\t" \
	insn " %%" r "8, 8*32(%[o])\n\t" insn " %%" r "9, 9*32(%[o])\n\t" \
	insn " %%" r "10, 10*32(%[o])\n\t" insn " %%" r "11, 11*32(%[o])\n\t" \
	insn " %%" r "12, 12*32(%[o])\n\t" insn " %%" r "13, 13*32(%[o])\n\t" \
	insn " %%" r "14, 14*32(%[o])\n\t" insn " %%" r "15, 15*32(%[o])\n\t"
#define CLOB "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", \
	"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
	if (avx)
		__asm__ __volatile__(REGS("vmovdqu", "", ", %%ymm") "mov %[nr], %%eax\n\tsyscall\n\t"
				     STORES("vmovdqu", "ymm") "vzeroupper"
				     : : [i] "r"(in), [o] "r"(out), [nr] "i"(SYS_tgkill), "D"(pid), "S"(tid),
				       "d"(SIGUSR2) : CLOB);
	else
		__asm__ __volatile__(REGS("movdqu", "", ", %%xmm") "mov %[nr], %%eax\n\tsyscall\n\t"
				     STORES("movdqu", "xmm")
				     : : [i] "r"(in), [o] "r"(out), [nr] "i"(SYS_tgkill), "D"(pid), "S"(tid),
				       "d"(SIGUSR2) : CLOB);
#undef REGS
#undef STORES
#undef CLOB
}

static void fp_state(void)
{
	static unsigned char in[16][32], out[16][32];
	struct sigaction sa;
	int i, j;

	fp_detect();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction USR2");
	for (i = 0; i < 16; i++)
		for (j = 0; j < 32; j++)
			in[i][j] = (unsigned char)(i * 32 + j + 1);
	fp_signal_roundtrip(in, out, 0);
	CHECK(fp_hits == 1, "SIGUSR2 from tgkill");
	for (i = 0; i < 16; i++)
		CHECK(!memcmp(in[i], out[i], 16), "XMM kept across the signal");
	if (fp_frame_bad)
		printf("libos-core: FAIL signal frame FP state: check %d failed\n", fp_frame_bad);
	CHECK(!fp_frame_bad, "signal frame FP state in Linux's layout");
	/* stdout is the same natively and in the MIEE; which layout and
	 * whether YMM ran go to stderr: the two may see different XCR0 views
	 * (Bochs: Linux turns OSXSAVE off after its XSAVE consistency check,
	 * the MIEE keeps OSXSAVE and the XCR0 Linux left, docs/smp.md). */
	printf("libos-core: XMM0-15 kept across a signal whose handler overwrote them, frame in Linux's layout\n");
	fprintf(stderr, "libos-core: fp: frame %s; OSXSAVE %d, XCR0 0x%llx, CPUID 0xd size %u\n",
		!fp_osxsave ? "FXSAVE (no OSXSAVE)" : fp_xcr0 == 3 ? "x87|SSE only" : "XSAVE, magics ok",
		fp_osxsave, (unsigned long long)fp_xcr0, fp_cpuid_size);
	if (!fp_avx) {
		fprintf(stderr, "libos-core: fp: YMM case cannot run: no AVX in CPUID or XCR0\n");
		return;
	}
	memset(out, 0, sizeof(out));
	fp_ymm_live = 1;
	fp_signal_roundtrip(in, out, 1);
	CHECK(fp_hits == 2, "SIGUSR2 from tgkill (AVX)");
	for (i = 0; i < 16; i++)
		if (memcmp(in[i], out[i], 32))
			printf("libos-core: FAIL YMM%d after the signal: low %s, upper %s\n", i,
			       memcmp(in[i], out[i], 16) ? "changed" : "kept",
			       memcmp(in[i] + 16, out[i] + 16, 16) ? "changed" : "kept");
	CHECK(!memcmp(in, out, sizeof(in)), "YMM0-15 kept across the signal");
	CHECK(!fp_frame_bad, "signal frame FP state in Linux's layout (AVX)");
	fprintf(stderr, "libos-core: fp: YMM0-15 kept across a signal whose handler overwrote them\n");
}

/* badfp-bv / badfp-ptr: the handler breaks its frame; rt_sigreturn must
 * end the program with SIGSEGV (status 139), never return here. */
static int fp_bad(int how)
{
	struct sigaction sa;

	fp_detect();
	if (how == 1 && (!fp_osxsave || fp_xcr0 == 3)) {
		printf("libos-core: badfp-bv: no XSAVE frame here, not run\n");
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction USR2");
	fp_break = how;
	raise(SIGUSR2);
	printf("libos-core: FAIL rt_sigreturn took a broken frame\n");
	return 1;
}

/* altsmall: a SIGUSR2 handler on an alternate stack of MINSIGSTKSZ (2048)
 * bytes with canaries below it. An FXSAVE frame fits; an XSAVE frame
 * larger than the stack must end the program with SIGSEGV, never be
 * written below it. */
static volatile int alt_ran;

static void on_usr2_alt(int sig)
{
	(void)sig;
	alt_ran = 1;
}

static int fp_altsmall(void)
{
	static unsigned char mem[8192] __attribute__((aligned(64)));
	struct sigaction sa;
	stack_t ss;
	size_t i;

	fp_detect();
	memset(mem, 0x5a, sizeof(mem));
	ss.ss_sp = mem + 4096;
	ss.ss_size = 2048;
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack 2048");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2_alt;
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction USR2 onstack");
	if (fp_osxsave && fp_xcr0 != 3 && fp_cpuid_size + 4 > 2048 - 512)
		printf("libos-core: altsmall: XSAVE frame of %u bytes, want SIGSEGV\n", fp_cpuid_size + 4);
	raise(SIGUSR2);
	for (i = 0; i < 4096; i++)
		if (mem[i] != 0x5a) {
			printf("libos-core: FAIL altsmall: written %zu bytes below the alternate stack\n",
			       4096 - i);
			return 1;
		}
	printf("libos-core: altsmall: the frame fit the alternate stack (handler ran %d)\n", alt_ran);
	return alt_ran ? 0 : 1;
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "badfp-bv"))
		return fp_bad(1);
	if (argc > 1 && !strcmp(argv[1], "badfp-ptr"))
		return fp_bad(2);
	if (argc > 1 && !strcmp(argv[1], "altsmall"))
		return fp_altsmall();
	if (argc > 1 && !strcmp(argv[1], "fp")) {	/* the FP part alone (slow emulators) */
		fp_state();
		printf("libos-core: fp done\n");
		return 0;
	}
	memory();
	signals();
	fp_state();
	identity();
	printf("libos-core: all done\n");
	return 0;
}
