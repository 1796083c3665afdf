/* Intel VMX backend: feature checks, VMXON, one VMCS per vCPU with
 * controls computed from the capability MSRs, EPT, context switches and
 * SIPI (SDM Vol. 3C chapters 24-27). Exit decoding is in vmx_exit.c.
 * VMX root only. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "host_frame.h"
#include "x86.h"
#include "arch/vmx/vmcs.h"
#include "arch/vmx/vmx_int.h"
#include "ctx_msrs.h"
#include "iommu/pciguard.h"
#include "hv/miee.h"
#include "msr_policy.h"
#include "smp.h"

struct vmx_caps vmx;


bool next_launch[HV_MAX_CPUS];

/* An isolated context's time slice, in TSC ticks (about 1 ms at 4 GHz):
 * the VMX-preemption timer ends it whatever the context did to interrupt
 * delivery (SDM Vol. 3C 26.5.1). Bochs, for one, does not deliver an
 * external-interrupt exit to a guest that was entered with RFLAGS.IF = 0
 * until the guest's IF changes; the timer bounds that too. */
#define VMX_SLICE_TSC (1ull << 22)

/* An MIEE's thread slots: index = its id (0 unused), then the slot. The
 * OS has one vCPU per CPU, each with its own VMCS: index = that CPU's. */
static struct vmx_vcpu vmx_vcpus[MIEE_MAX + 1][MIEE_SLOTS_MAX];
static struct vmx_vcpu vmx_os[HV_MAX_CPUS];

struct vmx_vcpu *vmx_of(struct vcpu *v)
{
	if (v->miee)
		return &vmx_vcpus[v->miee][v->slot];
	/* The OS's vCPU is the one in its CPU's struct percpu. */
	return &vmx_os[((struct percpu *)((u8 *)v - __builtin_offsetof(struct percpu, os)))->index];
}

void vmx_launch(struct host_frame *frame) __attribute__((noreturn));
void vmx_exit_stub(void);
void vmx_entry_failed(u64 rflags) __attribute__((noreturn));

/* Controls: bits we want, plus those the CPU forces on, minus those it
 * cannot do (SDM Vol. 3D A.3-A.5). -1 if a required bit is missing. */
static int vmx_ctls(u32 msr, u32 true_msr, u32 want, u32 optional, u32 *out, const char *what)
{
	u64 cap = rdmsr(vmx.true_ctls && true_msr ? true_msr : msr);
	u32 must = (u32)cap, may = (u32)(cap >> 32);
	u32 v = (want | optional | must) & may;

	if ((v & want) != want) {
		hv_printf("VMX: the CPU lacks %s controls %x\n", what, want & ~v);
		return -ENOSYS;
	}
	*out = v;
	return 0;
}

static int vmx_probe(void)
{
	u32 a, b, c, d, proc2;
	u64 basic;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_VMX)) {
		hv_printf("VMX: CPUID.1:ECX.VMX is clear: no VT-x on this CPU (or it is hidden)\n");
		return -ENOSYS;
	}
	basic = rdmsr(MSR_VMX_BASIC);
	vmx.revision = basic & 0x7fffffff;
	vmx.true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	if (!(rdmsr(MSR_VMX_PROCBASED) >> 32 & PROC_SECONDARY)) {
		hv_printf("VMX: no secondary processor controls, so no EPT\n");
		return -ENOSYS;
	}
	if (vmx_ctls(MSR_VMX_PROCBASED2, 0, PROC2_EPT,
		     PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES,
		     &proc2, "secondary"))
		return -ENOSYS;
	vmx.proc2 = proc2;
	vmx.ept_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if ((vmx.ept_cap & (EPT_CAP_WALK4 | EPT_CAP_2M | EPT_CAP_INVEPT)) !=
	    (EPT_CAP_WALK4 | EPT_CAP_2M | EPT_CAP_INVEPT) ||
	    !(vmx.ept_cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		hv_printf("VMX: EPT lacks 4-level walks, 2 MiB pages or INVEPT (caps %lx)\n",
			  vmx.ept_cap);
		return -ENOSYS;
	}
	vmx.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	hv_printf("VMX: CR0 fixed %lx/%lx, CR4 fixed %lx/%lx\n", vmx.cr0_fixed0, vmx.cr0_fixed1,
		  vmx.cr4_fixed0, vmx.cr4_fixed1);
	hv_printf("VMX: revision %x, EPT caps %lx, secondary controls %x%s\n", vmx.revision,
		  vmx.ept_cap, proc2, proc2 & PROC2_UNRESTRICTED ? " (unrestricted guest)" : "");
	return 0;
}

/* Counters and tracing that could watch an MIEE start off: the OS cannot
 * turn them on (its MSR table refuses every PMU, PT, LBR and DS MSR, and
 * RDPMC exits), so nothing counts while an MIEE runs. Only MSRs CPUID
 * says exist are written (SDM Vol. 3B 20.2.2, 33.2.8). */
static void vmx_pmu_off(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0xa) {
		u32 max = a;

		cpuid(0xa, 0, &a, &b, &c, &d);
		if ((a & 0xff) >= 2)
			wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
		cpuid(7, 0, &a, &b, &c, &d);
		if (max >= 0x14 && (b & CPUID_7_EBX_PT))
			wrmsr(MSR_RTIT_CTL, 0);
	}
}

static int vmx_cpu_enable(void)
{
	u32 bad;
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	u32 *region;
	u64 vmxon_pa;
	u8 fail;

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_FEATURE_CONTROL, fc);
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		hv_printf("VMX: disabled by the firmware (IA32_FEATURE_CONTROL %lx)\n", fc);
		return -EPERM;
	}
	if (msr_policy_validate(&vmx_msr_policy, &bad)) {
		hv_printf("VMX: the MSR table is malformed at MSR %x\n", bad);
		return -EINVAL;
	}
	write_cr0((read_cr0() | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	write_cr4((read_cr4() | vmx.cr4_fixed0 | CR4_VMXE) & vmx.cr4_fixed1);
	/* Each CPU its own VMXON region (SDM Vol. 3C 25.11.5). */
	region = page_alloc();
	if (!region)
		return -ENOMEM;
	region[0] = vmx.revision;
	vmxon_pa = virt_to_phys(region);
	__asm__ __volatile__("vmxon %1; setbe %0" : "=qm"(fail) : "m"(vmxon_pa) : "cc", "memory");
	if (fail) {
		hv_printf("VMX: VMXON failed on CPU %u\n", cpu_index());
		return -EIO;
	}
	vmx_pmu_off();
	if (vmx.msr_bitmap)
		return 0;	/* an AP: the boot CPU built the bitmaps */
	vmx.msr_bitmap = page_alloc();
	vmx.msr_bitmap_all = page_alloc();
	vmx.io_bitmap = palloc_contig(2);
	if (!vmx.msr_bitmap || !vmx.msr_bitmap_all || !vmx.io_bitmap)
		return -ENOMEM;
	/* I/O bitmaps (SDM 25.6.4): only the hidden ports and the PCI
	 * configuration ports (the core filters them) exit for the OS. */
	for (u32 p = HV_HIDDEN_PORT_BASE; p < HV_HIDDEN_PORT_BASE + HV_HIDDEN_PORT_COUNT; p++)
		vmx.io_bitmap[p / 8] |= 1 << (p % 8);
	for (u32 p = PCIGUARD_PORT_BASE; p < PCIGUARD_PORT_BASE + PCIGUARD_PORT_COUNT; p++)
		vmx.io_bitmap[p / 8] |= 1 << (p % 8);
	memset(vmx.msr_bitmap_all, 0xff, PAGE_SIZE);
	/* ... but for the MSRs that are part of an isolated context's state
	 * (ctx_msrs.h): read-high at 1024, write-high at 3072 (SDM 25.6.9). */
	for (u32 i = 0; i < ARRAY_SIZE(ctx_msrs); i++) {
		u32 n = ctx_msrs[i] - 0xc0000000u;

		vmx.msr_bitmap_all[1024 + n / 8] &= (u8)~(1 << (n % 8));
		vmx.msr_bitmap_all[3072 + n / 8] &= (u8)~(1 << (n % 8));
	}
	/* MSR bitmap (SDM 25.6.9): every MSR exits but the table's PASS
	 * directions (include/hv/msr-policy.h). */
	vmx_msr_bitmap_fill(vmx.msr_bitmap);
	return 0;
}

static void invept_all(u64 eptp)
{
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };
	u64 type = vmx.ept_cap & EPT_CAP_INVEPT_SINGLE ? 1 : 2;

	__asm__ __volatile__("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void seg(enum vmcs_field sel, u16 s, u64 base, u32 limit, u32 ar)
{
	/* Selector, limit, AR and base fields of one segment are laid out at
	 * fixed strides from the selector's encoding (Appendix B). */
	u32 idx = (sel - GUEST_ES_SEL) / 2;

	vmwrite(sel, s);
	vmwrite(GUEST_ES_LIMIT + 2 * idx, limit);
	vmwrite(GUEST_ES_AR + 2 * idx, ar);
	vmwrite(GUEST_ES_BASE + 2 * idx, base);
}

static void sw_save(struct vmx_swstate *s);

/* The guest segment registers, all of one: ES, CS, SS, DS, FS, GS, LDTR, TR. */
struct vmx_segs {
	u64 sel[8], base[8], limit[8], ar[8];
	u64 gdt_base, gdt_limit, idt_base, idt_limit;
	u64 cr0, cr0_shadow, cr3, cr4, cr4_shadow, efer;
};

/* The mode of the slot that makes a new one (HC_MIEE_SLOT_NEW), read
 * from its VMCS, current in its exit. */
static void like_read(struct vmx_segs *l)
{
	for (u32 i = 0; i < 8; i++) {
		l->sel[i] = vmread(GUEST_ES_SEL + 2 * i);
		l->base[i] = vmread(GUEST_ES_BASE + 2 * i);
		l->limit[i] = vmread(GUEST_ES_LIMIT + 2 * i);
		l->ar[i] = vmread(GUEST_ES_AR + 2 * i);
	}
	l->gdt_base = vmread(GUEST_GDTR_BASE);
	l->gdt_limit = vmread(GUEST_GDTR_LIMIT);
	l->idt_base = vmread(GUEST_IDTR_BASE);
	l->idt_limit = vmread(GUEST_IDTR_LIMIT);
	l->cr0 = vmread(GUEST_CR0);
	l->cr0_shadow = vmread(CR0_SHADOW);
	l->cr3 = vmread(GUEST_CR3);
	l->cr4 = vmread(GUEST_CR4);
	l->cr4_shadow = vmread(CR4_SHADOW);
	l->efer = vmread(GUEST_EFER);
}

/* ... written into the new VMCS, current now; FS and GS bases its own. */
static void like_write(const struct vmx_segs *l, const struct vcpu_init_state *s)
{
	for (u32 i = 0; i < 8; i++) {
		vmwrite(GUEST_ES_SEL + 2 * i, l->sel[i]);
		vmwrite(GUEST_ES_BASE + 2 * i, l->base[i]);
		vmwrite(GUEST_ES_LIMIT + 2 * i, l->limit[i]);
		vmwrite(GUEST_ES_AR + 2 * i, l->ar[i]);
	}
	vmwrite(GUEST_FS_BASE, s->fs_base);
	vmwrite(GUEST_GS_BASE, s->gs_base);
	vmwrite(GUEST_GDTR_BASE, l->gdt_base);
	vmwrite(GUEST_GDTR_LIMIT, l->gdt_limit);
	vmwrite(GUEST_IDTR_BASE, l->idt_base);
	vmwrite(GUEST_IDTR_LIMIT, l->idt_limit);
	vmwrite(GUEST_CR0, l->cr0);
	vmwrite(CR0_SHADOW, l->cr0_shadow);
	vmwrite(GUEST_CR3, l->cr3);
	vmwrite(GUEST_CR4, l->cr4);
	vmwrite(CR4_SHADOW, l->cr4_shadow);
	vmwrite(GUEST_EFER, l->efer);
}

static int vmx_vcpu_setup(struct vcpu *v, const struct vcpu_init_state *s)
{
	struct vmx_segs like = { 0 };
	struct vmx_vcpu *x = vmx_of(v);
	u32 pin, proc, proc2, exit, entry;
	bool iso = v->miee != 0;
	u64 current = 0;
	struct dtr gdtr, idtr;
	u32 *vmcs = page_alloc();
	u64 cr0_mask, cr4_mask;
	bool loaded = false;
	int err;
	u8 fail;

	if (!vmcs)
		return -ENOMEM;
	vmcs[0] = vmx.revision;
	x->vmcs_pa = virt_to_phys(vmcs);
	x->launched = false;
	memset(&x->sw, 0, sizeof(x->sw));
	x->sw.dr6 = DR6_INIT;
	x->tpr = 0;
	/* An isolated context is built from inside an exit of the OS's:
	 * put the OS's VMCS back as current at the end. */
	if (iso)
		__asm__ __volatile__("vmptrst %0" : "=m"(current));
	if (s->like) {
		/* Its SYSCALL MSRs are live in the CPU (vmx_ctx_switch): its
		 * mode; KERNEL_GS_BASE, CR2, DR6 are the new thread's own. */
		like_read(&like);
		sw_save(&x->sw);
		x->sw.kernel_gs_base = 0;
		x->sw.cr2 = 0;
		x->sw.dr6 = DR6_INIT;
	}
	__asm__ __volatile__("vmclear %1; setbe %0" : "=qm"(fail) : "m"(x->vmcs_pa) : "cc", "memory");
	err = -EIO;
	if (fail)
		goto fail;
	__asm__ __volatile__("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(x->vmcs_pa) : "cc", "memory");
	if (fail)
		goto fail;
	loaded = true;
	v->vendor = x;

	/* Isolated contexts (MIEE): interrupts and NMIs exit so the OS gets
	 * them, port I/O, HLT and every MSR but its context's exit, and so do
	 * MOV to and from CR8, so that it cannot raise the real TPR (SDM
	 * 25.6.1, 25.6.2; its CR8 is x->tpr). */
	/* The OS's NMIs exit too when there is more than one CPU: the TLB
	 * shootdown's IPI is one (docs/smp.md); the OS's own go back to it.
	 * With NMI exiting, virtual NMIs where the CPU has them: the guest's
	 * NMI blocking is then that of the NMIs injected into it, never
	 * the physical NMIs' (SDM Vol. 3C 25.3, 26.3: with NMI exiting, the
	 * guest's IRET does not unblock physical NMIs). */
	if (vmx_ctls(MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED,
		     iso ? PIN_EXT_INTR | PIN_NMI : hv_ncpus > 1 ? PIN_NMI : 0,
		     iso ? PIN_PREEMPT_TIMER | PIN_VIRTUAL_NMI :
			   hv_ncpus > 1 ? PIN_VIRTUAL_NMI : 0, &pin, "pin-based") ||
	    vmx_ctls(MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED,
		     PROC_USE_MSR_BITMAPS | PROC_SECONDARY | PROC_RDPMC_EXITING |
		     (iso ? PROC_UNCOND_IO | PROC_HLT_EXITING | PROC_CR8_LOAD_EXITING |
			    PROC_CR8_STORE_EXITING : PROC_USE_IO_BITMAPS), 0,
		     &proc, "processor-based") ||
	    vmx_ctls(MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT,
		     EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT,
		     EXIT_SAVE_DEBUG, &exit, "exit") ||
	    vmx_ctls(MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY,
		     ENTRY_IA32E | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, ENTRY_LOAD_DEBUG,
		     &entry, "entry")) {
		err = -ENOSYS;
		goto fail;
	}
	proc2 = vmx.proc2;
	vmwrite(PIN_CONTROLS, pin);
	/* Not saved at exit: every entry gets a full slice. */
	if (pin & PIN_PREEMPT_TIMER)
		vmwrite(VMX_PREEMPT_TIMER, VMX_SLICE_TSC >> (rdmsr(MSR_VMX_MISC) & 31));
	else if (iso)
		hv_printf("VMX: no preemption timer: an MIEE's stay is bounded by interrupts only\n");
	vmwrite(PROC_CONTROLS, proc);
	vmwrite(PROC_CONTROLS2, proc2);
	vmwrite(EXIT_CONTROLS, exit);
	vmwrite(ENTRY_CONTROLS, entry & ((s->like ? like.efer : s->efer) & EFER_LMA ? ~0u :
					 ~(u32)ENTRY_IA32E));
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(MSR_BITMAP, virt_to_phys(iso ? vmx.msr_bitmap_all : vmx.msr_bitmap));
	if (!iso) {
		vmwrite(IO_BITMAP_A, virt_to_phys(vmx.io_bitmap));
		vmwrite(IO_BITMAP_B, virt_to_phys(vmx.io_bitmap) + PAGE_SIZE);
	}

	/* EPT pointer (SDM 25.6.11): 4-level walk, write-back paging
	 * structures when the CPU allows it. */
	x->eptp = npt_root_pa(v->npt) | (3 << 3) | (vmx.ept_cap & EPT_CAP_WB ? 6 : 0);
	vmwrite(EPT_POINTER, x->eptp);

	/* CR0/CR4 bits VMX pins are owned by us: the guest reads its own
	 * values from the shadows (SDM 25.6.6). With unrestricted guest, PE
	 * and PG are the guest's. */
	x->cr0_fixed0 = vmx.cr0_fixed0;
	if (proc2 & PROC2_UNRESTRICTED)
		x->cr0_fixed0 &= ~(CR0_PE | CR0_PG);
	x->cr0_fixed1 = vmx.cr0_fixed1;
	x->cr4_fixed0 = vmx.cr4_fixed0;
	x->cr4_fixed1 = vmx.cr4_fixed1;
	cr0_mask = x->cr0_fixed0 | (~x->cr0_fixed1 & 0xffffffffull);
	cr4_mask = x->cr4_fixed0 | (~x->cr4_fixed1 & 0xffffffffull);
	vmwrite(CR0_MASK, cr0_mask);
	vmwrite(CR4_MASK, cr4_mask);
	vmwrite(CR0_SHADOW, s->cr0);
	vmwrite(CR4_SHADOW, s->cr4);
	vmwrite(GUEST_CR0, (s->cr0 | x->cr0_fixed0) & x->cr0_fixed1);
	vmwrite(GUEST_CR3, s->cr3);
	vmwrite(GUEST_CR4, (s->cr4 | x->cr4_fixed0) & x->cr4_fixed1);

	seg(GUEST_CS_SEL, s->cs, 0, 0xffffffff, 0xa09b);
	seg(GUEST_SS_SEL, s->ds, 0, 0xffffffff, 0xc093);
	seg(GUEST_DS_SEL, s->ds, 0, 0xffffffff, 0xc093);
	seg(GUEST_ES_SEL, s->ds, 0, 0xffffffff, 0xc093);
	seg(GUEST_FS_SEL, s->ds, 0, 0xffffffff, 0xc093);
	seg(GUEST_GS_SEL, s->ds, 0, 0xffffffff, 0xc093);
	seg(GUEST_LDTR_SEL, 0, 0, 0, 0x10000);	/* unusable */
	seg(GUEST_TR_SEL, 0, 0, 0xff, 0x8b);	/* busy 64-bit TSS */
	vmwrite(GUEST_GDTR_BASE, s->gdt_base);
	vmwrite(GUEST_GDTR_LIMIT, s->gdt_limit);
	vmwrite(GUEST_IDTR_BASE, s->idt_base);
	vmwrite(GUEST_IDTR_LIMIT, s->idt_limit);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_RSP, s->rsp);
	vmwrite(GUEST_RIP, s->rip);
	vmwrite(GUEST_RFLAGS, s->rflags);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_PAT, 0x0007040600070406ull);	/* power-on PAT */
	vmwrite(GUEST_EFER, s->efer);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(GUEST_FS_BASE, s->fs_base);
	vmwrite(GUEST_GS_BASE, s->gs_base);
	if (s->like)
		like_write(&like, s);

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, HV_CS);
	vmwrite(HOST_SS_SEL, HV_DS);
	vmwrite(HOST_DS_SEL, HV_DS);
	vmwrite(HOST_ES_SEL, HV_DS);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, HV_TR + 16 * cpu_index());	/* this CPU's TSS */
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_TR_BASE, cpu_tss_base());
	vmwrite(HOST_GDTR_BASE, gdtr.base);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RSP, (u64)host_frame_of(v->host_stack_top));
	vmwrite(HOST_RIP, (u64)vmx_exit_stub);
	invept_all(x->eptp);
	if (iso) {
		/* Its GPRs come from v->saved when the core switches to it.
		 * SMP: it may first run on another CPU, which may load it only
		 * once it is clear (SDM Vol. 3C 25.11.1); vmx_ctx_switch
		 * writes that CPU's host state. */
		if (hv_ncpus > 1)
			__asm__ __volatile__("vmclear %0" : : "m"(x->vmcs_pa) : "cc", "memory");
		__asm__ __volatile__("vmptrld %0" : : "m"(current) : "cc", "memory");
		return 0;
	}
	/* Initial GPRs where the launch stub loads them from. */
	host_frame_of(v->host_stack_top)->vcpu = v;
	host_frame_of(v->host_stack_top)->regs = s->regs;
	x->launched = true;
	return 0;

fail:
	/* Leave nothing behind: the new VMCS neither current nor active
	 * (VMCLEAR, SDM Vol. 3C 25.11.3), the one that was current (the OS's,
	 * for an isolated context) current again, the page back in the pool. */
	if (loaded) {
		__asm__ __volatile__("vmclear %0" : : "m"(x->vmcs_pa) : "cc", "memory");
		if (iso)
			__asm__ __volatile__("vmptrld %0" : : "m"(current) : "cc", "memory");
	}
	page_free(vmcs);
	memset(x, 0, sizeof(*x));
	v->vendor = NULL;
	return err;
}

static int vmx_vcpu_run(struct vcpu *v)
{
	vmx_launch(host_frame_of(v->host_stack_top));
}

void vmx_entry_failed(u64 rflags)
{
	u64 reason = vmread(EXIT_REASON);

	panic("VM entry failed: rflags %lx, VM-instruction error %lu, exit reason %lx",
	      rflags, vmread(VM_INSN_ERROR), reason);
}

static unsigned vmx_guest_cpl(struct vcpu *v)
{
	(void)v;
	return (vmread(GUEST_CS_AR) >> 5) & 3;	/* CS.DPL (SDM 24.4.1) */
}

static u64 vmx_guest_rip(struct vcpu *v)
{
	(void)v;
	return vmread(GUEST_RIP);
}

void vmx_inject(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	(void)v;
	vmwrite(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | vector |
		(has_error ? INTR_INFO_ERR_VALID : 0));
	if (has_error)
		vmwrite(ENTRY_EXC_ERROR, error);
}

/* At once, on this CPU: also from the host NMI handler (shootdown). */
static void vmx_flush(struct vcpu *v)
{
	invept_all(vmx_of(v)->eptp);
}

static void vmx_dump(struct vcpu *v)
{
	struct guest_regs *r = v->regs;

	hv_printf("VMX exit reason %lu qualification %lx insn-len %lu intr-info %lx vectoring %lx\n",
		  vmread(EXIT_REASON) & 0xffff, vmread(EXIT_QUALIFICATION), vmread(EXIT_INSN_LEN),
		  vmread(EXIT_INTR_INFO), vmread(IDT_VECTORING_INFO));
	hv_printf("guest rip %lx rsp %lx rflags %lx cs %lx (ar %lx) cr0 %lx cr3 %lx cr4 %lx efer %lx\n",
		  vmread(GUEST_RIP), vmread(GUEST_RSP), vmread(GUEST_RFLAGS),
		  vmread(GUEST_CS_SEL), vmread(GUEST_CS_AR), vmread(GUEST_CR0),
		  vmread(GUEST_CR3), vmread(GUEST_CR4), vmread(GUEST_EFER));
	hv_printf("gpa %lx linear %lx\n", vmread(GUEST_PHYS_ADDR), vmread(GUEST_LINEAR_ADDR));
	if (r)
		hv_printf("rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx r8 %lx\n",
			  r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->r8);
}

static u64 vmx_guest_cr4(struct vcpu *v)
{
	u64 mask = vmread(CR4_MASK);

	(void)v;
	/* Owned bits read from the shadow, the others are the real ones. */
	return (vmread(GUEST_CR4) & ~mask) | (vmread(CR4_SHADOW) & mask);
}

/* Hide what this CPU's VMX cannot give the guest: features whose CR4 bit
 * CR4_FIXED1 forbids in VMX operation (SDM Vol. 3D A.8), and instructions
 * whose secondary control is off. */
static void vmx_cpuid_adjust(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (leaf == 1) {
		*c &= ~(u32)(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX);	/* #UD here */
		/* No PMU for the OS (include/hv/msr-policy.h): no debug
		 * store, no PERF_CAPABILITIES. */
		*c &= ~(u32)(CPUID_1_ECX_DTES64 | CPUID_1_ECX_DSCPL | CPUID_1_ECX_PDCM);
		*d &= ~(u32)CPUID_1_EDX_DS;
	}
	if (leaf == 0xa || leaf == 0x14 || leaf == 0x1c)
		*a = *b = *c = *d = 0;	/* architectural PMU, PT, arch LBR */
	if (leaf == 7 && sub == 0) {
		*b &= ~(u32)CPUID_7_EBX_PT;
		*d &= ~(u32)CPUID_7_EDX_ARCH_LBR;
		if (!(vmx.proc2 & PROC2_INVPCID))
			*b &= ~(u32)CPUID_7_EBX_INVPCID;
		*c &= ~(u32)CPUID_7_ECX_WAITPKG;	/* not enabled */
		if (!(vmx.cr4_fixed1 & CR4_UMIP))
			*c &= ~(u32)CPUID_7_ECX_UMIP;
		if (!(vmx.cr4_fixed1 & CR4_PKE))
			*c &= ~(u32)CPUID_7_ECX_PKU;
		if (!(vmx.cr4_fixed1 & CR4_LA57))
			*c &= ~(u32)CPUID_7_ECX_LA57;
		if (!(vmx.cr4_fixed1 & CR4_CET)) {
			*c &= ~(u32)CPUID_7_ECX_CET_SS;
			*d &= ~(u32)CPUID_7_EDX_CET_IBT;
		}
	}
	if (leaf == 0xd && sub == 1 && !(vmx.proc2 & PROC2_XSAVES))
		*a &= ~(u32)CPUID_D1_EAX_XSAVES;
	if (leaf == 0x80000001 && !(vmx.proc2 & PROC2_RDTSCP))
		*d &= ~(u32)CPUID_80000001_EDX_RDTSCP;
}

static void sw_save(struct vmx_swstate *s)
{
	s->cr2 = read_cr2();
	__asm__ __volatile__("mov %%dr6, %0" : "=r"(s->dr6));
	s->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	s->star = rdmsr(MSR_STAR);
	s->lstar = rdmsr(MSR_LSTAR);
	s->cstar = rdmsr(MSR_CSTAR);
	s->sfmask = rdmsr(MSR_SFMASK);
}

static void sw_load(const struct vmx_swstate *s)
{
	write_cr2(s->cr2);
	__asm__ __volatile__("mov %0, %%dr6" : : "r"(s->dr6));
	wrmsr(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
	wrmsr(MSR_STAR, s->star);
	wrmsr(MSR_LSTAR, s->lstar);
	wrmsr(MSR_CSTAR, s->cstar);
	wrmsr(MSR_SFMASK, s->sfmask);
}

/* The VMCS holds most of a context; what it lacks (struct vmx_swstate) is
 * live in the CPU while the context runs: keep from's, load to's. VMX root
 * uses none of it (no SYSCALL, no SWAPGS, no #PF it survives). */
static void vmx_ctx_switch(struct vcpu *from, struct vcpu *to)
{
	struct vmx_vcpu *f = vmx_of(from), *x = vmx_of(to);

	sw_save(&f->sw);
	sw_load(&x->sw);
	/* SMP: an MIEE may be entered next on another CPU, which may load
	 * its VMCS only once this one cleared it (SDM Vol. 3C 25.11.1);
	 * then its next entry is a VMLAUNCH. */
	if (from->miee && hv_ncpus > 1) {
		__asm__ __volatile__("vmclear %0" : : "m"(f->vmcs_pa) : "cc", "memory");
		f->launched = false;
	}
	__asm__ __volatile__("vmptrld %0" : : "m"(x->vmcs_pa) : "cc", "memory");
	if (to->miee && hv_ncpus > 1) {
		/* It runs on this CPU's host stack and TSS (miee_enter). */
		vmwrite(HOST_RSP, (u64)host_frame_of(to->host_stack_top));
		vmwrite(HOST_TR_SEL, HV_TR + 16 * cpu_index());
		vmwrite(HOST_TR_BASE, cpu_tss_base());
	}
	next_launch[cpu_index()] = !x->launched;
	x->launched = true;
}

static void vmx_ctx_free(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	u64 current;

	if (!x->vmcs_pa)
		return;
	/* VMCLEAR makes the current-VMCS pointer invalid if it was this
	 * one; it never is here (the OS's is current), keep it so. */
	__asm__ __volatile__("vmptrst %0" : "=m"(current));
	__asm__ __volatile__("vmclear %0" : : "m"(x->vmcs_pa) : "cc", "memory");
	if (current != x->vmcs_pa)
		__asm__ __volatile__("vmptrld %0" : : "m"(current) : "cc", "memory");
	page_free(phys_to_virt(x->vmcs_pa));
	memset(x, 0, sizeof(*x));
	v->vendor = NULL;
}

/* The OS's VMCS is current. An NMI cannot be injected while the guest
 * blocks NMIs or sits in a MOV SS shadow (SDM Vol. 3C 26.3.1.5): it is
 * kept (smp_host_nmi) and tried again after the next exit. So is one that
 * meets another event being injected. */
void vmx_inject_nmi(struct vcpu *v)
{
	(void)v;
	if ((vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & (BIT(1) | BIT(3)))) {
		smp_os_nmi_keep();
		return;
	}
	vmwrite(ENTRY_INTR_INFO, INTR_INFO_VALID | (2u << 8) | 2);
}

/* The state INIT then SIPI leave (SDM Vol. 3A 9.1.1 Table 9-1, 9.4.4):
 * real mode, CS = vector << 8 with base vector << 12, IP 0, CR0 = ET|NW|CD
 * (the VMX fixed bits apart, in the guest's copy only; the shadow holds
 * these). Real mode in VMX non-root needs unrestricted guest (SDM Vol. 3C
 * 26.3.1.1). The OS's EPT, as on the boot CPU. */
static int vmx_vcpu_sipi(struct vcpu *v, u8 vector)
{
	struct vcpu_init_state s;
	int err;

	if (!(vmx.proc2 & PROC2_UNRESTRICTED)) {
		hv_printf("VMX: no unrestricted guest: an AP cannot start in real mode\n");
		return -ENOSYS;
	}
	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_ET | BIT(29) | BIT(30);	/* ET, NW, CD */
	s.rflags = 2;
	err = vmx_vcpu_setup(v, &s);
	if (err)
		return err;
	/* Real-mode segments (SDM Vol. 3C 26.3.1.2: accessed code, DPL 0). */
	seg(GUEST_CS_SEL, (u16)vector << 8, (u64)vector << 12, 0xffff, 0x9b);
	seg(GUEST_SS_SEL, 0, 0, 0xffff, 0x93);
	seg(GUEST_DS_SEL, 0, 0, 0xffff, 0x93);
	seg(GUEST_ES_SEL, 0, 0, 0xffff, 0x93);
	seg(GUEST_FS_SEL, 0, 0, 0xffff, 0x93);
	seg(GUEST_GS_SEL, 0, 0, 0xffff, 0x93);
	seg(GUEST_LDTR_SEL, 0, 0, 0xffff, 0x82);
	seg(GUEST_TR_SEL, 0, 0, 0xffff, 0x8b);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	return 0;
}

static void vmx_guest_paging(struct vcpu *v, u64 *cr0, u64 *cr4, u64 *efer, u64 *cr3)
{
	u64 mask = vmread(CR0_MASK);

	*cr0 = (vmread(GUEST_CR0) & ~mask) | (vmread(CR0_SHADOW) & mask);
	*cr4 = vmx_guest_cr4(v);
	*efer = vmread(GUEST_EFER);
	*cr3 = vmread(GUEST_CR3);
}

/* EPT violations carry no instruction length (SDM Vol. 3C 28.2.5): the
 * core decoded it. */
static void vmx_skip_insn(struct vcpu *v, unsigned len)
{
	(void)v;
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + len);
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~3ull);
}

const struct vendor_ops vmx_ops = {
	.name = "vmx",
	.backend = HV_BACKEND_VMX,
	.npt_fmt = NPT_FMT_EPT,
	.probe = vmx_probe,
	.cpu_enable = vmx_cpu_enable,
	.vcpu_setup = vmx_vcpu_setup,
	.vcpu_run = vmx_vcpu_run,
	.guest_cpl = vmx_guest_cpl,
	.guest_rip = vmx_guest_rip,
	.inject_exception = vmx_inject,
	.flush_npt = vmx_flush,
	.dump = vmx_dump,
	.cpuid_adjust = vmx_cpuid_adjust,
	.guest_cr4 = vmx_guest_cr4,
	.msr_policy = &vmx_msr_policy,
	.ctx_switch = vmx_ctx_switch,
	.ctx_free = vmx_ctx_free,
	.inject_nmi = vmx_inject_nmi,
	.vcpu_sipi = vmx_vcpu_sipi,
	.guest_paging = vmx_guest_paging,
	.skip_insn = vmx_skip_insn,
};
