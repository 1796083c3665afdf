/* VMX backend internals shared by vmx.c (setup, contexts) and vmx_exit.c
 * (exit decoding): the per-context state, the CPU's capabilities, VMCS
 * access. VMX root only; nothing outside arch/vmx/ includes this. */
#ifndef HV_VMX_INT_H
#define HV_VMX_INT_H

#include "hv.h"
#include "vcpu.h"
#include "arch/vmx/vmcs.h"
#include "smp.h"
#include "console.h"

/* Guest state that VM entry and exit do not switch (SDM Vol. 3C 25.4,
 * 28.3: the VMCS has no field for them), kept here while another context
 * runs and moved by vmx_ctx_switch(). */
struct vmx_swstate {
	u64 cr2, dr6;
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
};

struct vmx_vcpu {
	u64 vmcs_pa;
	u64 eptp;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool launched;
	struct vmx_swstate sw;
	u8 tpr;			/* isolated contexts: CR8 as the context set it */
};

struct vmx_caps {
	u32 revision;
	bool true_ctls;
	u64 ept_cap;
	u32 proc2;		/* secondary controls in use */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* Shared by every CPU; built by the first one that enables VMX. */
	u8 *msr_bitmap;		/* the OS's: from vmx_msr_policy */
	u8 *msr_bitmap_all;	/* isolated contexts: every MSR exits */
	u8 *io_bitmap;		/* the OS's: A at +0, B at +4096 (hidden ports) */
};
extern struct vmx_caps vmx;

/* Per CPU (index = cpu_index()): the context switched to in the exit
 * being handled was never entered, so the stub uses VMLAUNCH. */
extern bool next_launch[HV_MAX_CPUS];

struct vmx_vcpu *vmx_of(struct vcpu *v);
void vmx_inject(struct vcpu *v, u8 vector, bool has_error, u32 error);
void vmx_inject_nmi(struct vcpu *v);
int vmx_exit_handler(struct guest_regs *regs, struct vcpu *v);

static inline u64 vmread(enum vmcs_field f)
{
	u64 v;

	__asm__ __volatile__("vmread %1, %0" : "=r"(v) : "r"((u64)f) : "cc");
	return v;
}

static inline void vmwrite(enum vmcs_field f, u64 v)
{
	u8 fail;

	__asm__ __volatile__("vmwrite %2, %1; setbe %0"
			     : "=qm"(fail) : "r"((u64)f), "r"(v) : "cc");
	if (fail)
		panic("vmwrite of field %x failed (error %lu)", f, vmread(VM_INSN_ERROR));
}

#endif
