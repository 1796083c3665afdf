/* MIEE manager (core/miee.c). */
#ifndef HV_MIEE_H
#define HV_MIEE_H

#include "vcpu.h"
#include "hv/miee.h"

void miee_setup(struct vcpu *os);
/* From core/hypercall.c: 0 = not an MIEE call; 1 = done, *ret set;
 * VCPU_SWITCHED = the CPU now runs the MIEE. */
int miee_os_hypercall(struct vcpu *v, u64 nr, s64 *ret);
int miee_hypercall(struct vcpu *v);
int miee_fault(struct vcpu *v, u32 reason, u64 addr);
int miee_interrupted(struct vcpu *v, bool nmi);

#endif
