/* The protocol between miee-run and the test PAL: the shared page (numbers,
 * uTPM area, context area), the modes, host calls, exit statuses and
 * progress marks, and the fixed patterns both sides compute. Definitions
 * only. docs/miee-runner.md. */
#ifndef MIEE_RUN_PROTOCOL_H
#define MIEE_RUN_PROTOCOL_H

#include <stdint.h>

#include "hv/miee.h"
#include "miee-run/layout.h"

/* ---- the shared page */
#define MIEE_PAL_MAGIC 0x4c41506565694d31ull	/* written by the runner */
#define MIEE_PAL_MAX_NUMS 240u
#define MIEE_PAL_SHARED_CODE 0x800u	/* `exec-shared`: a RET byte here */

struct miee_pal_shared {
	uint64_t magic;		/* 0x00 runner: MIEE_PAL_MAGIC */
	uint64_t mode;		/* 0x08 runner: MIEE_PAL_M_* (the test's input) */
	uint64_t count;		/* 0x10 runner: numbers in nums[] (`sum`) */
	uint64_t target;	/* 0x18 runner: the `jump` target */
	uint64_t call_in;	/* 0x20 PAL: host-call operand */
	uint64_t call_out;	/* 0x28 runner: host-call answer */
	uint64_t sum, fnv;	/* 0x30 PAL: `sum` results */
	uint64_t doubled;	/* 0x40 PAL: the checked answer of the double call */
	uint64_t rounds;	/* 0x48 PAL: `secret` host calls made */
	uint64_t progress;	/* 0x50 PAL: last step reached (MIEE_PAL_P_*) */
	uint64_t reserved[5];
	uint64_t nums[MIEE_PAL_MAX_NUMS];	/* 0x80 runner: `sum` input */
};
_Static_assert(sizeof(struct miee_pal_shared) == MIEE_PAL_SHARED_CODE, "shared page layout");

/* Modes (struct miee_pal_shared.mode). */
#define MIEE_PAL_M_SUM 1	/* checksum nums[], print and double host calls, exit 0 */
#define MIEE_PAL_M_SECRET 2	/* secret pattern in the data page, host-call loop */
#define MIEE_PAL_M_JUMP 3	/* jump to target (outside the MIEE) */
#define MIEE_PAL_M_OVERFLOW 4	/* write just past the shared page (end of range) */
#define MIEE_PAL_M_EXEC_SHARED 5 /* call into the shared page */
#define MIEE_PAL_M_WRITE_CODE 6	/* write to its own code page (R|X) */
#define MIEE_PAL_M_REFUSED 7	/* an unknown host call: expects MIEE_PAL_HC_ERR */
#define MIEE_PAL_M_BADCALL 8	/* a lifecycle hypercall (HC_MIEE_CREATE) from inside */
#define MIEE_PAL_M_UD 9		/* UD2: its IDT (limit 0) cannot take it */
#define MIEE_PAL_M_QUOTE 10	/* uTPM: extend, read, quote, pubkey, refusals */
#define MIEE_PAL_M_SEAL 11	/* uTPM: seal, unseal, tampered and stale blobs */
#define MIEE_PAL_M_UNSEAL 12	/* uTPM: unseal the runner's blob, report the outcome */
#define MIEE_PAL_M_SEAL_LT 32	/* uTPM: as SEAL, with MIEE_SEAL_LONGTERM (docs/utpm.md) */

/* Host calls (RBX of HC_MIEE_HOSTCALL); operands in the shared page. */
#define MIEE_PAL_HC_PRINT 1	/* print sum and fnv; answer 0 */
#define MIEE_PAL_HC_DOUBLE 2	/* call_out = 2 * call_in (call_in < 2^32); answer 0 */
#define MIEE_PAL_HC_YIELD 3	/* `secret`: answer MIEE_PAL_GO or MIEE_PAL_STOP */
#define MIEE_PAL_HC_UNKNOWN 0x77	/* what `refused` asks for */
#define MIEE_PAL_HC_ERR 0xffffffffffffffffull	/* the answer to anything refused */
#define MIEE_PAL_GO 0
#define MIEE_PAL_STOP 1

/* Exit statuses (RBX of HC_MIEE_EXIT). */
#define MIEE_PAL_ST_OK 0
#define MIEE_PAL_ST_BADINPUT 0xbad1	/* wrong magic or count */
#define MIEE_PAL_ST_BADMODE 0xbad2
#define MIEE_PAL_ST_IAGO 0x1a60		/* the host's answer was a lie */
#define MIEE_PAL_ST_TAMPERED 0x7a3e	/* the secret page changed under it */
#define MIEE_PAL_ST_NOFAULT 0xfa11	/* a forbidden access did not fault */
#define MIEE_PAL_ST_HOSTERR 0xe770	/* a refused call was not refused */

/* uTPM modes: RAX of the failing call in struct miee_pal_utpm.err. */
#define MIEE_PAL_ST_U_EXT0 0x7e01	/* extending uPCR 0 was accepted */
#define MIEE_PAL_ST_U_ACCEPTED 0x7e02	/* a bad buffer, index or mask was accepted
					 * (err = which, index into refused[]) */
#define MIEE_PAL_ST_U_EXTEND 0x7e03	/* extending uPCR 1 failed */
#define MIEE_PAL_ST_U_READ 0x7e04	/* reading uPCR 0 or 1 failed */
#define MIEE_PAL_ST_U_QUOTE 0x7e05	/* the quote failed */
#define MIEE_PAL_ST_U_PUBKEY 0x7e06	/* HC_UTPM_PUBKEY failed */
#define MIEE_PAL_ST_U_SEAL 0x7e10	/* seal failed or the blob has the wrong size */
#define MIEE_PAL_ST_U_UNSEAL 0x7e11	/* unsealing its own fresh blob failed */
#define MIEE_PAL_ST_U_ROUNDTRIP 0x7e12	/* ... or gave back other bytes */
#define MIEE_PAL_ST_U_TAMPER 0x7e13	/* a changed blob was not refused with MIEE_EUTPM */
#define MIEE_PAL_ST_U_STALE 0x7e14	/* after extending uPCR 1 the blob was not
					 * refused with MIEE_EUTPM */
#define MIEE_PAL_ST_U_LEAK 0x7e15	/* a refused unseal wrote to its output */

/* Progress marks (struct miee_pal_shared.progress). */
#define MIEE_PAL_P_STARTED 1
#define MIEE_PAL_P_SUMMED 2
#define MIEE_PAL_P_PRINTED 3
#define MIEE_PAL_P_DOUBLED 4
#define MIEE_PAL_P_SECRET 5	/* secret page written */
#define MIEE_PAL_P_FAULTING 6	/* about to do the forbidden thing */
#define MIEE_PAL_P_REFUSALS 7	/* uTPM: the calls that must be refused were */
#define MIEE_PAL_P_QUOTED 8	/* uTPM: extend, reads and quote done */
#define MIEE_PAL_P_SEALED 9	/* uTPM: the blob is in the shared page */
#define MIEE_PAL_P_UNSEALED 10	/* uTPM: round trip done */

/* `secret`: word i (0..511) of the data page. A scanner should look for two
 * consecutive words: word 0 alone may appear as an immediate in the runner's
 * code, a 16-byte run appears nowhere but in the MIEE's page. */
#define MIEE_PAL_SECRET_WORD(i) (0x5ec12e7000000000ull | ((uint64_t)(i) << 16) | 0x5ec1u)

/* ---- uTPM modes: the second half of the shared page (the first half's
 * numbers are unused there; 0x800..0x8ff keeps the `exec-shared` RET). */
#define MIEE_PAL_UTPM_OFF 0x900u
#define MIEE_PAL_NONCE_LEN 32u		/* `quote`: the runner's nonce (extraData) */
#define MIEE_PAL_ATTEST_LEN (113u + MIEE_PAL_NONCE_LEN)	/* TPMS_ATTEST, docs/utpm.md */
#define MIEE_PAL_SIG_LEN 72u		/* TPMT_SIGNATURE */
#define MIEE_PAL_PUBKEY_LEN 65u		/* 04 || X || Y */
#define MIEE_PAL_SECRET_LEN 64u		/* `seal`: the sealed secret */
#define MIEE_PAL_BLOB_LEN (MIEE_PAL_SECRET_LEN + 68u)	/* its blob */
#define MIEE_PAL_LT_BLOB_LEN (MIEE_PAL_SECRET_LEN + 84u)	/* its long-term blob */
#define MIEE_PAL_BLOB_FLIP 60u		/* `seal`: byte changed (in the ciphertext) */
#define MIEE_PAL_UPCR_MASK 3u		/* quote and seal: uPCRs 0 and 1 */
#define MIEE_PAL_NREFUSED 7u

/* What `quote` asks for and must be refused (RAX != 0), in refused[] order. */
#define MIEE_PAL_R_EXTEND0 0	/* extend uPCR 0 (the identity) */
#define MIEE_PAL_R_PAST_END 1	/* read into MIEE_IMG_SIZE, just past the range */
#define MIEE_PAL_R_READONLY 2	/* read into its code page (R|X) */
#define MIEE_PAL_R_GUARD 3	/* read into the unadded guard page */
#define MIEE_PAL_R_INDEX 4	/* read uPCR 8 */
#define MIEE_PAL_R_REQ_END 5	/* quote request crossing the end of the range */
#define MIEE_PAL_R_MASK 6	/* quote without uPCR 0 (mask 0b10) */

struct miee_pal_utpm {
	uint64_t err;		/* 0x00 PAL: RAX of the call that failed (which
				 * refusal for MIEE_PAL_ST_U_ACCEPTED); `unseal`: RAX */
	uint64_t attest_len;	/* 0x08 PAL: `quote` */
	uint64_t sig_len;	/* 0x10 PAL */
	uint64_t blob_len;	/* 0x18 PAL `seal` / runner `unseal` */
	uint64_t unseal_len;	/* 0x20 PAL `unseal`: out_len when it succeeded */
	uint64_t unseal_result;	/* 0x28 PAL `unseal`: MIEE_PAL_U_* */
	uint64_t refused[MIEE_PAL_NREFUSED];	/* 0x30 PAL `quote`: RAX of each */
	unsigned char nonce[MIEE_PAL_NONCE_LEN];	/* 0x68 runner */
	unsigned char upcr0[32], upcr1[32];	/* PAL: after the extend */
	unsigned char pubkey[72];	/* PAL: 65 bytes used */
	unsigned char attest[192];	/* PAL: attest_len bytes */
	unsigned char sig[96];		/* PAL: sig_len bytes */
	unsigned char blob[192];	/* PAL `seal` / runner `unseal`: blob_len bytes */
};
_Static_assert(MIEE_PAL_UTPM_OFF + sizeof(struct miee_pal_utpm) <= MIEE_PG, "uTPM area");
_Static_assert(MIEE_PAL_ATTEST_LEN <= 192 && MIEE_PAL_SIG_LEN <= 96 && MIEE_PAL_LT_BLOB_LEN <= 192,
	       "uTPM buffers");

/* `unseal` outcomes (unseal_result). */
#define MIEE_PAL_U_OPENED 1	/* RAX 0 and the secret came back */
#define MIEE_PAL_U_REFUSED 2	/* RAX != 0 and its output still all zero */
#define MIEE_PAL_U_GARBAGE 3	/* anything else: other bytes, or output written */

/* Fixed inputs the PAL builds on its stack (arithmetic only: no rodata):
 * the digest `quote` and `seal` extend into uPCR 1, the secret `seal` seals. */
#define MIEE_PAL_EXTEND_BYTE(i) ((unsigned char)(0xa5u ^ (11u * (unsigned)(i) + 3u)))
#define MIEE_PAL_SECRET_BYTE(i) ((unsigned char)(0x3cu + 29u * (unsigned)(i)))

/* FNV-1a 64 over the 8 little-endian bytes of each number. */
#define MIEE_FNV_OFFSET 0xcbf29ce484222325ull
#define MIEE_FNV_PRIME 0x100000001b3ull

/* ---- context and instruction modes (docs/miee-runner.md, "Context modes") */
#define MIEE_PAL_M_CTX 13	/* set every register of its context, host call, check */
#define MIEE_PAL_M_CLI_SPIN 14	/* CLI, spin spin_tsc TSC ticks */
#define MIEE_PAL_M_TPR_SPIN 15	/* CR8 = 15, spin, CR8 = 0 */
#define MIEE_PAL_M_RDMSR 16	/* RDMSR IA32_APIC_BASE (0x1b) */
#define MIEE_PAL_M_WRMSR 17	/* WRMSR IA32_TSC_AUX (0xc0000103) */
#define MIEE_PAL_M_IN 18	/* IN from port 0x80 */
#define MIEE_PAL_M_OUT 19	/* OUT to port 0x80 */
#define MIEE_PAL_M_XSETBV 20	/* XSETBV XCR0 (CR4.OSXSAVE set first) */
#define MIEE_PAL_M_HLT 21	/* HLT (interrupts off) */
#define MIEE_PAL_M_VMXOFF 22	/* VMXOFF: a VMX instruction */
#define MIEE_PAL_M_STGI 23	/* STGI: an SVM instruction */

#define MIEE_PAL_INSN_MSR_RD 0x1bu
#define MIEE_PAL_INSN_MSR_WR 0xc0000103u
#define MIEE_PAL_INSN_PORT 0x80u

#define MIEE_PAL_HC_CTX 4	/* `ctx`: the round trip; answer MIEE_PAL_CTX_ANSWER */
#define MIEE_PAL_CTX_ANSWER 0x0a115e7a5a5a0001ull

#define MIEE_PAL_ST_NOTAVAIL 0x5a1f	/* the CPU lacks what the mode needs (XSAVE) */

/* Progress marks (struct miee_pal_shared.progress), after the ones above. */
#define MIEE_PAL_P_CTX_SET 11	/* `ctx`: its values are set, host call next */
#define MIEE_PAL_P_CTX_DONE 12	/* `ctx`: back, everything recorded */
#define MIEE_PAL_P_SPINNING 13	/* spin modes: interrupts off / TPR 15, spinning */
#define MIEE_PAL_P_SPUN 14	/* spin modes: done */

/* Registers of `ctx`, index into start[], set[], after[]. */
enum {
	MIEE_PAL_R_CR2, MIEE_PAL_R_FS_BASE, MIEE_PAL_R_GS_BASE, MIEE_PAL_R_KGS_BASE,
	MIEE_PAL_R_STAR, MIEE_PAL_R_LSTAR, MIEE_PAL_R_CSTAR, MIEE_PAL_R_SFMASK,
	MIEE_PAL_R_DR0, MIEE_PAL_R_DR1, MIEE_PAL_R_DR2, MIEE_PAL_R_DR3,
	MIEE_PAL_R_DR6, MIEE_PAL_R_DR7, MIEE_PAL_R_CR8,
	MIEE_PAL_NCTX
};

#define MIEE_PAL_NVEC 16	/* XMM/YMM 0-15 */
#define MIEE_PAL_NGPR 15	/* RAX..R15 without RSP, struct guest_regs order */

/* features */
#define MIEE_PAL_CF_AVX 1u	/* YMM tested: XSAVE, AVX and the OS's XCR0 has them */

/* The context area of the shared page (after the uTPM area). */
#define MIEE_PAL_CTX_OFF 0xc00u
struct miee_pal_ctx {
	uint64_t spin_tsc;	/* 0x00 runner: spin modes: TSC ticks to spin */
	uint64_t spun;		/* 0x08 PAL: TSC ticks it spun */
	uint64_t features;	/* 0x10 PAL: MIEE_PAL_CF_* */
	uint64_t pf_addr;	/* 0x18 PAL: the address of its #PF */
	uint64_t start[MIEE_PAL_NCTX];	/* PAL: what it found at its first entry */
	uint64_t set[MIEE_PAL_NCTX];	/* PAL: what it set (read back) */
	uint64_t after[MIEE_PAL_NCTX];	/* PAL: what it found after the host call */
	uint64_t vec_start;	/* PAL: OR of every XMM (and YMM upper) lane at entry */
	uint64_t vec_bad;	/* PAL: lanes not its own after the host call */
	uint64_t gpr_bad;	/* PAL: bit i: GPR i (guest_regs order) not its own */
	uint64_t gpr_after[MIEE_PAL_NGPR];	/* PAL: the GPRs after the host call */
};
_Static_assert(MIEE_PAL_UTPM_OFF + sizeof(struct miee_pal_utpm) <= MIEE_PAL_CTX_OFF,
	       "context area after the uTPM area");
_Static_assert(MIEE_PAL_CTX_OFF + sizeof(struct miee_pal_ctx) <= MIEE_PG, "context area");

/* What `ctx` writes: register i gets MIEE_PAL_CTX_VAL(i), except where
 * the architecture limits the value (SFMASK 32 bits, DR6/DR7/CR8 bits). */
#define MIEE_PAL_CTX_VAL(i) (0x00007a1100000000ull | ((uint64_t)(i) << 12) | 0x5c0ull)
#define MIEE_PAL_CTX_SFMASK 0x00047700ull
#define MIEE_PAL_CTX_DR6 0xffff4ff3ull	/* BS, B1, B0 */
#define MIEE_PAL_CTX_DR7 0x455ull	/* L0-L3: instruction breakpoints at DR0-3 */
#define MIEE_PAL_CTX_DR(i) (0x20000000ull + 0x1000ull * (i))	/* never executed */
#define MIEE_PAL_CTX_CR8 9u
#define MIEE_PAL_CTX_PF 0x4a5a5128ull	/* above the PAL's 1 GiB map: #PF */
/* GPR i (guest_regs order: rax rbx rcx rdx rsi rdi rbp r8..r15) before the
 * host call; RAX and RBX carry the call itself. */
#define MIEE_PAL_GPR_VAL(i) (0x0067707200000000ull | ((uint64_t)(i) * 0x1111ull))
/* Lane j (0..63: 4 per YMM register) of the vector pattern; the OS side
 * (miee-run) uses MIEE_PAL_OS_VEC. */
#define MIEE_PAL_VEC_VAL(j) (0x0076656300000000ull | ((uint64_t)(j) * 0x10101ull))
#define MIEE_PAL_OS_VEC(j) (0x006f737600000000ull | ((uint64_t)(j) * 0x10101ull))

/* Initial values of a fresh MIEE context (what start[] must show). */
#define MIEE_PAL_INIT_DR6 0xffff0ff0ull
#define MIEE_PAL_INIT_DR7 0x400ull

/* Lanes used: 4 per register with AVX (the whole YMM), else the 2 low. */
#define PAL_LANE_USED(j, avx) ((avx) || ((j) & 3) < 2)

/* ---- two-level mode (docs/miee-runner.md, "Two-level mode"; the PAL side
 * is pal-two.c, the runner's run-two.c) */
#define MIEE_PAL_M_TWO 24	/* the two-level checks */
#define MIEE_PAL_HC_MARK 5	/* `two-level`: the runner reads HC_MIEE_INFO; answer 0 */

/* Progress marks after the context modes'. */
#define MIEE_PAL_P_TWO_A 15	/* CPUID, CR4, SSE/AVX recorded */
#define MIEE_PAL_P_TWO_B 16	/* back from CPL 3: #PF and SYSCALLs done */
#define MIEE_PAL_P_TWO_C 17	/* back from the CPL 3 hypercall */

#define MIEE_PAL_TWO_SYSCALLS 1000	/* round trips in the stretch without exits */
#define MIEE_PAL_TWO_CPUIDS 16	/* CPUIDs in the stretch that must exit */

/* MIEE addresses the mode uses. Plain numbers: the asm below takes them. */
#define PAL_TWO_GDT_LIMIT 0x3f	/* 0x18 unused, 0x20 user data, 0x28 user code, 0x30 TSS */
#define PAL_TWO_UDS 0x23	/* user data, RPL 3 */
#define PAL_TWO_UCS 0x2b	/* user 64-bit code, RPL 3 */
#define PAL_TWO_TSS_SEL 0x30
#define PAL_TWO_TSS 0x4100	/* in the GDT page (private, R|W) */
#define PAL_TWO_IDT 0x4200	/* 16 gates */
#define PAL_TWO_SLOT 0x4f00	/* the ring-0 RSP while CPL 3 runs (private) */
#define PAL_TWO_RSP0 0xc000	/* TSS.RSP0: inside its stack pages */
#define PAL_TWO_USTACK 0x9000	/* CPL 3 stack top: the data page, made user */
#define PAL_TWO_UDATA 0x8000	/* CPL 3 writes what it saw here */
#define PAL_TWO_SUPER 0xb000	/* a supervisor page (its stack) CPL 3 reads: #PF */
#define PAL_TWO_REC 0x10e40	/* struct miee_pal_two in the shared page */

/* What the PAL found (the runner judges); handlers write it at CPL 0. */
#define MIEE_PAL_TWO_OFF 0xe40u
struct miee_pal_two {
	uint64_t cpuid1_ecx;	/* 0x00 CPUID 1 at CPL 0 */
	uint64_t cpuid1_edx;	/* 0x08 */
	uint64_t cpuid_ext_ecx;	/* 0x10 CPUID 0x80000001 ECX */
	uint64_t cr4;		/* 0x18 CR4 at the first entry */
	uint64_t xcr0;		/* 0x20 XGETBV(0), when CR4.OSXSAVE */
	uint64_t sse;		/* 0x28 MIEE_PAL_TWO_V_* */
	uint64_t avx;		/* 0x30 MIEE_PAL_TWO_V_* */
	uint64_t syscalls;	/* 0x38 round trips the LSTAR handler counted */
	uint64_t pf_count;	/* 0x40 #PFs its IDT took */
	uint64_t pf_cr2;	/* 0x48 */
	uint64_t pf_err;	/* 0x50 the error code */
	uint64_t pf_cs;		/* 0x58 CS of the interrupted code */
	uint64_t pf_rsp;	/* 0x60 RSP in the handler (the TSS's stack) */
	uint64_t ud_count;	/* 0x68 #UDs its IDT took */
	uint64_t ud_rip;	/* 0x70 */
	uint64_t ud_cs;		/* 0x78 */
	uint64_t gp_count;	/* 0x80 #GPs (none expected) */
	uint64_t gp_rip;	/* 0x88 */
	uint64_t user_cpuid1_ecx;	/* 0x90 CPUID 1 at CPL 3 */
	uint64_t hc_rip;	/* 0x98 where the CPL 3 hypercall instruction is */
	uint64_t user_r13;	/* 0xa0 0 unless the CPL 3 hypercall came back */
};
_Static_assert(MIEE_PAL_TWO_OFF + sizeof(struct miee_pal_two) <= MIEE_PG, "two-level area");
_Static_assert(MIEE_IMG_SHARED + MIEE_PAL_TWO_OFF == PAL_TWO_REC, "two-level record");
_Static_assert(MIEE_PAL_CTX_OFF + sizeof(struct miee_pal_ctx) <= MIEE_PAL_TWO_OFF,
	       "two-level area after the context area");
/* ---- the registers at the PAL's first entry (`ctx` only): what the
 * hypervisor started it with, stored by the entry stub (pal.c) before any
 * code of its own runs. docs/miee.md, "Per-MIEE state": all 0 but RDI =
 * the init state's arg, RSP = its rsp, RFLAGS 2. Plain numbers: the stub's
 * asm takes them. */
#define MIEE_PAL_ENTRY_OFF 0xf00
struct miee_pal_entry {
	uint64_t gpr[MIEE_PAL_NGPR];	/* RAX..R15 without RSP, guest_regs order */
	uint64_t rsp;
	uint64_t rflags;
};
_Static_assert(MIEE_PAL_TWO_OFF + sizeof(struct miee_pal_two) <= MIEE_PAL_ENTRY_OFF &&
	       MIEE_PAL_ENTRY_OFF + sizeof(struct miee_pal_entry) <= MIEE_PG, "entry area");
_Static_assert(PAL_TWO_UDATA == MIEE_IMG_DATA && PAL_TWO_USTACK == MIEE_IMG_DATA + MIEE_PG &&
	       PAL_TWO_SUPER == MIEE_IMG_STACK && PAL_TWO_RSP0 > MIEE_IMG_STACK &&
	       PAL_TWO_RSP0 < MIEE_IMG_STACK_TOP && (PAL_TWO_TSS & ~0xfff) == MIEE_IMG_GDT,
	       "two-level addresses in the PAL's image");

#define MIEE_PAL_TWO_V_NONE 0	/* not available (no AVX, or XCR0 without it) */
#define MIEE_PAL_TWO_V_OK 1
#define MIEE_PAL_TWO_V_WRONG 2

/* ---- script modes (docs/miee-runner.md, "Script modes"; the PAL side is
 * pal-mem.c, the runner's run-mem.c) */
#define MIEE_PAL_M_SCRIPT 25	/* run the operations of struct miee_pal_script */
#define MIEE_PAL_P_SCRIPT 18	/* progress: running the script (done = how far) */

/* Host calls a script may make (struct miee_pal_op with MIEE_PAL_OP_HC). */
#define MIEE_PAL_HC_GROW 6	/* donate to my reserve; answer 0 or the errno */
#define MIEE_PAL_HC_SHRINK 7	/* reclaim from my reserve; answer how many */

/* Operations. a: an MIEE address or the hypercall number; b, c, d: see each. */
#define MIEE_PAL_OP_HC 1	/* RAX = a, RBX = b, RCX = c, RDX = d; res = RAX */
#define MIEE_PAL_OP_FILL 2	/* b pages at a get the secret pattern; res = 0 */
#define MIEE_PAL_OP_CHECK 3	/* res = words of the b pages at a not the pattern */
#define MIEE_PAL_OP_ZERO 4	/* res = words of the b pages at a not zero */
#define MIEE_PAL_OP_HOLD 5	/* MIEE_PAL_HC_YIELD until MIEE_PAL_STOP; res = calls */

/* The pattern: word i of every page is MIEE_PAL_SECRET_WORD(i), so the
 * attack modules' scanners (tests/guest/kmod) look for the same thing. */
#define MIEE_PAL_MAX_OPS 38u

struct miee_pal_op {
	uint64_t op, a, b, c, d;	/* runner */
	uint64_t res;			/* PAL */
};

/* Over the `sum` numbers (0x80..0x7ff), which a script does not use. */
#define MIEE_PAL_SCRIPT_OFF 0x80u
struct miee_pal_script {
	uint64_t nops;		/* runner: ops to run */
	uint64_t done;		/* PAL: ops run so far */
	struct miee_pal_op ops[MIEE_PAL_MAX_OPS];
};
_Static_assert(MIEE_PAL_SCRIPT_OFF + sizeof(struct miee_pal_script) <= MIEE_PAL_SHARED_CODE,
	       "the script lies where the numbers do, below the exec-shared RET");

/* ---- `utpm-args` (pal-uargs.c, docs/miee-runner.md): every uTPM call with
 * its buffers outside the MIEE, in a read-only page for an output,
 * straddling into the guard, into the code page or past the range's end,
 * wrapping, and with bad lengths. Each must come back with its code, no
 * canary byte changed and every uPCR as before. */
#define MIEE_PAL_M_UTPM_ARGS 26
#define MIEE_PAL_ST_UA 0x7e20	/* a case went wrong: struct miee_pal_uargs */
#define MIEE_PAL_UA_TAIL 0x100u	/* canaries: the data page, and the last
				 * MIEE_PAL_UA_TAIL bytes of the GDT's page (past
				 * the GDT) and of the shared page */
#define MIEE_PAL_UA_CANARY(a) ((unsigned char)(0x5cu ^ (7u * (unsigned)(a)) ^ ((unsigned)(a) >> 8)))

/* struct miee_pal_uargs.what */
#define MIEE_PAL_UA_CODE 1	/* RAX was not the code wanted */
#define MIEE_PAL_UA_CANARY_HIT 2	/* a canary byte changed; got = its address */
#define MIEE_PAL_UA_UPCR 3	/* a uPCR changed; got = its index */
#define MIEE_PAL_UA_REQ 4	/* a refused request's out fields were written */
#define MIEE_PAL_UA_SETUP 5	/* a valid call failed (uPCR read, seal); got = RAX */
#define MIEE_PAL_UA_CONTROL 6	/* a control change went unseen; want = which */

/* Over the uTPM area, which this mode uses in its own way. */
#define MIEE_PAL_UARGS_OFF MIEE_PAL_UTPM_OFF
struct miee_pal_uargs {
	uint64_t cases;		/* PAL: cases passed */
	uint64_t failed;	/* PAL: the case that went wrong (1-based), 0 none */
	uint64_t what;		/* PAL: MIEE_PAL_UA_* */
	uint64_t call;		/* PAL: its HC_UTPM_* */
	uint64_t got, want;	/* PAL: RAX (or see what) and the code wanted */
};
_Static_assert(MIEE_PAL_UARGS_OFF + sizeof(struct miee_pal_uargs) < MIEE_PG - MIEE_PAL_UA_TAIL,
	       "uargs record below the shared page's canary");

#endif
