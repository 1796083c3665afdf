/* Vendor-neutral exit handling for the OS's vCPU: CPUID, MSRs, XSETBV,
 * nested page faults. The backend decodes its exit and calls these. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "miee.h"
#include "core/frames.h"
#include "x86.h"

u64 hv_sink_page;	/* stands in for any frame the OS may not touch */

int vcpu_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs->rax, sub = (u32)v->regs->rcx;
	u32 a, b, c, d;

	if ((leaf & 0xffffff00u) == HV_CPUID_BASE) {
		a = b = c = d = 0;
		if (leaf == HV_CPUID_BASE) {
			a = HV_CPUID_MAX;
			b = HV_SIG_EBX;
			c = HV_SIG_ECX;
			d = HV_SIG_EDX;
		} else if (leaf == HV_CPUID_FEATURES) {
			a = v->ops->hv_features;
		}
	} else {
		cpuid(leaf, sub, &a, &b, &c, &d);
		if (leaf == 1) {
			c |= BIT(31);		/* hypervisor present */
			c &= ~(u32)BIT(5);	/* no VMX for the guest */
			/* CPUID ran with our CR4: OSXSAVE must be the guest's. */
			c &= ~(u32)BIT(27);
			if (v->ops->guest_cr4(v) & CR4_OSXSAVE)
				c |= BIT(27);
		} else if (leaf == 7 && sub == 0) {
			c &= ~(u32)BIT(4);	/* OSPKE, likewise */
			if (v->ops->guest_cr4(v) & CR4_PKE)
				c |= BIT(4);
		} else if (leaf == 0x80000001) {
			c &= ~(u32)BIT(2);	/* no SVM for the guest */
		}
		v->ops->cpuid_adjust(leaf, sub, &a, &b, &c, &d);
	}
	v->regs->rax = a;
	v->regs->rbx = b;
	v->regs->rcx = c;
	v->regs->rdx = d;
	return 0;
}

extern struct frame_table hv_frames;

static int inject_gp(struct vcpu *v)
{
	v->ops->inject_exception(v, EXC_GP, true, 0);
	return VCPU_INJECTED;
}

/* Only MSRs the backend chose to intercept arrive here. */
int vcpu_rdmsr(struct vcpu *v, u32 msr)
{
	u64 val;

	if (v->miee)	/* an MIEE may not touch machine state */
		return miee_insn(v, MIEE_I_RDMSR, msr);
	switch (msr) {
	case MSR_FEATURE_CONTROL:
		val = 1;	/* locked, VMX off: the guest cannot turn it on */
		break;
	default:
		return inject_gp(v);
	}
	v->regs->rax = (u32)val;
	v->regs->rdx = val >> 32;
	return 0;
}

int vcpu_wrmsr(struct vcpu *v, u32 msr)
{
	if (v->miee)
		return miee_insn(v, MIEE_I_WRMSR, msr);
	return inject_gp(v);
}

/* SDM Vol. 1 13.3: XCR0 bit 0 set, AVX needs SSE, AVX-512 state needs AVX
 * and all three of its components; only bits the CPU supports. */
int vcpu_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs->rdx << 32) | (u32)v->regs->rax;
	u32 a, b, c, d;
	u64 supported;

	if (v->miee)	/* XCR0 is shared with the OS */
		return miee_insn(v, MIEE_I_XSETBV, (u32)v->regs->rcx);
	cpuid(0xd, 0, &a, &b, &c, &d);
	supported = ((u64)d << 32) | a;
	if ((u32)v->regs->rcx != 0 || v->ops->guest_cpl(v) != 0 || !(val & 1) ||
	    (val & ~supported) || ((val & 4) && !(val & 2)) ||
	    ((val & 0xe0) && (val & 0xe0) != 0xe0) || ((val & 0xe0) && !(val & 4)))
		return inject_gp(v);
	xsetbv(0, val);
	return VCPU_SKIP;
}

int vcpu_npf(struct vcpu *v, u64 gpa, unsigned access)
{
	u64 page = gpa & PAGE_MASK;
	enum frame_kind k = frames_kind(&hv_frames, page >> PAGE_SHIFT);
	int err;

	if (v->miee)	/* outside its memory, or a right it does not have */
		return miee_fault(v, MIEE_F_NPF, gpa);
	if (gpa < hv_layout.phys_top && k != FRAME_OS && k != FRAME_MMIO) {
		/* The OS touched memory it does not own (the hypervisor's, an
		 * MIEE's): it gets the sink page, never the frame
		 * (docs/hypervisor.md). */
		if (v->stats[HV_STAT_BLOCKED]++ < 16)
			hv_printf("blocked guest %s of %s memory at %lx (rip %lx)\n",
				  access & NPT_W ? "write" : access & NPT_X ? "fetch" : "read",
				  k == FRAME_HV ? "hypervisor" : "MIEE", gpa, v->ops->guest_rip(v));
		err = npt_map(v->npt, page, hv_sink_page, PAGE_SIZE, NPT_R | NPT_W, NPT_MT_WB);
	} else if (gpa >= hv_layout.phys_top && gpa < BIT(46)) {
		/* MMIO above what was mapped up front (64-bit BARs): pass it
		 * through, uncached. */
		err = npt_map(v->npt, ALIGN_DOWN(gpa, LARGE_PAGE_SIZE),
			      ALIGN_DOWN(gpa, LARGE_PAGE_SIZE), LARGE_PAGE_SIZE,
			      NPT_R | NPT_W | NPT_X, NPT_MT_UC);
	} else {
		return vcpu_fatal(v, "nested page fault on a guest-physical address", gpa);
	}
	if (err)
		return vcpu_fatal(v, "cannot map after a nested page fault", gpa);
	v->ops->flush_npt(v);
	return VCPU_RETRY;
}

int vcpu_io(struct vcpu *v, u16 port, unsigned size, bool in, bool string)
{
	if (v->miee)
		return miee_insn(v, in ? MIEE_I_IN : MIEE_I_OUT, port);
	if (port < HV_HIDDEN_PORT_BASE || port >= HV_HIDDEN_PORT_BASE + HV_HIDDEN_PORT_COUNT ||
	    (size != 1 && size != 2 && size != 4))
		return vcpu_fatal(v, "intercepted port I/O outside the hidden ports", port);
	if (v->stats[HV_STAT_BLOCKED]++ < 16)
		hv_printf("blocked guest %s of hidden port %x\n", in ? "read" : "write", port);
	if (string)
		return inject_gp(v);
	if (in) {
		u64 mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

		/* IN to a 32-bit register zero-extends; 8/16-bit keep the rest. */
		v->regs->rax = size == 4 ? mask : (v->regs->rax | mask);
	}
	return VCPU_SKIP;
}

int vcpu_interrupted(struct vcpu *v, bool nmi)
{
	if (!v->miee)
		return vcpu_fatal(v, nmi ? "NMI exit from the OS" : "interrupt exit from the OS", 0);
	return miee_interrupted(v, nmi);
}

int vcpu_preempted(struct vcpu *v)
{
	if (!v->miee)
		return vcpu_fatal(v, "preemption-timer exit from the OS", 0);
	return miee_preempted(v);
}

int vcpu_fatal(struct vcpu *v, const char *why, u64 info)
{
	if (v->miee)
		return miee_insn(v, MIEE_I_OTHER, info);
	hv_printf("guest stopped: %s (%lx)\n", why, info);
	v->ops->dump(v);
	panic("guest vCPU stopped: %s", why);
}

int vcpu_forbidden(struct vcpu *v, u32 insn, u64 operand, const char *why)
{
	if (v->miee)
		return miee_insn(v, insn, operand);
	return vcpu_fatal(v, why, operand);
}

int vcpu_shutdown(struct vcpu *v)
{
	if (v->miee)
		return miee_fault(v, MIEE_F_TRIPLE, v->ops->guest_rip(v));
	return vcpu_fatal(v, "triple fault (shutdown) in the guest", v->ops->guest_rip(v));
}
