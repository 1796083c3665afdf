/* The OS's MSR policy, one table per backend: every MSR not named here is
 * intercepted (reads and writes) and refused with #GP. Shared by the
 * hypervisor (hypervisor/arch/{vmx,svm}/msr_policy.c build the MSR
 * bitmaps / MSRPM and the core's exit handling from it) and the in-guest
 * test (tests/guest/kmod/msrpolicy.c checks every row). docs/hypervisor.md
 * explains each decision.
 *
 * A row: X(name, first, last, read, write, value, reason), MSRs first..last
 * inclusive, rows sorted and disjoint. Actions, per direction:
 *   PASS     not intercepted: the CPU executes it for the OS (only inside
 *            the ranges the bitmaps cover; the core never executes a PASS);
 *   GP       intercepted, #GP injected;
 *   CONST    read: returns `value`; write: `value` accepted (and dropped),
 *            any other value #GP;
 *   DROP     write accepted and discarded: the hardware keeps its value
 *            (`value`: the bits the test flips to see that);
 *   CHECK    write checked by the core and then performed (IA32_APIC_BASE:
 *            no relocation; IA32_MISC_ENABLE: only harmless bits change;
 *            x2APIC ICR: the INIT/SIPI hook);
 *   BACKEND  handled by the backend before the core (SVM: EFER).
 * MIEEs have no table: every MSR access of an MIEE ends it. */
#ifndef HV_ABI_MSR_POLICY_H
#define HV_ABI_MSR_POLICY_H

#define HV_MSR_PASS 0
#define HV_MSR_GP 1
#define HV_MSR_CONST 2
#define HV_MSR_DROP 3
#define HV_MSR_CHECK 4
#define HV_MSR_BACKEND 5

#define HV_MSR_APIC_BASE 0x1bu
#define HV_MSR_MISC_ENABLE 0x1a0u
#define HV_MSR_X2APIC_ICR 0x830u
/* IA32_MISC_ENABLE bits the OS may change (SDM Vol. 4 Table 2-2): fast
 * strings, automatic thermal control, EIST, MONITOR/MWAIT, xTPR disable.
 * Not XD disable (bit 34) nor limit-CPUID (bit 22), nor read-only bits. */
#define HV_MISC_ENABLE_WRITABLE ((1ull << 0) | (1ull << 3) | (1ull << 16) | \
				 (1ull << 18) | (1ull << 23))
#define HV_MISC_ENABLE_XD_DISABLE (1ull << 34)
#define HV_APIC_BASE_BSP (1ull << 8)
#define HV_APIC_BASE_EXTD (1ull << 10)
#define HV_APIC_BASE_EN (1ull << 11)

#define HV_P HV_MSR_PASS
#define HV_G HV_MSR_GP
#define HV_C HV_MSR_CONST
#define HV_D HV_MSR_DROP
#define HV_K HV_MSR_CHECK
#define HV_B HV_MSR_BACKEND

/* Rows both vendors share, in MSR order around the vendor-specific ones. */
#define HV_MSR_COMMON_LOW(X)							\
	X("TSC", 0x10, 0x10, HV_P, HV_G, 0,					\
	  "reads native; writes refused: the hypervisor times TPM commands with the TSC") \
	X("IA32_APIC_BASE", 0x1b, 0x1b, HV_P, HV_K, 0,				\
	  "a relocated APIC page would shadow hypervisor or MIEE memory: base changes refused, xAPIC/x2APIC mode switches allowed") \

#define HV_MSR_VMX(X)								\
	HV_MSR_COMMON_LOW(X)							\
	X("IA32_FEATURE_CONTROL", 0x3a, 0x3a, HV_C, HV_G, 1,			\
	  "reads locked with VMX off: VMX is not exposed to the OS")		\
	X("IA32_TSC_ADJUST", 0x3b, 0x3b, HV_P, HV_G, 0,				\
	  "moves the TSC: see TSC")						\
	X("IA32_SPEC_CTRL/PRED_CMD", 0x48, 0x49, HV_P, HV_P, 0,			\
	  "speculation controls the OS needs; they only restrict the CPU")	\
	X("IA32_BIOS_UPDT_TRIG", 0x79, 0x79, HV_G, HV_G, 0,			\
	  "no microcode loads under the hypervisor")				\
	X("IA32_BIOS_SIGN_ID", 0x8b, 0x8b, HV_P, HV_P, 0,			\
	  "microcode revision: read after writing 0")				\
	X("IA32_SMM_MONITOR_CTL..SMBASE", 0x9b, 0x9e, HV_G, HV_G, 0,		\
	  "SMM: dual-monitor and SMBASE are not the OS's")			\
	X("IA32_PMC0-7", 0xc1, 0xc8, HV_G, HV_G, 0,				\
	  "performance counters would count MIEE events: no PMU for the OS")	\
	X("MSR_PLATFORM_INFO", 0xce, 0xce, HV_P, HV_G, 0,			\
	  "read-only information")						\
	X("MSR_PKG_CST_CONFIG_CONTROL", 0xe2, 0xe2, HV_P, HV_G, 0,		\
	  "C-state limits read by intel_idle")					\
	X("IA32_MPERF/APERF", 0xe7, 0xe8, HV_P, HV_G, 0,			\
	  "frequency feedback, read only")					\
	X("IA32_MTRRCAP", 0xfe, 0xfe, HV_P, HV_G, 0, "read-only information")	\
	X("IA32_ARCH_CAPABILITIES", 0x10a, 0x10a, HV_P, HV_G, 0,		\
	  "read-only information")						\
	X("IA32_FLUSH_CMD", 0x10b, 0x10b, HV_P, HV_P, 0,			\
	  "L1D flush: a mitigation command")					\
	X("IA32_TSX_CTRL/MCU_OPT_CTRL", 0x122, 0x123, HV_P, HV_P, 0,		\
	  "speculation controls the OS needs")					\
	X("MSR_MISC_FEATURES_ENABLES", 0x140, 0x140, HV_P, HV_P, 0,		\
	  "CPUID faulting and ring-3 MWAIT: the OS's own (CPUID still exits)") \
	X("IA32_SYSENTER_CS/ESP/EIP", 0x174, 0x176, HV_P, HV_P, 0,		\
	  "the OS's entry points; the VMCS loads the host's on exit")		\
	X("IA32_MCG_CAP", 0x179, 0x179, HV_P, HV_G, 0, "read-only information")	\
	X("IA32_MCG_STATUS/CTL", 0x17a, 0x17b, HV_P, HV_P, 0,			\
	  "machine-check handling is the OS's (the hypervisor has none)")	\
	X("IA32_PERFEVTSEL0-7", 0x186, 0x18d, HV_G, HV_G, 0,			\
	  "performance counters: see IA32_PMC0-7")				\
	X("IA32_PERF_STATUS/CTL", 0x198, 0x199, HV_P, HV_P, 0,			\
	  "P-state requests: power management only")				\
	X("IA32_CLOCK_MODULATION/THERM_*", 0x19a, 0x19c, HV_P, HV_P, 0,		\
	  "thermal management only")						\
	X("IA32_MISC_ENABLE", 0x1a0, 0x1a0, HV_P, HV_K, 0,			\
	  "writes checked: only thermal, EIST, MONITOR, fast-string and xTPR bits change; XD disable would strip NX from the hypervisor's page tables") \
	X("MSR_TEMPERATURE_TARGET", 0x1a2, 0x1a2, HV_P, HV_G, 0,		\
	  "read-only information")						\
	X("MSR_TURBO_RATIO_LIMIT", 0x1ad, 0x1ad, HV_P, HV_G, 0,		\
	  "read-only information")						\
	X("IA32_ENERGY_PERF_BIAS", 0x1b0, 0x1b0, HV_P, HV_P, 0,			\
	  "power management only")						\
	X("IA32_PACKAGE_THERM_*", 0x1b1, 0x1b2, HV_P, HV_P, 0,			\
	  "thermal management only")						\
	X("MSR_LBR_SELECT/TOS", 0x1c8, 0x1c9, HV_G, HV_G, 0,			\
	  "last-branch records would hold MIEE addresses")			\
	X("IA32_DEBUGCTL", 0x1d9, 0x1d9, HV_C, HV_C, 0,				\
	  "LBR, BTF, BTS and PMU freezing: reads 0, only 0 may be written (the VMCS keeps it 0)") \
	X("LASTBRANCH/LER FROM/TO", 0x1db, 0x1de, HV_G, HV_G, 0,		\
	  "last-branch records: see MSR_LBR_SELECT")				\
	X("IA32_SMRR_PHYSBASE/MASK", 0x1f2, 0x1f3, HV_G, HV_G, 0,		\
	  "SMM range registers are not the OS's")				\
	X("MSR_POWER_CTL", 0x1fc, 0x1fc, HV_P, HV_P, 0,			\
	  "C1E and power management only (Linux reads and writes it unchecked)") \
	X("IA32_MTRR_PHYSBASE/MASK0-15", 0x200, 0x21f, HV_P, HV_D, 0x1000,		\
	  "MTRRs: the hypervisor's memory types are its own; the EPT sets the OS's, writes are dropped") \
	X("IA32_MTRR_FIX64K", 0x250, 0x250, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("IA32_MTRR_FIX16K", 0x258, 0x259, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("IA32_MTRR_FIX4K", 0x268, 0x26f, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("IA32_PAT", 0x277, 0x277, HV_P, HV_P, 0,				\
	  "the OS's; the VMCS saves it and loads the host's on exit")		\
	X("IA32_MC0-31_CTL2", 0x280, 0x29f, HV_P, HV_P, 0,			\
	  "corrected machine-check interrupts: the OS's")			\
	X("IA32_MTRR_DEF_TYPE", 0x2ff, 0x2ff, HV_P, HV_D, 6, "MTRRs: see above") \
	X("IA32_FIXED_CTR0-3", 0x309, 0x30c, HV_G, HV_G, 0,			\
	  "performance counters: see IA32_PMC0-7")				\
	X("IA32_PERF_CAPABILITIES", 0x345, 0x345, HV_G, HV_G, 0,		\
	  "performance counters: see IA32_PMC0-7")				\
	X("IA32_FIXED_CTR_CTRL/PERF_GLOBAL_*", 0x38d, 0x390, HV_G, HV_G, 0,	\
	  "performance counters: see IA32_PMC0-7")				\
	X("IA32_PEBS_ENABLE..", 0x3f1, 0x3f2, HV_G, HV_G, 0,			\
	  "PEBS records hold MIEE addresses")					\
	X("C-state residency", 0x3f8, 0x3fe, HV_P, HV_G, 0,			\
	  "read-only counters of idle time")					\
	X("IA32_MC0-31_CTL/STATUS/ADDR/MISC", 0x400, 0x47f, HV_P, HV_P, 0,	\
	  "machine-check banks: the OS's (the hypervisor has no handler)")	\
	X("IA32_VMX_*", 0x480, 0x492, HV_G, HV_G, 0,				\
	  "VMX is not exposed to the OS")					\
	X("IA32_A_PMC0-7", 0x4c1, 0x4c8, HV_G, HV_G, 0,				\
	  "performance counters: see IA32_PMC0-7")				\
	X("IA32_MCG_EXT_CTL", 0x4d0, 0x4d0, HV_P, HV_P, 0,			\
	  "local machine checks: the OS's")					\
	X("IA32_RTIT_* (Intel PT)", 0x560, 0x58f, HV_G, HV_G, 0,		\
	  "PT writes trace to host-physical output tables and traces MIEEs")	\
	X("IA32_DS_AREA", 0x600, 0x600, HV_G, HV_G, 0,				\
	  "BTS/PEBS buffers: branch and sample records of MIEEs")		\
	X("RAPL and package power", 0x606, 0x64f, HV_G, HV_G, 0,		\
	  "energy counters measure what an MIEE computes (PLATYPUS)")		\
	X("MSR_LASTBRANCH_0-31_FROM_IP", 0x680, 0x69f, HV_G, HV_G, 0,		\
	  "last-branch records: see MSR_LBR_SELECT")				\
	X("MSR_LASTBRANCH_0-31_TO_IP", 0x6c0, 0x6df, HV_G, HV_G, 0,		\
	  "last-branch records: see MSR_LBR_SELECT")				\
	X("IA32_TSC_DEADLINE", 0x6e0, 0x6e0, HV_P, HV_P, 0,			\
	  "the OS's APIC timer")						\
	HV_MSR_COMMON_X2APIC(X)							\
	X("IA32_XSS", 0xda0, 0xda0, HV_P, HV_P, 0,				\
	  "supervisor XSAVE components (PT and CET stay hidden)")		\
	X("EFER", 0xc0000080, 0xc0000080, HV_P, HV_P, 0,			\
	  "the VMCS saves the OS's and loads the host's on exit")		\
	HV_MSR_COMMON_HIGH(X)

/* x2APIC: the registers are the OS's; ICR writes exit to the hook where
 * INIT/SIPI interception goes (core/msr.c, msr_x2apic_icr_write()). */
#define HV_MSR_COMMON_X2APIC(X)							\
	X("x2APIC 0x800-0x82f", 0x800, 0x82f, HV_P, HV_P, 0,			\
	  "the OS's own local APIC")						\
	X("x2APIC ICR", 0x830, 0x830, HV_P, HV_K, 0,				\
	  "IPIs: forwarded by the INIT/SIPI hook (reserved bits refused)")	\
	X("x2APIC 0x831-0x8ff", 0x831, 0x8ff, HV_P, HV_P, 0,			\
	  "the OS's own local APIC")

#define HV_MSR_COMMON_HIGH(X)							\
	X("STAR/LSTAR/CSTAR/SFMASK", 0xc0000081, 0xc0000084, HV_P, HV_P, 0,	\
	  "the OS's system-call entry (the hypervisor makes no system calls)")	\
	X("FS/GS/KERNEL_GS_BASE, TSC_AUX", 0xc0000100, 0xc0000103, HV_P, HV_P, 0, \
	  "the OS's segment bases and RDTSCP/RDPID value")

#define HV_MSR_SVM(X)								\
	HV_MSR_COMMON_LOW(X)							\
	X("IA32_SPEC_CTRL/PRED_CMD", 0x48, 0x49, HV_P, HV_P, 0,			\
	  "speculation controls the OS needs; they only restrict the CPU")	\
	X("PATCH_LEVEL", 0x8b, 0x8b, HV_P, HV_P, 0, "microcode revision")	\
	X("MTRRcap", 0xfe, 0xfe, HV_P, HV_G, 0, "read-only information")	\
	X("SYSENTER_CS/ESP/EIP", 0x174, 0x176, HV_P, HV_P, 0,			\
	  "the OS's entry points; VMLOAD/VMSAVE switch them")			\
	X("MCG_CAP", 0x179, 0x179, HV_P, HV_G, 0, "read-only information")	\
	X("MCG_STATUS/CTL", 0x17a, 0x17b, HV_P, HV_P, 0,			\
	  "machine-check handling is the OS's (the hypervisor has none)")	\
	X("DEBUGCTL", 0x1d9, 0x1d9, HV_C, HV_C, 0,				\
	  "LBR and BTF: reads 0, only 0 may be written")			\
	X("LastBranch/LastException FROM/TO IP", 0x1db, 0x1de, HV_G, HV_G, 0,	\
	  "last-branch records would hold MIEE addresses")			\
	X("MTRRphysBase/Mask0-7", 0x200, 0x20f, HV_P, HV_D, 0x1000,			\
	  "MTRRs: the hypervisor's memory types are its own; the NPT sets the OS's, writes are dropped") \
	X("MTRRfix64K", 0x250, 0x250, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("MTRRfix16K", 0x258, 0x259, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("MTRRfix4K", 0x268, 0x26f, HV_P, HV_D, 6, "MTRRs: see above")		\
	X("PAT", 0x277, 0x277, HV_P, HV_P, 0,					\
	  "with nested paging the guest's PAT is the VMCB's G_PAT")		\
	X("MTRRdefType", 0x2ff, 0x2ff, HV_P, HV_D, 6, "MTRRs: see above")	\
	X("MCi_CTL/STATUS/ADDR/MISC", 0x400, 0x47f, HV_P, HV_P, 0,		\
	  "machine-check banks: the OS's (the hypervisor has no handler)")	\
	HV_MSR_COMMON_X2APIC(X)							\
	X("EFER", 0xc0000080, 0xc0000080, HV_B, HV_B, 0,			\
	  "the VMCB's: SVME stays set and is hidden (svm.c, svm_efer())")	\
	HV_MSR_COMMON_HIGH(X)							\
	X("PerfMonV2 global control/status", 0xc0000300, 0xc0000303, HV_G, HV_G, 0, \
	  "performance counters would count MIEE events: no PMU for the OS")	\
	X("PerfEvtSel0-3/PerfCtr0-3", 0xc0010000, 0xc0010007, HV_G, HV_G, 0,	\
	  "performance counters: see PerfMonV2")				\
	X("SYSCFG", 0xc0010010, 0xc0010010, HV_P, HV_G, 0,			\
	  "writes refused: MtrrFixDram, TOM2 and SME bits reroute memory")	\
	X("HWCR", 0xc0010015, 0xc0010015, HV_P, HV_G, 0,			\
	  "writes refused: SMM lock, TLB and cache controls of the whole core")	\
	X("IORRBase/Mask0-1", 0xc0010016, 0xc0010019, HV_P, HV_G, 0,		\
	  "writes refused: IORRs send memory ranges to I/O")			\
	X("TOP_MEM", 0xc001001a, 0xc001001a, HV_P, HV_G, 0,			\
	  "writes refused: moves the DRAM/MMIO boundary")			\
	X("TOP_MEM2", 0xc001001d, 0xc001001d, HV_P, HV_G, 0,			\
	  "writes refused: moves the DRAM/MMIO boundary above 4 GiB")		\
	X("NB_CFG", 0xc001001f, 0xc001001f, HV_P, HV_G, 0,			\
	  "writes refused: northbridge configuration")				\
	X("PATCH_LOADER", 0xc0010020, 0xc0010020, HV_G, HV_G, 0,		\
	  "no microcode loads under the hypervisor")				\
	X("Processor name string", 0xc0010030, 0xc0010035, HV_P, HV_G, 0,	\
	  "read-only information")						\
	X("INT_PENDING_MSG", 0xc0010055, 0xc0010055, HV_P, HV_G, 0,		\
	  "C1E configuration Linux reads on family 0xf/0x10; writes refused")	\
	X("MMIO_CONF_BASE", 0xc0010058, 0xc0010058, HV_P, HV_G, 0,		\
	  "writes refused: moves PCI configuration space over memory")		\
	X("SMM_BASE/SMM_ADDR/SMM_MASK", 0xc0010111, 0xc0010113, HV_G, HV_G, 0,	\
	  "SMM: SMBASE and TSeg are not the OS's")				\
	X("VM_CR..SVM_KEY", 0xc0010114, 0xc0010118, HV_G, HV_G, 0,		\
	  "SVM is not exposed; a moved VM_HSAVE_PA would make VMRUN write over the hypervisor") \
	X("OSVW_ID_Length/Status", 0xc0010140, 0xc0010141, HV_P, HV_G, 0,	\
	  "erratum information, read only")					\
	X("PERF_CTL0-5/PERF_CTR0-5", 0xc0010200, 0xc001020b, HV_G, HV_G, 0,	\
	  "performance counters: see PerfMonV2")				\
	X("L2I/NB performance counters", 0xc0010230, 0xc001024f, HV_G, HV_G, 0, \
	  "performance counters: see PerfMonV2")				\
	X("RAPL_PWR_UNIT/CORE/PKG_ENERGY", 0xc0010299, 0xc001029b, HV_G, HV_G, 0, \
	  "energy counters measure what an MIEE computes (PLATYPUS)")		\
	X("CPUID overrides", 0xc0011002, 0xc0011005, HV_P, HV_G, 0,		\
	  "writes refused: they change the CPUID the hypervisor relies on")	\
	X("LS_CFG", 0xc0011020, 0xc0011020, HV_P, HV_P, 0,			\
	  "speculative store bypass disable on older families: a mitigation")	\
	X("DE_CFG", 0xc0011029, 0xc0011029, HV_P, HV_P, 0,			\
	  "LFENCE serialization: a mitigation")					\
	X("IBS fetch/op/control", 0xc0011030, 0xc001103f, HV_G, HV_G, 0,	\
	  "instruction-based sampling records MIEE addresses")

#endif
