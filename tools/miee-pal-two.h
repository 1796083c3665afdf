/* The test PAL's two-level mode (docs/miee-runner.md, "Two-level mode"):
 * what a library OS needs of the CPU inside an MIEE. CPUID as answered
 * inside, CR4.OSXSAVE, SSE and AVX; then its own GDT, TSS and IDT (LGDT,
 * LTR, LIDT), the syscall MSRs, user pages, an IRETQ to CPL 3, a #PF at
 * CPL 3 taken by its ring-0 IDT on the TSS's stack, SYSCALL/SYSRET round
 * trips; and a hypercall instruction at CPL 3, which must be #UD. Host
 * calls mark the stretches whose VM exits the runner counts. Included by
 * tools/miee-pal.h after its helpers; the same rules hold. */
#ifndef TOOLS_MIEE_PAL_TWO_H
#define TOOLS_MIEE_PAL_TWO_H

#include <stdint.h>

#define MIEE_PAL_M_TWO 24	/* the two-level checks */
#define MIEE_PAL_HC_MARK 5	/* `two-level`: the runner reads HC_MIEE_INFO; answer 0 */

/* Progress marks after miee-pal-ctx.h's. */
#define MIEE_PAL_P_TWO_A 15	/* CPUID, CR4, SSE/AVX recorded */
#define MIEE_PAL_P_TWO_B 16	/* back from CPL 3: #PF and SYSCALLs done */
#define MIEE_PAL_P_TWO_C 17	/* back from the CPL 3 hypercall */

#define MIEE_PAL_TWO_SYSCALLS 1000	/* round trips in the stretch without exits */
#define MIEE_PAL_TWO_CPUIDS 16	/* CPUIDs in the stretch that must exit */

/* MIEE addresses the mode uses. Plain numbers: the asm below takes them. */
#define PAL_TWO_GDT_LIMIT 0x3f	/* 0x18 unused, 0x20 user data, 0x28 user code, 0x30 TSS */
#define PAL_TWO_UDS 0x23	/* user data, RPL 3 */
#define PAL_TWO_UCS 0x2b	/* user 64-bit code, RPL 3 */
#define PAL_TWO_TSS_SEL 0x30
#define PAL_TWO_TSS 0x4100	/* in the GDT page (private, R|W) */
#define PAL_TWO_IDT 0x4200	/* 16 gates */
#define PAL_TWO_SLOT 0x4f00	/* the ring-0 RSP while CPL 3 runs (private) */
#define PAL_TWO_RSP0 0xc000	/* TSS.RSP0: inside its stack pages */
#define PAL_TWO_USTACK 0x8000	/* CPL 3 stack top: the data page, made user */
#define PAL_TWO_UDATA 0x7000	/* CPL 3 writes what it saw here */
#define PAL_TWO_SUPER 0xa000	/* a supervisor page (its stack) CPL 3 reads: #PF */
#define PAL_TWO_REC 0xfe40	/* struct miee_pal_two in the shared page */

/* What the PAL found (the runner judges); handlers write it at CPL 0. */
#define MIEE_PAL_TWO_OFF 0xe40u
struct miee_pal_two {
	uint64_t cpuid1_ecx;	/* 0x00 CPUID 1 at CPL 0 */
	uint64_t cpuid1_edx;	/* 0x08 */
	uint64_t cpuid_ext_ecx;	/* 0x10 CPUID 0x80000001 ECX */
	uint64_t cr4;		/* 0x18 CR4 at the first entry */
	uint64_t xcr0;		/* 0x20 XGETBV(0), when CR4.OSXSAVE */
	uint64_t sse;		/* 0x28 MIEE_PAL_TWO_V_* */
	uint64_t avx;		/* 0x30 MIEE_PAL_TWO_V_* */
	uint64_t syscalls;	/* 0x38 round trips the LSTAR handler counted */
	uint64_t pf_count;	/* 0x40 #PFs its IDT took */
	uint64_t pf_cr2;	/* 0x48 */
	uint64_t pf_err;	/* 0x50 the error code */
	uint64_t pf_cs;		/* 0x58 CS of the interrupted code */
	uint64_t pf_rsp;	/* 0x60 RSP in the handler (the TSS's stack) */
	uint64_t ud_count;	/* 0x68 #UDs its IDT took */
	uint64_t ud_rip;	/* 0x70 */
	uint64_t ud_cs;		/* 0x78 */
	uint64_t gp_count;	/* 0x80 #GPs (none expected) */
	uint64_t gp_rip;	/* 0x88 */
	uint64_t user_cpuid1_ecx;	/* 0x90 CPUID 1 at CPL 3 */
	uint64_t hc_rip;	/* 0x98 where the CPL 3 hypercall instruction is */
	uint64_t user_r13;	/* 0xa0 0 unless the CPL 3 hypercall came back */
};
_Static_assert(MIEE_PAL_TWO_OFF + sizeof(struct miee_pal_two) <= MIEE_PG, "two-level area");
_Static_assert(MIEE_IMG_SHARED + MIEE_PAL_TWO_OFF == PAL_TWO_REC, "two-level record");
_Static_assert(MIEE_PAL_CTX_OFF + sizeof(struct miee_pal_ctx) <= MIEE_PAL_TWO_OFF,
	       "two-level area after the context area");
_Static_assert(PAL_TWO_UDATA == MIEE_IMG_DATA && PAL_TWO_USTACK == MIEE_IMG_DATA + MIEE_PG &&
	       PAL_TWO_SUPER == MIEE_IMG_STACK && PAL_TWO_RSP0 > MIEE_IMG_STACK &&
	       PAL_TWO_RSP0 < MIEE_IMG_STACK_TOP && (PAL_TWO_TSS & ~0xfff) == MIEE_IMG_GDT,
	       "two-level addresses in the PAL's image");

#define MIEE_PAL_TWO_V_NONE 0	/* not available (no AVX, or XCR0 without it) */
#define MIEE_PAL_TWO_V_OK 1
#define MIEE_PAL_TWO_V_WRONG 2

#ifdef PAL_FN
#define PAL_S_(x) #x
#define PAL_S(x) PAL_S_(x)

/* CPL 0 <-> CPL 3. pal_user_run(rip, vmm) saves the callee-saved registers
 * and RSP (at PAL_TWO_SLOT), IRETQs to rip at CPL 3 with R12 = vmm and R13
 * = 0, and returns R13 when CPL 3 comes back through pal_user_back (the
 * LSTAR handler for RAX = 1, or the #UD/#GP handlers). */
uint64_t pal_user_run(uint64_t rip, uint64_t vmm);
__asm__(".pushsection miee_pal, \"ax\", @progbits\n"
	"pal_user_run:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	movabsq $" PAL_S(PAL_TWO_SLOT) ", %rax\n"
	"	movq %rsp, (%rax)\n"
	"	movq %rsi, %r12\n"
	"	xorl %r13d, %r13d\n"
	"	pushq $" PAL_S(PAL_TWO_UDS) "\n"
	"	pushq $" PAL_S(PAL_TWO_USTACK) "\n"
	"	pushq $2\n"			/* RFLAGS: IF = 0 */
	"	pushq $" PAL_S(PAL_TWO_UCS) "\n"
	"	pushq %rdi\n"
	"	iretq\n"
	"pal_user_back:\n"			/* CPL 0 again, RSP = the slot's */
	"	movl $0x10, %eax\n mov %eax, %ss\n mov %eax, %ds\n mov %eax, %es\n"
	"	movq %r13, %rax\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"
	"pal_back_to_ring0:\n"
	"	movabsq $" PAL_S(PAL_TWO_SLOT) ", %rsp\n"
	"	movq (%rsp), %rsp\n"
	"	jmp pal_user_back\n"

	/* LSTAR: RAX = 1 ends CPL 3, anything else is one counted round
	 * trip. No stack: RSP is still the user's. */
	"pal_sc_entry:\n"
	"	cmpq $1, %rax\n"
	"	je pal_back_to_ring0\n"
	"	movabsq $" PAL_S(PAL_TWO_REC) ", %rax\n"
	"	incq 0x38(%rax)\n"
	"	sysretq\n"

	/* #PF (gate 14, on TSS.RSP0): record, resume CPL 3 at pal_user_a2. */
	"pal_two_pf:\n"
	"	push %rax\n push %rbx\n"
	"	movabsq $" PAL_S(PAL_TWO_REC) ", %rax\n"
	"	incq 0x40(%rax)\n"
	"	movq %cr2, %rbx\n movq %rbx, 0x48(%rax)\n"
	"	movq 16(%rsp), %rbx\n movq %rbx, 0x50(%rax)\n"
	"	movq 32(%rsp), %rbx\n movq %rbx, 0x58(%rax)\n"
	"	movq %rsp, 0x60(%rax)\n"
	"	leaq pal_user_a2(%rip), %rbx\n movq %rbx, 24(%rsp)\n"
	"	pop %rbx\n pop %rax\n"
	"	addq $8, %rsp\n"
	"	iretq\n"
	/* #UD (gate 6): record, end CPL 3. */
	"pal_two_ud:\n"
	"	movabsq $" PAL_S(PAL_TWO_REC) ", %rax\n"
	"	incq 0x68(%rax)\n"
	"	movq 0(%rsp), %rbx\n movq %rbx, 0x70(%rax)\n"
	"	movq 8(%rsp), %rbx\n movq %rbx, 0x78(%rax)\n"
	"	jmp pal_back_to_ring0\n"
	/* #GP (gate 13): not expected; record, end CPL 3. */
	"pal_two_gp:\n"
	"	movabsq $" PAL_S(PAL_TWO_REC) ", %rax\n"
	"	incq 0x80(%rax)\n"
	"	movq 8(%rsp), %rbx\n movq %rbx, 0x88(%rax)\n"
	"	jmp pal_back_to_ring0\n"

	/* CPL 3, part B: read a supervisor page (#PF, resumed below), then
	 * the SYSCALL round trips, then SYSCALL with RAX = 1 to leave. */
	"pal_user_a:\n"
	"	movl $" PAL_S(PAL_TWO_SUPER) ", %eax\n"
	"	movq (%rax), %rax\n"
	"pal_user_a2:\n"
	"	movl $" PAL_S(MIEE_PAL_TWO_SYSCALLS) ", %r14d\n"
	"1:	xorl %eax, %eax\n"
	"	syscall\n"
	"	decq %r14\n"
	"	jnz 1b\n"
	"	movl $1, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* CPL 3, part C: CPUID, then a hypercall (HC_MIEE_EXIT 0xbad0: if it
	 * were obeyed the MIEE would end with that status). */
	"pal_user_c:\n"
	"	movl $1, %eax\n xorl %ecx, %ecx\n"
	"	cpuid\n"
	"	movl $" PAL_S(PAL_TWO_UDATA) ", %eax\n"
	"	movq %rcx, (%rax)\n"
	"	movl $0x20, %eax\n movl $0xbad0, %ebx\n"
	"	testq %r12, %r12\n"
	"	jnz 2f\n"
	"pal_user_vmcall:\n"
	"	vmcall\n"
	"	jmp 3f\n"
	"2:\n"
	"pal_user_vmmcall:\n"
	"	vmmcall\n"
	"3:	movl $0xbad, %r13d\n"
	"	movl $1, %eax\n"
	"	syscall\n"
	"	ud2\n"
	".popsection\n");

PAL_FN void pal_two_cpuid(uint32_t leaf, uint32_t *c, uint32_t *d)
{
	uint32_t a = leaf, b, cc = 0, dd;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(cc), "=d"(dd));
	*c = cc;
	*d = dd;
}

/* SSE2 (avx 0: PADDQ on XMM) or AVX (avx 1: VADDPD on YMM) on known
 * inputs, the result compared bit for bit. */
PAL_FN uint64_t pal_vec_two(uint64_t avx)
{
	volatile uint64_t in[8], out[4];
	uint64_t i;

	for (i = 0; i < 4; i++) {
		in[i] = (0x3ff0ull + (i == 0 ? 0 : i == 1 ? 0x10 : i == 2 ? 0x18 : 0x20)) << 48;
		in[4 + i] = in[i];	/* 1.0 2.0 3.0 4.0, twice */
	}
	if (avx)
		__asm__ __volatile__("vmovdqu (%0), %%ymm0\n\t vmovdqu 32(%0), %%ymm1\n\t"
				     "vaddpd %%ymm1, %%ymm0, %%ymm0\n\t vmovdqu %%ymm0, (%1)\n\t"
				     "vzeroupper"
				     : : "r"(in), "r"(out) : "memory");
	else
		__asm__ __volatile__("movdqu (%0), %%xmm0\n\t movdqu 32(%0), %%xmm1\n\t"
				     "paddq %%xmm1, %%xmm0\n\t movdqu %%xmm0, (%1)"
				     : : "r"(in), "r"(out) : "memory");
	if (avx)	/* 2.0 4.0 6.0 8.0 */
		return out[0] == 0x4000ull << 48 && out[1] == 0x4010ull << 48 &&
		       out[2] == 0x4018ull << 48 && out[3] == 0x4020ull << 48 ?
		       MIEE_PAL_TWO_V_OK : MIEE_PAL_TWO_V_WRONG;
	return out[0] == 2 * in[0] && out[1] == 2 * in[1] ? MIEE_PAL_TWO_V_OK
							   : MIEE_PAL_TWO_V_WRONG;
}

/* A 64-bit interrupt gate to handler h (SDM Vol. 3A 6.14.1). */
PAL_FN void pal_two_gate(volatile uint64_t *idt, unsigned vec, uint64_t h)
{
	idt[2 * vec] = (h & 0xffff) | (uint64_t)MIEE_IMG_CS << 16 | 0x8e00ull << 32 |
		       (h >> 16 & 0xffff) << 48;
	idt[2 * vec + 1] = h >> 32;
}

/* Its GDT grows user segments and a TSS, its IDT three gates, the code,
 * data and upper page-table entries become user: only memory writes. */
PAL_FN void pal_two_tables(void)
{
	volatile uint64_t *gdt = (volatile uint64_t *)(uintptr_t)MIEE_IMG_GDT;
	volatile uint64_t *idt = (volatile uint64_t *)(uintptr_t)PAL_TWO_IDT;
	volatile uint64_t *pt = (volatile uint64_t *)(uintptr_t)MIEE_IMG_PT;
	volatile unsigned char *tss = (volatile unsigned char *)(uintptr_t)PAL_TWO_TSS;
	uint64_t h, i;

	gdt[3] = 0;
	gdt[4] = 0x00cff3000000ffffull;		/* data, DPL 3 */
	gdt[5] = 0x00affb000000ffffull;		/* 64-bit code, DPL 3 */
	gdt[6] = 0x67 | (uint64_t)PAL_TWO_TSS << 16 | 0x89ull << 40;	/* available TSS */
	gdt[7] = 0;
	for (i = 0; i < 0x68; i++)
		tss[i] = 0;
	for (i = 0; i < 8; i++)		/* RSP0 at offset 4 */
		tss[4 + i] = (unsigned char)((uint64_t)PAL_TWO_RSP0 >> (8 * i));
	tss[0x66] = 0x68;		/* no I/O bitmap */
	for (i = 0; i < 32; i++)
		idt[i] = 0;
	__asm__ __volatile__("leaq pal_two_ud(%%rip), %0" : "=r"(h));
	pal_two_gate(idt, 6, h);
	__asm__ __volatile__("leaq pal_two_gp(%%rip), %0" : "=r"(h));
	pal_two_gate(idt, 13, h);
	__asm__ __volatile__("leaq pal_two_pf(%%rip), %0" : "=r"(h));
	pal_two_gate(idt, 14, h);
	/* The PML4 is at address 0: hidden from the compiler, which would
	 * take the store for a null dereference. */
	__asm__("" : "=r"(h) : "0"((uint64_t)MIEE_IMG_PML4));
	*(volatile uint64_t *)(uintptr_t)h |= 4;	/* U */
	*(volatile uint64_t *)(uintptr_t)MIEE_IMG_PDPT |= 4;
	*(volatile uint64_t *)(uintptr_t)MIEE_IMG_PD |= 4;
	for (i = MIEE_IMG_CODE / MIEE_PG; i <= MIEE_IMG_DATA / MIEE_PG; i++)
		pt[i] |= 4;
}

/* Part B's privileged set-up: LGDT, LTR, LIDT, the syscall MSRs, INVLPG
 * of the pages made user. None of it may leave the MIEE. */
PAL_FN void pal_two_load(void)
{
	volatile struct pal_dtr d;
	uint64_t h, p;

	d.limit = PAL_TWO_GDT_LIMIT;
	d.base = MIEE_IMG_GDT;
	__asm__ __volatile__("lgdt %0" : : "m"(d) : "memory");
	__asm__ __volatile__("ltr %w0" : : "r"(PAL_TWO_TSS_SEL) : "memory");
	d.limit = 16 * 16 - 1;
	d.base = PAL_TWO_IDT;
	__asm__ __volatile__("lidt %0" : : "m"(d) : "memory");
	/* SYSCALL: CS 0x08, SS 0x10; SYSRET: CS 0x18 + 16, SS 0x18 + 8. */
	pal_wrmsr(0xc0000081u, 0x0018000800000000ull);
	__asm__ __volatile__("leaq pal_sc_entry(%%rip), %0" : "=r"(h));
	pal_wrmsr(0xc0000082u, h);
	pal_wrmsr(0xc0000084u, 0x47700);	/* TF DF IF IOPL AC off */
	/* INVLPG also drops every paging-structure cache entry (SDM Vol. 3A
	 * 4.10.4.1), so the upper levels' new U bits are seen too. */
	for (p = MIEE_IMG_CODE; p <= MIEE_IMG_DATA; p += MIEE_PG)
		__asm__ __volatile__("invlpg (%0)" : : "r"(p) : "memory");
}

__attribute__((noreturn)) PAL_FN void pal_two(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
{
	volatile struct miee_pal_two *t =
		(volatile struct miee_pal_two *)(uintptr_t)(shared + MIEE_PAL_TWO_OFF);
	uint32_t c, d, lo, hi;
	uint64_t cr4, rip, i;

	/* Part A: what the CPU looks like from inside. */
	pal_two_cpuid(1, &c, &d);
	t->cpuid1_ecx = c;
	t->cpuid1_edx = d;
	pal_two_cpuid(0x80000001u, &c, &d);
	t->cpuid_ext_ecx = c;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	t->cr4 = cr4;
	t->sse = pal_vec_two(0);
	if (cr4 & (1ull << 18)) {
		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		t->xcr0 = (uint64_t)hi << 32 | lo;
		if ((t->cpuid1_ecx & (1u << 28)) && (lo & 6) == 6)
			t->avx = pal_vec_two(1);
	}
	pal_two_tables();
	sh->progress = MIEE_PAL_P_TWO_A;
	pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_MARK);

	/* Part B: no VM exit from here to the next mark. */
	pal_two_load();
	__asm__ __volatile__("leaq pal_user_a(%%rip), %0" : "=r"(rip));
	pal_user_run(rip, vmm);
	sh->progress = MIEE_PAL_P_TWO_B;
	pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_MARK);

	/* Part C: exits the hypervisor answers without leaving: CPUIDs here,
	 * CPUID and the refused hypercall at CPL 3. */
	for (i = 0; i < MIEE_PAL_TWO_CPUIDS; i++)
		pal_two_cpuid(0, &c, &d);
	if (vmm)
		__asm__ __volatile__("leaq pal_user_vmmcall(%%rip), %0" : "=r"(rip));
	else
		__asm__ __volatile__("leaq pal_user_vmcall(%%rip), %0" : "=r"(rip));
	t->hc_rip = rip;
	__asm__ __volatile__("leaq pal_user_c(%%rip), %0" : "=r"(rip));
	t->user_r13 = pal_user_run(rip, vmm);
	t->user_cpuid1_ecx = *(volatile uint64_t *)(uintptr_t)PAL_TWO_UDATA;
	sh->progress = MIEE_PAL_P_TWO_C;
	pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_MARK);
	pal_exit(vmm, MIEE_PAL_ST_OK);
}
#undef PAL_S
#undef PAL_S_
#endif /* PAL_FN */

#endif
