/* Vector-register state of guest contexts (core/fpu.c). */
#ifndef HV_FPU_H
#define HV_FPU_H

#include "types.h"

void fpu_setup(void);
/* The switch uses XSAVE: every state component XCR0 enables is saved, so
 * a context may have CR4.OSXSAVE. */
bool fpu_xsave(void);
void fpu_init_area(void *area);	/* a page, page-aligned */
void fpu_save(void *area);
void fpu_restore(const void *area);
/* The XSAVE header (SDM Vol. 1 13.4.2) of a standard-form area. */
#define FPU_XSAVE_HEADER 512
/* 0 if XRSTOR may load area with this XCR0, else -EINVAL. */
int fpu_area_check(const void *area, u64 xcr0);

#endif
