/* Vector-register state of guest contexts (core/fpu.c). */
#ifndef HV_FPU_H
#define HV_FPU_H

#include "types.h"

void fpu_setup(void);
/* The switch uses XSAVE: every state component XCR0 enables is saved, so
 * a context may have CR4.OSXSAVE. */
bool fpu_xsave(void);
void fpu_init_area(void *area);	/* a page, page-aligned */
/* XCR0 is part of a context's state, like its registers (VMX and SVM
 * switch neither): while a context runs, the CPU's XCR0 is that
 * context's. fpu_save stores the registers under the CPU's XCR0 and
 * returns it (the saved context's XCR0: the OS may have changed it by
 * XSETBV, which SVM does not intercept); fpu_restore sets the CPU's XCR0
 * to the context's (xcr0, as fpu_save returned it or as the context was
 * created with) and then loads its registers. An MIEE saved on one CPU
 * is so restored on another under the XCR0 it was saved with, whatever
 * the OS set there. Without XSAVE both ignore XCR0 (fpu_save returns 0). */
u64 fpu_save(void *area);
void fpu_restore(const void *area, u64 xcr0);
/* The CPU's XCR0 now (0 without XSAVE): a new context's. */
u64 fpu_xcr0(void);
/* An AP after INIT: XCR0 = 1 (SDM Vol. 1 13.3), before its OS vCPU runs. */
void fpu_reset_xcr0(void);
#ifdef HV_HOST_TEST
/* core/fpu.c in user space: the simulated CPU's XCR0, and XSAVE on/off. */
extern u64 fpu_test_xcr0;
void fpu_test_use_xsave(bool on);
#endif
/* The XSAVE header (SDM Vol. 1 13.4.2) of a standard-form area. */
#define FPU_XSAVE_HEADER 512
/* 0 if XRSTOR may load area with this XCR0, else -EINVAL. */
int fpu_area_check(const void *area, u64 xcr0);

#endif
