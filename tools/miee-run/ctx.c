/* miee-run's side of the context and instruction modes (tools/miee-run/
 * pal-ctx.c, docs/miee-runner.md "Context modes"): the OS-side checks
 * around every MIEE_IOC_ENTER (vector registers, FS/GS bases), the
 * judgement of what the PAL recorded, the spin modes' timing. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "miee-run/runner.h"

#define RUN_OS_GS_BASE 0x00006f7367000000ull	/* the runner's own GS base in `ctx` */

static const char *const ctx_reg_name[MIEE_PAL_NCTX] = {
	"CR2", "FS_BASE", "GS_BASE", "KERNEL_GS_BASE", "STAR", "LSTAR", "CSTAR", "SFMASK",
	"DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "CR8",
};

static const char *const gpr_name[MIEE_PAL_NGPR] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12",
	"r13", "r14", "r15",
};

/* The OS side of `ctx`, over every ENTER of the run. */
static struct {
	int avx;			/* YMM rather than XMM */
	uint64_t fs_base;		/* before the first ENTER */
	uint64_t enters;
	uint64_t vec_changed, vec_mieevals;	/* lanes, summed over the ENTERs */
	uint64_t gs_changed, fs_changed;
	double longest;			/* spin modes: the longest ENTER, seconds */
	uint64_t spin_tsc;
} rc_ctx;

int run_is_ctx_mode(uint64_t mode)
{
	return mode >= MIEE_PAL_M_CTX && mode <= MIEE_PAL_M_STGI;
}

static int run_cpu_avx(void)
{
	uint32_t a = 1, b, c = 0, d, lo, hi;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return 0;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static uint64_t run_arch_prctl_get(int code)
{
	unsigned long v = 0;

	if (syscall(SYS_arch_prctl, code, &v))
		die("arch_prctl(%d): %s", code, strerror(errno));
	return v;
}

/* MIEE_IOC_ENTER as a raw system call between a load of the runner's
 * vector pattern and a store of the registers: no C code in between that
 * could use them. Returns the syscall's result (0 or -errno). */
static long run_enter_vec(int fd, struct miee_ioc_enter *e, const uint64_t *in, uint64_t *out,
			  int avx)
{
	long r = SYS_ioctl;

#define RUN_VLOAD(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define RUN_VSTORE(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
#define RUN_XLOAD(i) "movdqu " #i "*32(%[in]), %%xmm" #i "\n\t"
#define RUN_XSTORE(i) "movdqu %%xmm" #i ", " #i "*32(%[out])\n\t"
#define RUN_16(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11) m(12) m(13) \
	m(14) m(15)
#define RUN_ENTER(load, store)								\
	__asm__ __volatile__(RUN_16(load) "syscall\n\t" RUN_16(store)			\
			     : "+a"(r)							\
			     : "D"((long)fd), "S"((long)MIEE_IOC_ENTER), "d"(e),		\
			       [in] "r"(in), [out] "r"(out)				\
			     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",	\
			       "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",	\
			       "xmm11", "xmm12", "xmm13", "xmm14", "xmm15")
	if (avx)
		RUN_ENTER(RUN_VLOAD, RUN_VSTORE);
	else
		RUN_ENTER(RUN_XLOAD, RUN_XSTORE);
#undef RUN_ENTER
#undef RUN_VLOAD
#undef RUN_VSTORE
#undef RUN_XLOAD
#undef RUN_XSTORE
#undef RUN_16
	return r;
}

/* Before the first ENTER of a context mode. */
void run_ctx_begin(struct miee *m)
{
	rc_ctx.avx = run_cpu_avx();
	if (m->mode == MIEE_PAL_M_CTX) {
		if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)RUN_OS_GS_BASE))
			die("arch_prctl(ARCH_SET_GS): %s", strerror(errno));
		rc_ctx.fs_base = run_arch_prctl_get(ARCH_GET_FS);
	}
}

/* One ENTER; in `ctx` with the OS-side checks, in the spin modes timed.
 * 0 or -1 with errno, as ioctl(). */
int run_ctx_enter(struct miee *m, struct miee_ioc_enter *e)
{
	uint64_t in[4 * MIEE_PAL_NVEC], out[4 * MIEE_PAL_NVEC];
	double t0 = now();
	long r;
	int j;

	if (m->mode != MIEE_PAL_M_CTX) {
		r = ioctl(m->fd, MIEE_IOC_ENTER, e);
		if (now() - t0 > rc_ctx.longest)
			rc_ctx.longest = now() - t0;
		return (int)r;
	}
	for (j = 0; j < 4 * MIEE_PAL_NVEC; j++) {
		in[j] = PAL_LANE_USED(j, rc_ctx.avx) ? MIEE_PAL_OS_VEC(j) : 0;
		out[j] = 0;
	}
	r = run_enter_vec(m->fd, e, in, out, rc_ctx.avx);
	rc_ctx.enters++;
	for (j = 0; j < 4 * MIEE_PAL_NVEC; j++) {
		if (!PAL_LANE_USED(j, rc_ctx.avx))
			continue;
		rc_ctx.vec_changed += out[j] != in[j];
		rc_ctx.vec_mieevals += out[j] == MIEE_PAL_VEC_VAL(j);
	}
	rc_ctx.gs_changed += run_arch_prctl_get(ARCH_GET_GS) != RUN_OS_GS_BASE;
	rc_ctx.fs_changed += run_arch_prctl_get(ARCH_GET_FS) != rc_ctx.fs_base;
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

/* The TSC rate, for the spin modes' duration. */
static uint64_t run_tsc_per_ms(void)
{
	double t0 = now(), t;
	uint64_t c0 = tsc();

	usleep(100000);
	t = now() - t0;
	return (uint64_t)((double)(tsc() - c0) / (t * 1000.0));
}

void run_ctx_prepare(struct miee *m)
{
	volatile struct miee_pal_ctx *c =
		(volatile struct miee_pal_ctx *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_CTX_OFF);

	if (m->mode == MIEE_PAL_M_CLI_SPIN || m->mode == MIEE_PAL_M_TPR_SPIN) {
		if (!rc_ctx.spin_tsc)
			rc_ctx.spin_tsc = run_tsc_per_ms() * o.spin_ms;
		c->spin_tsc = rc_ctx.spin_tsc;
	}
}

static uint64_t ctx_init_value(int i)
{
	return i == MIEE_PAL_R_DR6 ? MIEE_PAL_INIT_DR6 : i == MIEE_PAL_R_DR7 ? MIEE_PAL_INIT_DR7 : 0;
}

static uint64_t ctx_set_value(int i)
{
	if (i == MIEE_PAL_R_CR2)
		return MIEE_PAL_CTX_PF;
	if (i == MIEE_PAL_R_SFMASK)
		return MIEE_PAL_CTX_SFMASK;
	if (i >= MIEE_PAL_R_DR0 && i <= MIEE_PAL_R_DR3)
		return MIEE_PAL_CTX_DR(i - MIEE_PAL_R_DR0);
	if (i == MIEE_PAL_R_DR6)
		return MIEE_PAL_CTX_DR6;
	if (i == MIEE_PAL_R_DR7)
		return MIEE_PAL_CTX_DR7;
	if (i == MIEE_PAL_R_CR8)
		return MIEE_PAL_CTX_CR8;
	return MIEE_PAL_CTX_VAL(i);
}

/* The registers the PAL's entry stub found (docs/miee.md, "Per-MIEE
 * state"): every GPR 0 but RDI = the init state's arg, RSP = its rsp,
 * RFLAGS 2; nothing of the OS's. */
static int ctx_entry_verdict(const struct miee *m)
{
	const volatile struct miee_pal_entry *e =
		(const volatile struct miee_pal_entry *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_ENTRY_OFF);
	int i, bad = 0;

	printf("miee-run: ctx GPRs at the first entry:");
	for (i = 0; i < MIEE_PAL_NGPR; i++) {
		uint64_t want = i == 5 ? m->im.init.arg : 0;	/* 5: rdi */

		if (e->gpr[i] != want) {
			printf(" %s=0x%" PRIx64 "(NOT 0x%" PRIx64 ")", gpr_name[i],
			       (uint64_t)e->gpr[i], want);
			bad = 1;
		}
	}
	if (!bad)
		printf(" all 0 but rdi = 0x%" PRIx64 " (arg)", (uint64_t)e->gpr[5]);
	printf("; rsp 0x%" PRIx64 " (%s), rflags 0x%" PRIx64 " (%s)\n", (uint64_t)e->rsp,
	       e->rsp == m->im.init.rsp ? "init" : "NOT INIT", (uint64_t)e->rflags,
	       e->rflags == 2 ? "init" : "NOT 2");
	return !bad && e->rsp == m->im.init.rsp && e->rflags == 2;
}

/* After `ctx` ended with status 0: every register fresh at the start, its
 * own after the round trip, nothing of the MIEE's on the OS side. */
int run_ctx_verdict(struct miee *m)
{
	volatile struct miee_pal_ctx *c =
		(volatile struct miee_pal_ctx *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_CTX_OFF);
	int i, ok = 1, good;
	int pal_avx = (c->features & MIEE_PAL_CF_AVX) != 0;
	uint64_t lanes = pal_avx ? 4 * MIEE_PAL_NVEC : 2 * MIEE_PAL_NVEC;

	for (i = 0; i < MIEE_PAL_NCTX; i++) {
		uint64_t st = c->start[i], se = c->set[i], af = c->after[i];
		int fresh = st == ctx_init_value(i), took = se == ctx_set_value(i), own = af == se;

		good = fresh && took && own;
		printf("miee-run: ctx %s: fresh 0x%" PRIx64 " (%s), set 0x%" PRIx64 " (%s), "
		       "after the round trip 0x%" PRIx64 " (%s)\n", ctx_reg_name[i], st,
		       fresh ? "initial" : "NOT INITIAL", se, took ? "as written" : "NOT WRITTEN",
		       af, own ? "its own" : "NOT ITS OWN");
		ok &= good;
	}
	printf("miee-run: ctx vector registers: %s; fresh: %s; after the round trip: %" PRIu64
	       " of %" PRIu64 " lanes not its own\n",
	       pal_avx ? "YMM0-15 (AVX)" : "XMM0-15 (no AVX state enabled)",
	       c->vec_start ? "NOT ZERO" : "all zero", (uint64_t)c->vec_bad, lanes);
	/* The PAL enables AVX itself (CR4.OSXSAVE) where the CPU and XCR0
	 * have it, even when the OS did not: it must at least when the OS did. */
	ok &= !c->vec_start && !c->vec_bad && (pal_avx || !rc_ctx.avx);
	printf("miee-run: ctx OS-side vector registers: %s\n",
	       rc_ctx.avx ? "YMM0-15 (AVX)" : "XMM0-15 (the OS has no AVX enabled)");
	ok &= ctx_entry_verdict(m);
	printf("miee-run: ctx GPRs after the round trip:");
	for (i = 0; i < MIEE_PAL_NGPR; i++)
		if (c->gpr_bad & (1ull << i))
			printf(" %s=0x%" PRIx64 "(NOT ITS OWN)", gpr_name[i], (uint64_t)c->gpr_after[i]);
	printf("%s\n", c->gpr_bad ? "" : " all 15 its own (rax = the answer)");
	ok &= !c->gpr_bad;
	printf("miee-run: ctx OS side over %" PRIu64 " ENTERs: vector lanes changed %" PRIu64
	       " (the MIEE's values %" PRIu64 "), GS base changed %" PRIu64 ", FS base changed %"
	       PRIu64 "\n", rc_ctx.enters, rc_ctx.vec_changed, rc_ctx.vec_mieevals,
	       rc_ctx.gs_changed, rc_ctx.fs_changed);
	ok &= rc_ctx.enters >= 2 && !rc_ctx.vec_changed && !rc_ctx.gs_changed && !rc_ctx.fs_changed;
	printf("miee-run: ctx result: %s\n", ok ? "ok" : "WRONG");
	return ok ? RC_OK : RC_WRONG;
}

/* After a spin mode ended with status 0: how long the MIEE could keep the
 * CPU. It never may for longer than a few timer ticks. */
int run_spin_verdict(struct miee *m)
{
	volatile struct miee_pal_ctx *c =
		(volatile struct miee_pal_ctx *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_CTX_OFF);
	/* docs/miee-runner.md: at least one interrupted exit per 40 ms (10
	 * ticks at the Debian kernel's HZ = 250) on average, and no single
	 * stay of half the spin; a held-off timer gives none, one stay. The
	 * margins absorb an emulator descheduled by a loaded host. */
	uint64_t need = o.spin_ms / 40 ? o.spin_ms / 40 : 1;
	double mean = (double)o.spin_ms / 1e3 / (double)(m->interrupted + 1);
	int ok = m->interrupted >= need && rc_ctx.longest < (double)o.spin_ms / 2e3 &&
		 c->spun >= rc_ctx.spin_tsc;

	printf("miee-run: spin %u ms (%" PRIu64 " TSC ticks) %s: interrupted exits %" PRIu64
	       " (%" PRIu64 " of them time-slice ends), mean stay in the MIEE %.0f us, longest %.0f us\n",
	       o.spin_ms, (uint64_t)c->spun, m->mode == MIEE_PAL_M_TPR_SPIN ? "with CR8 = 15" :
	       "with interrupts off", m->interrupted, m->slices, mean * 1e6, rc_ctx.longest * 1e6);
	if (m->mode == MIEE_PAL_M_TPR_SPIN) {
		printf("miee-run: spin CR8 read in the MIEE: %" PRIu64 "\n",
		       (uint64_t)c->after[MIEE_PAL_R_CR8]);
		ok &= c->after[MIEE_PAL_R_CR8] == 15;
	}
	printf("miee-run: spin result: %s (at least %" PRIu64 " interrupted exits, no stay of %u ms)\n",
	       ok ? "ok" : "WRONG", need, o.spin_ms / 2);
	return ok ? RC_OK : RC_WRONG;
}

static const char *insn_name(uint64_t i)
{
	switch (i) {
	case MIEE_I_RDMSR: return "RDMSR";
	case MIEE_I_WRMSR: return "WRMSR";
	case MIEE_I_IN: return "IN";
	case MIEE_I_OUT: return "OUT";
	case MIEE_I_XSETBV: return "XSETBV";
	case MIEE_I_HLT: return "HLT";
	case MIEE_I_VIRT: return "VIRT";
	case MIEE_I_OTHER: return "OTHER";
	default: return "?";
	}
}

/* MIEE_F_INSN: which instruction, with its operand. */
void run_print_insn(uint64_t info2)
{
	printf("miee-run: instruction %s operand 0x%" PRIx64 "\n",
	       insn_name(MIEE_INSN_OF(info2)), (uint64_t)MIEE_INSN_OPERAND(info2));
}
