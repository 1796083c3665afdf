/* x86-64 instructions and architectural constants used by the core and by
 * both backends (SDM Vol. 3A 2.5, 4; APM Vol. 2 3). */
#ifndef HV_X86_H
#define HV_X86_H

#include "types.h"

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_OSFXSR BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_VMXE BIT(13)
#define CR4_OSXSAVE BIT(18)
#define CR4_PKE BIT(22)
#define CR4_UMIP BIT(11)
#define CR4_LA57 BIT(12)
#define CR4_CET BIT(23)

#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_DEBUGCTL 0x1d9
#define MSR_X2APIC_ICR 0x830
#define MSR_PERF_GLOBAL_CTRL 0x38f
#define MSR_RTIT_CTL 0x570
#define MSR_PAT 0x277
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define DR6_INIT 0xffff0ff0ull	/* DR6 after reset (SDM Vol. 3B 18.2.3) */
#define DR7_INIT 0x400ull
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

/* CPUID bits the core and the backends adjust (SDM Vol. 2A CPUID;
 * APM Vol. 3 Appendix E). */
#define CPUID_1_ECX_DTES64 BIT(2)
#define CPUID_1_ECX_DSCPL BIT(4)
#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_SMX BIT(6)
#define CPUID_1_ECX_PDCM BIT(15)
#define CPUID_1_ECX_X2APIC BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE BIT(24)
#define CPUID_1_ECX_OSXSAVE BIT(27)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_1_EDX_DS BIT(21)
#define CPUID_7_EBX_INVPCID BIT(10)
#define CPUID_7_EBX_PT BIT(25)
#define CPUID_7_ECX_UMIP BIT(2)
#define CPUID_7_ECX_PKU BIT(3)
#define CPUID_7_ECX_OSPKE BIT(4)
#define CPUID_7_ECX_WAITPKG BIT(5)
#define CPUID_7_ECX_CET_SS BIT(7)
#define CPUID_7_ECX_LA57 BIT(16)
#define CPUID_7_EDX_ARCH_LBR BIT(19)
#define CPUID_7_EDX_CET_IBT BIT(20)
#define CPUID_D1_EAX_XSAVES BIT(3)
#define CPUID_80000001_ECX_SVM BIT(2)
#define CPUID_80000001_ECX_IBS BIT(10)
#define CPUID_80000001_ECX_SKINIT BIT(12)
#define CPUID_80000001_ECX_PERFCTR_CORE BIT(23)
#define CPUID_80000001_ECX_PERFCTR_NB BIT(24)
#define CPUID_80000001_ECX_PERFCTR_LLC BIT(28)
#define CPUID_80000001_EDX_RDTSCP BIT(27)
#define CPUID_80000008_EBX_RDPRU BIT(4)

#define RFLAGS_CF BIT(0)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_IF BIT(9)

#define EXC_NMI 2
#define EXC_UD 6
#define EXC_GP 13
#define EXC_PF 14

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

#define DEFINE_CR(n)							\
	static inline u64 read_cr##n(void)				\
	{								\
		u64 v;							\
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));	\
		return v;						\
	}								\
	static inline void write_cr##n(u64 v)				\
	{								\
		__asm__ __volatile__("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void xsetbv(u32 idx, u64 v)
{
	__asm__ __volatile__("xsetbv" : : "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

struct __attribute__((packed)) dtr {
	u16 limit;
	u64 base;
};

#endif
