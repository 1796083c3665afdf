/* core/fpu.c: the XSAVE header rules that XRSTOR enforces (SDM Vol. 1
 * 13.8.1), checked before every restore of a guest context's area: a
 * fresh area is valid under any XCR0, an area naming a component the
 * restoring CPU's XCR0 lacks is refused, and so is one with XCOMP_BV or a
 * reserved header byte set.
 *
 * And XCR0 as part of a context's state: the switch saves a context under
 * the CPU's XCR0 (its own) and sets the next context's XCR0 before it
 * loads its registers, so an MIEE saved under XCR0 3 on CPU 0 is restored
 * under 3 on a CPU whose OS runs with XCR0 1, and that OS gets its 1 back
 * (the Bochs --smp 2 fault of docs/smp.md). In user space the CPU's XCR0
 * is core/fpu.c's fpu_test_xcr0. */
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

static jmp_buf panic_jmp;
static bool panic_expected;

void panic(const char *fmt, ...)
{
	(void)fmt;
	if (panic_expected)
		longjmp(panic_jmp, 1);
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
	/* XRSTOR loads MXCSR from the area even with XSTATE_BV 0: its
	 * default, every SIMD exception masked. */
	assert_int_equal(*(u32 *)(area + 24), 0x1f80);
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

static u8 os1_area[PAGE_SIZE] __attribute__((aligned(64)));

static bool host_has_xsave_sse(void)
{
	u32 a, b, c, d;
	u32 lo, hi;

	__asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)))	/* OSXSAVE: the host OS enabled XSAVE */
		return false;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 3) == 3;
}

static void test_xcr0_moves_with_context(void **state)
{
	u64 miee_xcr0, got;

	(void)state;
	if (!host_has_xsave_sse())
		skip();
	fpu_test_use_xsave(true);

	/* CPU 0: the OS runs with XCR0 3 and creates an MIEE, which takes
	 * the creating OS's XCR0 for its life. */
	fpu_test_xcr0 = XCR0_X87 | XCR0_SSE;
	fpu_init_area(area);
	miee_xcr0 = fpu_xcr0();
	assert_int_equal(miee_xcr0, XCR0_X87 | XCR0_SSE);
	/* It ran on CPU 0 and was saved there with its SSE state. */
	fpu_restore(area, miee_xcr0);
	got = fpu_save(area);
	assert_int_equal(got, miee_xcr0);
	header()[0] |= XCR0_SSE;	/* as if it had used an XMM register */

	/* CPU 1: its OS left XCR0 at 1. Entering the MIEE there saves the
	 * OS under 1 and restores the MIEE under 3. */
	fpu_test_xcr0 = XCR0_X87;
	got = fpu_save(os1_area);
	assert_int_equal(got, XCR0_X87);
	fpu_restore(area, miee_xcr0);
	assert_int_equal(fpu_test_xcr0, XCR0_X87 | XCR0_SSE);
	/* Leaving it: the OS of CPU 1 gets its own XCR0 back. */
	assert_int_equal(fpu_save(area), XCR0_X87 | XCR0_SSE);
	fpu_restore(os1_area, got);
	assert_int_equal(fpu_test_xcr0, XCR0_X87);
	fpu_test_use_xsave(false);
}

/* A context without an XCR0 (never saved, not created) is a bug: the
 * restore stops instead of running XSETBV 0. So is an area that names a
 * component its own XCR0 lacks. */
static void test_restore_refuses(void **state)
{
	(void)state;
	if (!host_has_xsave_sse())
		skip();
	fpu_test_use_xsave(true);
	fpu_test_xcr0 = XCR0_X87 | XCR0_SSE;
	fpu_init_area(area);
	panic_expected = true;
	if (!setjmp(panic_jmp)) {
		fpu_restore(area, 0);
		fail_msg("restore with XCR0 0 did not stop");
	}
	header()[0] = XCR0_SSE;
	if (!setjmp(panic_jmp)) {
		fpu_restore(area, XCR0_X87);
		fail_msg("restore of SSE state under XCR0 1 did not stop");
	}
	panic_expected = false;
	/* Neither touched the CPU's XCR0. */
	assert_int_equal(fpu_test_xcr0, XCR0_X87 | XCR0_SSE);
	fpu_test_use_xsave(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_area),
		cmocka_unit_test(test_component_outside_xcr0),
		cmocka_unit_test(test_header_reserved),
		cmocka_unit_test(test_xcr0_moves_with_context),
		cmocka_unit_test(test_restore_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
