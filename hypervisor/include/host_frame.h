/* The frame at the top of every CPU's host stack, shared by the entry
 * stubs (arch/vmx/vmx_entry.S, arch/svm/svm_entry.S), the backends and the
 * core's context switch. Host mode / VMX root. The assembly never types an
 * offset: arch/asm-offsets.c turns this struct into the HF_* constants at
 * build time (hypervisor/build.mk). */
#ifndef HV_HOST_FRAME_H
#define HV_HOST_FRAME_H

#include "types.h"
#include "vcpu.h"

/*
 * Lowest address first. The frame ends at the vCPU's host_stack_top, where
 * struct percpu (smp.h) begins, so the stubs reach the CPU's own state at
 * frame + HF_SIZE without a CPU number. While a guest runs, regs holds
 * nothing; during an exit it holds the guest's GPRs and v->regs points at
 * it. The core's context switch (core/miee.c vcpu_switch) rewrites regs and
 * vcpu; the SVM backend rewrites vmcb_pa. The stubs read both words again
 * on every round.
 */
struct host_frame {
	struct guest_regs regs;	/* the stubs pass &regs as the frame */
	u64 vmcb_pa;		/* SVM: PA of the VMCB the loop VMRUNs next; VMX: unused */
	struct vcpu *vcpu;	/* the context that exits into this frame */
};

/* The stubs call C with RSP = frame - 8: 16-byte aligned only if the
 * frame starts 8 bytes off a 16-byte boundary below a page-aligned top
 * (System V ABI 3.2.2). */
_Static_assert(__builtin_offsetof(struct host_frame, regs) == 0,
	       "the stubs hand the frame to C as struct guest_regs *");
_Static_assert(sizeof(struct host_frame) % 16 == 8,
	       "the stubs' subq $8 before a call needs the frame 8 mod 16");
_Static_assert(__builtin_offsetof(struct host_frame, vmcb_pa) == sizeof(struct guest_regs) &&
	       __builtin_offsetof(struct host_frame, vcpu) == sizeof(struct guest_regs) + 8,
	       "vmcb_pa and vcpu follow the GPRs with no padding");

static inline struct host_frame *host_frame_of(u64 host_stack_top)
{
	return (struct host_frame *)(host_stack_top - sizeof(struct host_frame));
}

/* The stack top a frame ends at (the exit in progress, from its regs). */
static inline u64 host_frame_top(struct guest_regs *regs)
{
	return (u64)regs + sizeof(struct host_frame);
}

#endif
