/* The test PAL: freestanding code that miee-run copies into the MIEE image
 * at MIEE_IMG_CODE, the lifecycle, fault and uTPM modes and the entry; the
 * context and instruction modes are in pal-ctx.c, the two-level mode in
 * pal-two.c, the script modes in pal-mem.c. The rules for code here
 * are in pal-fn.h. It needs no build flags of its own: every function
 * carries its attributes (PAL_FN, PAL_GLOBAL). docs/miee-runner.md. */
#include <stddef.h>
#include <stdint.h>

#include "miee-run/pal-fn.h"
#include "miee-run/pal.h"

/* One hypercall with RBX = b, RCX = c, RDX = d; vmm: the instruction (1
 * VMMCALL, 0 VMCALL, hv/hvcall.h). Returns RAX. The OS runs between a host
 * call and its return: keep nothing in the caller-saved registers across it. */
PAL_GLOBAL uint64_t pal_hc3(uint64_t vmm, uint64_t nr, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t a = nr;

#define PAL_HC_ASM(insn)								\
	__asm__ __volatile__(insn : "+a"(a), "+b"(b), "+c"(c), "+d"(d)			\
			     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory")
	hvc_with_insn(vmm, PAL_HC_ASM);
#undef PAL_HC_ASM
	return a;
}

/* With RBX = arg1, RCX = arg2 (RDX 0). */
PAL_GLOBAL uint64_t pal_hc2(uint64_t vmm, uint64_t nr, uint64_t arg1, uint64_t arg2)
{
	return pal_hc3(vmm, nr, arg1, arg2, 0);
}

/* A hypercall with one argument. */
PAL_FN uint64_t pal_hc(uint64_t vmm, uint64_t nr, uint64_t arg)
{
	return pal_hc2(vmm, nr, arg, 0);
}

/* CPUID 0x40000001 EAX bit 0: VMMCALL (AMD) rather than VMCALL (Intel). */
PAL_FN uint64_t pal_detect(void)
{
	uint32_t a = HV_CPUID_FEATURES, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	(void)b;
	(void)d;
	return a & HV_FEAT_VMMCALL ? 1 : 0;
}

__attribute__((noreturn)) PAL_GLOBAL void pal_exit(uint64_t vmm, uint64_t status)
{
	pal_hc(vmm, HC_MIEE_EXIT, status);
	for (;;)	/* HC_MIEE_EXIT does not return; if it did: #UD, triple fault */
		__asm__ __volatile__("ud2");
}

/* `sum`: checksum of the runner's numbers, one print and one double host
 * call, the double's answer checked (a tiny Iago check), results in the
 * shared page. */
__attribute__((noreturn)) PAL_FN void pal_sum(uint64_t vmm, pal_shared_t *sh)
{
	uint64_t n = sh->count, sum = 0, fnv = MIEE_FNV_OFFSET, i, v, x, ans, r;
	int b;

	if (n > MIEE_PAL_MAX_NUMS)	/* read once: the host may change it later */
		pal_exit(vmm, MIEE_PAL_ST_BADINPUT);
	for (i = 0; i < n; i++) {
		v = sh->nums[i];	/* each number read exactly once */
		sum += v;
		for (b = 0; b < 8; b++) {
			fnv ^= (v >> (8 * b)) & 0xff;
			fnv *= MIEE_FNV_PRIME;
		}
	}
	sh->sum = sum;
	sh->fnv = fnv;
	sh->progress = MIEE_PAL_P_SUMMED;
	pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_PRINT);	/* answer not needed */
	sh->progress = MIEE_PAL_P_PRINTED;

	x = sum & 0xffffffff;	/* bounded, so 2x cannot wrap */
	sh->call_in = x;
	r = pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_DOUBLE);
	ans = sh->call_out;	/* read once, then only the private copy is used */
	if (r != 0 || ans != 2 * x)
		pal_exit(vmm, MIEE_PAL_ST_IAGO);
	sh->doubled = ans;
	sh->progress = MIEE_PAL_P_DOUBLED;
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* `secret`: the pattern across the private data page, then host calls until
 * the host says stop; the page must be intact at the end. */
__attribute__((noreturn)) PAL_FN void pal_secret(uint64_t vmm, pal_shared_t *sh)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)MIEE_IMG_DATA;
	uint64_t i, rounds = 0, r;

	for (i = 0; i < MIEE_PG / 8; i++)
		p[i] = MIEE_PAL_SECRET_WORD(i);
	sh->progress = MIEE_PAL_P_SECRET;
	do {
		r = pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_YIELD);
		sh->rounds = ++rounds;
	} while (r == MIEE_PAL_GO);
	for (i = 0; i < MIEE_PG / 8; i++)
		if (p[i] != MIEE_PAL_SECRET_WORD(i))
			pal_exit(vmm, MIEE_PAL_ST_TAMPERED);
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* The forbidden things. Each must end the MIEE with MIEE_EXIT_FAULT; if one
 * comes back, the PAL says so with MIEE_PAL_ST_NOFAULT. */
__attribute__((noreturn)) PAL_FN void pal_forbidden(uint64_t vmm, pal_shared_t *sh,
						    uint64_t shared, uint64_t mode)
{
	sh->progress = MIEE_PAL_P_FAULTING;
	if (mode == MIEE_PAL_M_JUMP) {
		__asm__ __volatile__("jmp *%0" : : "r"(sh->target) : "memory");
		__builtin_unreachable();
	}
	if (mode == MIEE_PAL_M_OVERFLOW) {
		/* The next MIEE address after the shared page: the end of its range. */
		*(volatile uint64_t *)(uintptr_t)(shared + MIEE_PG) = 0x0f;
	} else if (mode == MIEE_PAL_M_EXEC_SHARED) {
		/* The runner put a RET there: if it runs, we come back. */
		((void (*)(void))(uintptr_t)(shared + MIEE_PAL_SHARED_CODE))();
	} else if (mode == MIEE_PAL_M_WRITE_CODE) {
		volatile unsigned char *c = (volatile unsigned char *)(uintptr_t)MIEE_IMG_CODE;

		*c = *c;	/* same value: only the write permission is tested */
	} else if (mode == MIEE_PAL_M_BADCALL) {
		pal_hc(vmm, HC_MIEE_CREATE, 1);	/* OS-only lifecycle call */
	} else if (mode == MIEE_PAL_M_UD) {
		__asm__ __volatile__("ud2");
	}
	pal_exit(vmm, MIEE_PAL_ST_NOFAULT);
}

/* ---- uTPM modes. Buffers the hypervisor writes are volatile: it writes
 * them during the hypercall, behind the compiler's back. */
typedef volatile struct miee_pal_utpm pal_utpm_t;
typedef volatile unsigned char pal_byte_t;

PAL_FN void pal_copy(pal_byte_t *dst, const pal_byte_t *src, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

PAL_FN void pal_zero(pal_byte_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		p[i] = 0;
}

/* 0 when the n bytes are equal. */
PAL_FN uint64_t pal_differ(const pal_byte_t *a, const pal_byte_t *b, uint64_t n)
{
	uint64_t i, d = 0;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d;
}

/* 0 when the n bytes are all zero. */
PAL_FN uint64_t pal_any(const pal_byte_t *p, uint64_t n)
{
	uint64_t i, d = 0;

	for (i = 0; i < n; i++)
		d |= p[i];
	return d;
}

/* The fixed inputs, computed here so that nothing comes from rodata. */
PAL_FN void pal_extend_digest(pal_byte_t *p)
{
	uint64_t i;

	for (i = 0; i < 32; i++)
		p[i] = MIEE_PAL_EXTEND_BYTE(i);
}

PAL_FN void pal_secret_bytes(pal_byte_t *p)
{
	uint64_t i;

	for (i = 0; i < MIEE_PAL_SECRET_LEN; i++)
		p[i] = MIEE_PAL_SECRET_BYTE(i);
}

__attribute__((noreturn)) PAL_FN void pal_fail(uint64_t vmm, pal_utpm_t *u, uint64_t status,
					       uint64_t err)
{
	u->err = err;
	pal_exit(vmm, status);
}

/* A quote request: the nonce on the stack, the outputs in the shared page. */
PAL_FN void pal_quote_req(volatile struct utpm_quote_req *q, uint32_t mask, pal_byte_t *nonce,
			  pal_utpm_t *u)
{
	q->pcr_mask = mask;
	q->nonce_len = MIEE_PAL_NONCE_LEN;
	q->nonce = PAL_ADDR(nonce);
	q->attest = PAL_ADDR(u->attest);
	q->attest_max = sizeof(u->attest);
	q->sig = PAL_ADDR(u->sig);
	q->sig_max = sizeof(u->sig);
	q->attest_len = 0;
	q->sig_len = 0;
}

/* An unseal of blob[len] into out (MIEE_PAL_SECRET_LEN + 64 bytes, zeroed
 * first). Returns RAX; *got = out_len as the hypervisor wrote it back. */
PAL_FN uint64_t pal_unseal(uint64_t vmm, const pal_byte_t *blob, uint64_t len, pal_byte_t *out,
			   uint64_t *got)
{
	volatile struct utpm_data_req d;
	uint64_t r;

	pal_zero(out, MIEE_PAL_SECRET_LEN + 64);
	d.pcr_mask = 0;
	d.pad = 0;
	d.in = PAL_ADDR(blob);
	d.in_len = len;
	d.out = PAL_ADDR(out);
	d.out_max = MIEE_PAL_SECRET_LEN + 64;
	d.out_len = 0;
	r = pal_hc2(vmm, HC_UTPM_UNSEAL, PAL_ADDR(&d), 0);
	*got = d.out_len;
	return r;
}

/* `quote`: uPCR 0 cannot be extended; bad buffers, index and mask are
 * refused and the MIEE goes on; extend uPCR 1 with the fixed digest, read
 * uPCRs 0 and 1, quote them with the runner's nonce, fetch the public key.
 * Every result into the shared page, every RAX checked. */
__attribute__((noreturn)) PAL_FN void pal_quote(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
{
	pal_utpm_t *u = (pal_utpm_t *)(uintptr_t)(shared + MIEE_PAL_UTPM_OFF);
	pal_byte_t nonce[MIEE_PAL_NONCE_LEN], digest[32];
	volatile struct utpm_quote_req q;
	uint64_t r, i;

	pal_copy(nonce, u->nonce, MIEE_PAL_NONCE_LEN);	/* read once */
	pal_extend_digest(digest);

	u->refused[MIEE_PAL_R_EXTEND0] = pal_hc2(vmm, HC_UTPM_PCR_EXTEND, 0, PAL_ADDR(digest));
	if (!u->refused[MIEE_PAL_R_EXTEND0])
		pal_fail(vmm, u, MIEE_PAL_ST_U_EXT0, 0);
	u->refused[MIEE_PAL_R_PAST_END] = pal_hc2(vmm, HC_UTPM_PCR_READ, 0, MIEE_IMG_SIZE);
	u->refused[MIEE_PAL_R_READONLY] = pal_hc2(vmm, HC_UTPM_PCR_READ, 0, MIEE_IMG_CODE);
	u->refused[MIEE_PAL_R_GUARD] = pal_hc2(vmm, HC_UTPM_PCR_READ, 0, MIEE_IMG_GUARD);
	u->refused[MIEE_PAL_R_INDEX] = pal_hc2(vmm, HC_UTPM_PCR_READ, 8, PAL_ADDR(u->upcr0));
	u->refused[MIEE_PAL_R_REQ_END] = pal_hc2(vmm, HC_UTPM_QUOTE, MIEE_IMG_SIZE - 16, 0);
	pal_quote_req(&q, 2, nonce, u);
	u->refused[MIEE_PAL_R_MASK] = pal_hc2(vmm, HC_UTPM_QUOTE, PAL_ADDR(&q), 0);
	for (i = 0; i < MIEE_PAL_NREFUSED; i++)
		if (!u->refused[i])
			pal_fail(vmm, u, MIEE_PAL_ST_U_ACCEPTED, i);
	sh->progress = MIEE_PAL_P_REFUSALS;

	r = pal_hc2(vmm, HC_UTPM_PCR_EXTEND, 1, PAL_ADDR(digest));
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_EXTEND, r);
	r = pal_hc2(vmm, HC_UTPM_PCR_READ, 0, PAL_ADDR(u->upcr0));
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_READ, r);
	r = pal_hc2(vmm, HC_UTPM_PCR_READ, 1, PAL_ADDR(u->upcr1));
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_READ, r);
	pal_quote_req(&q, MIEE_PAL_UPCR_MASK, nonce, u);
	r = pal_hc2(vmm, HC_UTPM_QUOTE, PAL_ADDR(&q), 0);
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_QUOTE, r);
	u->attest_len = q.attest_len;
	u->sig_len = q.sig_len;
	sh->progress = MIEE_PAL_P_QUOTED;
	r = pal_hc2(vmm, HC_UTPM_PUBKEY, PAL_ADDR(u->pubkey), 0);
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_PUBKEY, r);
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* `seal` (`seal-lt`: under the long-term secret, lt set): seal the secret to
 * uPCRs 0|1 into the shared page; unseal its own
 * copy of the blob (round trip); a copy with one byte changed must be
 * refused with MIEE_EUTPM and leave the output zero; after extending uPCR 1
 * the original blob must be refused the same way. The shared page keeps the
 * original blob (seal-other hands it to other MIEEs). */
__attribute__((noreturn)) PAL_FN void pal_seal(uint64_t vmm, pal_shared_t *sh, uint64_t shared,
						int lt)
{
	pal_utpm_t *u = (pal_utpm_t *)(uintptr_t)(shared + MIEE_PAL_UTPM_OFF);
	pal_byte_t secret[MIEE_PAL_SECRET_LEN], out[MIEE_PAL_SECRET_LEN + 64];
	pal_byte_t blob[MIEE_PAL_LT_BLOB_LEN], bad[MIEE_PAL_LT_BLOB_LEN], digest[32];
	uint64_t want = lt ? MIEE_PAL_LT_BLOB_LEN : MIEE_PAL_BLOB_LEN;
	volatile struct utpm_data_req d;
	uint64_t r, len, got;

	pal_secret_bytes(secret);
	d.pcr_mask = MIEE_PAL_UPCR_MASK | (lt ? MIEE_SEAL_LONGTERM : 0);
	d.pad = 0;
	d.in = PAL_ADDR(secret);
	d.in_len = MIEE_PAL_SECRET_LEN;
	d.out = PAL_ADDR(u->blob);
	d.out_max = sizeof(u->blob);
	d.out_len = 0;
	r = pal_hc2(vmm, HC_UTPM_SEAL, PAL_ADDR(&d), 0);
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_SEAL, r);
	len = d.out_len;
	u->blob_len = len;
	if (len != want)
		pal_fail(vmm, u, MIEE_PAL_ST_U_SEAL, len);
	pal_copy(blob, u->blob, want);	/* from here on its own copy */
	sh->progress = MIEE_PAL_P_SEALED;

	r = pal_unseal(vmm, blob, want, out, &got);
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_UNSEAL, r);
	if (got != MIEE_PAL_SECRET_LEN || pal_differ(out, secret, MIEE_PAL_SECRET_LEN) ||
	    pal_any(out + MIEE_PAL_SECRET_LEN, 64))
		pal_fail(vmm, u, MIEE_PAL_ST_U_ROUNDTRIP, got);
	sh->progress = MIEE_PAL_P_UNSEALED;

	pal_copy(bad, blob, want);
	bad[MIEE_PAL_BLOB_FLIP] ^= 0x01;
	r = pal_unseal(vmm, bad, want, out, &got);
	if (r != (uint64_t)(int64_t)MIEE_EUTPM)
		pal_fail(vmm, u, MIEE_PAL_ST_U_TAMPER, r);
	if (pal_any(out, MIEE_PAL_SECRET_LEN + 64))
		pal_fail(vmm, u, MIEE_PAL_ST_U_LEAK, r);

	pal_extend_digest(digest);
	r = pal_hc2(vmm, HC_UTPM_PCR_EXTEND, 1, PAL_ADDR(digest));
	if (r)
		pal_fail(vmm, u, MIEE_PAL_ST_U_EXTEND, r);
	r = pal_unseal(vmm, blob, want, out, &got);
	if (r != (uint64_t)(int64_t)MIEE_EUTPM)
		pal_fail(vmm, u, MIEE_PAL_ST_U_STALE, r);
	if (pal_any(out, MIEE_PAL_SECRET_LEN + 64))
		pal_fail(vmm, u, MIEE_PAL_ST_U_LEAK, r);
	u->err = 0;
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* `unseal`: the blob the runner put in the shared page (another MIEE's);
 * the outcome goes to the shared page, the runner judges it. */
__attribute__((noreturn)) PAL_FN void pal_unseal_other(uint64_t vmm, pal_shared_t *sh,
						       uint64_t shared)
{
	pal_utpm_t *u = (pal_utpm_t *)(uintptr_t)(shared + MIEE_PAL_UTPM_OFF);
	pal_byte_t secret[MIEE_PAL_SECRET_LEN], out[MIEE_PAL_SECRET_LEN + 64];
	pal_byte_t blob[sizeof(u->blob)];
	uint64_t r, len = u->blob_len, got = 0;	/* read once */

	if (len > sizeof(u->blob))
		pal_exit(vmm, MIEE_PAL_ST_BADINPUT);
	pal_copy(blob, u->blob, len);
	pal_secret_bytes(secret);
	r = pal_unseal(vmm, blob, len, out, &got);
	u->err = r;
	if (!r && got == MIEE_PAL_SECRET_LEN && !pal_differ(out, secret, MIEE_PAL_SECRET_LEN)) {
		u->unseal_len = got;
		u->unseal_result = MIEE_PAL_U_OPENED;
	} else if (r && !pal_any(out, MIEE_PAL_SECRET_LEN + 64)) {
		u->unseal_result = MIEE_PAL_U_REFUSED;
	} else {
		u->unseal_len = got;
		u->unseal_result = MIEE_PAL_U_GARBAGE;
	}
	pal_zero(out, MIEE_PAL_SECRET_LEN + 64);
	sh->progress = MIEE_PAL_P_UNSEALED;
	pal_exit(vmm, MIEE_PAL_ST_OK);
}

/* Entry: RIP = here, RDI = the shared page, RSP = stack top - 8. */
__attribute__((noreturn)) PAL_FN void miee_pal_main(uint64_t shared)
{
	pal_shared_t *sh = (pal_shared_t *)(uintptr_t)shared;
	uint64_t vmm = pal_detect(), mode, r;

	if (sh->magic != MIEE_PAL_MAGIC)
		pal_exit(vmm, MIEE_PAL_ST_BADINPUT);
	sh->progress = MIEE_PAL_P_STARTED;
	mode = sh->mode;
	if (mode == MIEE_PAL_M_SUM)
		pal_sum(vmm, sh);
	if (mode == MIEE_PAL_M_SECRET)
		pal_secret(vmm, sh);
	if (mode == MIEE_PAL_M_REFUSED) {
		r = pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_UNKNOWN);
		pal_exit(vmm, r == MIEE_PAL_HC_ERR ? MIEE_PAL_ST_OK : MIEE_PAL_ST_HOSTERR);
	}
	if (mode >= MIEE_PAL_M_JUMP && mode <= MIEE_PAL_M_UD && mode != MIEE_PAL_M_REFUSED)
		pal_forbidden(vmm, sh, shared, mode);
	if (mode == MIEE_PAL_M_QUOTE)
		pal_quote(vmm, sh, shared);
	if (mode == MIEE_PAL_M_SEAL || mode == MIEE_PAL_M_SEAL_LT)
		pal_seal(vmm, sh, shared, mode == MIEE_PAL_M_SEAL_LT);
	if (mode == MIEE_PAL_M_UNSEAL)
		pal_unseal_other(vmm, sh, shared);
	if (mode == MIEE_PAL_M_TWO)
		pal_two(vmm, sh, shared);
	if (mode == MIEE_PAL_M_SCRIPT)
		pal_script(vmm, sh, shared);
	if (mode == MIEE_PAL_M_UTPM_ARGS)
		pal_uargs(vmm, sh, shared);
	pal_ctx_modes(vmm, sh, shared, mode);
	pal_exit(vmm, MIEE_PAL_ST_BADMODE);
}

/* The entry: in `ctx` mode, store every GPR, RSP and RFLAGS as the
 * hypervisor gave them into the shared page (RDI = its address, the init
 * state's arg) before any code of the PAL's own runs; then everything as
 * it was and on to miee_pal_main. PUSHFQ first (CMP changes the flags): it
 * writes below the initial RSP, where nothing lives yet. */
#define PAL_STR_(x) #x
#define PAL_STR(x) PAL_STR_(x)
#define PAL_E(i) PAL_STR(MIEE_PAL_ENTRY_OFF) "+8*" #i "(%rdi)"
#define PAL_ST(r, i) "mov %" #r ", " PAL_E(i) "\n\t"
__attribute__((naked, noreturn)) PAL_FN void miee_pal_entry(void)
{
	__asm__("pushfq\n\t"
		"cmpq $" PAL_STR(MIEE_PAL_M_CTX) ", 8(%rdi)\n\t"
		"jne 1f\n\t"
		PAL_ST(rax, 0) PAL_ST(rbx, 1) PAL_ST(rcx, 2) PAL_ST(rdx, 3)
		PAL_ST(rsi, 4) PAL_ST(rdi, 5) PAL_ST(rbp, 6) PAL_ST(r8, 7)
		PAL_ST(r9, 8) PAL_ST(r10, 9) PAL_ST(r11, 10) PAL_ST(r12, 11)
		PAL_ST(r13, 12) PAL_ST(r14, 13) PAL_ST(r15, 14)
		"lea 8(%rsp), %rax\n\t"
		PAL_ST(rax, 15)
		"mov (%rsp), %rax\n\t"
		PAL_ST(rax, 16)
		"mov " PAL_E(0) ", %rax\n"
		"1:\tpopfq\n\t"
		"jmp miee_pal_main");
}
#undef PAL_ST
#undef PAL_E

/* Outside the section: the runner's view of it. */
const unsigned char *miee_pal_code(size_t *len, size_t *entry)
{
	*len = (size_t)(__stop_miee_pal - __start_miee_pal);
	*entry = (size_t)((const unsigned char *)(uintptr_t)miee_pal_entry - __start_miee_pal);
	return __start_miee_pal;
}
