/* Vendor-neutral exit handling for the OS's vCPU: CPUID, XSETBV, nested
 * page faults, port I/O, refused instructions (MSRs: msr.c). The backend
 * decodes its exit and calls these. */
#include "hv.h"
#include "layout.h"
#include "console.h"
#include "vcpu.h"
#include "miee.h"
#include "core/frames.h"
#include "iommu/pciguard.h"
#include "smp.h"
#include "x86.h"

u64 hv_lapic_trap;	/* the OS's xAPIC page, write-trapped (0: none) */

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
			c |= CPUID_1_ECX_HYPERVISOR;
			/* CPUID ran with our CR4: OSXSAVE must be the guest's. */
			c &= ~(u32)CPUID_1_ECX_OSXSAVE;
			if (v->ops->guest_cr4(v) & CR4_OSXSAVE)
				c |= CPUID_1_ECX_OSXSAVE;
		} else if (leaf == 7 && sub == 0) {
			c &= ~(u32)CPUID_7_ECX_OSPKE;	/* likewise */
			if (v->ops->guest_cr4(v) & CR4_PKE)
				c |= CPUID_7_ECX_OSPKE;
		}
		/* What the vendor's virtualization cannot give the guest
		 * (VMX/SVM themselves, the PMU, ...). */
		v->ops->cpuid_adjust(leaf, sub, &a, &b, &c, &d);
		/* An MIEE has no local APIC of its own: x2APIC and the
		 * TSC-deadline timer are MSRs that would end it. */
		if (v->miee && leaf == 1)
			c &= ~(u32)(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
	}
	v->regs->rax = a;
	v->regs->rbx = b;
	v->regs->rcx = c;
	v->regs->rdx = d;
	return 0;
}

extern struct frame_table hv_frames;

/* A virtualization instruction (VMX's or SVM's) or another one the
 * backend refuses: the OS gets the exception the CPU would raise with the
 * feature hidden; an MIEE is ended. */
int vcpu_refused_insn(struct vcpu *v, u8 vector, u64 info)
{
	if (v->miee)	/* VMX/SVM instructions, RDPMC: the MIEE stops (MIEE_F_INSN) */
		return vcpu_forbidden(v, MIEE_I_VIRT, info, "refused instruction");
	v->ops->inject_exception(v, vector, vector == EXC_GP, 0);
	return VCPU_INJECTED;
}

static int inject_gp(struct vcpu *v)
{
	v->ops->inject_exception(v, EXC_GP, true, 0);
	return VCPU_INJECTED;
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

/* The first 16 blocked OS accesses of the whole machine are logged, on
 * whichever CPU they happen: the same count HC_STATS sums over the CPUs
 * (tests/harness/hv-blocked-log.sh relies on it). */
static bool blocked_log(void)
{
	static u64 logged;

	return __atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED) < 16;
}

/* Another CPU's DESTROY gave the frame back (and mapped it) between this
 * CPU's failed walk and the lock: the OS's table now grants the access. */
static bool npf_resolved(const struct npt *n, u64 page, unsigned access)
{
	unsigned perms;
	u64 hpa;

	return !npt_lookup(n, page, &hpa, &perms, NULL, NULL) && hpa == page &&
	       (perms & access) == access;
}

/*
 * The OS's nested page fault. What to do depends on the frame's owner,
 * which an HC_MIEE_ADD or HC_MIEE_DESTROY on another CPU changes (frame
 * table and OS table together, under the MIEE lock): so the owner is read,
 * the decision taken and the table edited in one hold of that lock. Read
 * before it, a frame given back meanwhile would get the sink page for
 * good, and one given back and mapped would look like a fault on OS RAM.
 */
int vcpu_npf(struct vcpu *v, u64 gpa, unsigned access)
{
	u64 page = gpa & PAGE_MASK;
	const char *fatal = NULL;
	enum frame_kind k;
	int err = 0;

	if (v->miee)	/* outside its memory, or a right it does not have */
		return miee_fault(v, MIEE_F_NPF, gpa);
	if (hv_lapic_trap && page == hv_lapic_trap && (access & NPT_W))
		return lapic_write_trap(v, gpa);
	miee_lock();	/* the OS's table is every CPU's */
	k = frames_kind(&hv_frames, page >> PAGE_SHIFT);
	if (gpa < hv_layout.phys_top && k == FRAME_OS && npf_resolved(v->npt, page, access)) {
		static u64 raced;

		if (__atomic_fetch_add(&raced, 1, __ATOMIC_RELAXED) < 4)
			hv_printf("CPU %u: nested page fault at %lx met a DESTROY that gave the frame back: retried\n",
				  cpu_index(), gpa);
	} else if (gpa < hv_layout.phys_top && k != FRAME_OS && k != FRAME_MMIO) {
		/* The OS touched memory it does not own (the hypervisor's, an
		 * MIEE's): it gets the sink page, never the frame
		 * (docs/hypervisor.md). */
		v->stats[HV_STAT_BLOCKED]++;
		if (blocked_log())
			hv_printf("blocked guest %s of %s memory at %lx (rip %lx)\n",
				  access & NPT_W ? "write" : access & NPT_X ? "fetch" : "read",
				  k == FRAME_HV ? "hypervisor" : "MIEE", gpa, v->ops->guest_rip(v));
		err = npt_map(v->npt, page, hv_sink_page, PAGE_SIZE, NPT_R | NPT_W, NPT_MT_WB);
	} else if (gpa >= hv_layout.phys_top && k == FRAME_MMIO) {
		/* The OS's MMIO above what was mapped up front (64-bit BARs),
		 * up to the physical address width: pass it through, uncached.
		 * Nothing of ours is there, so an unbacked address reads what
		 * the platform returns (all ones on a real chipset). */
		err = npt_map(v->npt, ALIGN_DOWN(gpa, LARGE_PAGE_SIZE),
			      ALIGN_DOWN(gpa, LARGE_PAGE_SIZE), LARGE_PAGE_SIZE,
			      NPT_R | NPT_W | NPT_X, NPT_MT_UC);
	} else {
		fatal = "nested page fault on a guest-physical address";
	}
	miee_unlock();
	if (fatal)
		return vcpu_fatal(v, fatal, gpa);
	if (err)
		return vcpu_fatal(v, "cannot map after a nested page fault", gpa);
	v->ops->flush_npt(v);
	return VCPU_RETRY;
}

int vcpu_io(struct vcpu *v, u16 port, unsigned size, bool in, bool string)
{
	if (v->miee)
		return miee_insn(v, in ? MIEE_I_IN : MIEE_I_OUT, port);
	/* PCI configuration ports: emulated, writes filtered (docs/iommu.md). */
	if (port >= PCIGUARD_PORT_BASE && (size == 1 || size == 2 || size == 4) &&
	    port + size <= PCIGUARD_PORT_BASE + PCIGUARD_PORT_COUNT) {
		if (string)
			return inject_gp(v);
		return pciguard_io(v, port, size, in);
	}
	if (port < HV_HIDDEN_PORT_BASE || port >= HV_HIDDEN_PORT_BASE + HV_HIDDEN_PORT_COUNT ||
	    (size != 1 && size != 2 && size != 4))
		return vcpu_fatal(v, "intercepted port I/O outside the hidden ports", port);
	v->stats[HV_STAT_BLOCKED]++;
	if (blocked_log())
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
