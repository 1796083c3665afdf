/* MSRs an isolated context (MIEE) reads and writes without a VM exit:
 * each is part of its context on both backends (docs/miee.md, "Per-MIEE
 * state"), so passing them through lets nothing cross. Every other MSR
 * access of an MIEE exits and ends it. Included by the backends only. */
#ifndef HV_CTX_MSRS_H
#define HV_CTX_MSRS_H

#include "x86.h"

static const u32 ctx_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE,	/* VMCS guest fields / VMCB (VMLOAD/VMSAVE) */
	MSR_KERNEL_GS_BASE,		/* VMX: switched by vmx_ctx_switch; SVM: VMLOAD/VMSAVE */
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,	/* likewise */
};

#endif
