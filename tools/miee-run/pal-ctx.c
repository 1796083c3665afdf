/* The test PAL's per-MIEE-state and instruction modes (docs/miee-runner.md,
 * "Context modes"); the protocol is in protocol.h. The rules of pal-fn.h
 * hold (position independent, no data, section miee_pal), with one
 * documented exception: functions named pal_vec_* load and store XMM/YMM
 * registers, which is what they test (attest/miee-pal-check.sh allows
 * vector registers there only). */
#include <stdint.h>

#include "miee-run/pal-fn.h"


PAL_FN uint64_t pal_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

PAL_GLOBAL void pal_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
}

PAL_FN uint64_t pal_tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* CR4.OSXSAVE on if the CPU has XSAVE; 1 when it is on. */
PAL_FN uint64_t pal_osxsave(void)
{
	uint32_t a = 1, b, c = 0, d;
	uint64_t cr4;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 26)))
		return 0;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1ull << 18;
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4) : "memory");
	return 1;
}

/* 1 when YMM can be used: XSAVE, AVX, and XCR0 (the OS's, fixed for the
 * MIEE) enables SSE and AVX state. */
PAL_FN uint64_t pal_avx(void)
{
	uint32_t a = 1, b, c = 0, d, lo, hi;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 28)) || !pal_osxsave())
		return 0;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* Load / store XMM0-15 (avx 0) or YMM0-15 (avx 1) from / to buf. */
PAL_FN void pal_vec_load(const volatile uint64_t *buf, uint64_t avx)
{
	if (avx)
		__asm__ __volatile__(
			"vmovdqu 0(%0), %%ymm0\n\t vmovdqu 32(%0), %%ymm1\n\t"
			"vmovdqu 64(%0), %%ymm2\n\t vmovdqu 96(%0), %%ymm3\n\t"
			"vmovdqu 128(%0), %%ymm4\n\t vmovdqu 160(%0), %%ymm5\n\t"
			"vmovdqu 192(%0), %%ymm6\n\t vmovdqu 224(%0), %%ymm7\n\t"
			"vmovdqu 256(%0), %%ymm8\n\t vmovdqu 288(%0), %%ymm9\n\t"
			"vmovdqu 320(%0), %%ymm10\n\t vmovdqu 352(%0), %%ymm11\n\t"
			"vmovdqu 384(%0), %%ymm12\n\t vmovdqu 416(%0), %%ymm13\n\t"
			"vmovdqu 448(%0), %%ymm14\n\t vmovdqu 480(%0), %%ymm15"
			: : "r"(buf) : "memory");
	else
		__asm__ __volatile__(
			"movdqu 0(%0), %%xmm0\n\t movdqu 32(%0), %%xmm1\n\t"
			"movdqu 64(%0), %%xmm2\n\t movdqu 96(%0), %%xmm3\n\t"
			"movdqu 128(%0), %%xmm4\n\t movdqu 160(%0), %%xmm5\n\t"
			"movdqu 192(%0), %%xmm6\n\t movdqu 224(%0), %%xmm7\n\t"
			"movdqu 256(%0), %%xmm8\n\t movdqu 288(%0), %%xmm9\n\t"
			"movdqu 320(%0), %%xmm10\n\t movdqu 352(%0), %%xmm11\n\t"
			"movdqu 384(%0), %%xmm12\n\t movdqu 416(%0), %%xmm13\n\t"
			"movdqu 448(%0), %%xmm14\n\t movdqu 480(%0), %%xmm15"
			: : "r"(buf) : "memory");
}

PAL_FN void pal_vec_store(volatile uint64_t *buf, uint64_t avx)
{
	if (avx)
		__asm__ __volatile__(
			"vmovdqu %%ymm0, 0(%0)\n\t vmovdqu %%ymm1, 32(%0)\n\t"
			"vmovdqu %%ymm2, 64(%0)\n\t vmovdqu %%ymm3, 96(%0)\n\t"
			"vmovdqu %%ymm4, 128(%0)\n\t vmovdqu %%ymm5, 160(%0)\n\t"
			"vmovdqu %%ymm6, 192(%0)\n\t vmovdqu %%ymm7, 224(%0)\n\t"
			"vmovdqu %%ymm8, 256(%0)\n\t vmovdqu %%ymm9, 288(%0)\n\t"
			"vmovdqu %%ymm10, 320(%0)\n\t vmovdqu %%ymm11, 352(%0)\n\t"
			"vmovdqu %%ymm12, 384(%0)\n\t vmovdqu %%ymm13, 416(%0)\n\t"
			"vmovdqu %%ymm14, 448(%0)\n\t vmovdqu %%ymm15, 480(%0)"
			: : "r"(buf) : "memory");
	else
		__asm__ __volatile__(
			"movdqu %%xmm0, 0(%0)\n\t movdqu %%xmm1, 32(%0)\n\t"
			"movdqu %%xmm2, 64(%0)\n\t movdqu %%xmm3, 96(%0)\n\t"
			"movdqu %%xmm4, 128(%0)\n\t movdqu %%xmm5, 160(%0)\n\t"
			"movdqu %%xmm6, 192(%0)\n\t movdqu %%xmm7, 224(%0)\n\t"
			"movdqu %%xmm8, 256(%0)\n\t movdqu %%xmm9, 288(%0)\n\t"
			"movdqu %%xmm10, 320(%0)\n\t movdqu %%xmm11, 352(%0)\n\t"
			"movdqu %%xmm12, 384(%0)\n\t movdqu %%xmm13, 416(%0)\n\t"
			"movdqu %%xmm14, 448(%0)\n\t movdqu %%xmm15, 480(%0)"
			: : "r"(buf) : "memory");
}

/* The #PF test: pal_take_pf(addr) reads addr, which faults; the handler
 * (pal_pf_entry, gate 14 of the IDT pal_ctx builds) resumes at
 * pal_pf_resume, which returns CR2. */
PAL_EXTERN uint64_t pal_take_pf(uint64_t addr);
__asm__(".pushsection miee_pal, \"ax\", @progbits\n"
	"pal_take_pf:\n"
	"	movq (%rdi), %rax\n"
	"pal_pf_resume:\n"
	"	movq %cr2, %rax\n"
	"	ret\n"
	"pal_pf_entry:\n"
	"	addq $8, %rsp\n"		/* the error code */
	"	leaq pal_pf_resume(%rip), %rax\n"
	"	movq %rax, (%rsp)\n"		/* the return RIP */
	"	iretq\n"
	".popsection\n");

PAL_FN uint64_t pal_pf(uint64_t addr)
{
	volatile uint64_t idt[2 * 15];
	volatile struct pal_dtr d;
	uint64_t h, i, cr2;

	__asm__ __volatile__("leaq pal_pf_entry(%%rip), %0" : "=r"(h));
	for (i = 0; i < 2 * 15; i++)
		idt[i] = 0;
	/* 64-bit interrupt gate (SDM Vol. 3A 6.14.1): CS 0x08, P, type 0xe. */
	idt[2 * 14] = (h & 0xffff) | (uint64_t)MIEE_IMG_CS << 16 | 0x8e00ull << 32 |
		      (h >> 16 & 0xffff) << 48;
	idt[2 * 14 + 1] = h >> 32;
	d.limit = sizeof(idt) - 1;
	d.base = PAL_ADDR(idt);
	__asm__ __volatile__("lidt %0" : : "m"(d) : "memory");
	cr2 = pal_take_pf(addr);
	d.limit = 0;		/* back to no IDT: the stack frame goes away */
	d.base = 0;
	__asm__ __volatile__("lidt %0" : : "m"(d) : "memory");
	return cr2;
}

#define PAL_DR(n)                                                                  \
	PAL_FN uint64_t pal_get_dr##n(void)                                         \
	{                                                                           \
		uint64_t v;                                                         \
		__asm__ __volatile__("mov %%dr" #n ", %0" : "=r"(v));               \
		return v;                                                           \
	}                                                                           \
	PAL_FN void pal_set_dr##n(uint64_t v)                                       \
	{                                                                           \
		__asm__ __volatile__("mov %0, %%dr" #n : : "r"(v) : "memory");      \
	}
PAL_DR(0)
PAL_DR(1)
PAL_DR(2)
PAL_DR(3)
PAL_DR(6)
PAL_DR(7)
#undef PAL_DR

PAL_FN uint64_t pal_get_cr8(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr8, %0" : "=r"(v));
	return v;
}

PAL_FN void pal_set_cr8(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(v) : "memory");
}

/* Every register of the ctx list, into out[]. */
PAL_FN void pal_ctx_read(volatile uint64_t *out)
{
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(out[MIEE_PAL_R_CR2]));
	out[MIEE_PAL_R_FS_BASE] = pal_rdmsr(0xc0000100u);
	out[MIEE_PAL_R_GS_BASE] = pal_rdmsr(0xc0000101u);
	out[MIEE_PAL_R_KGS_BASE] = pal_rdmsr(0xc0000102u);
	out[MIEE_PAL_R_STAR] = pal_rdmsr(0xc0000081u);
	out[MIEE_PAL_R_LSTAR] = pal_rdmsr(0xc0000082u);
	out[MIEE_PAL_R_CSTAR] = pal_rdmsr(0xc0000083u);
	out[MIEE_PAL_R_SFMASK] = pal_rdmsr(0xc0000084u);
	out[MIEE_PAL_R_DR0] = pal_get_dr0();
	out[MIEE_PAL_R_DR1] = pal_get_dr1();
	out[MIEE_PAL_R_DR2] = pal_get_dr2();
	out[MIEE_PAL_R_DR3] = pal_get_dr3();
	out[MIEE_PAL_R_DR6] = pal_get_dr6();
	out[MIEE_PAL_R_DR7] = pal_get_dr7();
	out[MIEE_PAL_R_CR8] = pal_get_cr8();
}

/* The host call with every GPR but RSP set to MIEE_PAL_GPR_VAL (RAX and
 * RBX are the call); the GPRs after it into g[] (guest_regs order). */
#define PAL_CTX_CALL(insn)                                                        \
	__asm__ __volatile__(                                                      \
		"push %%rbp\n\t push %%rbx\n\t push %%r12\n\t push %%r13\n\t"      \
		"push %%r14\n\t push %%r15\n\t push %%rdi\n\t"                     \
		"movq %1, %%rax\n\t movq %2, %%rbx\n\t"                            \
		"movabsq %3, %%rcx\n\t movabsq %4, %%rdx\n\t movabsq %5, %%rsi\n\t" \
		"movabsq %6, %%rdi\n\t movabsq %7, %%rbp\n\t movabsq %8, %%r8\n\t" \
		"movabsq %9, %%r9\n\t movabsq %10, %%r10\n\t movabsq %11, %%r11\n\t" \
		"movabsq %12, %%r12\n\t movabsq %13, %%r13\n\t movabsq %14, %%r14\n\t" \
		"movabsq %15, %%r15\n\t"                                           \
		insn "\n\t"                                                        \
		"xchgq %%rdi, (%%rsp)\n\t"                                         \
		"movq %%rax, 0(%%rdi)\n\t movq %%rbx, 8(%%rdi)\n\t"                \
		"movq %%rcx, 16(%%rdi)\n\t movq %%rdx, 24(%%rdi)\n\t"              \
		"movq %%rsi, 32(%%rdi)\n\t movq %%rbp, 48(%%rdi)\n\t"              \
		"movq %%r8, 56(%%rdi)\n\t movq %%r9, 64(%%rdi)\n\t"                \
		"movq %%r10, 72(%%rdi)\n\t movq %%r11, 80(%%rdi)\n\t"              \
		"movq %%r12, 88(%%rdi)\n\t movq %%r13, 96(%%rdi)\n\t"              \
		"movq %%r14, 104(%%rdi)\n\t movq %%r15, 112(%%rdi)\n\t"            \
		"popq %%rax\n\t movq %%rax, 40(%%rdi)\n\t"                         \
		"pop %%r15\n\t pop %%r14\n\t pop %%r13\n\t pop %%r12\n\t"          \
		"pop %%rbx\n\t pop %%rbp"                                          \
		: : "D"(g), "i"(HC_MIEE_HOSTCALL), "i"(MIEE_PAL_HC_CTX),           \
		  "i"(MIEE_PAL_GPR_VAL(2)), "i"(MIEE_PAL_GPR_VAL(3)),              \
		  "i"(MIEE_PAL_GPR_VAL(4)), "i"(MIEE_PAL_GPR_VAL(5)),              \
		  "i"(MIEE_PAL_GPR_VAL(6)), "i"(MIEE_PAL_GPR_VAL(7)),              \
		  "i"(MIEE_PAL_GPR_VAL(8)), "i"(MIEE_PAL_GPR_VAL(9)),              \
		  "i"(MIEE_PAL_GPR_VAL(10)), "i"(MIEE_PAL_GPR_VAL(11)),            \
		  "i"(MIEE_PAL_GPR_VAL(12)), "i"(MIEE_PAL_GPR_VAL(13)),            \
		  "i"(MIEE_PAL_GPR_VAL(14))                                        \
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc")

PAL_FN void pal_ctx_call(uint64_t vmm, volatile uint64_t *g)
{
	hvc_with_insn(vmm, PAL_CTX_CALL);
}
#undef PAL_CTX_CALL

/* `ctx`: record what a fresh context holds, set every register of the
 * list (CR2 by taking a #PF), the vector registers and the GPRs, make the
 * round trip through the OS, record what it holds then. The runner judges. */
__attribute__((noreturn)) PAL_FN void pal_ctx(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
{
	volatile struct miee_pal_ctx *c =
		(volatile struct miee_pal_ctx *)(uintptr_t)(shared + MIEE_PAL_CTX_OFF);
	volatile uint64_t vec[4 * MIEE_PAL_NVEC], g[MIEE_PAL_NGPR];
	uint64_t avx, j, v, bad;

	/* At the first entry: nothing of the OS's (the C code before this
	 * point uses no vector register: general-regs-only). */
	avx = pal_avx();
	pal_vec_store(vec, avx);
	pal_ctx_read(c->start);
	for (j = 0, v = 0; j < 4 * MIEE_PAL_NVEC; j++)
		if (PAL_LANE_USED(j, avx))
			v |= vec[j];
	c->vec_start = v;
	c->features = avx ? MIEE_PAL_CF_AVX : 0;
	sh->progress = MIEE_PAL_P_STARTED;

	/* Its own values. */
	c->pf_addr = MIEE_PAL_CTX_PF;
	pal_pf(MIEE_PAL_CTX_PF);
	pal_wrmsr(0xc0000100u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_FS_BASE));
	pal_wrmsr(0xc0000101u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_GS_BASE));
	pal_wrmsr(0xc0000102u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_KGS_BASE));
	pal_wrmsr(0xc0000081u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_STAR));
	pal_wrmsr(0xc0000082u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_LSTAR));
	pal_wrmsr(0xc0000083u, MIEE_PAL_CTX_VAL(MIEE_PAL_R_CSTAR));
	pal_wrmsr(0xc0000084u, MIEE_PAL_CTX_SFMASK);
	pal_set_dr0(MIEE_PAL_CTX_DR(0));
	pal_set_dr1(MIEE_PAL_CTX_DR(1));
	pal_set_dr2(MIEE_PAL_CTX_DR(2));
	pal_set_dr3(MIEE_PAL_CTX_DR(3));
	pal_set_dr6(MIEE_PAL_CTX_DR6);
	pal_set_dr7(MIEE_PAL_CTX_DR7);
	pal_set_cr8(MIEE_PAL_CTX_CR8);
	pal_ctx_read(c->set);
	for (j = 0; j < 4 * MIEE_PAL_NVEC; j++)
		vec[j] = PAL_LANE_USED(j, avx) ? MIEE_PAL_VEC_VAL(j) : 0;
	pal_vec_load(vec, avx);
	sh->progress = MIEE_PAL_P_CTX_SET;

	/* Through the OS and back: nothing between the load above and the
	 * store below touches a vector register. */
	pal_ctx_call(vmm, g);
	pal_vec_store(vec, avx);
	pal_ctx_read(c->after);
	for (j = 0, bad = 0; j < 4 * MIEE_PAL_NVEC; j++)
		if (PAL_LANE_USED(j, avx) && vec[j] != MIEE_PAL_VEC_VAL(j))
			bad++;
	c->vec_bad = bad;
	for (j = 0, bad = 0; j < MIEE_PAL_NGPR; j++) {
		c->gpr_after[j] = g[j];
		if (j == 0 ? g[j] != MIEE_PAL_CTX_ANSWER
			   : j == 1 ? g[j] != MIEE_PAL_HC_CTX : g[j] != MIEE_PAL_GPR_VAL(j))
			bad |= 1ull << j;
	}
	c->gpr_bad = bad;
	/* Leave nothing that matters if it did cross: breakpoints off, TPR 0. */
	pal_set_dr7(MIEE_PAL_INIT_DR7);
	pal_set_cr8(0);
	sh->progress = MIEE_PAL_P_CTX_DONE;
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* `cli-spin` / `tpr-spin`: interrupts off (they are off from the start,
 * RFLAGS = 2) or the TPR at its highest, for spin_tsc TSC ticks. */
__attribute__((noreturn)) PAL_FN void pal_spin(uint64_t vmm, pal_shared_t *sh, uint64_t shared,
					       uint64_t tpr)
{
	volatile struct miee_pal_ctx *c =
		(volatile struct miee_pal_ctx *)(uintptr_t)(shared + MIEE_PAL_CTX_OFF);
	uint64_t n = c->spin_tsc, t0, t;	/* read once */

	__asm__ __volatile__("cli");
	if (tpr)
		pal_set_cr8(15);
	sh->progress = MIEE_PAL_P_SPINNING;
	t0 = pal_tsc();
	do
		t = pal_tsc();
	while (t - t0 < n);
	c->spun = t - t0;
	if (tpr) {
		c->after[MIEE_PAL_R_CR8] = pal_get_cr8();	/* still its own 15 */
		pal_set_cr8(0);
	}
	sh->progress = MIEE_PAL_P_SPUN;
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* The instruction modes: each must end the MIEE with MIEE_F_INSN. */
__attribute__((noreturn)) PAL_FN void pal_insn(uint64_t vmm, pal_shared_t *sh, uint64_t mode)
{
	uint32_t lo = 0, hi = 0;

	if (mode == MIEE_PAL_M_XSETBV && !pal_osxsave())
		pal_exit(vmm, MIEE_PAL_ST_NOTAVAIL);	/* XSETBV would be #UD */
	sh->progress = MIEE_PAL_P_FAULTING;
	if (mode == MIEE_PAL_M_RDMSR)
		pal_rdmsr(MIEE_PAL_INSN_MSR_RD);
	else if (mode == MIEE_PAL_M_WRMSR)
		pal_wrmsr(MIEE_PAL_INSN_MSR_WR, 0);
	else if (mode == MIEE_PAL_M_IN)
		__asm__ __volatile__("inb %1, %b0" : "=a"(lo) : "Nd"(MIEE_PAL_INSN_PORT));
	else if (mode == MIEE_PAL_M_OUT)
		__asm__ __volatile__("outb %b0, %1" : : "a"(lo), "Nd"(MIEE_PAL_INSN_PORT));
	else if (mode == MIEE_PAL_M_XSETBV) {
		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		__asm__ __volatile__("xsetbv" : : "a"(lo), "d"(hi), "c"(0) : "memory");
	} else if (mode == MIEE_PAL_M_HLT)
		__asm__ __volatile__("cli; hlt" : : : "memory");
	else if (mode == MIEE_PAL_M_VMXOFF)
		__asm__ __volatile__("vmxoff" : : : "memory", "cc");
	else if (mode == MIEE_PAL_M_STGI)
		__asm__ __volatile__("stgi" : : : "memory");
	pal_exit(vmm, MIEE_PAL_ST_NOFAULT);
}

/* Dispatch; returns only for modes that are not this file's. */
PAL_GLOBAL void pal_ctx_modes(uint64_t vmm, pal_shared_t *sh, uint64_t shared, uint64_t mode)
{
	if (mode == MIEE_PAL_M_CTX)
		pal_ctx(vmm, sh, shared);
	if (mode == MIEE_PAL_M_CLI_SPIN || mode == MIEE_PAL_M_TPR_SPIN)
		pal_spin(vmm, sh, shared, mode == MIEE_PAL_M_TPR_SPIN);
	if (mode >= MIEE_PAL_M_RDMSR && mode <= MIEE_PAL_M_STGI)
		pal_insn(vmm, sh, mode);
}
