/* MIEE (isolated environment) ABI shared by the hypervisor, the kernel
 * driver (guest-driver/), the runner (tools/miee-run.c), PALs and the
 * measurement tool: lifecycle hypercalls, the page list, the initial vCPU
 * state, exit reasons, the ioctl API of /dev/miee. docs/miee.md. */
#ifndef HV_ABI_MIEE_H
#define HV_ABI_MIEE_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
typedef __u16 m_u16; typedef __u32 m_u32; typedef __u64 m_u64;
#else
#include <stdint.h>
#include <sys/ioctl.h>
typedef uint16_t m_u16; typedef uint32_t m_u32; typedef uint64_t m_u64;
#endif

/* ---- lifecycle hypercalls: OS kernel (CPL 0) only. RAX = number, result
 * in RAX (0 or HVE_* / MIEE_E*), outputs as listed. */
#define HC_MIEE_CREATE 0x10	/* RBX = max pages; out RBX = id (1..MIEE_MAX) */
#define HC_MIEE_ADD 0x11	/* RBX = id, RCX = phys addr of struct miee_page[RDX],
				 * RDX = count (1..MIEE_ADD_MAX); the list lies in
				 * OS-owned RAM (it may cross a page boundary) */
#define HC_MIEE_INIT 0x12	/* RBX = id, RCX = phys addr of struct miee_init;
				 * out RBX..: none; the measurement via HC_MIEE_INFO */
#define HC_MIEE_ENTER 0x13	/* RBX = id, RCX = RAX for the MIEE when it resumes
				 * from a host call, RDX = thread slot (0 = the
				 * slot HC_MIEE_INIT made; others from
				 * HC_MIEE_SLOT_NEW); out RBX = MIEE_EXIT_*, RCX =
				 * info (exit status / host-call argument / fault
				 * vector), RDX = second info (fault address).
				 * MIEE_ESLOT: no such live slot; MIEE_EBUSY: that
				 * slot runs on another CPU now (never two CPUs in
				 * one slot; the order of enters is the host's and
				 * can only delay a slot) */
#define HC_MIEE_DESTROY 0x14	/* RBX = id; frames scrubbed and returned */
#define HC_MIEE_INFO 0x15	/* RBX = id, RCX = phys addr of struct miee_info */
#define HC_MIEE_DONATE 0x16	/* RBX = id, RCX = phys addr of m_u64 frames[RDX],
				 * RDX = count (1..MIEE_ADD_MAX); state READY. The
				 * frames join the MIEE's reserve: owned by it, gone
				 * from the OS's tables and the IOMMU's, scrubbed,
				 * mapped nowhere yet. Within max_pages in all.
				 * out RBX = frames in the reserve */
#define HC_MIEE_RECLAIM 0x17	/* RBX = id, RCX = phys addr of m_u64 out[RDX],
				 * RDX = max: gives up to RDX reserve frames back to
				 * the OS (scrubbed); out RBX = how many written */

/* ---- calls from inside an MIEE (refused from the OS) */
#define HC_MIEE_EXIT 0x20	/* RBX = status: ends the MIEE's run */
#define HC_MIEE_HOSTCALL 0x21	/* RBX = argument: the OS serves it, then
				 * HC_MIEE_ENTER resumes after this call with
				 * RAX = the OS's RCX of that HC_MIEE_ENTER */
#define HC_MIEE_MAP 0x22	/* RBX = offset, RCX = pages (1..MIEE_ADD_MAX),
				 * RDX = MIEE_P_R | MIEE_P_W (nothing else: dynamic
				 * memory is never executable): [offset, +RCX pages)
				 * inside the range and mapped nowhere; takes RCX
				 * reserve frames, zeroed, and maps them there. The
				 * address is the MIEE's choice, never the OS's.
				 * MIEE_ENOMEM when the reserve is short (nothing
				 * mapped: ask the host to donate, then retry) */
#define HC_MIEE_UNMAP 0x23	/* RBX = offset, RCX = pages: each one mapped by
				 * HC_MIEE_MAP; scrubbed, back to the reserve,
				 * flushed from every CPU before the call returns */

/* ---- thread slots (docs/miee.md "Thread slots", docs/libos.md
 * "Threads"): an MIEE has up to MIEE_SLOTS_MAX vCPU contexts of its own,
 * each with its registers, FPU state and FS/GS bases, all sharing its
 * nested page table and memory. Slot 0 is made by HC_MIEE_INIT; the MIEE
 * itself makes the others, so every register of a new thread comes from
 * inside; the OS learns slot numbers only (the libOS tells the runner with
 * LIBOS_HC_SPAWN) and lends each slot time with HC_MIEE_ENTER(slot). An
 * interrupted slot's context stays in hypervisor memory until a host
 * thread enters that slot again, on any CPU. */
#define MIEE_SLOTS_MAX 16
#define HC_MIEE_SLOT_NEW 0x24	/* CPL 0 inside: RBX = offset of struct
				 * miee_slot_start (in its pages); out RBX = the
				 * new slot (1..MIEE_SLOTS_MAX-1, lowest free). It
				 * starts, at its first HC_MIEE_ENTER, in the
				 * calling slot's mode: the caller's CR0, CR3,
				 * CR4, EFER, GDTR, IDTR, segment selectors and
				 * XCR0; RIP, RSP, RDI, FS and GS base from the
				 * struct; every other GPR 0, RFLAGS 2, FPU/SSE/
				 * AVX state reset, DRs reset, TPR 0.
				 * MIEE_ELIMIT: every slot is live; MIEE_EARG:
				 * bad struct (outside its pages, non-canonical
				 * RIP/RSP/bases, reserved non-zero) */
#define HC_MIEE_SLOT_EXIT 0x25	/* RBX = status: this slot ends (its context
				 * scrubbed, free for a later SLOT_NEW); the
				 * HC_MIEE_ENTER that ran it returns
				 * MIEE_EXIT_SLOT_DONE, RCX = status. The MIEE
				 * stays READY while another slot lives; ending
				 * the last one is HC_MIEE_EXIT's job (the libOS
				 * calls HC_MIEE_EXIT for exit_group) */
#define HC_MIEE_FLUSH 0x26	/* the MIEE changed its own page tables: no CPU
				 * runs one of its slots with a translation
				 * cached from before the call. Returns once
				 * every CPU running one of its slots has
				 * flushed (those not running flush at their next
				 * enter); out RBX = 0 */

struct miee_slot_start {
	m_u64 rip, rsp;		/* offsets/virtual addresses in the MIEE */
	m_u64 arg;		/* RDI at its first instruction */
	m_u64 fs_base, gs_base;
	m_u64 reserved[3];	/* 0 */
};

/* ---- uTPM calls from inside an MIEE (docs/utpm.md). Buffers are offsets
 * in the MIEE's address space: they must lie in its pages, and outputs in
 * its writable pages; everything is copied into the hypervisor first. */
#define HC_UTPM_PCR_READ 0x30	/* RBX = index 0..7, RCX = out (32 bytes) */
#define HC_UTPM_PCR_EXTEND 0x31	/* RBX = index 1..7, RCX = digest (32 bytes) */
#define HC_UTPM_GET_RANDOM 0x32	/* RBX = out, RCX = length (1..256) */
#define HC_UTPM_QUOTE 0x33	/* RBX = struct utpm_quote_req (in/out) */
#define HC_UTPM_SEAL 0x34	/* RBX = struct utpm_data_req (in/out) */
#define HC_UTPM_UNSEAL 0x35	/* RBX = struct utpm_data_req (in/out) */
#define HC_UTPM_PUBKEY 0x36	/* RBX = out (65 bytes: 0x04 || X || Y) */
/* From the OS kernel (CPL 0): the uTPM root public key, RBX = phys addr of
 * 65 bytes of OS RAM. Its SHA-256 is in hardware PCR 19 (docs/drtm.md). */
#define HC_UTPM_ROOT_PUBKEY 0x37

struct utpm_quote_req {
	m_u32 pcr_mask;		/* bit i = uPCR i; bit 0 required */
	m_u32 nonce_len;	/* <= 64 */
	m_u64 nonce;		/* offset */
	m_u64 attest, attest_max;	/* out: TPMS_ATTEST */
	m_u64 sig, sig_max;		/* out: TPMT_SIGNATURE */
	m_u64 attest_len, sig_len;	/* out */
};

/* utpm_data_req.pcr_mask bit 31 for HC_UTPM_SEAL: seal under the long-term
 * secret kept in the hardware TPM (bound to PCRs 17 and 18 and locality 2),
 * so the blob opens again after a reboot of the same hypervisor build with
 * the same launch parameters; MIEE_EUTPM when this launch has none. Without
 * it: the per-launch secret, as before. docs/utpm.md "Long-term sealing". */
#define MIEE_SEAL_LONGTERM 0x80000000u

struct utpm_data_req {
	m_u32 pcr_mask;		/* seal: uPCRs the blob is bound to (bits 0-7),
				 * | MIEE_SEAL_LONGTERM */
	m_u32 pad;		/* 0 */
	m_u64 in, in_len;	/* seal: data (<= 4096); unseal: blob */
	m_u64 out, out_max;	/* seal: blob; unseal: data */
	m_u64 out_len;		/* out */
};

#define MIEE_MAX 16		/* MIEEs at once */
#define MIEE_MAX_PAGES 262144	/* pages per MIEE: a 1 GiB address space */
#define MIEE_ADD_MAX 256	/* entries per HC_MIEE_ADD */

/* struct miee_page.flags */
#define MIEE_P_R (1u << 0)
#define MIEE_P_W (1u << 1)
#define MIEE_P_X (1u << 2)
#define MIEE_P_MEASURED (1u << 3)	/* contents go into the measurement */
#define MIEE_P_SHARED (1u << 4)		/* host-call buffer: stays visible to the
					 * OS, never executable, never measured */
#define MIEE_P_WX (1u << 5)		/* the image asks for this page to be
					 * writable and executable at once: only
					 * with R|W|X|MEASURED (W^X otherwise,
					 * MIEE_EWX); measured like every flag */
#define MIEE_P_ALL 0x3fu

struct miee_page {
	m_u64 frame;		/* physical address of an OS-owned RAM page */
	m_u64 offset;		/* page-aligned offset in the MIEE's address space */
	m_u32 flags;
	m_u32 reserved;		/* 0 */
};

/* Initial vCPU state (measured): 64-bit mode with paging; every address is
 * an offset in the MIEE's address space. */
struct miee_init {
	m_u64 rip, rsp, cr3;
	m_u64 gdt_base, idt_base;
	m_u16 gdt_limit, idt_limit;
	m_u16 cs, ds;		/* flat 64-bit code / data selectors in its GDT */
	m_u64 arg;		/* RDI at the first entry */
};

/*
 * The measurement (SHA-256, version 3), computed by the hypervisor as the
 * MIEE is built, recomputable from the same inputs (attest/miee-measure,
 * hypervisor/core/miee_meas.c writes it for both the hypervisor and
 * miee-run). Every input that shapes the MIEE is in it; the
 * frames' physical addresses are not (they do not change what runs):
 *   MIEE_MEAS_TAG (16 bytes: "MIEE-MEASURE/v3" and a zero byte; v3 = v2's
 *   encoding, with the fixed start state of docs/miee.md that has EFER.SCE
 *   and CR4.OSXSAVE: the state a verifier trusts changed, so the tag did)
 *   max_pages given to HC_MIEE_CREATE (4 bytes LE)
 *   for every page added, measured or not, private or shared, in the
 *   order added:
 *     MIEE_MEAS_PAGE (1 byte) || offset (8 bytes LE) || flags (4 bytes LE)
 *     || the 4096 bytes of the page, only if flags has MIEE_P_MEASURED
 *   at HC_MIEE_INIT: MIEE_MEAS_INIT (1 byte) || the number of pages added
 *     (4 bytes LE) || struct miee_init (56 bytes, LE fields in order).
 * The flags decide each page record's length and the last record's first
 * byte differs from a page record's, so two different MIEEs never give one
 * byte string.
 */
#define MIEE_MEAS_TAG "MIEE-MEASURE/v3"	/* hashed with its terminating zero */
#define MIEE_MEAS_TAG_LEN 16
#define MIEE_MEAS_PAGE 0x50	/* 'P' */
#define MIEE_MEAS_INIT 0x49	/* 'I' */
_Static_assert(sizeof(MIEE_MEAS_TAG) == MIEE_MEAS_TAG_LEN, "measurement tag length");

/* HC_MIEE_INFO */
struct miee_info {
	m_u32 state;		/* MIEE_S_* */
	m_u32 pages;		/* frames owned (including shared ones) */
	m_u64 measurement_ready;
	unsigned char measurement[32];
	m_u64 enters, exits;	/* VM transitions into / out of the MIEE */
	m_u64 vm_exits;		/* every VM exit of its context, also those the
				 * hypervisor answers without leaving it
				 * (CPUID, uTPM calls): vm_exits - exits of
				 * a stretch = exits the OS never saw */
	m_u32 reserve;		/* frames donated and mapped nowhere */
	m_u32 mapped;		/* frames mapped by HC_MIEE_MAP */
	m_u32 slots_live;	/* thread slots now live (slot 0 included) */
	m_u32 slots_made;	/* slots ever made (HC_MIEE_INIT's included) */
};

#define MIEE_S_ADDING 1
#define MIEE_S_READY 2		/* initialised, can be entered */
#define MIEE_S_DEAD 3		/* ended (exit or fault); only destroy */

/* HC_MIEE_ENTER exit reasons (RBX). */
#define MIEE_EXIT_DONE 1	/* HC_MIEE_EXIT; RCX = status */
#define MIEE_EXIT_HOSTCALL 2	/* RCX = argument; resume with HC_MIEE_ENTER */
#define MIEE_EXIT_INTERRUPTED 3	/* the OS gets the CPU back; resume. RCX =
				 * MIEE_INTR_EVENT or MIEE_INTR_SLICE */
#define MIEE_INTR_EVENT 0	/* an interrupt or NMI for the OS */
#define MIEE_INTR_SLICE 1	/* its time slice ended (VMX preemption timer) */
#define MIEE_EXIT_FAULT 4	/* RCX = reason MIEE_F_*, RDX = address */
#define MIEE_EXIT_SLOT_DONE 5	/* HC_MIEE_SLOT_EXIT: this slot ended, RCX =
				 * status; the MIEE lives on. A slot whose MIEE
				 * ended (HC_MIEE_EXIT or a fault in any slot)
				 * returns that MIEE_EXIT_DONE / _FAULT instead:
				 * a slot running on another CPU then is made to
				 * exit at once */

#define MIEE_F_TRIPLE 1		/* a fault its own IDT could not take */
#define MIEE_F_NPF 2		/* access outside its memory / to a forbidden page */
#define MIEE_F_BADCALL 3	/* an unknown or forbidden hypercall */
#define MIEE_F_INSN 4		/* an instruction the MIEE may not execute;
				 * RDX = MIEE_INSN_INFO(MIEE_I_*, operand) */

/* MIEE_F_INSN: which instruction (RDX bits 15:0) and its operand (bits 63:16). */
#define MIEE_I_RDMSR 1		/* operand: the MSR index (ECX) */
#define MIEE_I_WRMSR 2		/* operand: the MSR index (ECX) */
#define MIEE_I_IN 3		/* operand: the port */
#define MIEE_I_OUT 4		/* operand: the port */
#define MIEE_I_XSETBV 5		/* operand: the XCR index (ECX) */
#define MIEE_I_HLT 6		/* operand: 0 */
#define MIEE_I_VIRT 7		/* a VMX or SVM instruction; operand: the backend's
				 * exit reason (VMX) or exit code (SVM) for it */
#define MIEE_I_OTHER 8		/* any other exit it may not cause; operand: the
				 * backend's detail */
#define MIEE_INSN_INFO(insn, operand) ((m_u64)(insn) | ((m_u64)(operand) << 16))
#define MIEE_INSN_OF(info) ((info) & 0xffff)
#define MIEE_INSN_OPERAND(info) ((info) >> 16)

/* Errors beyond include/hv/hypercall.h's, each with one meaning. */
#define MIEE_ENOENT (-10)	/* no such MIEE id */
#define MIEE_ESTATE (-11)	/* wrong state for this call (e.g. add after init) */
#define MIEE_EFRAME (-12)	/* a frame is not OS-owned RAM (hypervisor, MMIO,
				 * another MIEE's, already in this one) */
#define MIEE_ERANGE (-13)	/* offset outside the MIEE's range, or unaligned */
#define MIEE_EDUP (-14)		/* the same offset or frame twice */
#define MIEE_ELIMIT (-15)	/* too many MIEEs, pages or list entries */
#define MIEE_EFLAGS (-16)	/* bad page flags or reserved field */
#define MIEE_ENOMEM (-17)	/* the hypervisor is out of memory */
#define MIEE_EARG (-18)		/* bad pointer or initial state */
#define MIEE_EUTPM (-19)	/* the uTPM refused: bad index, size, mask, or an
				 * unseal that does not authenticate / match */
#define MIEE_EWX (-20)		/* a private page both writable and executable
				 * without MIEE_P_MEASURED and MIEE_P_WX, or
				 * MIEE_P_WX on a page that is not both (W^X) */
#define MIEE_ECPU (-21)		/* the CPU refused the MIEE's context (VMCS/VMCB
				 * setup failed); nothing changed */
#define MIEE_EBUSY (-22)	/* the MIEE's thread slot runs on another CPU
				 * (enter, or destroy while it runs) */
#define MIEE_ESLOT (-23)	/* no such live thread slot */

/* ---- /dev/miee: one MIEE per open file; closing it destroys the MIEE. */
struct miee_ioc_create {
	m_u32 max_pages;
	m_u32 id;		/* out */
};

struct miee_ioc_add {
	m_u64 uaddr;		/* page-aligned user address of the contents */
	m_u64 offset;		/* page-aligned offset in the MIEE */
	m_u32 npages;
	m_u32 flags;		/* MIEE_P_* */
};

struct miee_ioc_enter {
	m_u64 hostcall_ret;	/* in: RAX for a resumed host call */
	m_u32 reason;		/* out: MIEE_EXIT_* */
	m_u32 slot;		/* in: the thread slot to enter (0 first) */
	m_u64 info, info2;	/* out */
};

/* MIEE_IOC_DONATE: the driver allocates npages pages and donates them;
 * MIEE_IOC_RECLAIM: takes back up to npages and frees them. */
struct miee_ioc_mem {
	m_u32 npages;		/* in */
	m_u32 done;		/* out: pages donated / reclaimed */
	m_u64 reserve;		/* out: frames in the reserve after the call */
};

#define MIEE_IOC_MAGIC 'M'
#define MIEE_IOC_CREATE _IOWR(MIEE_IOC_MAGIC, 1, struct miee_ioc_create)
#define MIEE_IOC_ADD _IOW(MIEE_IOC_MAGIC, 2, struct miee_ioc_add)
#define MIEE_IOC_INIT _IOW(MIEE_IOC_MAGIC, 3, struct miee_init)
#define MIEE_IOC_ENTER _IOWR(MIEE_IOC_MAGIC, 4, struct miee_ioc_enter)
#define MIEE_IOC_INFO _IOR(MIEE_IOC_MAGIC, 5, struct miee_info)
#define MIEE_IOC_DONATE _IOWR(MIEE_IOC_MAGIC, 6, struct miee_ioc_mem)
#define MIEE_IOC_RECLAIM _IOWR(MIEE_IOC_MAGIC, 7, struct miee_ioc_mem)

_Static_assert(sizeof(struct miee_page) == 24, "miee_page layout");
_Static_assert(sizeof(struct miee_init) == 56, "miee_init layout");
_Static_assert(sizeof(struct miee_ioc_mem) == 16, "miee_ioc_mem layout");
_Static_assert(sizeof(struct miee_info) == 88, "miee_info layout");
_Static_assert(sizeof(struct miee_slot_start) == 64, "miee_slot_start layout");
_Static_assert(sizeof(struct utpm_quote_req) == 64, "utpm_quote_req layout");
_Static_assert(sizeof(struct utpm_data_req) == 48, "utpm_data_req layout");

#endif
