/* What the PAL's files share (pal.c, pal-ctx.c, pal-two.c, pal-mem.c), and the rules for code
 * in them.
 *
 * Every function is in section "miee_pal" (bracketed by the linker's
 * __start_miee_pal / __stop_miee_pal) and must stay position independent and
 * self-contained: no globals, no string literals, no libc, no calls or
 * RIP-relative references outside the section, no jump tables, no SSE (the
 * MIEE's FPU state is not part of the ABI). Only its stack and its argument
 * (RDI = the shared page's MIEE address). attest/miee-pal-check.sh verifies
 * this on the built binary with objdump at every `make all`. */
#ifndef MIEE_RUN_PAL_FN_H
#define MIEE_RUN_PAL_FN_H

#include <stdint.h>

#include "hv/hvcall.h"
#include "hv/hypercall.h"
#include "hv/miee.h"
#include "miee-run/protocol.h"

/* noipa: no inlining into, no clones out of the section; each call between
 * PAL functions is a direct rel32 call inside it. No instrumentation of any
 * kind (the host unit test builds this with ASan and UBSan). */
#define PAL_ATTRS __attribute__((section("miee_pal"), used, noipa, no_stack_protector, \
	no_sanitize("address", "undefined"), no_instrument_function, \
	target("general-regs-only"), optimize("no-jump-tables", "no-tree-loop-distribute-patterns", \
	"no-tree-switch-conversion")))
#define PAL_FN static PAL_ATTRS
/* A PAL function the other PAL file calls: hidden, so the call is a direct
 * rel32 one in any build (PIE or not), never through a PLT or GOT. */
#define PAL_GLOBAL __attribute__((visibility("hidden"))) PAL_ATTRS

extern const unsigned char __start_miee_pal[], __stop_miee_pal[];

typedef volatile struct miee_pal_shared pal_shared_t;

#define PAL_ADDR(p) ((uint64_t)(uintptr_t)(p))

/* Defined with PAL_GLOBAL. pal.c: */
#define PAL_EXTERN __attribute__((visibility("hidden")))
PAL_EXTERN uint64_t pal_hc3(uint64_t vmm, uint64_t nr, uint64_t b, uint64_t c, uint64_t d);
PAL_EXTERN uint64_t pal_hc2(uint64_t vmm, uint64_t nr, uint64_t arg1, uint64_t arg2);
PAL_EXTERN __attribute__((noreturn)) void pal_exit(uint64_t vmm, uint64_t status);
/* pal-ctx.c: returns only for modes that are not its own. */
PAL_EXTERN void pal_ctx_modes(uint64_t vmm, pal_shared_t *sh, uint64_t shared, uint64_t mode);
PAL_EXTERN void pal_wrmsr(uint32_t msr, uint64_t v);
/* pal-two.c: MIEE_PAL_M_TWO. pal-mem.c: MIEE_PAL_M_SCRIPT. */
PAL_EXTERN __attribute__((noreturn)) void pal_two(uint64_t vmm, pal_shared_t *sh, uint64_t shared);
PAL_EXTERN __attribute__((noreturn)) void pal_script(uint64_t vmm, pal_shared_t *sh,
						     uint64_t shared);

/* pal-uargs.c: MIEE_PAL_M_UTPM_ARGS. */
PAL_EXTERN __attribute__((noreturn)) void pal_uargs(uint64_t vmm, pal_shared_t *sh,
						    uint64_t shared);

/* The operand of LGDT and LIDT. */
struct pal_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#endif
