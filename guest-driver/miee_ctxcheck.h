/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OS's check that an MIEE run leaves its registers alone
 * (docs/driver.md, "verify_context"). With the module parameter
 * verify_context set, HC_MIEE_ENTER is issued with interrupts off between
 * two snapshots of the OS's per-CPU state an MIEE could change or see (CR2,
 * CR8, DR0-3, DR6, DR7, FS/GS/KERNEL_GS bases, STAR/LSTAR/CSTAR/SFMASK,
 * XCR0) and with R8-R15 holding a pattern; any difference is logged and
 * counted in context_mismatches. Off by default: it costs a few MSR reads
 * per entry, and the hypervisor, not this check, is what isolates.
 * Included by miee_drv.c only.
 */
#ifndef MIEE_CTXCHECK_H
#define MIEE_CTXCHECK_H

#include <linux/irqflags.h>
#include <linux/moduleparam.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

static bool verify_context;
module_param(verify_context, bool, 0644);
MODULE_PARM_DESC(verify_context, "check that each MIEE_IOC_ENTER leaves the OS's registers unchanged");
static unsigned long context_checks, context_mismatches;
module_param(context_checks, ulong, 0444);
MODULE_PARM_DESC(context_checks, "ENTERs checked with verify_context");
module_param(context_mismatches, ulong, 0444);
MODULE_PARM_DESC(context_mismatches, "OS registers found changed across an ENTER");

enum {
	CTX_CR2, CTX_CR8, CTX_DR0, CTX_DR1, CTX_DR2, CTX_DR3, CTX_DR6, CTX_DR7,
	CTX_FS, CTX_GS, CTX_KGS, CTX_STAR, CTX_LSTAR, CTX_CSTAR, CTX_SFMASK, CTX_XCR0,
	CTX_R8, CTX_N = CTX_R8 + 8
};

static const char *const ctx_names[CTX_N] = {
	"CR2", "CR8", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "FS_BASE", "GS_BASE",
	"KERNEL_GS_BASE", "STAR", "LSTAR", "CSTAR", "SFMASK", "XCR0",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

#define CTX_GPR_PATTERN(i) (0x6f73677072000000ull | (i))

static void ctx_snapshot(u64 *v)
{
	unsigned long d;

	v[CTX_CR2] = native_read_cr2();
	asm volatile("mov %%cr8, %0" : "=r"(v[CTX_CR8]));
	get_debugreg(d, 0); v[CTX_DR0] = d;
	get_debugreg(d, 1); v[CTX_DR1] = d;
	get_debugreg(d, 2); v[CTX_DR2] = d;
	get_debugreg(d, 3); v[CTX_DR3] = d;
	get_debugreg(d, 6); v[CTX_DR6] = d;
	get_debugreg(d, 7); v[CTX_DR7] = d;
	rdmsrl(MSR_FS_BASE, v[CTX_FS]);
	rdmsrl(MSR_GS_BASE, v[CTX_GS]);
	rdmsrl(MSR_KERNEL_GS_BASE, v[CTX_KGS]);
	rdmsrl(MSR_STAR, v[CTX_STAR]);
	rdmsrl(MSR_LSTAR, v[CTX_LSTAR]);
	rdmsrl(MSR_CSTAR, v[CTX_CSTAR]);
	rdmsrl(MSR_SYSCALL_MASK, v[CTX_SFMASK]);
	v[CTX_XCR0] = boot_cpu_has(X86_FEATURE_OSXSAVE) ? xgetbv(0) : 0;
}

/* The hypercall with R8-R15 set to the pattern; their values after it in g[]. */
static long ctx_hc(struct hvcall *h, u64 *g)
{
	register u64 r8 asm("r8") = CTX_GPR_PATTERN(8);
	register u64 r9 asm("r9") = CTX_GPR_PATTERN(9);
	register u64 r10 asm("r10") = CTX_GPR_PATTERN(10);
	register u64 r11 asm("r11") = CTX_GPR_PATTERN(11);
	register u64 r12 asm("r12") = CTX_GPR_PATTERN(12);
	register u64 r13 asm("r13") = CTX_GPR_PATTERN(13);
	register u64 r14 asm("r14") = CTX_GPR_PATTERN(14);
	register u64 r15 asm("r15") = CTX_GPR_PATTERN(15);

	if (miee_hv_kind == 2)
		asm volatile("vmmcall"
			     : "+a"(h->rax), "+b"(h->rbx), "+c"(h->rcx), "+d"(h->rdx),
			       "+S"(h->rsi), "+D"(h->rdi), "+r"(r8), "+r"(r9), "+r"(r10),
			       "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     : : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(h->rax), "+b"(h->rbx), "+c"(h->rcx), "+d"(h->rdx),
			       "+S"(h->rsi), "+D"(h->rdi), "+r"(r8), "+r"(r9), "+r"(r10),
			       "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     : : "memory");
	g[0] = r8; g[1] = r9; g[2] = r10; g[3] = r11;
	g[4] = r12; g[5] = r13; g[6] = r14; g[7] = r15;
	return (long)h->rax;
}

/* HC_MIEE_ENTER between two snapshots. RSI and RDI must come back as they
 * went in, too: the hypervisor returns only RAX-RDX. */
static long ctx_checked_enter(u32 id, struct hvcall *h)
{
	u64 before[CTX_N], after[CTX_N];
	u64 rsi = h->rsi, rdi = h->rdi;
	unsigned long flags;
	long ret;
	int i, bad = 0;

	local_irq_save(flags);
	ctx_snapshot(before);
	ret = ctx_hc(h, after + CTX_R8);
	ctx_snapshot(after);
	local_irq_restore(flags);
	for (i = 0; i < 8; i++)
		before[CTX_R8 + i] = CTX_GPR_PATTERN(8 + i);
	context_checks++;
	for (i = 0; i < CTX_N; i++) {
		if (before[i] == after[i])
			continue;
		bad++;
		pr_err_ratelimited("MIEE %u: OS register %s changed across ENTER: %llx -> %llx\n",
				   id, ctx_names[i], before[i], after[i]);
	}
	if (h->rsi != rsi || h->rdi != rdi) {
		bad++;
		pr_err_ratelimited("MIEE %u: OS RSI/RDI changed across ENTER: %llx %llx -> %llx %llx\n",
				   id, rsi, rdi, h->rsi, h->rdi);
	}
	context_mismatches += bad;
	return ret;
}

#endif
