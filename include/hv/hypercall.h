/* Hypercall ABI, shared by the hypervisor, the kernel driver and the tools.
 *
 * The guest executes VMCALL (Intel) or VMMCALL (AMD); CPUID leaf 0x40000000
 * tells which hypervisor is present and CPUID 0x40000001 EAX bit 0 says
 * "use VMMCALL". Registers: RAX = call number, RBX/RCX/RDX/RSI = arguments.
 * On return RAX = 0 or a negative HVE_* error code; results in RBX, RCX,
 * RDX, RSI as each call documents. Every other register is preserved.
 * Calls from guest CPL > 0 get HVE_PERM unless listed in HC_USER_ALLOWED. */
#ifndef HV_ABI_HYPERCALL_H
#define HV_ABI_HYPERCALL_H

#define HV_CPUID_BASE 0x40000000u
#define HV_CPUID_FEATURES 0x40000001u
#define HV_CPUID_MAX HV_CPUID_FEATURES
/* "TwoWayIsoHV" in EBX, ECX, EDX */
#define HV_SIG_EBX 0x576f7754u	/* "TwoW" */
#define HV_SIG_ECX 0x73497961u	/* "ayIs" */
#define HV_SIG_EDX 0x0056486fu	/* "oHV\0" */
#define HV_FEAT_VMMCALL (1u << 0)	/* EAX of HV_CPUID_FEATURES */

#define HV_VERSION_MAJOR 0
#define HV_VERSION_MINOR 1

/* Call numbers. */
#define HC_VERSION 0x00	/* out: RBX = major << 16 | minor, RCX = backend (HV_BACKEND_*) */
#define HC_PING 0x01	/* in: RBX = value; out: RBX = ~value */
#define HC_STATS 0x02	/* in: RBX = HV_STAT_*; out: RBX = counter */
#define HC_MEMINFO 0x03	/* out: RBX/RCX = image base/size, RSI/RDI = pool base/size,
			 * RDX = number of ranges (2) */

#define HC_LAUNCH_INFO 0x04	/* out: RBX = HV_LAUNCH_* flags */

/* CPL 0: polls the IOMMU's fault records (the hypervisor logs each).  Out:
 * RBX = 1 if DMA remapping is on, RCX = DMA faults seen so far, RDX = the
 * unit's root table, RSI = the DMA page tables' top level (physical; for
 * the attack tests, docs/iommu.md), RDI = IOTLB flushes so far. */
#define HC_IOMMU_INFO 0x40

#define HC_USER_ALLOWED(nr) ((nr) == HC_VERSION || (nr) == HC_PING || (nr) == HC_LAUNCH_INFO)

/* HC_LAUNCH_INFO flags: what this launch can prove (docs/drtm.md). */
#define HV_LAUNCH_TPM (1u << 0)		/* a TPM 2.0 answered at locality 2 */
#define HV_LAUNCH_DRTM (1u << 1)	/* PCR 17 holds a DRTM measurement */
#define HV_LAUNCH_PARAMS (1u << 2)	/* launch parameters extended into PCR 18 */
#define HV_LAUNCH_ATTESTABLE (1u << 3)	/* all the others: attestation may proceed */
#define HV_LAUNCH_KEYBOUND (1u << 4)	/* uTPM root key hash extended into PCR 19 */
#define HV_LAUNCH_DMA (1u << 5)		/* IOMMU on: devices cannot reach HV/MIEE memory */

#define HV_BACKEND_VMX 1
#define HV_BACKEND_SVM 2

/* HC_STATS counters. */
#define HV_STAT_EXITS 0		/* VM exits taken */
#define HV_STAT_HYPERCALLS 1
#define HV_STAT_BLOCKED 2	/* guest accesses to hypervisor memory refused */
#define HV_STAT_FREE_PAGES 3	/* pages left in the hypervisor pool */
#define HV_STAT_OS_FRAMES 4	/* frames the OS owns (frame table) */
#define HV_STAT_MIEE_FRAMES 5	/* frames MIEEs own, shared ones included */
#define HV_STAT_SHOOTDOWNS 6	/* cross-CPU TLB shootdowns of the OS's EPT/NPT */
#define HV_STAT_SHOOTDOWN_TSC 7	/* TSC ticks the initiators waited for them, total */
#define HV_STAT_CPUS 8		/* CPUs under the hypervisor */
#define HV_STAT_MAX 9

/* Errors (RAX). Each has a name in hypervisor/core/hypercall.c. */
#define HVE_OK 0
#define HVE_NOSYS (-1)		/* unknown call number */
#define HVE_PERM (-2)		/* caller's privilege level too low */
#define HVE_INVAL (-3)		/* malformed argument */

#endif
