/* Guest-side hypercall helpers (Linux kernel module or user space): detect
 * the hypervisor through CPUID and issue VMCALL or VMMCALL as it says. */
#ifndef HV_ABI_HVCALL_H
#define HV_ABI_HVCALL_H

#include "hv/hypercall.h"

#ifdef __KERNEL__
#include <linux/types.h>
typedef u64 hvc_u64;
typedef u32 hvc_u32;
#else
#include <stdint.h>
typedef uint64_t hvc_u64;
typedef uint32_t hvc_u32;
#endif

struct hvcall {
	hvc_u64 rax, rbx, rcx, rdx, rsi, rdi;
};

static inline void hvc_cpuid(hvc_u32 leaf, hvc_u32 *a, hvc_u32 *b, hvc_u32 *c, hvc_u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(0));
}

/* 0: not present; 1: present, VMCALL; 2: present, VMMCALL. */
static inline int hvc_detect(void)
{
	hvc_u32 a, b, c, d;

	hvc_cpuid(1, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return 0;
	hvc_cpuid(HV_CPUID_BASE, &a, &b, &c, &d);
	if (b != HV_SIG_EBX || c != HV_SIG_ECX || d != HV_SIG_EDX || a < HV_CPUID_FEATURES)
		return 0;
	hvc_cpuid(HV_CPUID_FEATURES, &a, &b, &c, &d);
	return a & HV_FEAT_VMMCALL ? 2 : 1;
}

/* The one place the hypercall instruction is chosen: STMT("vmmcall") when
 * vmm is true (AMD SVM: HV_FEAT_VMMCALL), else STMT("vmcall") (Intel VT-x).
 * STMT is a macro taking the instruction as a string and making the asm
 * statement around it. A macro, not a function, so that code with its own
 * section and target attributes (the test PAL, tools/miee-run/pal.c) gets
 * the instruction inline. */
#define hvc_with_insn(vmm, STMT)						\
	do {									\
		if (vmm)							\
			STMT("vmmcall");					\
		else								\
			STMT("vmcall");						\
	} while (0)

/* kind: the result of hvc_detect(). Returns RAX (0 or HVE_*). */
static inline long long hvc_call(int kind, struct hvcall *h)
{
#define HVC_CALL_ASM(insn)							\
	__asm__ __volatile__(insn : "+a"(h->rax), "+b"(h->rbx), "+c"(h->rcx),	\
			     "+d"(h->rdx), "+S"(h->rsi), "+D"(h->rdi) : : "memory")
	hvc_with_insn(kind == 2, HVC_CALL_ASM);
#undef HVC_CALL_ASM
	return (long long)h->rax;
}

#endif
