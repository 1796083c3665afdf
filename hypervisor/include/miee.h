/* MIEE manager (core/miee.c). */
#ifndef HV_MIEE_H
#define HV_MIEE_H

#include "vcpu.h"
#include "hv/miee.h"

void miee_setup(struct vcpu *os);
/* The lock of the MIEE table, the frame table, the OS's EPT/NPT and the
 * uTPMs (docs/smp.md, "Locking rules"). */
void miee_lock(void);
void miee_unlock(void);
/* From core/hypercall.c: 0 = not an MIEE call; 1 = done, *ret set;
 * VCPU_SWITCHED = the CPU now runs the MIEE. */
int miee_os_hypercall(struct vcpu *v, u64 nr, s64 *ret);
int miee_hypercall(struct vcpu *v);
int miee_fault(struct vcpu *v, u32 reason, u64 addr);
/* MIEE_F_INSN for instruction MIEE_I_* with its operand. */
int miee_insn(struct vcpu *v, u32 insn, u64 operand);
int miee_interrupted(struct vcpu *v, bool nmi);
/* Its time slice ended: back to the OS with MIEE_INTR_SLICE. */
int miee_preempted(struct vcpu *v);
/* Shootdown (smp_flush_poll, docs/smp.md): flush the translations of
 * the MIEE thread slot this CPU runs, if it runs one. Any context. */
void miee_flush_here(void);
/* The MIEE of this context ended while it ran here (another slot's
 * HC_MIEE_EXIT or fault): it must leave, not resume. Read without the
 * lock: an MIEE never comes back from dead. */
bool miee_ended(const struct vcpu *v);
/* Hypercall arguments in OS memory: only OS-owned RAM, copied once.
 * 0 or MIEE_EARG. */
int copy_from_os(void *buf, u64 pa, u64 len);
int copy_to_os(u64 pa, const void *buf, u64 len);

#endif
