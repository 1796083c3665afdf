/* The vendor-neutral vCPU and the narrow interface every backend
 * (arch/vmx, arch/svm) implements. The core never names a vendor. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "types.h"
#include "hv/hypercall.h"
#include "mm/npt.h"

/* General-purpose registers as the backends' entry stubs save them, lowest
 * address first (RSP and RIP live in the backend's control structure). The stubs push in the
 * reverse order; offsets are checked below and used from asm as 8 * index. */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct guest_regs) == 15 * 8, "guest_regs layout");
_Static_assert(__builtin_offsetof(struct guest_regs, rax) == 0, "rax at 0");
_Static_assert(__builtin_offsetof(struct guest_regs, r15) == 14 * 8, "r15 at 14");

/* Initial state of a guest vCPU in 64-bit mode with paging (the Linux
 * 64-bit boot protocol, and later MIEE entry). */
struct vcpu_init_state {
	u64 rip, rsp, rflags;
	u64 cr0, cr3, cr4, efer;
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	u16 cs, ds;		/* flat 64-bit code and data selectors */
	struct guest_regs regs;
	/* A new thread slot of an MIEE (HC_MIEE_SLOT_NEW): when like is set,
	 * the context starts in like's mode (CR0, CR3, CR4, EFER, GDTR,
	 * IDTR, every segment register, the SYSCALL MSRs) and shares its
	 * TLB tag; only rip, rsp, rflags, regs and the FS/GS bases come
	 * from here. like is the calling context, whose exit is handled. */
	u64 fs_base, gs_base;
	const struct vcpu *like;
};

struct vcpu;
struct msr_policy;

/* Intercepted events, decoded by the backend and handled by the core. */
struct vendor_ops {
	const char *name;
	int backend;			/* HV_BACKEND_* */
	enum npt_fmt npt_fmt;
	u32 hv_features;		/* HV_FEAT_* in CPUID 0x40000001 EAX */
	/* Check the CPU has what we need; print what is missing. */
	int (*probe)(void);
	/* Turn virtualization on for this CPU (VMXON / EFER.SVME). */
	int (*cpu_enable)(void);
	int (*vcpu_setup)(struct vcpu *v, const struct vcpu_init_state *s);
	/* Enter the guest; returns only on failure to enter. */
	int (*vcpu_run)(struct vcpu *v);
	unsigned (*guest_cpl)(struct vcpu *v);
	u64 (*guest_rip)(struct vcpu *v);
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error, u32 error);
	void (*flush_npt)(struct vcpu *v);
	void (*dump)(struct vcpu *v);
	/* Vendor-specific CPUID masking (features we cannot virtualize:
	 * VMX or SVM itself, the PMU, instructions left off). */
	void (*cpuid_adjust)(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
	/* The OS's MSR table (include/hv/msr-policy.h): the backend's bitmap
	 * is built from it and the core's MSR exits follow it (core/msr.c). */
	const struct msr_policy *msr_policy;
	/* CR4 as the guest set it (CPUID bits such as OSXSAVE mirror it). */
	u64 (*guest_cr4)(struct vcpu *v);

	/*
	 * MIEE thread slots (docs/miee.md). vcpu_setup() builds an isolated
	 * context when v->miee != 0: external interrupts and NMIs exit (core:
	 * vcpu_interrupted()), every MSR access, port I/O, XSETBV and the
	 * virtualization instructions exit (core refuses them), exceptions go
	 * through the context's own IDT, a triple fault/shutdown exits
	 * (vcpu_fatal()), its own nested table (v->npt) and TLB tag.
	 *
	 * ctx_switch: called by the core from inside an exit handler of
	 * `from`; make `to` the context the CPU enters when this exit's
	 * handling ends. The core has already swapped the GPR frame on the
	 * host stack and the frame's vcpu pointer (host_frame.h); the backend
	 * switches its control structure (and anything it keeps outside the
	 * frame, e.g. RAX in the VMCB). After a core handler returned
	 * VCPU_SWITCHED the backend must not touch `from`'s state again in
	 * that exit (no instruction skip, no RAX write-back to it).
	 */
	void (*ctx_switch)(struct vcpu *from, struct vcpu *to);
	void (*ctx_free)(struct vcpu *v);
	/* An NMI arrived while an isolated context ran: deliver it to v. */
	void (*inject_nmi)(struct vcpu *v);

	/*
	 * SMP (docs/smp.md). vcpu_sipi: build the OS vCPU of this AP in the
	 * state INIT then SIPI leave (real mode at CS = vector << 8, IP 0),
	 * on this CPU's host stack; NULL if the backend cannot start APs.
	 * guest_paging: the guest's CR0, CR4, EFER and CR3, to read its code.
	 * skip_insn: advance the guest's RIP past an emulated instruction.
	 */
	int (*vcpu_sipi)(struct vcpu *v, u8 vector);
	void (*guest_paging)(struct vcpu *v, u64 *cr0, u64 *cr4, u64 *efer, u64 *cr3);
	void (*skip_insn)(struct vcpu *v, unsigned len);
};

extern const struct vendor_ops vmx_ops, svm_ops;

struct vcpu {
	struct guest_regs *regs;	/* valid while an exit is handled */
	struct guest_regs saved;	/* GPRs while another context runs */
	u16 miee;			/* 0: the OS; else the MIEE it belongs to */
	u8 slot;			/* its thread slot in that MIEE */
	bool launched;			/* entered at least once */
	void *fpu;			/* XSAVE area while another context runs */
	u64 xcr0;			/* its XCR0 then (core/fpu.c) */
	u64 dr[4];			/* DR0-DR3 while another context runs */
	const struct vendor_ops *ops;
	void *vendor;			/* the backend's per-vCPU state */
	struct npt *npt;
	u64 host_stack_top;
	u64 stats[HV_STAT_MAX];
};

/* Exit handlers of the core. Each returns VCPU_SKIP when the instruction
 * was handled and should be skipped, VCPU_INJECTED when an exception was
 * injected (do not skip), VCPU_RETRY (re-run the instruction), or
 * VCPU_SWITCHED when the handler switched to another context (see
 * ctx_switch). The backend skips a hypercall instruction BEFORE calling
 * vcpu_hypercall(): a hypercall never injects, and may switch. */
#define VCPU_SKIP 0
#define VCPU_INJECTED 1
#define VCPU_RETRY 2
#define VCPU_SWITCHED 3
int vcpu_cpuid(struct vcpu *v);
/* Before it skips a hypercall instruction, the backend asks: true when
 * the call is refused and #UD was injected (an MIEE's CPL 3): then the
 * exit is VCPU_INJECTED, the instruction not skipped. */
bool vcpu_hypercall_refused(struct vcpu *v);
int vcpu_hypercall(struct vcpu *v);
int vcpu_rdmsr(struct vcpu *v, u32 msr);
int vcpu_wrmsr(struct vcpu *v, u32 msr);
int vcpu_xsetbv(struct vcpu *v);
/* A virtualization instruction (or RDPMC) the backend intercepted: the OS
 * gets `vector` (#UD as with the feature absent, #GP for RDPMC), an MIEE
 * is ended (vcpu_fatal with info). */
int vcpu_refused_insn(struct vcpu *v, u8 vector, u64 info);
/* Nested page fault on gpa; access is NPT_R/W/X of the attempt. */
int vcpu_npf(struct vcpu *v, u64 gpa, unsigned access);
/* Port I/O the backend intercepted for the OS: the ports the hypervisor
 * hides (HV_HIDDEN_PORT_*: COM2, the DRTM chipset's request channel, must
 * not be the OS's): IN reads all ones, OUT is dropped; and the PCI
 * configuration ports (PCIGUARD_PORT_*, iommu/pciguard.h): emulated with
 * writes filtered.  String I/O to either gets #GP. */
#define HV_HIDDEN_PORT_BASE 0x2f8
#define HV_HIDDEN_PORT_COUNT 8
int vcpu_io(struct vcpu *v, u16 port, unsigned size, bool in, bool string);

/* External interrupt or NMI exit of an isolated context. */
int vcpu_interrupted(struct vcpu *v, bool nmi);
/* The backend's time slice for an isolated context ended (VMX preemption
 * timer): the OS gets the CPU back, so whatever the context did to its
 * interrupt masking, the OS waits at most one slice. */
int vcpu_preempted(struct vcpu *v);
/* The guest cannot go on: the OS stops the machine (panic); an MIEE is
 * ended and the OS resumes (VCPU_SWITCHED). vcpu_shutdown() is the same
 * for a triple fault / shutdown exit (its own MIEE reason code). */
int vcpu_fatal(struct vcpu *v, const char *why, u64 info);
int vcpu_shutdown(struct vcpu *v);
/* An instruction an isolated context may not execute (HLT, VMX/SVM
 * instructions): the MIEE ends with MIEE_F_INSN, RDX = MIEE_I_* and the
 * operand; for the OS it is vcpu_fatal(why). */
int vcpu_forbidden(struct vcpu *v, u32 insn, u64 operand, const char *why);

/* core/miee.c: move the CPU from one context to another inside an exit
 * handler (GPR frame, FPU/SSE state, vcpu pointer, then the backend). */
void vcpu_switch(struct vcpu *from, struct vcpu *to);

#endif
