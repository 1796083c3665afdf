/* Vector-register state of guest contexts (core/fpu.c). */
#ifndef HV_FPU_H
#define HV_FPU_H

void fpu_setup(void);
void fpu_init_area(void *area);	/* a page, page-aligned */
void fpu_save(void *area);
void fpu_restore(const void *area);

#endif
