/* Host unit tests for hypervisor/iommu/ivrs.c: IVRS parsing over fake
 * tables (one unit described by an IVHD 10h and an 11h, as firmware that
 * supports both does), malformed blocks refused with nothing returned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "iommu/ivrs.h"

static u8 t[512];
static u32 len;

static void start(void)
{
	memset(t, 0, sizeof(t));
	memcpy(t, "IVRS", 4);
	len = 48;
}

static u8 *block(u8 type, u16 blen)
{
	u8 *b = t + len;

	b[0] = type;
	memcpy(b + 2, &blen, 2);
	len += blen;
	return b;
}

static void ivhd(u8 type, u16 blen, u16 bdf, u64 base)
{
	u8 *b = block(type, blen);

	memcpy(b + 4, &bdf, 2);
	memcpy(b + 8, &base, 8);
}

static void test_qemu_shape(void **state)
{
	struct ivrs_info iv;

	(void)state;
	start();
	ivhd(0x10, 24 + 4, 0x0018, 0xfed80000);	/* 00:03.0, one device entry */
	ivhd(0x11, 40 + 4, 0x0018, 0xfed80000);	/* the same unit again */
	block(0x20, 32);			/* an IVMD */
	assert_int_equal(ivrs_parse(t, len, &iv), 0);
	assert_int_equal(iv.n_units, 1);
	assert_int_equal(iv.unit[0].base, 0xfed80000);
	assert_int_equal(iv.unit[0].bdf, 0x18);
	assert_int_equal(iv.n_ivmd, 1);
	/* A second unit. */
	ivhd(0x40, 40, 0x0020, 0xfed84000);
	assert_int_equal(ivrs_parse(t, len, &iv), 0);
	assert_int_equal(iv.n_units, 2);
	assert_int_equal(iv.unit[1].bdf, 0x20);
}

static void test_bad(void **state)
{
	struct ivrs_info iv;

	(void)state;
	start();
	assert_int_equal(ivrs_parse(t, len, &iv), -EBADMSG);	/* no IVHD */
	assert_int_equal(ivrs_parse(t, 40, &iv), -EBADMSG);
	ivhd(0x10, 24, 0x18, 0xfed80000);
	assert_int_equal(ivrs_parse(t, len - 1, &iv), -EBADMSG);	/* block past the end */
	start();
	ivhd(0x11, 24, 0x18, 0xfed80000);	/* 11h needs 40 bytes */
	assert_int_equal(ivrs_parse(t, len, &iv), -EBADMSG);
	start();
	ivhd(0x10, 24, 0x18, 0xfed81000);	/* not 16 KiB aligned */
	assert_int_equal(ivrs_parse(t, len, &iv), -EBADMSG);
	assert_int_equal(iv.n_units, 0);
	start();
	ivhd(0x10, 24, 0x18, 0);
	assert_int_equal(ivrs_parse(t, len, &iv), -EBADMSG);
	start();
	block(0x20, 2);				/* a length below the block header */
	assert_int_equal(ivrs_parse(t, len + 2, &iv), -EBADMSG);
	start();
	for (u16 i = 0; i < 5; i++)
		ivhd(0x10, 24, i, 0xfed80000 + 0x4000ull * i);
	assert_int_equal(ivrs_parse(t, len, &iv), -E2BIG);
	assert_int_equal(iv.n_units, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_shape),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
