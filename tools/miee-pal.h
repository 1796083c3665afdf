/* The test PAL: freestanding code that miee-run copies into the MIEE image at
 * MIEE_IMG_CODE. Include only from tools/miee-run.c.
 *
 * Every function is in section "miee_pal" (bracketed by the linker's
 * __start_miee_pal / __stop_miee_pal) and must stay position independent and
 * self-contained: no globals, no string literals, no libc, no calls or
 * RIP-relative references outside the section, no jump tables, no SSE (the
 * MIEE's FPU state is not part of the ABI). Only its stack and its argument
 * (RDI = the shared page's MIEE address). attest/miee-pal-check.sh verifies
 * this on the built binary with objdump at every `make all`. */
#ifndef TOOLS_MIEE_PAL_H
#define TOOLS_MIEE_PAL_H

#include <stdint.h>

#include "hv/hypercall.h"
#include "hv/miee.h"
#include "miee-image.h"

/* noipa: no inlining into, no clones out of the section; each call between
 * PAL functions is a direct rel32 call inside it. No instrumentation of any
 * kind (the host unit test builds this with ASan and UBSan). */
#define PAL_FN static __attribute__((section("miee_pal"), used, noipa, no_stack_protector, \
	no_sanitize("address", "undefined"), no_instrument_function, \
	target("general-regs-only"), optimize("no-jump-tables", "no-tree-loop-distribute-patterns")))

extern const unsigned char __start_miee_pal[], __stop_miee_pal[];

typedef volatile struct miee_pal_shared pal_shared_t;

/* One hypercall; vmm: the instruction (1 VMMCALL, 0 VMCALL). Returns RAX.
 * The OS runs between a host call and its return: keep nothing in the
 * caller-saved registers across it. */
PAL_FN uint64_t pal_hc(uint64_t vmm, uint64_t nr, uint64_t arg)
{
	uint64_t a = nr, b = arg, c = 0, d = 0;

	if (vmm)
		__asm__ __volatile__("vmmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	else
		__asm__ __volatile__("vmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	return a;
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

__attribute__((noreturn)) PAL_FN void pal_exit(uint64_t vmm, uint64_t status)
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
	pal_exit(vmm, MIEE_PAL_ST_BADMODE);
}

/* The code to copy and where the entry is within it. */
static inline const unsigned char *miee_pal_code(size_t *len, size_t *entry)
{
	*len = (size_t)(__stop_miee_pal - __start_miee_pal);
	*entry = (size_t)((const unsigned char *)(uintptr_t)miee_pal_main - __start_miee_pal);
	return __start_miee_pal;
}

#endif
