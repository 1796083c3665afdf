/* The test PAL's script mode (docs/miee-runner.md, "Script modes"): the
 * runner writes a list of operations (hypercalls with their arguments,
 * fills, checks, a hold) into the shared page, the PAL runs them in order
 * and writes back each one's result; the runner judges (run-mem.c). What
 * the memory after init (HC_MIEE_MAP / HC_MIEE_UNMAP, docs/miee.md) is
 * tested with. The protocol is in protocol.h; the rules of pal-fn.h hold. */
#include <stdint.h>

#include "miee-run/pal-fn.h"

__attribute__((noreturn)) PAL_GLOBAL void pal_script(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
{
	volatile struct miee_pal_script *s =
		(volatile struct miee_pal_script *)(uintptr_t)(shared + MIEE_PAL_SCRIPT_OFF);
	uint64_t n = s->nops, i, k, r, op, a, b;	/* read once */

	if (n > MIEE_PAL_MAX_OPS)
		pal_exit(vmm, MIEE_PAL_ST_BADINPUT);
	sh->progress = MIEE_PAL_P_SCRIPT;
	for (i = 0; i < n; i++) {
		volatile struct miee_pal_op *o = &s->ops[i];
		volatile uint64_t *p;

		op = o->op;
		a = o->a;
		b = o->b;
		p = (volatile uint64_t *)(uintptr_t)a;
		r = 0;
		if (op == MIEE_PAL_OP_HC)
			r = pal_hc3(vmm, a, b, o->c, o->d);
		else if (op == MIEE_PAL_OP_HOLD)
			do
				r++;
			while (pal_hc2(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_YIELD, 0) == MIEE_PAL_GO);
		else if (op < MIEE_PAL_OP_FILL || op > MIEE_PAL_OP_ZERO || b > 64)
			pal_exit(vmm, MIEE_PAL_ST_BADINPUT);
		for (k = 0; op >= MIEE_PAL_OP_FILL && op <= MIEE_PAL_OP_ZERO && k < b * 512; k++) {
			if (op == MIEE_PAL_OP_FILL)
				p[k] = MIEE_PAL_SECRET_WORD(k & 511);
			else
				r += p[k] != (op == MIEE_PAL_OP_CHECK ? MIEE_PAL_SECRET_WORD(k & 511) : 0);
		}
		o->res = r;
		s->done = i + 1;
	}
	pal_exit(vmm, MIEE_PAL_ST_OK);
}
