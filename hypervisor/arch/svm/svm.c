/* AMD SVM backend: feature checks, EFER.SVME, one VMCB per context (the
 * OS and every MIEE thread) with nested paging and its own ASID, the MSR
 * and I/O permission maps, exit decoding and context switches (APM Vol. 2
 * chapter 15). Runs in SVM host mode. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "host_frame.h"
#include "x86.h"
#include "smp.h"
#include "arch/svm/vmcb.h"
#include "msr_policy.h"
#include "ctx_msrs.h"
#include "iommu/pciguard.h"
#include "hv/miee.h"

#define EFER_FFXSR BIT(14)
#define EFER_TCE BIT(15)
#define EFER_AUTOIBRS BIT(21)

static struct {
	u32 features;		/* CPUID 0x8000000A EDX */
	u32 nasid;
	bool rdpru;
	bool clear_svmdis;	/* VM_CR.SVMDIS set but not locked */
	u64 guest_efer_bits;	/* EFER bits a guest WRMSR may set */
	u8 *msrpm;		/* the OS's: from svm_msr_policy */
	u8 *msrpm_all;		/* isolated contexts: every MSR exits */
	u8 *iopm_all;		/* isolated contexts: every port exits */
	u8 *iopm_os;		/* the OS: only the hidden ports exit */
} svm;

/* ASIDs (APM Vol. 2 15.16): 0 is the host's, 1 the OS's; isolated contexts
 * take a free one from 2 up. When the CPU has too few, contexts share one
 * and whoever enters a shared ASID flushes it first (ctx_switch). Index =
 * ASID, value = contexts using it. */
#define ASID_OS 1
#define ASID_POOL 256
static u8 asid_users[ASID_POOL];

/* Host stack top of the exit being handled on this CPU (its struct
 * host_frame ends there, svm_entry.S); ctx_switch writes the next
 * VMCB there. Per CPU: struct percpu's exit_stack_top. The VMSAVE area
 * holding each CPU's FS/GS/TR/LDTR and syscall MSRs, which svm_entry.S
 * reloads after every exit, is named by its percpu vendor_host word. */
#define exit_stack_top (cpu_this()->exit_stack_top)

void svm_launch(struct host_frame *frame) __attribute__((noreturn));
extern const char svm_vmrun_ret[];

/* The last exits of each CPU, printed when a context's VMCB comes back
 * holding the host's VMRUN-saved state. QEMU 7.2's multi-threaded TCG
 * does that: another vCPU's FXRSTOR can undo the NPT-off of a #VMEXIT, and
 * the host's first fetch then exits as a nested page fault, saving the
 * host into the VMCB (docs/harness.md, "QEMU's multi-threaded TCG"). */
#define EXIT_TRACE 8
static struct exit_trace {
	u64 tsc, code, vmcb_pa, rip, next_pa, next_rip;
} exit_trace[HV_MAX_CPUS][EXIT_TRACE];
static u32 exit_trace_pos[HV_MAX_CPUS];
static u64 cpu_hsave_pa[HV_MAX_CPUS];
void svm_exit_handler(struct guest_regs *regs, struct vcpu *v);

static int svm_probe(void)
{
	u32 a, b, c, d, max, rev;
	u64 vm_cr;

	cpuid(0x80000000, 0, &max, &b, &c, &d);
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (max < 0x8000000a || !(c & CPUID_80000001_ECX_SVM)) {
		hv_printf("SVM: CPUID 0x80000001:ECX.SVM is clear: no AMD-V on this CPU (or it is hidden)\n");
		return -ENOSYS;
	}
	/* Guest EFER bits (APM Vol. 2 3.1.7) that exist on this CPU. */
	svm.guest_efer_bits = EFER_SCE | EFER_LME | EFER_LMA;
	if (d & BIT(20))
		svm.guest_efer_bits |= EFER_NXE;
	if (d & BIT(25))
		svm.guest_efer_bits |= EFER_FFXSR;
	if (c & BIT(17))
		svm.guest_efer_bits |= EFER_TCE;

	/* APM Vol. 2 15.30.1: with SVMDIS set, EFER.SVME cannot be set; the
	 * firmware locks it that way when AMD-V is off in its setup. */
	vm_cr = rdmsr(MSR_VM_CR);
	if (vm_cr & VM_CR_SVMDIS) {
		if (vm_cr & VM_CR_LOCK) {
			hv_printf("SVM: disabled by firmware (VM_CR %lx: SVMDIS set and locked); "
				  "enable SVM/AMD-V in the firmware setup\n", vm_cr);
			return -EPERM;
		}
		svm.clear_svmdis = true;
	}

	cpuid(0x8000000a, 0, &rev, &b, &c, &d);
	svm.features = d;
	svm.nasid = b;
	if (!(d & SVM_FEAT_NP)) {
		hv_printf("SVM: no nested paging (CPUID 0x8000000A:EDX.NP clear)\n");
		return -ENOSYS;
	}
	if (svm.nasid < 2) {
		hv_printf("SVM: only %u ASIDs; the guest needs ASID 1\n", svm.nasid);
		return -ENOSYS;
	}
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	svm.rdpru = b & CPUID_80000008_EBX_RDPRU;
	if (max >= 0x80000021) {
		cpuid(0x80000021, 0, &a, &b, &c, &d);
		if (a & BIT(8))
			svm.guest_efer_bits |= EFER_AUTOIBRS;
	}
	hv_printf("SVM: revision %u, %u ASIDs, nested paging, nRIP save %s, flush by ASID %s\n",
		  rev & 0xff, svm.nasid, svm.features & SVM_FEAT_NRIPS ? "yes" : "no (fixed lengths)",
		  svm.features & SVM_FEAT_FLUSH_BY_ASID ? "yes" : "no");
	return 0;
}

/* Counters that could watch an MIEE start off: the OS cannot turn them on
 * (its MSR table refuses every PMU and IBS MSR, and RDPMC exits). Only
 * MSRs CPUID says exist are written (APM Vol. 2 13.3). */
static void svm_pmu_off(void)
{
	u32 a, b, c, d;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (c & CPUID_80000001_ECX_PERFCTR_CORE)
		for (u32 msr = MSR_AMD_PERF_CTL0; msr < MSR_AMD_PERF_CTL0 + 12; msr += 2)
			wrmsr(msr, 0);
	if (c & CPUID_80000001_ECX_IBS) {
		wrmsr(MSR_AMD_IBS_FETCH_CTL, 0);
		wrmsr(MSR_AMD_IBS_OP_CTL, 0);
	}
}

/* The permission maps every CPU shares; built by the boot CPU. */
static int svm_maps_init(void)
{
	u32 bad;

	svm.msrpm = palloc_contig(MSRPM_PAGES);
	svm.msrpm_all = palloc_contig(MSRPM_PAGES);
	svm.iopm_all = palloc_contig(IOPM_PAGES);
	svm.iopm_os = palloc_contig(IOPM_PAGES);
	if (!svm.msrpm || !svm.msrpm_all || !svm.iopm_all || !svm.iopm_os)
		return -ENOMEM;
	if (msr_policy_validate(&svm_msr_policy, &bad)) {
		hv_printf("SVM: the MSR table is malformed at MSR %x\n", bad);
		return -EINVAL;
	}
	/* IOPM (APM Vol. 2 15.10.1): one bit per port; the hidden ports and
	 * the PCI configuration ports (the core filters them). */
	for (u32 p = HV_HIDDEN_PORT_BASE; p < HV_HIDDEN_PORT_BASE + HV_HIDDEN_PORT_COUNT; p++)
		svm.iopm_os[p / 8] |= 1 << (p % 8);
	for (u32 p = PCIGUARD_PORT_BASE; p < PCIGUARD_PORT_BASE + PCIGUARD_PORT_COUNT; p++)
		svm.iopm_os[p / 8] |= 1 << (p % 8);
	memset(svm.msrpm_all, 0xff, MSRPM_SIZE);
	/* ... but for the MSRs of an isolated context's own state
	 * (ctx_msrs.h): VMLOAD/VMSAVE (svm_entry.S) and the VMCB switch
	 * them, so they pass through. All lie in the 0xc0000000 range. */
	for (u32 i = 0; i < ARRAY_SIZE(ctx_msrs); i++) {
		u32 bit = (ctx_msrs[i] - 0xc0000000u) * 2;

		svm.msrpm_all[0x800 + bit / 8] &= (u8)~(3 << (bit % 8));
	}
	memset(svm.iopm_all, 0xff, IOPM_SIZE);
	/* MSR permission map: every MSR exits but the table's PASS
	 * directions (include/hv/msr-policy.h). EFER exits to svm_efer():
	 * the guest's must keep SVME (APM 15.5.1), yet the guest must see
	 * SVM off; the SVM control MSRs get #GP (a guest that moved
	 * VM_HSAVE_PA could make VMRUN write over us); the APIC base and the
	 * x2APIC ICR are checked by the core (INIT/SIPI, docs/smp.md). */
	svm_msrpm_fill(svm.msrpm);
	return 0;
}

/* Per CPU (the boot CPU first, then each AP in ap_main). */
static int svm_cpu_enable(void)
{
	void *hsave = page_alloc(), *host_state = page_alloc();
	u64 host_state_pa;

	if (!hsave || !host_state || (!svm.msrpm && svm_maps_init()))
		return -ENOMEM;
	if (svm.clear_svmdis) {
		hv_printf("SVM: VM_CR.SVMDIS set but not locked; clearing it\n");
		wrmsr(MSR_VM_CR, rdmsr(MSR_VM_CR) & ~VM_CR_SVMDIS);
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	if (!(rdmsr(MSR_EFER) & EFER_SVME)) {
		hv_printf("SVM: EFER.SVME does not stick\n");
		return -EIO;
	}
	/* APM Vol. 2 15.30.4: VMRUN keeps host state in this page. */
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(hsave));
	cpu_hsave_pa[cpu_index()] = virt_to_phys(hsave);
	host_state_pa = virt_to_phys(host_state);
	__asm__ __volatile__("vmsave %%rax" : : "a"(host_state_pa) : "memory");
	cpu_this()->vendor_host = host_state_pa;
	/* GIF = 0 from here on in host mode: an INIT that reaches this CPU
	 * outside a guest stays pending instead of resetting it out of the
	 * hypervisor (APM Vol. 2 15.17); in a guest it is intercepted. */
	__asm__ __volatile__("clgi" ::: "memory");
	svm_pmu_off();
	return 0;
}

static void svm_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u32 limit, u64 base)
{
	s->sel = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

static struct vmcb *vmcb_of(struct vcpu *v)
{
	return v->vendor;	/* the VMCB page itself: nothing else per context */
}

static u8 tlb_flush_code(void)
{
	return svm.features & SVM_FEAT_FLUSH_BY_ASID ? TLB_CONTROL_FLUSH_ASID
						     : TLB_CONTROL_FLUSH_ALL;
}

static u32 asid_get(void)
{
	u32 top = svm.nasid < ASID_POOL ? svm.nasid : ASID_POOL, best = 2;

	for (u32 a = 2; a < top; a++) {
		if (!asid_users[a]) {
			asid_users[a] = 1;
			return a;
		}
		if (asid_users[a] < asid_users[best])
			best = a;
	}
	asid_users[best]++;	/* none free: share the least used */
	return best;
}

static void asid_put(u32 asid)
{
	if (asid >= 2 && asid < ASID_POOL && asid_users[asid])
		asid_users[asid]--;
}

/* A new thread slot in the mode of the slot that made it (HC_MIEE_SLOT_NEW,
 * docs/miee.md): its control registers, EFER, descriptor tables, every
 * segment register with its hidden part and the SYSCALL MSRs; FS and GS
 * bases its own. The caller's VMCB is current: svm_entry.S VMSAVEd it. */
static void svm_like(struct vmcb_save *g, const struct vmcb_save *l,
		     const struct vcpu_init_state *s)
{
	g->es = l->es;
	g->cs = l->cs;
	g->ss = l->ss;
	g->ds = l->ds;
	g->fs = l->fs;
	g->gs = l->gs;
	g->gdtr = l->gdtr;
	g->ldtr = l->ldtr;
	g->idtr = l->idtr;
	g->tr = l->tr;
	g->fs.base = s->fs_base;
	g->gs.base = s->gs_base;
	g->cpl = l->cpl;
	g->efer = l->efer;
	g->cr0 = l->cr0;
	g->cr3 = l->cr3;
	g->cr4 = l->cr4;
	g->star = l->star;
	g->lstar = l->lstar;
	g->cstar = l->cstar;
	g->sfmask = l->sfmask;
}

static int svm_vcpu_setup(struct vcpu *v, const struct vcpu_init_state *s)
{
	struct vmcb *vmcb;
	struct vmcb_control *c;
	struct vmcb_save *g;
	struct host_frame *f;

	if (v->miee && svm.nasid < 3) {
		hv_printf("SVM: %u ASIDs: none left for an isolated context\n", svm.nasid);
		return -ENOSYS;
	}
	vmcb = page_alloc();
	if (!vmcb)
		return -ENOMEM;
	v->vendor = vmcb;
	c = &vmcb->ctl;
	g = &vmcb->save;

	/* Intercepts (APM Vol. 2 15.9-15.13). VMRUN must be intercepted
	 * (15.5.1); the other SVM instructions give #UD as if EFER.SVME were
	 * clear, which is what the guest sees. */
	c->intercept1 = INTERCEPT1_CPUID | INTERCEPT1_INVD | INTERCEPT1_INVLPGA |
			INTERCEPT1_MSR_PROT | INTERCEPT1_SHUTDOWN | INTERCEPT1_RDPMC | INTERCEPT1_INIT;
	c->intercept2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL | INTERCEPT2_VMLOAD |
			INTERCEPT2_VMSAVE | INTERCEPT2_STGI | INTERCEPT2_CLGI |
			INTERCEPT2_SKINIT | (svm.rdpru ? INTERCEPT2_RDPRU : 0);
	if (!v->miee) {
		/* The OS: no INTR/NMI intercepts and V_INTR_MASKING clear, so
		 * physical interrupts are delivered through its IDT under its
		 * RFLAGS.IF (15.21.1). XSETBV is not intercepted: the CPU
		 * checks it against CPUID and the guest's CR4 itself, and the
		 * host uses no XSAVE state. IOIO_PROT with an IOPM that
		 * names only the hidden ports (COM2). */
		c->intercept1 |= INTERCEPT1_IOIO_PROT;
		/* SMP: NMIs exit, for the TLB shootdown (docs/smp.md); the
		 * OS's own are handed back to it by the exit handler. */
		if (hv_ncpus > 1)
			c->intercept1 |= INTERCEPT1_NMI;
		c->iopm_base_pa = virt_to_phys(svm.iopm_os);
		c->msrpm_base_pa = virt_to_phys(svm.msrpm);
		c->asid = ASID_OS;
		c->tlb_control = TLB_CONTROL_FLUSH_ALL;
		c->int_ctl = 0;
	} else {
		/* An isolated context (docs/svm.md): physical interrupts and
		 * NMIs exit to the core, whatever the context's RFLAGS.IF
		 * (V_INTR_MASKING: they follow the host's IF, which
		 * svm_launch sets); every MSR but its context's (ctx_msrs.h),
		 * every port, XSETBV and HLT exit, and the core ends the MIEE
		 * for them. V_INTR_MASKING also makes its MOV to CR8 write
		 * only V_TPR in its VMCB, never the APIC's TPR (15.21.1). */
		c->intercept1 |= INTERCEPT1_INTR | INTERCEPT1_NMI | INTERCEPT1_IOIO_PROT |
				 INTERCEPT1_HLT;
		c->intercept2 |= INTERCEPT2_XSETBV;
		c->msrpm_base_pa = virt_to_phys(svm.msrpm_all);
		c->iopm_base_pa = virt_to_phys(svm.iopm_all);
		/* A thread slot shares its MIEE's ASID: one flush of it on a
		 * CPU drops every slot's translations there (docs/smp.md). */
		if (s->like && vmcb_of((struct vcpu *)s->like)->ctl.asid >= 2) {
			c->asid = vmcb_of((struct vcpu *)s->like)->ctl.asid;
			if (c->asid < ASID_POOL)
				asid_users[c->asid]++;
		} else {
			c->asid = asid_get();
		}
		/* The ASID may have tagged another context's translations. */
		c->tlb_control = tlb_flush_code();
		c->int_ctl = INT_CTL_V_INTR_MASKING;
	}
	c->np_control = NP_ENABLE;
	c->n_cr3 = npt_root_pa(v->npt);
	c->clean = 0;		/* never claim cached state is valid (15.15.3) */

	/* Guest state: 64-bit mode with paging. QEMU derives CPL from SS.DPL
	 * and the CPU from the CPL field; both say 0. */
	svm_seg(&g->cs, s->cs, SEG_ATTR_CODE64, 0xffffffff, 0);
	svm_seg(&g->ss, s->ds, SEG_ATTR_DATA, 0xffffffff, 0);
	svm_seg(&g->ds, s->ds, SEG_ATTR_DATA, 0xffffffff, 0);
	svm_seg(&g->es, s->ds, SEG_ATTR_DATA, 0xffffffff, 0);
	svm_seg(&g->fs, s->ds, SEG_ATTR_DATA, 0xffffffff, 0);
	svm_seg(&g->gs, s->ds, SEG_ATTR_DATA, 0xffffffff, 0);
	svm_seg(&g->ldtr, 0, 0, 0, 0);
	svm_seg(&g->tr, 0, SEG_ATTR_TSS64_BUSY, 0xff, 0);
	svm_seg(&g->gdtr, 0, 0, s->gdt_limit, s->gdt_base);
	svm_seg(&g->idtr, 0, 0, s->idt_limit, s->idt_base);
	g->cpl = 0;
	g->efer = s->efer | EFER_SVME;	/* VMRUN requires it (15.5.1) */
	g->cr0 = s->cr0;
	g->cr3 = s->cr3;
	g->cr4 = s->cr4;
	g->dr6 = 0xffff0ff0;
	g->dr7 = 0x400;
	g->rflags = s->rflags;
	g->rip = s->rip;
	g->rsp = s->rsp;
	g->rax = s->regs.rax;
	g->g_pat = 0x0007040600070406ull;	/* power-on PAT (15.25.8) */
	g->fs.base = s->fs_base;
	g->gs.base = s->gs_base;
	if (s->like)
		svm_like(g, &vmcb_of((struct vcpu *)s->like)->save, s);

	/* An isolated context is set up inside an exit of the OS, whose
	 * frame is on the host stack: its GPRs wait in v->saved (the core's)
	 * and RAX reaches its VMCB when the core switches to it. */
	if (v->miee)
		return 0;
	f = host_frame_of(v->host_stack_top);
	f->vcpu = v;
	f->vmcb_pa = virt_to_phys(vmcb);
	f->regs = s->regs;
	return 0;
}

static void svm_ctx_free(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);

	if (!vmcb)
		return;
	if (exit_stack_top && host_frame_of(exit_stack_top)->vmcb_pa == virt_to_phys(vmcb))
		panic("SVM: freeing the VMCB of the context about to run");
	if (vmcb->ctl.asid != ASID_OS)
		asid_put(vmcb->ctl.asid);
	v->vendor = NULL;
	page_free(vmcb);
}

/* Called by the core inside an exit of `from`: the loop (svm_entry.S)
 * VMLOADs and VMRUNs whatever VMCB the frame's vmcb_pa names, so pointing
 * it at to's is the switch. The frame's GPRs and vcpu are the core's; RAX goes
 * from the frame into to's VMCB at the end of the exit handler. */
static void svm_ctx_switch(struct vcpu *from, struct vcpu *to)
{
	struct vmcb *vmcb = vmcb_of(to);

	(void)from;
	if (!exit_stack_top || !vmcb)
		panic("SVM: context switch outside an exit or to a context without a VMCB");
	host_frame_of(exit_stack_top)->vmcb_pa = virt_to_phys(vmcb);
	/* A shared ASID may hold another context's translations. So may this
	 * CPU's TLB, with several CPUs, for an ASID that an earlier MIEE used
	 * here: a new context flushes its ASID only on the CPU it first runs
	 * on, and an MIEE may run on any CPU (docs/smp.md). */
	if ((vmcb->ctl.asid < ASID_POOL && asid_users[vmcb->ctl.asid] > 1) ||
	    (to->miee && hv_ncpus > 1))
		vmcb->ctl.tlb_control = tlb_flush_code();
}

/* The NMI that made an isolated context exit is still pending: an NMI
 * intercept does not consume it (APM Vol. 2 15.13.2; QEMU exits before it
 * clears the request). GIF stays 0 in the host, so it is delivered through
 * the OS's IDT as soon as the OS is VMRUN again. Injecting one here would
 * give the OS two. */
static void svm_inject_nmi(struct vcpu *v)
{
	(void)v;
}

static int svm_vcpu_run(struct vcpu *v)
{
	svm_launch(host_frame_of(v->host_stack_top));
}

static unsigned svm_guest_cpl(struct vcpu *v)
{
	return vmcb_of(v)->save.cpl;
}

static u64 svm_guest_rip(struct vcpu *v)
{
	return vmcb_of(v)->save.rip;
}

/* CR4 is not intercepted: the VMCB copy is the guest's own. */
static u64 svm_guest_cr4(struct vcpu *v)
{
	return vmcb_of(v)->save.cr4;
}

/* APM Vol. 2 15.20: EVENTINJ, type 3 = exception. */
static void svm_inject(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	vmcb_of(v)->ctl.event_inj = vector | EVENT_TYPE_EXCEPTION | EVENT_VALID |
				    (has_error ? EVENT_ERROR_VALID | (u64)error << 32 : 0);
}

/* APM Vol. 2 15.16.1: TLB_CONTROL applies at the next VMRUN, which drops
 * the guest's translations, nested ones included. */
static void svm_flush(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);

	/* Keep a pending flush-everything (the OS's first run). */
	if (vmcb->ctl.tlb_control == TLB_CONTROL_NONE)
		vmcb->ctl.tlb_control = tlb_flush_code();
}

static void svm_dump(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	struct vmcb_save *g = &vmcb->save;
	struct guest_regs *r = v->regs;

	hv_printf("SVM context: %s%u, ASID %u\n", v->miee ? "MIEE " : "OS", v->miee,
		  vmcb->ctl.asid);
	hv_printf("SVM exit code %lx exitinfo1 %lx exitinfo2 %lx exitintinfo %lx\n",
		  vmcb->ctl.exit_code, vmcb->ctl.exit_info1, vmcb->ctl.exit_info2,
		  vmcb->ctl.exit_int_info);
	hv_printf("guest rip %lx rsp %lx rflags %lx cs %x (attr %x) cpl %u\n",
		  g->rip, g->rsp, g->rflags, g->cs.sel, g->cs.attrib, g->cpl);
	hv_printf("cr0 %lx cr2 %lx cr3 %lx cr4 %lx efer %lx n_cr3 %lx\n",
		  g->cr0, g->cr2, g->cr3, g->cr4, g->efer, vmcb->ctl.n_cr3);
	if (r)
		hv_printf("rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx r8 %lx\n",
			  r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->r8);
}

/* The state INIT then SIPI leave (APM Vol. 2 14.1.3, Table 14-1): real
 * mode, CS = vector << 8 with base vector << 12, IP 0, caches as after
 * INIT; nested paging on the OS's table, ASID 1, as for the boot CPU. */
static int svm_vcpu_sipi(struct vcpu *v, u8 vector)
{
	struct vcpu_init_state s;
	struct vmcb_save *g;
	int err;

	memset(&s, 0, sizeof(s));
	err = svm_vcpu_setup(v, &s);
	if (err)
		return err;
	g = &vmcb_of(v)->save;
	svm_seg(&g->cs, (u16)vector << 8, 0x09b, 0xffff, (u64)vector << 12);
	svm_seg(&g->ss, 0, 0x093, 0xffff, 0);
	svm_seg(&g->ds, 0, 0x093, 0xffff, 0);
	svm_seg(&g->es, 0, 0x093, 0xffff, 0);
	svm_seg(&g->fs, 0, 0x093, 0xffff, 0);
	svm_seg(&g->gs, 0, 0x093, 0xffff, 0);
	svm_seg(&g->ldtr, 0, 0x082, 0xffff, 0);
	svm_seg(&g->tr, 0, 0x08b, 0xffff, 0);
	svm_seg(&g->gdtr, 0, 0, 0xffff, 0);
	svm_seg(&g->idtr, 0, 0, 0xffff, 0);
	g->cr0 = CR0_ET | BIT(29) | BIT(30);	/* ET, NW, CD */
	g->cr3 = 0;
	g->cr4 = 0;
	g->efer = EFER_SVME;
	g->rflags = 2;
	g->rip = 0;
	g->rsp = 0;
	return 0;
}

static void svm_guest_paging(struct vcpu *v, u64 *cr0, u64 *cr4, u64 *efer, u64 *cr3)
{
	struct vmcb_save *g = &vmcb_of(v)->save;

	*cr0 = g->cr0;
	*cr4 = g->cr4;
	*efer = g->efer;
	*cr3 = g->cr3;
}

static void svm_skip_insn(struct vcpu *v, unsigned len)
{
	struct vmcb *vmcb = vmcb_of(v);

	vmcb->save.rip += len;		/* nRIP does not cover NPF exits */
	vmcb->ctl.int_state &= ~INT_STATE_SHADOW;
}

static void svm_cpuid_adjust(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	(void)sub;
	if (leaf == 0x80000001) {
		/* SVM and SKINIT/STGI: #UD here. No PMU for the OS
		 * (include/hv/msr-policy.h): no extended counters, no IBS. */
		*c &= ~(u32)(CPUID_80000001_ECX_SVM | CPUID_80000001_ECX_SKINIT |
			     CPUID_80000001_ECX_IBS | CPUID_80000001_ECX_PERFCTR_CORE |
			     CPUID_80000001_ECX_PERFCTR_NB | CPUID_80000001_ECX_PERFCTR_LLC);
	}
	if (leaf == 0x8000001b || leaf == 0x80000022)
		*a = *b = *c = *d = 0;		/* IBS features, PerfMonV2 */
	if (leaf == 0x80000008 && svm.rdpru)
		*b &= ~(u32)CPUID_80000008_EBX_RDPRU;	/* #UD here */
	if (leaf == 0x8000000a)
		*a = *b = *c = *d = 0;		/* SVM features: no SVM */
}

static int inject_gp(struct vcpu *v)
{
	svm_inject(v, EXC_GP, true, 0);
	return VCPU_INJECTED;
}

/* EFER is ours in the VMCB: the guest reads it without SVME and may not
 * set SVME, reserved bits or change LME with paging on (APM Vol. 2 3.1.7);
 * LMA is read-only. */
static int svm_efer(struct vcpu *v, bool write)
{
	struct vmcb_save *g = &vmcb_of(v)->save;
	u64 val;

	if (!write) {
		val = g->efer & ~EFER_SVME;
		v->regs->rax = (u32)val;
		v->regs->rdx = val >> 32;
		return VCPU_SKIP;
	}
	val = (v->regs->rdx << 32) | (u32)v->regs->rax;
	if (val & ~svm.guest_efer_bits)
		return inject_gp(v);
	if (((val ^ g->efer) & EFER_LME) && (g->cr0 & CR0_PG))
		return inject_gp(v);
	g->efer = (val & ~EFER_LMA) | (g->efer & EFER_LMA) | EFER_SVME;
	return VCPU_SKIP;
}

/* An event the exit interrupted (EXITINTINFO, APM Vol. 2 15.7.2) must be
 * delivered again. Software interrupts, INT3 and INTO are not reinjected:
 * RIP still points at the instruction, which raises them again. */
static void svm_reinject(struct vmcb *vmcb)
{
	u64 info = vmcb->ctl.exit_int_info;
	u32 type = info & (7u << 8), vec = info & EVENT_VECTOR_MASK;

	if (!(info & EVENT_VALID) || type == 4u << 8 ||
	    (type == EVENT_TYPE_EXCEPTION && (vec == 3 || vec == 4)))
		return;
	vmcb->ctl.event_inj = info;
}

/* Lengths of the intercepted instructions when the CPU has no nRIP save
 * (QEMU TCG): CPUID 0f a2, RDMSR/WRMSR 0f 32/30, INVD 0f 08, VMMCALL
 * 0f 01 d9. */
static void svm_skip(struct vmcb *vmcb, unsigned len)
{
	if (svm.features & SVM_FEAT_NRIPS)
		vmcb->save.rip = vmcb->ctl.next_rip;
	else
		vmcb->save.rip += len;
	/* The skipped instruction ends an STI/MOV SS shadow. */
	vmcb->ctl.int_state &= ~INT_STATE_SHADOW;
}

static int svm_fatal(struct vcpu *v, const char *why, u64 info);

static void exit_trace_print(u32 cpu)
{
	for (u32 i = 0; i < EXIT_TRACE; i++) {
		struct exit_trace *t = &exit_trace[cpu][(exit_trace_pos[cpu] + i) % EXIT_TRACE];

		hv_printf("SVM:   tsc %lx exit %lx VMCB %lx rip %lx -> next VMCB %lx rip %lx\n",
			  t->tsc, t->code, t->vmcb_pa, t->rip, t->next_pa, t->next_rip);
	}
}

/* The VMCB of the exit being handled holds the state VMRUN saved for the
 * host (RIP just after svm_entry.S's VMRUN, the hypervisor's CR3): a
 * context ran as the host. Say everything about it; the OS cannot go on,
 * an MIEE is ended (a PAL could set that RIP and CR3 itself: it only
 * ends itself). */
static int svm_host_state_seen(struct vcpu *v, struct vmcb *vmcb, u64 code,
			       struct guest_regs *regs)
{
	u32 cpu = cpu_index();

	hv_printf("SVM: CPU %u: %s%u slot %u exited (%lx, info %lx %lx) with the host's state "
		  "in its VMCB %lx: rip %lx rsp %lx (this exit's frame %lx) rax %lx cr3 %lx; "
		  "VM_HSAVE_PA %lx (set %lx)\n",
		  cpu, v->miee ? "MIEE " : "OS", v->miee, v->slot, code, vmcb->ctl.exit_info1,
		  vmcb->ctl.exit_info2, virt_to_phys(vmcb), vmcb->save.rip, vmcb->save.rsp,
		  (u64)host_frame_top(regs), vmcb->save.rax, vmcb->save.cr3,
		  rdmsr(MSR_VM_HSAVE_PA), cpu_hsave_pa[cpu]);
	exit_trace_print(cpu);
	return svm_fatal(v, "the context ran with the host's state (SVM host-state failure)", code);
}

/* The context cannot go on. The OS's stops the machine in the core; an
 * MIEE's ends and the core switches back to the OS. */
static int svm_fatal(struct vcpu *v, const char *why, u64 info)
{
	int ret = vcpu_fatal(v, why, info);

	if (ret != VCPU_SWITCHED)
		panic("SVM: guest cannot continue after: %s", why);
	return ret;
}

void svm_exit_handler(struct guest_regs *regs, struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	u64 code = vmcb->ctl.exit_code, info1 = vmcb->ctl.exit_info1;
	struct vcpu *cur;
	unsigned len = 0;
	int ret;
	u32 cpu = cpu_index();
	struct exit_trace *t = &exit_trace[cpu][exit_trace_pos[cpu]];

	exit_stack_top = host_frame_top(regs);
	v->regs = regs;
	v->stats[HV_STAT_EXITS]++;
	regs->rax = vmcb->save.rax;
	/* The last VMRUN did the flush and the injection, if any. */
	vmcb->ctl.tlb_control = TLB_CONTROL_NONE;
	vmcb->ctl.event_inj = 0;
	svm_reinject(vmcb);
	t->tsc = rdtsc();
	t->code = code;
	t->vmcb_pa = virt_to_phys(vmcb);
	t->rip = vmcb->save.rip;

	if (vmcb->save.rip == (u64)svm_vmrun_ret && vmcb->save.cr3 == read_cr3())
		ret = svm_host_state_seen(v, vmcb, code, regs);
	else switch (code) {
	case SVM_EXIT_CPUID:
		ret = vcpu_cpuid(v);
		len = 2;
		break;
	case SVM_EXIT_VMMCALL:
		/* Skipped first: the hypercall may switch contexts, and the
		 * caller resumes after it whenever it runs again. */
		if (vcpu_hypercall_refused(v)) {
			ret = VCPU_INJECTED;
			break;
		}
		svm_skip(vmcb, 3);
		ret = vcpu_hypercall(v);
		if (ret != VCPU_SWITCHED)
			ret = VCPU_RETRY;	/* already skipped */
		break;
	case SVM_EXIT_MSR: {
		u32 msr = (u32)regs->rcx;
		bool write = info1 & 1;

		if (msr == MSR_EFER && !v->miee)
			ret = svm_efer(v, write);
		else
			ret = write ? vcpu_wrmsr(v, msr) : vcpu_rdmsr(v, msr);
		len = 2;
		break;
	}
	case SVM_EXIT_XSETBV:		/* isolated contexts only */
		ret = vcpu_xsetbv(v);
		len = 3;		/* 0f 01 d1 */
		break;
	case SVM_EXIT_IOIO: {		/* port in 31:16 (APM Vol. 2 15.10.2) */
		unsigned size = info1 & BIT(4) ? 1 : info1 & BIT(5) ? 2 : 4;

		/* An isolated context's port I/O (all of it exits) ends it. */
		ret = vcpu_io(v, (u16)(info1 >> 16), size, info1 & 1, info1 & BIT(2));
		/* EXITINFO2 holds the next RIP for IOIO intercepts. */
		len = (unsigned)(vmcb->ctl.exit_info2 - vmcb->save.rip);
		break;
	}
	case SVM_EXIT_HLT:		/* isolated contexts only */
		ret = vcpu_forbidden(v, MIEE_I_HLT, 0, "HLT exit from the OS");
		if (ret != VCPU_SWITCHED)
			panic("SVM: guest cannot continue after HLT");
		break;
	case SVM_EXIT_INTR:		/* isolated contexts only */
		ret = vcpu_interrupted(v, false);
		break;
	case SVM_EXIT_NMI:
		if (v->miee) {
			ret = vcpu_interrupted(v, true);
			break;
		}
		/* The OS's (SMP only): the NMI is still pending (it was
		 * intercepted, not taken). Take it in the host, in a GIF
		 * window with interrupts off (nmi_stub, boot/isr.S), so the
		 * next VMRUN does not exit again: there smp_host_nmi()
		 * answers a shootdown, or keeps the NMI, which is the OS's
		 * and goes to it (below, once no other event is pending). */
		__asm__ __volatile__("cli; stgi; nop; clgi; sti" ::: "memory");
		ret = VCPU_RETRY;
		break;
	case SVM_EXIT_INVD:
		/* Dropping dirty lines could lose hypervisor writes. */
		__asm__ __volatile__("wbinvd" ::: "memory");
		ret = VCPU_SKIP;
		len = 2;
		break;
	case SVM_EXIT_NPF:
		/* EXITINFO1 is a #PF-style error code, EXITINFO2 the guest
		 * physical address (APM Vol. 2 15.25.6). */
		if (info1 & NPF_RSV)
			ret = svm_fatal(v, "reserved bit in a nested page table entry",
					vmcb->ctl.exit_info2);
		else
			ret = vcpu_npf(v, vmcb->ctl.exit_info2,
				       info1 & NPF_ID ? NPT_X : info1 & NPF_RW ? NPT_W : NPT_R);
		if (ret == VCPU_SKIP)
			ret = VCPU_RETRY;	/* never skip a faulting access */
		break;
	case SVM_EXIT_INIT:
		/* The hypervisor sends no INIT once the OS runs and emulates
		 * the OS's (docs/smp.md): this one came from elsewhere. */
		svm_dump(v);
		panic("SVM: INIT signal on CPU %u while a guest ran", cpu_index());
	case SVM_EXIT_SHUTDOWN:
		ret = vcpu_shutdown(v);
		if (ret != VCPU_SWITCHED)
			panic("SVM: shutdown (triple fault) in the guest");
		break;
	case SVM_EXIT_INVALID:
		ret = svm_fatal(v, "VMRUN refused the guest state (VMEXIT_INVALID)", code);
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA: case SVM_EXIT_RDPRU:
		/* SVM is not exposed to the OS: #UD, as with EFER.SVME
		 * clear. An MIEE executing one is ended. */
		ret = vcpu_refused_insn(v, EXC_UD, code);
		break;
	case SVM_EXIT_RDPMC:
		/* No counters for the OS: #GP, as for a counter that is absent. */
		ret = vcpu_refused_insn(v, EXC_GP, code);
		break;
	default:
		ret = svm_fatal(v, "unhandled VM exit", code);
		break;
	}

	/* After VCPU_SWITCHED, v's VMCB is left alone: the context that runs
	 * next is the one the core put in the frame. */
	cur = host_frame_of(exit_stack_top)->vcpu;
	if (cur != v && ret != VCPU_SWITCHED)
		panic("SVM: the core switched contexts but returned %d", ret);
	if (ret == VCPU_SKIP)
		svm_skip(vmcb, len);
	if (host_frame_of(exit_stack_top)->vmcb_pa != virt_to_phys(vmcb_of(cur)))
		panic("SVM: the next VMCB is not the current context's");
	vmcb_of(cur)->save.rax = regs->rax;
	t->next_pa = virt_to_phys(vmcb_of(cur));
	t->next_rip = vmcb_of(cur)->save.rip;
	exit_trace_pos[cpu] = (exit_trace_pos[cpu] + 1) % EXIT_TRACE;
	if (t->next_pa == cpu_hsave_pa[cpu]) {
		exit_trace_print(cpu);
		panic("SVM: CPU %u: the VMCB to run is this CPU's host-save page %lx", cpu, t->next_pa);
	}
	/* An NMI the host took during this exit that was not a shootdown is
	 * the OS's: injected when the OS runs next, unless an event is being
	 * re-injected now; then it stays kept for a later exit (it was
	 * dropped here before: taken, and never injected). */
	if (!cur->miee && !(vmcb_of(cur)->ctl.event_inj & EVENT_VALID) && smp_os_nmi_take())
		vmcb_of(cur)->ctl.event_inj = EXC_NMI | EVENT_TYPE_NMI | EVENT_VALID;
	v->regs = NULL;
	cur->regs = NULL;
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.backend = HV_BACKEND_SVM,
	.npt_fmt = NPT_FMT_AMD,
	.hv_features = HV_FEAT_VMMCALL,
	.probe = svm_probe,
	.cpu_enable = svm_cpu_enable,
	.vcpu_setup = svm_vcpu_setup,
	.vcpu_run = svm_vcpu_run,
	.guest_cpl = svm_guest_cpl,
	.guest_rip = svm_guest_rip,
	.inject_exception = svm_inject,
	.flush_npt = svm_flush,
	.dump = svm_dump,
	.cpuid_adjust = svm_cpuid_adjust,
	.guest_cr4 = svm_guest_cr4,
	.msr_policy = &svm_msr_policy,
	.ctx_switch = svm_ctx_switch,
	.ctx_free = svm_ctx_free,
	.inject_nmi = svm_inject_nmi,
	.vcpu_sipi = svm_vcpu_sipi,
	.guest_paging = svm_guest_paging,
	.skip_insn = svm_skip_insn,
};
