/* The FP part of a signal frame (sigframe.h): building the software bytes
 * and checking what rt_sigreturn gets back. Pure and freestanding: the
 * libOS and the host unit test build the same file. */
#include "sigframe.h"

#define E_INVAL (-22)
#define MXCSR_OFF 24u

static int bad(const char **why, const char *s)
{
	*why = s;
	return E_INVAL;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

int sigfp_setup(struct sigfp_cfg *c, int osxsave, uint64_t xcr0, uint32_t size, uint64_t xfd,
		const char **why)
{
	__builtin_memset(c, 0, sizeof(*c));
	if (!osxsave || xcr0 == SIGFP_LEGACY)
		return 0;	/* FXSAVE frames, as before XSAVE */
	if ((xcr0 & SIGFP_LEGACY) != SIGFP_LEGACY)
		return bad(why, "XCR0 without x87 and SSE");
	if (size < SIGFP_XSAVE_MIN || size > SIGFP_MAX - SIGFP_MAGIC2_SIZE)
		return bad(why, "CPUID 0xd XSAVE size outside what a signal frame can hold");
	c->xcr0 = xcr0;
	c->mask = xcr0 & ~(xfd & ~SIGFP_LEGACY);
	c->xstate_size = size;
	return 0;
}

uint32_t sigfp_frame_size(const struct sigfp_cfg *c)
{
	return c->xcr0 ? c->xstate_size + SIGFP_MAGIC2_SIZE : SIGFP_FX_SIZE;
}

uint64_t sigfp_seal(const struct sigfp_cfg *c, uint8_t *area)
{
	struct sigfp_sw sw = { 0 };
	uint32_t m2 = SIGFP_MAGIC2;

	if (!c->xcr0) {
		__builtin_memset(area + SIGFP_SW_OFF, 0, sizeof(sw));
		return 0;
	}
	sw.magic1 = SIGFP_MAGIC1;
	sw.extended_size = c->xstate_size + SIGFP_MAGIC2_SIZE;
	sw.xfeatures = c->mask;
	sw.xstate_size = c->xstate_size;
	__builtin_memcpy(area + SIGFP_SW_OFF, &sw, sizeof(sw));
	__builtin_memcpy(area + c->xstate_size, &m2, sizeof(m2));
	return SIGFP_UC_FP_XSTATE;
}

int sigfp_is_xsave(const struct sigfp_cfg *c, const uint8_t *area)
{
	return c->xcr0 && get32(area + SIGFP_SW_OFF) == SIGFP_MAGIC1;
}

/* MXCSR reserved bits make FXRSTOR and XRSTOR #GP (SDM Vol. 1 11.6.6);
 * they are the zero bits of the CPU's MXCSR_MASK. Byte 28 on is the
 * frame's MXCSR_MASK, which the restore ignores. */
static void clamp_mxcsr(uint8_t *area, uint32_t mxcsr_mask)
{
	uint32_t v = get32(area + MXCSR_OFF) & (mxcsr_mask ? mxcsr_mask : 0xffbf);

	__builtin_memcpy(area + MXCSR_OFF, &v, 4);
}

int sigfp_check(const struct sigfp_cfg *c, uint8_t *area, uint32_t mxcsr_mask, const char **why)
{
	struct sigfp_sw sw;
	uint8_t *h = area + SIGFP_HDR_OFF;
	uint64_t bv;
	unsigned i;

	clamp_mxcsr(area, mxcsr_mask);
	if (!c->xcr0)
		return 0;
	if (!sigfp_is_xsave(c, area)) {
		/* An FXSAVE image only (a frame a program built itself): x87
		 * and SSE from it, the rest to init (XSTATE_BV bits 0, 1). */
		__builtin_memset(h, 0, SIGFP_XSAVE_MIN - SIGFP_HDR_OFF);
		h[0] = (uint8_t)SIGFP_LEGACY;
		return 0;
	}
	__builtin_memcpy(&sw, area + SIGFP_SW_OFF, sizeof(sw));
	if (sw.xstate_size != c->xstate_size)
		return bad(why, "XSAVE frame size is not this MIEE's");
	if (sw.extended_size != sw.xstate_size + SIGFP_MAGIC2_SIZE)
		return bad(why, "XSAVE frame extended size does not match");
	if (sw.xfeatures & ~c->xcr0)
		return bad(why, "XSAVE frame features outside XCR0");
	if (get32(area + sw.xstate_size) != SIGFP_MAGIC2)
		return bad(why, "XSAVE frame without FP_XSTATE_MAGIC2 at its end");
	bv = get64(h);
	/* Standard form: XSTATE_BV within XCR0, XCOMP_BV and bytes 16-63
	 * zero, or XRSTOR is #GP (SDM Vol. 1 13.8.1). */
	if (bv & ~c->xcr0)
		return bad(why, "XSAVE header XSTATE_BV outside XCR0");
	for (i = 8; i < SIGFP_XSAVE_MIN - SIGFP_HDR_OFF; i++)
		if (h[i])
			return bad(why, "XSAVE header XCOMP_BV or reserved bytes not zero");
	/* Components the frame does not carry, and XFD ones, to init. */
	bv &= sw.xfeatures & c->mask;
	__builtin_memcpy(h, &bv, 8);
	return 0;
}
