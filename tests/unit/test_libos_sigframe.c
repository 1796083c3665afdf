/* Host unit tests for the FP part of the libOS's signal frames
 * (libos/sigframe.c): the format chosen from OSXSAVE/XCR0/CPUID 0xd, the
 * software bytes and MAGIC2 of an XSAVE frame, and the rt_sigreturn check
 * refusing corrupted magics, sizes, features, XSTATE_BV and header bytes.
 * Where the host CPU has XSAVE (user space may run XSAVE/XRSTOR), frames
 * are made by a real XSAVE and every frame the check accepts is loaded by
 * a real XRSTOR: it must not fault, and the YMM state must come back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../libos/sigframe.h"

#define EINVAL_ 22

static uint8_t area[SIGFP_MAX] __attribute__((aligned(64)));
static uint8_t good[SIGFP_MAX] __attribute__((aligned(64)));

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* The host's XSAVE view, or 0 if it has none: XCR0 and the CPUID size. */
static uint64_t host_xcr0(uint32_t *size)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c >> 27 & 1))
		return 0;
	__asm__ __volatile__("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	cpuid(0xd, 0, &a, &b, &c, &d);
	*size = b;
	return (uint64_t)d << 32 | a;
}

static uint64_t hdr_bv(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p + SIGFP_HDR_OFF, 8);
	return v;
}

static struct sigfp_sw sw_of(const uint8_t *p)
{
	struct sigfp_sw s;

	memcpy(&s, p + SIGFP_SW_OFF, sizeof(s));
	return s;
}

static void put_sw(uint8_t *p, const struct sigfp_sw *s)
{
	memcpy(p + SIGFP_SW_OFF, s, sizeof(*s));
}

/* A synthetic XSAVE frame as the libOS builds it: x87/SSE legacy bytes, a
 * header with XSTATE_BV, sealed. */
static void synth(const struct sigfp_cfg *c, uint64_t bv)
{
	uint32_t mxcsr = 0x1f80;

	memset(area, 0, sizeof(area));
	memcpy(area + 24, &mxcsr, 4);
	memcpy(area + SIGFP_HDR_OFF, &bv, 8);
	sigfp_seal(c, area);
}

static int check(const struct sigfp_cfg *c, const char **why)
{
	*why = NULL;
	return sigfp_check(c, area, 0xffff, why);
}

static void test_setup(void **state)
{
	struct sigfp_cfg c;
	const char *why = NULL;

	(void)state;
	/* No OSXSAVE, or XCR0 x87|SSE only: FXSAVE frames of 512 bytes. */
	assert_int_equal(sigfp_setup(&c, 0, 0, 0, 0, &why), 0);
	assert_int_equal(c.xcr0, 0);
	assert_int_equal(sigfp_frame_size(&c), 512);
	assert_int_equal(sigfp_setup(&c, 1, 3, 576, 0, &why), 0);
	assert_int_equal(c.xcr0, 0);
	assert_int_equal(sigfp_frame_size(&c), 512);
	/* AVX: XSAVE frames, size + MAGIC2. */
	assert_int_equal(sigfp_setup(&c, 1, 7, 832, 0, &why), 0);
	assert_int_equal(c.xcr0, 7);
	assert_int_equal(c.mask, 7);
	assert_int_equal(sigfp_frame_size(&c), 836);
	/* XFD components (AMX tile data) stay out of save and restore. */
	assert_int_equal(sigfp_setup(&c, 1, 0x602e7, 11008, 1ull << 18, &why), 0);
	assert_int_equal(c.mask, 0x202e7);
	/* Refused: sizes a frame cannot hold, XCR0 without SSE. */
	assert_int_equal(sigfp_setup(&c, 1, 7, 575, 0, &why), -EINVAL_);
	assert_non_null(why);
	assert_int_equal(sigfp_setup(&c, 1, 7, SIGFP_MAX - 3, 0, &why), -EINVAL_);
	assert_int_equal(sigfp_setup(&c, 1, 5, 832, 0, &why), -EINVAL_);
	assert_int_equal(c.xcr0, 0);	/* nothing half set */
}

static void test_seal(void **state)
{
	struct sigfp_cfg c;
	struct sigfp_sw s;
	const char *why;
	uint32_t m2;

	(void)state;
	assert_int_equal(sigfp_setup(&c, 1, 7, 832, 0, &why), 0);
	memset(area, 0, sizeof(area));
	assert_int_equal(sigfp_seal(&c, area), SIGFP_UC_FP_XSTATE);
	s = sw_of(area);
	assert_int_equal(s.magic1, SIGFP_MAGIC1);
	assert_int_equal(s.extended_size, 836);
	assert_int_equal(s.xfeatures, 7);
	assert_int_equal(s.xstate_size, 832);
	memcpy(&m2, area + 832, 4);
	assert_int_equal(m2, SIGFP_MAGIC2);
	assert_true(sigfp_is_xsave(&c, area));
	/* FXSAVE frames: 464-511 zero whatever was there, no MAGIC1. */
	assert_int_equal(sigfp_setup(&c, 0, 0, 0, 0, &why), 0);
	memset(area, 0xa5, sizeof(area));
	assert_int_equal(sigfp_seal(&c, area), 0);
	for (m2 = SIGFP_SW_OFF; m2 < 512; m2++)
		assert_int_equal(area[m2], 0);
	assert_false(sigfp_is_xsave(&c, area));
}

static void test_check_refuses(void **state)
{
	struct sigfp_cfg c;
	struct sigfp_sw s, s0;
	const char *why;
	uint32_t v;
	unsigned i;

	(void)state;
	assert_int_equal(sigfp_setup(&c, 1, 7, 832, 0, &why), 0);
	synth(&c, 7);
	assert_int_equal(check(&c, &why), 0);
	assert_int_equal(hdr_bv(area), 7);
	s0 = sw_of(area);

#define REFUSE(mutate) do {						\
		synth(&c, 7);						\
		s = s0;							\
		mutate;							\
		assert_int_equal(check(&c, &why), -EINVAL_);		\
		assert_non_null(why);					\
	} while (0)
	REFUSE((s.xstate_size = 831, put_sw(area, &s)));
	REFUSE((s.xstate_size = 1024, s.extended_size = 1028, put_sw(area, &s)));
	REFUSE((s.xstate_size = 0xfffffffc, s.extended_size = 0, put_sw(area, &s)));
	REFUSE((s.extended_size = 835, put_sw(area, &s)));
	REFUSE((s.extended_size = 0, put_sw(area, &s)));
	REFUSE((s.xfeatures = 0xf, put_sw(area, &s)));
	REFUSE((s.xfeatures = 1ull << 63 | 7, put_sw(area, &s)));
	REFUSE((v = SIGFP_MAGIC2 ^ 1, memcpy(area + 832, &v, 4)));
	REFUSE((v = 0, memcpy(area + 832, &v, 4)));
	/* XSTATE_BV outside XCR0, XCOMP_BV set (compacted), reserved bytes. */
	REFUSE(area[SIGFP_HDR_OFF] = 0xf);
	REFUSE(area[SIGFP_HDR_OFF + 7] = 0x80);
	REFUSE(area[SIGFP_HDR_OFF + 15] = 0x80);
	REFUSE(area[SIGFP_HDR_OFF + 8] = 7);
	for (i = 16; i < 64; i++)
		REFUSE(area[SIGFP_HDR_OFF + i] = 1);
#undef REFUSE

	/* MAGIC1 absent: an FXSAVE-only frame, loaded as x87|SSE with the
	 * rest init (whatever the header held). */
	synth(&c, 7);
	memset(area + SIGFP_HDR_OFF, 0xff, 64);
	s = s0;
	s.magic1 ^= 1;
	put_sw(area, &s);
	assert_false(sigfp_is_xsave(&c, area));
	assert_int_equal(check(&c, &why), 0);
	assert_int_equal(hdr_bv(area), 3);
	for (i = 8; i < 64; i++)
		assert_int_equal(area[SIGFP_HDR_OFF + i], 0);

	/* Components the frame does not carry go to init. */
	synth(&c, 7);
	s = s0;
	s.xfeatures = 3;
	put_sw(area, &s);
	assert_int_equal(check(&c, &why), 0);
	assert_int_equal(hdr_bv(area), 3);

	/* MXCSR reserved bits cleared, in both formats. */
	synth(&c, 7);
	v = 0xffffffff;
	memcpy(area + 24, &v, 4);
	assert_int_equal(sigfp_check(&c, area, 0xffbf, &why), 0);
	memcpy(&v, area + 24, 4);
	assert_int_equal(v, 0xffbf);
	assert_int_equal(sigfp_setup(&c, 0, 0, 0, 0, &why), 0);
	v = 0xffffffff;
	memcpy(area + 24, &v, 4);
	assert_int_equal(sigfp_check(&c, area, 0, &why), 0);
	memcpy(&v, area + 24, 4);
	assert_int_equal(v, 0xffbf);
}

/* ---- the real instructions, where the host has them */

static void xsave(uint8_t *p, uint64_t m)
{
	__asm__ __volatile__("xsave64 %0" : "=m"(*(uint8_t (*)[SIGFP_MAX])p)
			     : "a"((uint32_t)m), "d"((uint32_t)(m >> 32)) : "memory");
}

static void xrstor(const uint8_t *p, uint64_t m)
{
	__asm__ __volatile__("xrstor64 %0" : : "m"(*(const uint8_t (*)[SIGFP_MAX])p),
			     "a"((uint32_t)m), "d"((uint32_t)(m >> 32)) : "memory");
}

static int host_cfg(struct sigfp_cfg *c)
{
	uint32_t size = 0;
	uint64_t xcr0 = host_xcr0(&size), xfd = 0;
	uint32_t a, b, cx, d, i;
	const char *why;

	if (!xcr0 || xcr0 == 3) {
		printf("[  INFO    ] host has no XSAVE beyond x87|SSE: real XSAVE/XRSTOR not run\n");
		return 0;
	}
	/* XFD-capable components, as libos/signal.c finds them: Linux arms
	 * XFD for AMX tile data, so an XRSTOR of it here would be #NM. */
	for (i = 2; i < 63; i++) {
		if (!(xcr0 >> i & 1))
			continue;
		cpuid(0xd, i, &a, &b, &cx, &d);
		if (cx & (1u << 2))
			xfd |= 1ull << i;
	}
	assert_int_equal(sigfp_setup(c, 1, xcr0, size, xfd, &why), 0);
	assert_int_not_equal(c->xcr0, 0);
	return 1;
}

static void save_frame(const struct sigfp_cfg *c, uint8_t *p)
{
	memset(p, 0, sigfp_frame_size(c));
	xsave(p, c->mask);
	sigfp_seal(c, p);
}

static void test_real_roundtrip(void **state)
{
	struct sigfp_cfg c;
	const char *why;
	uint8_t in[32] __attribute__((aligned(32))), out[32] __attribute__((aligned(32)));
	uint32_t a, b, cx, d;
	unsigned i;

	(void)state;
	if (!host_cfg(&c))
		return;
	cpuid(1, 0, &a, &b, &cx, &d);
	if (!(c.xcr0 & 4) || !(cx >> 28 & 1)) {
		printf("[  INFO    ] host XCR0 has no AVX: YMM round trip not run\n");
		return;
	}
	for (i = 0; i < 32; i++)
		in[i] = (uint8_t)(0x40 + i);
	/* YMM7 set, saved into a frame, clobbered, the frame checked and
	 * loaded: YMM7 is back, upper half included. */
	__asm__ __volatile__("vmovdqu %0, %%ymm7" : : "m"(in) : "xmm7");
	save_frame(&c, good);
	assert_true(hdr_bv(good) & 4);
	__asm__ __volatile__("vpcmpeqd %%ymm7, %%ymm7, %%ymm7" : : : "xmm7");
	memcpy(area, good, sigfp_frame_size(&c));
	assert_int_equal(sigfp_check(&c, area, 0xffff, &why), 0);
	xrstor(area, c.mask);
	__asm__ __volatile__("vmovdqu %%ymm7, %0" : "=m"(out));
	__asm__ __volatile__("vzeroupper");
	assert_memory_equal(in, out, 32);

	/* An FXSAVE-only frame (MAGIC1 gone): the low 128 bits come back,
	 * the upper half is init (zero). */
	__asm__ __volatile__("vmovdqu %0, %%ymm7" : : "m"(in) : "xmm7");
	save_frame(&c, good);
	memcpy(area, good, sigfp_frame_size(&c));
	area[SIGFP_SW_OFF] ^= 1;
	__asm__ __volatile__("vpcmpeqd %%ymm7, %%ymm7, %%ymm7" : : : "xmm7");
	assert_int_equal(sigfp_check(&c, area, 0xffff, &why), 0);
	xrstor(area, c.mask);
	__asm__ __volatile__("vmovdqu %%ymm7, %0" : "=m"(out));
	__asm__ __volatile__("vzeroupper");
	assert_memory_equal(in, out, 16);
	for (i = 16; i < 32; i++)
		assert_int_equal(out[i], 0);
}

/* Random corruption of a real frame's sw bytes, header and MAGIC2: every
 * frame the check accepts is loaded by a real XRSTOR, which must not fault
 * (a fault kills this test with SIGSEGV). */
static void test_real_corrupt(void **state)
{
	struct sigfp_cfg c;
	const char *why;
	unsigned i, n, accepted = 0, refused = 0;
	uint32_t off, span;

	(void)state;
	if (!host_cfg(&c))
		return;
	save_frame(&c, good);
	srandom(15);
	span = SIGFP_XSAVE_MIN - SIGFP_SW_OFF;
	for (i = 0; i < 20000; i++) {
		memcpy(area, good, sigfp_frame_size(&c));
		for (n = 1 + (unsigned)random() % 3; n; n--) {
			off = (uint32_t)random() % (span + 4);
			off = off < span ? SIGFP_SW_OFF + off : c.xstate_size + off - span;
			if (random() & 1)
				area[off] ^= (uint8_t)(1u << (random() % 8));
			else
				area[off] = (uint8_t)random();
		}
		if (sigfp_check(&c, area, 0xffff, &why)) {
			refused++;
			continue;
		}
		accepted++;
		xrstor(area, c.mask);
	}
	xrstor(good, c.mask);
	printf("[  INFO    ] XCR0 0x%lx, %u bytes: %u corrupted frames refused, %u accepted and loaded\n",
	       (unsigned long)c.xcr0, c.xstate_size, refused, accepted);
	assert_true(refused > 0 && accepted > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_real_roundtrip),
		cmocka_unit_test(test_real_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
