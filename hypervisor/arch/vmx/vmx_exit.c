/* VMX exit decoding (SDM Vol. 3C chapters 27-28): reads the exit reason
 * and qualification, hands each exit to the core (core/vcpu.c) or handles
 * the VMX-only ones (control registers, CR8, NMI unblocking). VMX root
 * only, with the exiting context's VMCS current. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "miee.h"
#include "host_frame.h"
#include "x86.h"
#include "arch/vmx/vmcs.h"
#include "arch/vmx/vmx_int.h"
#include "hv/miee.h"
#include "smp.h"

/* SDM Table 28-3: GPR numbering in exit qualifications. */
static u64 *gpr(struct guest_regs *r, unsigned n)
{
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi,
			       &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12,
			       &r->r13, &r->r14, &r->r15 };

	return map[n & 15];
}

/* An isolated context's MOV to or from CR8 (CR8-load/store exiting): its
 * TPR is x->tpr, never the APIC's, so raising it cannot hold back the OS's
 * interrupts. Bits 63:4 set: #GP (SDM Vol. 3A 2.5, 10.8.6.1). */
static int vmx_cr8(struct vcpu *v, struct vmx_vcpu *x, bool to_cr8, unsigned reg)
{
	u64 val;

	if (!to_cr8) {
		if (reg == 4)
			vmwrite(GUEST_RSP, x->tpr);
		else
			*gpr(v->regs, reg) = x->tpr;
		return VCPU_SKIP;
	}
	val = reg == 4 ? vmread(GUEST_RSP) : *gpr(v->regs, reg);
	if (val & ~0xfull) {
		vmx_inject(v, EXC_GP, true, 0);
		return VCPU_INJECTED;
	}
	x->tpr = (u8)val;
	return VCPU_SKIP;
}

/* MOV to CR0/CR4 touching bits we own (SDM 28.1.3, Table 28-3). */
static int vmx_cr_access(struct vcpu *v)
{
	struct vmx_vcpu *x = v->vendor;
	u64 q = vmread(EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val;

	if (cr == 8 && v->miee && type <= 1)
		return vmx_cr8(v, x, type == 0, reg);
	if (type != 0 || (cr != 0 && cr != 4))
		return vcpu_fatal(v, "unsupported control-register access", q);
	val = reg == 4 ? vmread(GUEST_RSP) : *gpr(v->regs, reg);
	if (cr == 0) {
		u64 efer = vmread(GUEST_EFER);
		u32 entry = vmread(ENTRY_CONTROLS);

		vmwrite(CR0_SHADOW, val);
		vmwrite(GUEST_CR0, (val | x->cr0_fixed0) & x->cr0_fixed1);
		/* Paging on/off with EFER.LME switches IA-32e mode (SDM 9.8.5). */
		if ((val & CR0_PG) && (efer & EFER_LME)) {
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E;
		} else if (!(val & CR0_PG)) {
			efer &= ~EFER_LMA;
			entry &= ~ENTRY_IA32E;
		}
		vmwrite(GUEST_EFER, efer);
		vmwrite(ENTRY_CONTROLS, entry);
	} else {
		vmwrite(CR4_SHADOW, val);
		vmwrite(GUEST_CR4, (val | x->cr4_fixed0) & x->cr4_fixed1);
	}
	return 0;
}

/* An NMI exit leaves NMIs blocked in VMX root until an IRET (SDM Vol. 3C,
 * "VM Exits": event blocking after an NMI exit; KVM runs its NMI handler
 * for that IRET), and Bochs 2.7 keeps them blocked across the next VM entry too:
 * every later NMI, the next shootdown's included, would stay pending. An
 * IRET to the next instruction unblocks them; one already pending is then
 * taken by the host IDT (smp_host_nmi). */
static void nmi_unblock(void)
{
	__asm__ __volatile__("movq %%rsp, %%rax\n\t"
			     "pushq %[ss]\n\t"
			     "pushq %%rax\n\t"
			     "pushfq\n\t"
			     "pushq %[cs]\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "iretq\n"
			     "1:"
			     : : [ss] "i"(HV_DS), [cs] "i"(HV_CS) : "rax", "cc", "memory");
}

static void skip_insn(void)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
	/* The skipped instruction ends STI / MOV SS blocking (SDM 25.4.2). */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~3ull);
}

/* Returns 1 when the context to enter next was never launched (the stub
 * then uses VMLAUNCH), 0 for VMRESUME. */
int vmx_exit_handler(struct guest_regs *regs, struct vcpu *v)
{
	u32 reason = vmread(EXIT_REASON) & 0xffff, cpu = cpu_index();
	/* v may be gone by the end (a thread slot's HC_MIEE_SLOT_EXIT frees
	 * and zeroes it): its host stack is this exit's. */
	u64 stack_top = v->host_stack_top;
	int r = VCPU_SKIP;
	struct vcpu *cur;

	v->regs = regs;
	v->stats[HV_STAT_EXITS]++;
	next_launch[cpu] = false;
	switch (reason) {
	case EXIT_CPUID:
		r = vcpu_cpuid(v);
		break;
	case EXIT_VMCALL:
		if (vcpu_hypercall_refused(v)) {
			r = VCPU_INJECTED;
			break;
		}
		skip_insn();	/* before: the call may switch contexts */
		r = vcpu_hypercall(v);
		if (r == VCPU_SKIP)
			r = VCPU_RETRY;
		break;
	case EXIT_EXT_INTR:
		r = vcpu_interrupted(v, false);
		break;
	case EXIT_PREEMPT_TIMER:	/* isolated contexts only */
		r = vcpu_preempted(v);
		break;
	case EXIT_EXCEPTION:
		if (((vmread(EXIT_INTR_INFO) >> 8) & 7) == 2) {	/* NMI */
			/* The exit took the NMI (SDM Vol. 3C 25.1.1): a TLB
			 * shootdown's is answered and the context goes on; any
			 * other goes to the OS (an MIEE ends first). An NMI
			 * exits only when the guest does not block NMIs, so
			 * without virtual NMIs the guest blocks none now;
			 * Bochs 2.7 saves "blocking by NMI" as set here, which
			 * would hold back every later NMI (docs/smp.md). */
			bool ours = smp_nmi();

			if (!(vmread(PIN_CONTROLS) & PIN_VIRTUAL_NMI))
				vmwrite(GUEST_INTERRUPTIBILITY,
					vmread(GUEST_INTERRUPTIBILITY) & ~(u64)BIT(3));
			nmi_unblock();
			/* A kick: another slot ended its MIEE (docs/smp.md). */
			if (ours && !miee_ended(v))
				r = VCPU_RETRY;
			else if (v->miee)
				r = vcpu_interrupted(v, !ours);
			else {
				vmx_inject_nmi(v);
				r = VCPU_RETRY;
			}
			break;
		}
		r = vcpu_fatal(v, "unexpected exception exit", vmread(EXIT_INTR_INFO));
		break;
	case EXIT_IO: {
		/* SDM Table 28-5: size - 1, direction, string. An isolated
		 * context's port I/O (all of it exits) ends it in the core. */
		u64 q = vmread(EXIT_QUALIFICATION);

		r = vcpu_io(v, (u16)(q >> 16), (unsigned)(q & 7) + 1, q & 8, q & 16);
		break;
	}
	case EXIT_HLT:		/* isolated contexts only */
		r = vcpu_forbidden(v, MIEE_I_HLT, 0, "HLT exit from the OS");
		break;
	case EXIT_RDMSR:
		r = vcpu_rdmsr(v, (u32)regs->rcx);
		break;
	case EXIT_WRMSR:
		r = vcpu_wrmsr(v, (u32)regs->rcx);
		break;
	case EXIT_XSETBV:
		r = vcpu_xsetbv(v);
		break;
	case EXIT_CR_ACCESS:
		r = vmx_cr_access(v);
		break;
	case EXIT_INVD:
		/* Dropping dirty lines could lose hypervisor writes. */
		__asm__ __volatile__("wbinvd" ::: "memory");
		break;
	case EXIT_WBINVD:
		__asm__ __volatile__("wbinvd" ::: "memory");
		break;
	case EXIT_EPT_VIOLATION: {
		u64 q = vmread(EXIT_QUALIFICATION);

		u64 vec = vmread(IDT_VECTORING_INFO);

		r = vcpu_npf(v, vmread(GUEST_PHYS_ADDR),
			     (q & 1 ? NPT_R : 0) | (q & 2 ? NPT_W : 0) | (q & 4 ? NPT_X : 0));
		/* An event whose delivery the violation interrupted is delivered
		 * again on entry, or it is lost (SDM Vol. 3C 28.2.4, 27.2.1). */
		if (r == VCPU_RETRY && (vec & INTR_INFO_VALID)) {
			vmwrite(ENTRY_INTR_INFO, vec & ~(u64)BIT(12));
			if (vec & INTR_INFO_ERR_VALID)
				vmwrite(ENTRY_EXC_ERROR, vmread(IDT_VECTORING_ERROR));
			vmwrite(ENTRY_INSN_LEN, vmread(EXIT_INSN_LEN));
		}
		break;
	}
	case EXIT_EPT_MISCONFIG:
		r = vcpu_fatal(v, "EPT misconfiguration", vmread(GUEST_PHYS_ADDR));
		break;
	case EXIT_TRIPLE_FAULT:
		r = vcpu_shutdown(v);
		break;
	case EXIT_BAD_GUEST:
	case EXIT_BAD_MSR_LOAD:
		r = vcpu_fatal(v, "VM entry failed on guest state", vmread(EXIT_QUALIFICATION));
		break;
	case EXIT_GETSEC:
	case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST:
	case EXIT_VMREAD: case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF:
	case EXIT_VMXON: case EXIT_INVEPT: case EXIT_INVVPID: case EXIT_VMFUNC:
		/* VMX is not exposed to the guest: #UD. */
		r = vcpu_refused_insn(v, EXC_UD, reason);
		break;
	case EXIT_RDPMC:
		/* No counters for the OS: #GP, as for a counter that is absent. */
		r = vcpu_refused_insn(v, EXC_GP, reason);
		break;
	default:
		r = vcpu_fatal(v, "unhandled VM exit", reason);
		break;
	}
	if (r == VCPU_SKIP)
		skip_insn();
	if (r != VCPU_SWITCHED)
		v->regs = NULL;
	/* An NMI the host IDT took during this exit (smp_host_nmi) that was
	 * not a shootdown is the OS's: it gets it if the OS runs next. */
	cur = host_frame_of(stack_top)->vcpu;
	if (!cur->miee && smp_os_nmi_take())
		vmx_inject_nmi(cur);
	return next_launch[cpu];
}

