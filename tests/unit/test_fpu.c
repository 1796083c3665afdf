/* core/fpu.c: the XSAVE header rules that XRSTOR enforces (SDM Vol. 1
 * 13.8.1), checked before every restore of a guest context's area: a
 * fresh area is valid under any XCR0, an area naming a component the
 * restoring CPU's XCR0 lacks is refused, and so is one with XCOMP_BV or a
 * reserved header byte set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv.h"
#include "fpu.h"

#define XCR0_X87 0x1ull
#define XCR0_SSE 0x2ull
#define XCR0_AVX 0x4ull
#define XCR0_AVX512 0xe0ull
#define XCR0_PKRU 0x200ull

void panic(const char *fmt, ...)
{
	(void)fmt;
	fail_msg("panic");
	abort();
}

static u8 area[PAGE_SIZE] __attribute__((aligned(64)));

static u64 *header(void)
{
	return (u64 *)(area + FPU_XSAVE_HEADER);
}

static void test_fresh_area(void **state)
{
	(void)state;
	memset(area, 0xa5, sizeof(area));
	fpu_init_area(area);
	/* XSTATE_BV 0: every component from its initial state. */
	assert_int_equal(fpu_area_check(area, XCR0_X87), 0);
	assert_int_equal(fpu_area_check(area, XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512), 0);
}

static void test_component_outside_xcr0(void **state)
{
	(void)state;
	fpu_init_area(area);
	header()[0] = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_PKRU;
	assert_int_equal(fpu_area_check(area, XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_PKRU), 0);
	/* Saved where XCR0 had PKRU, restored where it has not. */
	assert_int_equal(fpu_area_check(area, XCR0_X87 | XCR0_SSE | XCR0_AVX), -EINVAL);
	assert_int_equal(fpu_area_check(area, XCR0_X87), -EINVAL);
	header()[0] = XCR0_AVX512;
	assert_int_equal(fpu_area_check(area, XCR0_X87 | XCR0_SSE | XCR0_AVX), -EINVAL);
}

static void test_header_reserved(void **state)
{
	(void)state;
	for (unsigned i = 1; i < 8; i++) {
		fpu_init_area(area);
		header()[i] = 1ull << (i * 7);	/* XCOMP_BV, then bytes 16-63 */
		assert_int_equal(fpu_area_check(area, ~0ull), -EINVAL);
	}
	/* Bytes around the header are register state, not the header's. */
	fpu_init_area(area);
	memset(area, 0xff, FPU_XSAVE_HEADER);
	memset(area + FPU_XSAVE_HEADER + 64, 0xff, 64);
	assert_int_equal(fpu_area_check(area, XCR0_X87), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_area),
		cmocka_unit_test(test_component_outside_xcr0),
		cmocka_unit_test(test_header_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
