/* The test PAL's MIEE image as miee-run builds it, the protocol between the
 * runner and the PAL (shared page, modes, host calls, exit statuses), and the
 * measurement of include/hv/miee.h recomputed from an image. Pure data and
 * logic, no system calls: included by tools/miee-run.c (guest) and
 * tests/unit/test_miee_measure.c (host). docs/miee-runner.md. */
#ifndef TOOLS_MIEE_IMAGE_H
#define TOOLS_MIEE_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv/miee.h"
#include "miee-sha256.h"

/* ---- layout: buffer offset == MIEE address (offset in its address space) */
#define MIEE_PG 4096u
#define MIEE_IMG_PML4 0x0000u
#define MIEE_IMG_PDPT 0x1000u
#define MIEE_IMG_PD 0x2000u
#define MIEE_IMG_PT 0x3000u
#define MIEE_IMG_GDT 0x4000u
#define MIEE_IMG_CODE 0x5000u	/* the PAL's code, MIEE_IMG_CODE_PAGES pages */
#define MIEE_IMG_CODE_PAGES 2u
#define MIEE_IMG_DATA 0x7000u	/* one private data page (the `secret` mode's) */
#define MIEE_IMG_GUARD 0x8000u	/* 0x8000-0x9fff: not added (guard below the stack) */
#define MIEE_IMG_STACK 0xa000u
#define MIEE_IMG_STACK_PAGES 5u
#define MIEE_IMG_STACK_TOP 0xf000u
#define MIEE_IMG_SHARED 0xf000u	/* the one shared page, the last */
#define MIEE_IMG_SIZE 0x10000u	/* the MIEE's range [0, size) */
#define MIEE_IMG_PAGES (MIEE_IMG_SIZE / MIEE_PG)	/* max_pages at create */
#define MIEE_IMG_GDT_LIMIT (3 * 8 - 1)
#define MIEE_IMG_CS 0x08u
#define MIEE_IMG_DS 0x10u

/* x86 page-table and descriptor bits used above. */
#define MIEE_PTE_P (1ull << 0)
#define MIEE_PTE_RW (1ull << 1)
#define MIEE_PTE_A (1ull << 5)
#define MIEE_PTE_D (1ull << 6)
#define MIEE_PTE_PS (1ull << 7)
#define MIEE_GDT_CODE64 0x00af9b000000ffffull	/* P, DPL 0, exec/read, accessed, L */
#define MIEE_GDT_DATA 0x00cf93000000ffffull	/* P, DPL 0, read/write, accessed */

#define MIEE_F_RWM (MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED)
#define MIEE_F_RXM (MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED)
#define MIEE_F_SHR (MIEE_P_SHARED | MIEE_P_R | MIEE_P_W)

/* ---- runner <-> PAL protocol: the shared page */
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
_Static_assert(MIEE_PAL_ATTEST_LEN <= 192 && MIEE_PAL_SIG_LEN <= 96 && MIEE_PAL_BLOB_LEN <= 192,
	       "uTPM buffers");

/* `unseal` outcomes (unseal_result). */
#define MIEE_PAL_U_OPENED 1	/* RAX 0 and the secret came back */
#define MIEE_PAL_U_REFUSED 2	/* RAX != 0 and its output still all zero */
#define MIEE_PAL_U_GARBAGE 3	/* anything else: other bytes, or output written */

/* Fixed inputs the PAL builds on its stack (arithmetic only: no rodata):
 * the digest `quote` and `seal` extend into uPCR 1, the secret `seal` seals. */
#define MIEE_PAL_EXTEND_BYTE(i) ((unsigned char)(0xa5u ^ (11u * (unsigned)(i) + 3u)))
#define MIEE_PAL_SECRET_BYTE(i) ((unsigned char)(0x3cu + 29u * (unsigned)(i)))

/* The variant image (`--variant`, `seal-other`'s second MIEE): one byte of
 * the measured data page differs, so the measurement (uPCR 0) does. */
#define MIEE_IMG_VARIANT_OFF (MIEE_IMG_DATA + MIEE_PG - 1)

/* FNV-1a 64 over the 8 little-endian bytes of each number. */
#define MIEE_FNV_OFFSET 0xcbf29ce484222325ull
#define MIEE_FNV_PRIME 0x100000001b3ull

static inline void miee_pal_checksum(const uint64_t *nums, uint64_t n, uint64_t *sum,
				     uint64_t *fnv)
{
	uint64_t s = 0, h = MIEE_FNV_OFFSET, i;
	int b;

	for (i = 0; i < n; i++) {
		s += nums[i];
		for (b = 0; b < 8; b++) {
			h ^= (nums[i] >> (8 * b)) & 0xff;
			h *= MIEE_FNV_PRIME;
		}
	}
	*sum = s;
	*fnv = h;
}

/* ---- the image */
struct miee_region {
	uint64_t offset;
	uint32_t npages;
	uint32_t flags;		/* MIEE_P_* as given to MIEE_IOC_ADD */
};

#define MIEE_IMG_NREGIONS 5	/* the test PAL's image */
#define MIEE_IMG_MAX_REGIONS 8	/* room for pages added on top (--add-page) */

struct miee_image {
	unsigned char *buf;	/* MIEE_IMG_SIZE bytes, page-aligned */
	uint32_t max_pages;	/* given to MIEE_IOC_CREATE (measured) */
	struct miee_region regions[MIEE_IMG_MAX_REGIONS];	/* in the order added */
	int nregions;
	struct miee_init init;
};

static inline void miee_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Fills buf (MIEE_IMG_SIZE bytes, zeroed here) with page tables, GDT and
 * code; entry is the entry point's offset within code. The shared page is
 * left zero for the caller. 0 or -1 (code too large, entry outside it). */
static inline int miee_image_build(struct miee_image *im, unsigned char *buf, const void *code,
				   size_t code_len, size_t entry)
{
	static const struct miee_region regions[MIEE_IMG_NREGIONS] = {
		{ MIEE_IMG_PML4, 5, MIEE_F_RWM },	/* PML4, PDPT, PD, PT, GDT */
		{ MIEE_IMG_CODE, MIEE_IMG_CODE_PAGES, MIEE_F_RXM },
		{ MIEE_IMG_DATA, 1, MIEE_F_RWM },
		{ MIEE_IMG_STACK, MIEE_IMG_STACK_PAGES, MIEE_F_RWM },
		{ MIEE_IMG_SHARED, 1, MIEE_F_SHR },
	};
	uint64_t i;

	if (code_len > MIEE_IMG_CODE_PAGES * MIEE_PG || entry >= code_len)
		return -1;
	memset(buf, 0, MIEE_IMG_SIZE);
	/* The PAL's own page tables map far more than the MIEE owns: [0, 2 MiB)
	 * with 4 KiB pages, [2 MiB, 1 GiB) with 2 MiB pages, all writable and
	 * executable (no NX: EFER.NXE is not part of the ABI). Only the nested
	 * table limits it, which is what the fault modes test. */
	miee_put64(buf + MIEE_IMG_PML4, MIEE_IMG_PDPT | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	miee_put64(buf + MIEE_IMG_PDPT, MIEE_IMG_PD | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	miee_put64(buf + MIEE_IMG_PD, MIEE_IMG_PT | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	for (i = 1; i < 512; i++)
		miee_put64(buf + MIEE_IMG_PD + 8 * i, (i << 21) | MIEE_PTE_P | MIEE_PTE_RW |
			   MIEE_PTE_PS | MIEE_PTE_A | MIEE_PTE_D);
	for (i = 0; i < 512; i++)
		miee_put64(buf + MIEE_IMG_PT + 8 * i, (i << 12) | MIEE_PTE_P | MIEE_PTE_RW |
			   MIEE_PTE_A | MIEE_PTE_D);
	miee_put64(buf + MIEE_IMG_GDT + MIEE_IMG_CS, MIEE_GDT_CODE64);
	miee_put64(buf + MIEE_IMG_GDT + MIEE_IMG_DS, MIEE_GDT_DATA);
	memcpy(buf + MIEE_IMG_CODE, code, code_len);

	im->buf = buf;
	im->max_pages = MIEE_IMG_PAGES;
	memset(im->regions, 0, sizeof(im->regions));
	memcpy(im->regions, regions, sizeof(regions));
	im->nregions = MIEE_IMG_NREGIONS;
	memset(&im->init, 0, sizeof(im->init));
	im->init.rip = MIEE_IMG_CODE + entry;
	/* As if called: RSP + 8 is 16-byte aligned at the entry function. */
	im->init.rsp = MIEE_IMG_STACK_TOP - 8;
	im->init.cr3 = MIEE_IMG_PML4;
	im->init.gdt_base = MIEE_IMG_GDT;
	im->init.gdt_limit = MIEE_IMG_GDT_LIMIT;
	im->init.idt_base = 0;
	im->init.idt_limit = 0;	/* any exception: triple fault */
	im->init.cs = MIEE_IMG_CS;
	im->init.ds = MIEE_IMG_DS;
	im->init.arg = MIEE_IMG_SHARED;
	return 0;
}

/* Before miee_image_measure. */
static inline void miee_image_variant(struct miee_image *im)
{
	im->buf[MIEE_IMG_VARIANT_OFF] ^= 0x01;
}

/* One more region, added after the image's own (before init): what
 * `miee-run --add-page` and the tests use to build MIEEs that differ from
 * the PAL's by one page. Contents from the same buffer, so the region must
 * lie in it. 0, or -1 (no room, outside the buffer). Flags unchecked: the
 * hypervisor judges them. Before miee_image_measure. */
static inline int miee_image_add_region(struct miee_image *im, uint64_t offset, uint32_t npages,
					uint32_t flags)
{
	if (im->nregions >= MIEE_IMG_MAX_REGIONS || offset % MIEE_PG || !npages ||
	    offset >= MIEE_IMG_SIZE || npages > (MIEE_IMG_SIZE - offset) / MIEE_PG)
		return -1;
	im->regions[im->nregions].offset = offset;
	im->regions[im->nregions].npages = npages;
	im->regions[im->nregions].flags = flags;
	im->nregions++;
	return 0;
}

/* struct miee_init as the measurement takes it: 56 bytes, LE fields in
 * declaration order. */
static inline void miee_init_bytes(const struct miee_init *in, unsigned char out[56])
{
	miee_put64(out, in->rip);
	miee_put64(out + 8, in->rsp);
	miee_put64(out + 16, in->cr3);
	miee_put64(out + 24, in->gdt_base);
	miee_put64(out + 32, in->idt_base);
	out[40] = (unsigned char)in->gdt_limit;
	out[41] = (unsigned char)(in->gdt_limit >> 8);
	out[42] = (unsigned char)in->idt_limit;
	out[43] = (unsigned char)(in->idt_limit >> 8);
	out[44] = (unsigned char)in->cs;
	out[45] = (unsigned char)(in->cs >> 8);
	out[46] = (unsigned char)in->ds;
	out[47] = (unsigned char)(in->ds >> 8);
	miee_put64(out + 48, in->arg);
}

static inline void miee_put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The measurement of include/hv/miee.h (version 2): the tag, max_pages;
 * for every page in the order added, MIEE_MEAS_PAGE || offset (8 LE) ||
 * flags (4 LE), then its 4096 bytes if it is MIEE_P_MEASURED; then
 * MIEE_MEAS_INIT || the page count (4 LE) || the 56 bytes of struct
 * miee_init. */
static inline void miee_image_measure(const struct miee_image *im, unsigned char out[32])
{
	struct mh_sha256 s;
	unsigned char hdr[13], ib[56];
	uint32_t k, npages = 0;
	int r;

	mh_sha256_init(&s);
	mh_sha256_update(&s, MIEE_MEAS_TAG, MIEE_MEAS_TAG_LEN);
	miee_put32(hdr, im->max_pages);
	mh_sha256_update(&s, hdr, 4);
	for (r = 0; r < im->nregions; r++) {
		const struct miee_region *g = &im->regions[r];

		for (k = 0; k < g->npages; k++) {
			uint64_t off = g->offset + (uint64_t)k * MIEE_PG;

			hdr[0] = MIEE_MEAS_PAGE;
			miee_put64(hdr + 1, off);
			miee_put32(hdr + 9, g->flags);
			mh_sha256_update(&s, hdr, sizeof(hdr));
			if (g->flags & MIEE_P_MEASURED)
				mh_sha256_update(&s, im->buf + off, MIEE_PG);
		}
		npages += g->npages;
	}
	hdr[0] = MIEE_MEAS_INIT;
	miee_put32(hdr + 1, npages);
	mh_sha256_update(&s, hdr, 5);
	miee_init_bytes(&im->init, ib);
	mh_sha256_update(&s, ib, sizeof(ib));
	mh_sha256_final(&s, out);
}

static inline void miee_hex(const unsigned char *p, size_t n, char *out)
{
	static const char dig[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = dig[p[i] >> 4];
		out[2 * i + 1] = dig[p[i] & 15];
	}
	out[2 * n] = 0;
}

#endif
