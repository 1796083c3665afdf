/* SVM definitions: the VMCB layout (APM Vol. 2 Appendix B), intercept
 * bits, exit codes (Appendix C) and SVM MSRs/CPUID bits. SVM host only.
 *
 * "APM Vol. 2" in this backend is the AMD64 Architecture Programmer's
 * Manual, Volume 2: System Programming, publication 24593, in a 3.3x/3.4x
 * revision: chapter 15 "Secure Virtual Machine" with 15.5 VMRUN, 15.11
 * the MSR permission map, 15.25 nested paging and 15.30 the SVM MSRs. */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include "types.h"

/* MSRs (APM Vol. 2 15.30). */
#define MSR_VM_CR 0xc0010114
#define MSR_IGNNE 0xc0010115
#define MSR_SMM_CTL 0xc0010116
#define MSR_VM_HSAVE_PA 0xc0010117
#define MSR_SVM_KEY 0xc0010118
/* Performance counters and IBS (APM Vol. 2 13.3), switched off at start. */
#define MSR_AMD_PERF_CTL0 0xc0010200
#define MSR_AMD_IBS_FETCH_CTL 0xc0011030
#define MSR_AMD_IBS_OP_CTL 0xc0011033
#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)

/* CPUID 0x8000000A EDX (APM Vol. 3 E.4.9). */
#define SVM_FEAT_NP BIT(0)
#define SVM_FEAT_NRIPS BIT(3)
#define SVM_FEAT_FLUSH_BY_ASID BIT(6)

/* A segment register as the VMCB holds it (APM Vol. 2 15.5.1): attrib is
 * descriptor bits 47:40 in 7:0 and bits 55:52 in 11:8. */
struct vmcb_seg {
	u16 sel;
	u16 attrib;
	u32 limit;
	u64 base;
} __attribute__((packed));
_Static_assert(sizeof(struct vmcb_seg) == 16, "vmcb_seg layout");

#define SEG_ATTR_CODE64 0xa9b	/* P, DPL 0, code RX accessed, L, G */
#define SEG_ATTR_DATA 0xc93	/* P, DPL 0, data RW accessed, D/B, G */
#define SEG_ATTR_TSS64_BUSY 0x08b

/* Control area, offsets 0x000-0x3ff (APM Vol. 2 Table B-1). */
struct vmcb_control {
	u32 intercept_cr;		/* 0x000: reads 15:0, writes 31:16 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exc;		/* 0x008 */
	u32 intercept1;			/* 0x00c: INTERCEPT1_* */
	u32 intercept2;			/* 0x010: INTERCEPT2_* */
	u32 intercept3;			/* 0x014 */
	u8 reserved1[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_control;			/* 0x05c: TLB_CONTROL_* */
	u8 reserved2[3];
	u64 int_ctl;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING... */
	u64 int_state;			/* 0x068: bit 0 interrupt shadow */
	u64 exit_code;			/* 0x070 */
	u64 exit_info1;			/* 0x078 */
	u64 exit_info2;			/* 0x080 */
	u64 exit_int_info;		/* 0x088: EVENTINJ format */
	u64 np_control;			/* 0x090: bit 0 NP_ENABLE */
	u64 avic_apic_bar;		/* 0x098 */
	u64 ghcb_pa;			/* 0x0a0 */
	u64 event_inj;			/* 0x0a8 */
	u64 n_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8: LBR and VMLOAD/VMSAVE virtualization */
	u32 clean;			/* 0x0c0: VMCB clean bits */
	u32 reserved3;
	u64 next_rip;			/* 0x0c8: nRIP (with NRIPS) */
	u8 insn_len;			/* 0x0d0 */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved4[0x400 - 0x0e0];
} __attribute__((packed));

/* State save area, offsets 0x400-0xfff of the VMCB (APM Vol. 2 Table B-2,
 * whose offsets are relative to 0x400). */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs;	/* 0x000-0x05f */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x060-0x09f */
	u8 reserved1[0x0cb - 0x0a0];
	u8 cpl;				/* 0x0cb */
	u32 reserved2;
	u64 efer;			/* 0x0d0 */
	u8 reserved3[0x148 - 0x0d8];
	u64 cr4;			/* 0x148 */
	u64 cr3;			/* 0x150 */
	u64 cr0;			/* 0x158 */
	u64 dr7;			/* 0x160 */
	u64 dr6;			/* 0x168 */
	u64 rflags;			/* 0x170 */
	u64 rip;			/* 0x178 */
	u8 reserved4[0x1d8 - 0x180];
	u64 rsp;			/* 0x1d8 */
	u64 s_cet, ssp, isst_addr;	/* 0x1e0 */
	u64 rax;			/* 0x1f8 */
	u64 star;			/* 0x200 */
	u64 lstar;			/* 0x208 */
	u64 cstar;			/* 0x210 */
	u64 sfmask;			/* 0x218 */
	u64 kernel_gs_base;		/* 0x220 */
	u64 sysenter_cs;		/* 0x228 */
	u64 sysenter_esp;		/* 0x230 */
	u64 sysenter_eip;		/* 0x238 */
	u64 cr2;			/* 0x240 */
	u8 reserved5[0x268 - 0x248];
	u64 g_pat;			/* 0x268 */
	u64 dbgctl;			/* 0x270 */
	u64 br_from, br_to;		/* 0x278 */
	u64 last_excp_from, last_excp_to; /* 0x288 */
	u8 reserved6[0xc00 - 0x298];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __attribute__((packed));

#define VMCB_CTL(f) __builtin_offsetof(struct vmcb, ctl.f)
#define VMCB_SAVE(f) __builtin_offsetof(struct vmcb, save.f)
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(VMCB_CTL(intercept_cr) == 0x000, "VMCB intercept_cr");
_Static_assert(VMCB_CTL(intercept1) == 0x00c, "VMCB intercept1");
_Static_assert(VMCB_CTL(intercept2) == 0x010, "VMCB intercept2");
_Static_assert(VMCB_CTL(intercept3) == 0x014, "VMCB intercept3");
_Static_assert(VMCB_CTL(iopm_base_pa) == 0x040, "VMCB iopm_base_pa");
_Static_assert(VMCB_CTL(msrpm_base_pa) == 0x048, "VMCB msrpm_base_pa");
_Static_assert(VMCB_CTL(tsc_offset) == 0x050, "VMCB tsc_offset");
_Static_assert(VMCB_CTL(asid) == 0x058, "VMCB asid");
_Static_assert(VMCB_CTL(tlb_control) == 0x05c, "VMCB tlb_control");
_Static_assert(VMCB_CTL(int_ctl) == 0x060, "VMCB int_ctl");
_Static_assert(VMCB_CTL(int_state) == 0x068, "VMCB int_state");
_Static_assert(VMCB_CTL(exit_code) == 0x070, "VMCB exit_code");
_Static_assert(VMCB_CTL(exit_info1) == 0x078, "VMCB exit_info1");
_Static_assert(VMCB_CTL(exit_info2) == 0x080, "VMCB exit_info2");
_Static_assert(VMCB_CTL(exit_int_info) == 0x088, "VMCB exit_int_info");
_Static_assert(VMCB_CTL(np_control) == 0x090, "VMCB np_control");
_Static_assert(VMCB_CTL(event_inj) == 0x0a8, "VMCB event_inj");
_Static_assert(VMCB_CTL(n_cr3) == 0x0b0, "VMCB n_cr3");
_Static_assert(VMCB_CTL(virt_ext) == 0x0b8, "VMCB virt_ext");
_Static_assert(VMCB_CTL(clean) == 0x0c0, "VMCB clean");
_Static_assert(VMCB_CTL(next_rip) == 0x0c8, "VMCB next_rip");
_Static_assert(VMCB_CTL(insn_len) == 0x0d0, "VMCB insn_len");
_Static_assert(VMCB_SAVE(es) == 0x400, "VMCB es");
_Static_assert(VMCB_SAVE(cs) == 0x410, "VMCB cs");
_Static_assert(VMCB_SAVE(ss) == 0x420, "VMCB ss");
_Static_assert(VMCB_SAVE(ds) == 0x430, "VMCB ds");
_Static_assert(VMCB_SAVE(fs) == 0x440, "VMCB fs");
_Static_assert(VMCB_SAVE(gs) == 0x450, "VMCB gs");
_Static_assert(VMCB_SAVE(gdtr) == 0x460, "VMCB gdtr");
_Static_assert(VMCB_SAVE(ldtr) == 0x470, "VMCB ldtr");
_Static_assert(VMCB_SAVE(idtr) == 0x480, "VMCB idtr");
_Static_assert(VMCB_SAVE(tr) == 0x490, "VMCB tr");
_Static_assert(VMCB_SAVE(cpl) == 0x4cb, "VMCB cpl");
_Static_assert(VMCB_SAVE(efer) == 0x4d0, "VMCB efer");
_Static_assert(VMCB_SAVE(cr4) == 0x548, "VMCB cr4");
_Static_assert(VMCB_SAVE(cr3) == 0x550, "VMCB cr3");
_Static_assert(VMCB_SAVE(cr0) == 0x558, "VMCB cr0");
_Static_assert(VMCB_SAVE(dr7) == 0x560, "VMCB dr7");
_Static_assert(VMCB_SAVE(dr6) == 0x568, "VMCB dr6");
_Static_assert(VMCB_SAVE(rflags) == 0x570, "VMCB rflags");
_Static_assert(VMCB_SAVE(rip) == 0x578, "VMCB rip");
_Static_assert(VMCB_SAVE(rsp) == 0x5d8, "VMCB rsp");
_Static_assert(VMCB_SAVE(rax) == 0x5f8, "VMCB rax");
_Static_assert(VMCB_SAVE(star) == 0x600, "VMCB star");
_Static_assert(VMCB_SAVE(lstar) == 0x608, "VMCB lstar");
_Static_assert(VMCB_SAVE(cstar) == 0x610, "VMCB cstar");
_Static_assert(VMCB_SAVE(sfmask) == 0x618, "VMCB sfmask");
_Static_assert(VMCB_SAVE(kernel_gs_base) == 0x620, "VMCB kernel_gs_base");
_Static_assert(VMCB_SAVE(sysenter_cs) == 0x628, "VMCB sysenter_cs");
_Static_assert(VMCB_SAVE(sysenter_esp) == 0x630, "VMCB sysenter_esp");
_Static_assert(VMCB_SAVE(sysenter_eip) == 0x638, "VMCB sysenter_eip");
_Static_assert(VMCB_SAVE(cr2) == 0x640, "VMCB cr2");
_Static_assert(VMCB_SAVE(g_pat) == 0x668, "VMCB g_pat");
_Static_assert(VMCB_SAVE(dbgctl) == 0x670, "VMCB dbgctl");

/* Intercept vector 3, VMCB offset 0x00c (APM Vol. 2 Table B-1). */
#define INTERCEPT1_INTR BIT(0)
#define INTERCEPT1_NMI BIT(1)
#define INTERCEPT1_RDPMC BIT(15)
#define INTERCEPT1_INIT BIT(3)
#define INTERCEPT1_CPUID BIT(18)
#define INTERCEPT1_INVD BIT(22)
#define INTERCEPT1_HLT BIT(24)
#define INTERCEPT1_INVLPGA BIT(26)
#define INTERCEPT1_IOIO_PROT BIT(27)
#define INTERCEPT1_MSR_PROT BIT(28)
#define INTERCEPT1_SHUTDOWN BIT(31)
/* Intercept vector 4, VMCB offset 0x010. */
#define INTERCEPT2_VMRUN BIT(0)
#define INTERCEPT2_VMMCALL BIT(1)
#define INTERCEPT2_VMLOAD BIT(2)
#define INTERCEPT2_VMSAVE BIT(3)
#define INTERCEPT2_STGI BIT(4)
#define INTERCEPT2_CLGI BIT(5)
#define INTERCEPT2_SKINIT BIT(6)
#define INTERCEPT2_XSETBV BIT(13)
#define INTERCEPT2_RDPRU BIT(14)

/* TLB_CONTROL (APM Vol. 2 15.16.1). */
#define TLB_CONTROL_NONE 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

#define NP_ENABLE BIT(0)
#define INT_STATE_SHADOW BIT(0)
/* INT_CTL (APM Vol. 2 15.21.1): with V_INTR_MASKING set, the guest's
 * RFLAGS.IF and TPR only govern virtual interrupts; physical ones follow
 * the host's RFLAGS.IF as it was at VMRUN. */
#define INT_CTL_V_INTR_MASKING BIT(24)

/* EVENTINJ and EXITINTINFO (APM Vol. 2 15.20). */
#define EVENT_VECTOR_MASK 0xffu
#define EVENT_TYPE_NMI (2u << 8)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_ERROR_VALID BIT(11)
#define EVENT_VALID BIT(31)

/* NPF EXITINFO1 (APM Vol. 2 15.25.6), like a #PF error code. */
#define NPF_P BIT(0)
#define NPF_RW BIT(1)
#define NPF_US BIT(2)
#define NPF_RSV BIT(3)
#define NPF_ID BIT(4)
#define NPF_FINAL_GPA BIT(32)
#define NPF_TABLE_WALK BIT(33)

/* Exit codes (APM Vol. 2 Appendix C). */
enum svm_exit {
	SVM_EXIT_EXCP_BASE = 0x040,
	SVM_EXIT_INTR = 0x060,
	SVM_EXIT_NMI = 0x061,
	SVM_EXIT_RDPMC = 0x06f,
	SVM_EXIT_INIT = 0x063,
	SVM_EXIT_CPUID = 0x072,
	SVM_EXIT_INVD = 0x076,
	SVM_EXIT_HLT = 0x078,
	SVM_EXIT_INVLPGA = 0x07a,
	SVM_EXIT_IOIO = 0x07b,
	SVM_EXIT_MSR = 0x07c,
	SVM_EXIT_SHUTDOWN = 0x07f,
	SVM_EXIT_VMRUN = 0x080,
	SVM_EXIT_VMMCALL = 0x081,
	SVM_EXIT_VMLOAD = 0x082,
	SVM_EXIT_VMSAVE = 0x083,
	SVM_EXIT_STGI = 0x084,
	SVM_EXIT_CLGI = 0x085,
	SVM_EXIT_SKINIT = 0x086,
	SVM_EXIT_XSETBV = 0x08d,
	SVM_EXIT_RDPRU = 0x08e,
	SVM_EXIT_NPF = 0x400,
};
#define SVM_EXIT_INVALID (~0ull)	/* VMRUN refused the guest state */

/* MSR permission map (APM Vol. 2 15.11): 2 bits per MSR (read, write),
 * three 2 KiB vectors covering three ranges of 8 K MSRs. */
#define MSRPM_SIZE 8192
#define MSRPM_PAGES 2
/* Filled from the policy in include/hv/msr-policy.h (arch/svm/msr_policy.c). */
void svm_msrpm_fill(u8 *msrpm);
/* I/O permission map (APM Vol. 2 15.10.1): one bit per port, 12 KiB (the
 * bits past port 0xffff catch multi-byte accesses that wrap). */
#define IOPM_SIZE 12288
#define IOPM_PAGES 3

#endif
