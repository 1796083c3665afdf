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
	u64 gdt_base;
	u16 gdt_limit;
	u16 cs, ds;		/* flat 64-bit code and data selectors */
	struct guest_regs regs;
};

struct vcpu;

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
	/* Vendor-specific CPUID masking (features we cannot virtualize). */
	void (*cpuid_adjust)(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
	/* CR4 as the guest set it (CPUID bits such as OSXSAVE mirror it). */
	u64 (*guest_cr4)(struct vcpu *v);
};

extern const struct vendor_ops vmx_ops, svm_ops;

struct vcpu {
	struct guest_regs *regs;	/* valid while an exit is handled */
	const struct vendor_ops *ops;
	void *vendor;			/* the backend's per-vCPU state */
	struct npt *npt;
	u64 host_stack_top;
	u64 stats[HV_STAT_MAX];
};

/* Exit handlers of the core. Each returns 0 when the instruction was
 * handled and should be skipped, or 1 when an exception was injected (do
 * not skip). */
int vcpu_cpuid(struct vcpu *v);
int vcpu_hypercall(struct vcpu *v);
int vcpu_rdmsr(struct vcpu *v, u32 msr);
int vcpu_wrmsr(struct vcpu *v, u32 msr);
int vcpu_xsetbv(struct vcpu *v);
/* Nested page fault on gpa; access is NPT_R/W/X of the attempt. */
void vcpu_npf(struct vcpu *v, u64 gpa, unsigned access);
void vcpu_fatal(struct vcpu *v, const char *why, u64 info) __attribute__((noreturn));

#endif
