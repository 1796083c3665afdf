/* The test PAL's script mode (docs/miee-runner.md, "Script modes"): the
 * runner writes a list of operations (hypercalls with their arguments,
 * fills, checks, a hold) into the shared page, the PAL runs them in order
 * and writes back each one's result; the runner judges. What the memory
 * after init (HC_MIEE_MAP / HC_MIEE_UNMAP, docs/miee.md) is tested with.
 * Included by tools/miee-pal.h after its helpers; the same rules hold. */
#ifndef TOOLS_MIEE_PAL_MEM_H
#define TOOLS_MIEE_PAL_MEM_H

#include <stdint.h>

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

#ifdef PAL_FN
/* A hypercall with RBX, RCX and RDX. Returns RAX. */
PAL_FN uint64_t pal_hc3(uint64_t vmm, uint64_t nr, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t a = nr;

	if (vmm)
		__asm__ __volatile__("vmmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	else
		__asm__ __volatile__("vmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	return a;
}

__attribute__((noreturn)) PAL_FN void pal_script(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
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
			while (pal_hc(vmm, HC_MIEE_HOSTCALL, MIEE_PAL_HC_YIELD) == MIEE_PAL_GO);
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
#endif /* PAL_FN */

#endif
