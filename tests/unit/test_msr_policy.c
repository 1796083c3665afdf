/* Host unit tests for the OS's MSR policy: the two backend tables
 * (arch/{vmx,svm}/msr_policy.c from include/hv/msr-policy.h), their
 * validation, the lookup the core's MSR exits use, the MSR bitmaps built
 * from them, and the IA32_APIC_BASE write check (core/msr_policy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "msr_policy.h"
#include "arch/vmx/vmcs.h"
#include "arch/svm/vmcb.h"

static const struct msr_policy *const both[] = { &vmx_msr_policy, &svm_msr_policy };

static void test_tables_validate(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		u32 bad = 1;

		assert_int_equal(msr_policy_validate(both[i], &bad), 0);
		assert_int_equal(bad, 0);
		assert_true(both[i]->n > 20);
	}
}

/* The MSRs issue 13 names: never PASS for writes, and for the ones that
 * observe execution (PMU, PT, LBR, IBS) never PASS for reads either.
 * Absent rows are fine: the default is #GP. */
static void test_dangerous_msrs_intercepted(void **state)
{
	static const u32 no_write[] = {
		0x1b, 0x200, 0x20f, 0x250, 0x258, 0x268, 0x2ff,	/* APIC_BASE, MTRRs */
		0x1d9, 0x9e, 0x1f2, 0x1f3, 0x830,		/* DEBUGCTL, SMM, ICR */
		0xc0010010, 0xc0010015, 0xc0010016, 0xc0010019,	/* SYSCFG, HWCR, IORRs */
		0xc001001a, 0xc001001d, 0xc0010111, 0xc0010112, 0xc0010113,
		0xc0010114, 0xc0010117, 0x10, 0x1a0, 0x79, 0xc0010020,
	};
	static const u32 no_read[] = {
		0x560, 0x561, 0x570, 0x571, 0x572, 0x580,	/* Intel PT */
		0xc0011030, 0xc0011031, 0xc0011033, 0xc001103a,	/* IBS */
		0x1db, 0x1dc, 0x1dd, 0x1de, 0x680, 0x6c0, 0x1c8,	/* LBR */
		0xc1, 0x186, 0x309, 0x38d, 0x38f, 0x390, 0x3f1, 0x600, 0x4c1,
		0xc0010000, 0xc0010004, 0xc0010200, 0xc001020b, 0xc0000300,
		0x606, 0x611, 0x639, 0xc0010299,		/* RAPL */
		0x480, 0x491, 0x3a,				/* VMX */
	};

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		for (unsigned k = 0; k < ARRAY_SIZE(no_write); k++)
			assert_int_not_equal(msr_action(both[i], no_write[k], true), HV_MSR_PASS);
		for (unsigned k = 0; k < ARRAY_SIZE(no_read); k++) {
			assert_int_not_equal(msr_action(both[i], no_read[k], false), HV_MSR_PASS);
			assert_int_not_equal(msr_action(both[i], no_read[k], true), HV_MSR_PASS);
		}
	}
}

static void test_lookup(void **state)
{
	const struct msr_rule *r;

	(void)state;
	/* Default deny, inside and outside the bitmap ranges. */
	assert_null(msr_rule_find(&vmx_msr_policy, 0x2000));
	assert_int_equal(msr_action(&vmx_msr_policy, 0x2000, false), HV_MSR_GP);
	assert_int_equal(msr_action(&svm_msr_policy, 0xffffffff, true), HV_MSR_GP);
	assert_int_equal(msr_action(&svm_msr_policy, 0x1234, false), HV_MSR_GP);
	/* Row edges. */
	r = msr_rule_find(&vmx_msr_policy, 0x480);
	assert_non_null(r);
	assert_int_equal(r->first, 0x480);
	assert_ptr_equal(msr_rule_find(&vmx_msr_policy, 0x492), r);
	assert_null(msr_rule_find(&vmx_msr_policy, 0x493));
	assert_null(msr_rule_find(&vmx_msr_policy, 0x4c0));
	/* Vendor differences. */
	assert_int_equal(msr_action(&vmx_msr_policy, 0x3a, false),
			 HV_MSR_CONST);
	assert_int_equal(msr_rule_find(&vmx_msr_policy, 0x3a)->value, 1);
	assert_int_equal(msr_action(&svm_msr_policy, 0x3a, false), HV_MSR_GP);
	assert_int_equal(msr_action(&svm_msr_policy, 0xc0000080, true), HV_MSR_BACKEND);
	assert_int_equal(msr_action(&vmx_msr_policy, 0xc0000080, true), HV_MSR_PASS);
	assert_int_equal(msr_action(&vmx_msr_policy, 0xc0010015, false), HV_MSR_GP);
	assert_int_equal(msr_action(&vmx_msr_policy, HV_MSR_MISC_ENABLE, true), HV_MSR_CHECK);
	assert_int_equal(msr_action(&svm_msr_policy, 0xc0010015, false), HV_MSR_PASS);
	assert_int_equal(msr_action(&svm_msr_policy, 0xc0010015, true), HV_MSR_GP);
	/* Every MSR of every row finds that row. */
	for (unsigned i = 0; i < 2; i++)
		for (unsigned k = 0; k < both[i]->n; k++) {
			const struct msr_rule *row = &both[i]->rules[k];

			for (u64 m = row->first; m <= row->last; m++)
				assert_ptr_equal(msr_rule_find(both[i], (u32)m), row);
		}
}

static const struct msr_map_range ranges1[] = {
	{ 0, 0x1fff, 0, 0 }, { 0xc0000000, 0xc0001fff, 0, 0 },
};

static int validate(const struct msr_rule *rules, unsigned n, u32 *bad)
{
	struct msr_policy p = { "t", rules, n, ranges1, 2, 1, 0 };

	return msr_policy_validate(&p, bad);
}

static void test_validate_rejects(void **state)
{
	const struct msr_rule sorted[] = {
		{ 0x10, 0x10, HV_MSR_PASS, HV_MSR_GP, 0, "a", "r" },
		{ 0x20, 0x2f, HV_MSR_GP, HV_MSR_GP, 0, "b", "r" },
	};
	const struct msr_rule unsorted[] = {
		{ 0x20, 0x2f, HV_MSR_GP, HV_MSR_GP, 0, "b", "r" },
		{ 0x10, 0x10, HV_MSR_PASS, HV_MSR_GP, 0, "a", "r" },
	};
	const struct msr_rule overlap[] = {
		{ 0x10, 0x20, HV_MSR_GP, HV_MSR_GP, 0, "a", "r" },
		{ 0x20, 0x2f, HV_MSR_GP, HV_MSR_GP, 0, "b", "r" },
	};
	const struct msr_rule no_reason[] = { { 0x10, 0x10, HV_MSR_GP, HV_MSR_GP, 0, "a", "" } };
	const struct msr_rule no_name[] = { { 0x10, 0x10, HV_MSR_GP, HV_MSR_GP, 0, NULL, "r" } };
	const struct msr_rule backwards[] = { { 0x11, 0x10, HV_MSR_GP, HV_MSR_GP, 0, "a", "r" } };
	const struct msr_rule read_drop[] = { { 0x10, 0x10, HV_MSR_DROP, HV_MSR_GP, 0, "a", "r" } };
	const struct msr_rule read_check[] = { { 0x10, 0x10, HV_MSR_CHECK, HV_MSR_GP, 0, "a", "r" } };
	const struct msr_rule bad_write[] = { { 0x10, 0x10, HV_MSR_GP, 9, 0, "a", "r" } };
	/* PASS where the bitmap cannot say it: the exit would reach the core. */
	const struct msr_rule pass_out[] = { { 0x2000, 0x2000, HV_MSR_PASS, HV_MSR_GP, 0, "a", "r" } };
	const struct msr_rule pass_straddle[] = {
		{ 0x1ff0, 0xc0000010, HV_MSR_GP, HV_MSR_PASS, 0, "a", "r" },
	};
	const struct msr_rule gp_out[] = { { 0x2000, 0xbfffffff, HV_MSR_GP, HV_MSR_GP, 0, "a", "r" } };
	u32 bad;

	(void)state;
	assert_int_equal(validate(sorted, 2, &bad), 0);
	assert_int_equal(validate(gp_out, 1, &bad), 0);	/* refusals may be anywhere */
	assert_int_equal(validate(unsorted, 2, &bad), -EINVAL);
	assert_int_equal(bad, 0x10);
	assert_int_equal(validate(overlap, 2, &bad), -EINVAL);
	assert_int_equal(bad, 0x20);
	assert_int_equal(validate(no_reason, 1, &bad), -EINVAL);
	assert_int_equal(validate(no_name, 1, &bad), -EINVAL);
	assert_int_equal(validate(backwards, 1, &bad), -EINVAL);
	assert_int_equal(validate(read_drop, 1, &bad), -EINVAL);
	assert_int_equal(validate(read_check, 1, &bad), -EINVAL);
	assert_int_equal(validate(bad_write, 1, &bad), -EINVAL);
	assert_int_equal(validate(pass_out, 1, &bad), -EINVAL);
	assert_int_equal(bad, 0x2000);
	assert_int_equal(validate(pass_straddle, 1, &bad), -EINVAL);
}

static bool vmx_bit(const u8 *bm, u32 msr, bool write)
{
	u32 off = (write ? 2048 : 0) + (msr >= 0xc0000000 ? 1024 : 0) + (msr & 0x1fff) / 8;

	return bm[off] & (1u << (msr & 7));
}

static void test_vmx_bitmap(void **state)
{
	static u8 bm[VMX_MSR_BITMAP_SIZE];

	(void)state;
	memset(bm, 0, sizeof(bm));
	vmx_msr_bitmap_fill(bm);
	/* Only PASS directions are clear; every bit agrees with the table. */
	for (u32 m = 0; m < 0x2000; m++) {
		assert_int_equal(vmx_bit(bm, m, false), msr_action(&vmx_msr_policy, m, false) != HV_MSR_PASS);
		assert_int_equal(vmx_bit(bm, m, true), msr_action(&vmx_msr_policy, m, true) != HV_MSR_PASS);
	}
	for (u32 m = 0xc0000000; m < 0xc0002000; m++) {
		assert_int_equal(vmx_bit(bm, m, false), msr_action(&vmx_msr_policy, m, false) != HV_MSR_PASS);
		assert_int_equal(vmx_bit(bm, m, true), msr_action(&vmx_msr_policy, m, true) != HV_MSR_PASS);
	}
	assert_false(vmx_bit(bm, 0x1b, false));
	assert_true(vmx_bit(bm, 0x1b, true));
	assert_false(vmx_bit(bm, 0xc0000082, true));	/* LSTAR */
	assert_true(vmx_bit(bm, 0x570, false));		/* RTIT_CTL */
}

static bool svm_bit(const u8 *pm, u32 msr, bool write)
{
	static const u32 base[3] = { 0, 0xc0000000, 0xc0010000 };

	for (unsigned k = 0; k < 3; k++)
		if (msr - base[k] < 0x2000) {
			u32 bit = (msr - base[k]) * 2 + write;

			return pm[k * 0x800 + bit / 8] & (1u << (bit % 8));
		}
	fail_msg("MSR %x outside the MSRPM", msr);
	return true;
}

static void test_svm_msrpm(void **state)
{
	static const u32 base[3] = { 0, 0xc0000000, 0xc0010000 };
	static u8 pm[MSRPM_SIZE];

	(void)state;
	memset(pm, 0, sizeof(pm));
	svm_msrpm_fill(pm);
	for (unsigned k = 0; k < 3; k++)
		for (u32 m = base[k]; m < base[k] + 0x2000; m++) {
			assert_int_equal(svm_bit(pm, m, false),
					 msr_action(&svm_msr_policy, m, false) != HV_MSR_PASS);
			assert_int_equal(svm_bit(pm, m, true),
					 msr_action(&svm_msr_policy, m, true) != HV_MSR_PASS);
		}
	/* The reserved quarter stays all ones. */
	for (u32 i = 0x1800; i < MSRPM_SIZE; i++)
		assert_int_equal(pm[i], 0xff);
	assert_true(svm_bit(pm, 0xc0000080, false));	/* EFER: svm_efer() */
	assert_true(svm_bit(pm, 0xc0000080, true));
	assert_false(svm_bit(pm, 0xc0010015, false));	/* HWCR: read native */
	assert_true(svm_bit(pm, 0xc0010015, true));
	assert_true(svm_bit(pm, 0xc0011030, false));	/* IBS */
}

#define BASE 0xfee00000ull
#define XAPIC (BASE | HV_APIC_BASE_EN | HV_APIC_BASE_BSP)
#define X2APIC (XAPIC | HV_APIC_BASE_EXTD)

static void test_apic_base_check(void **state)
{
	(void)state;
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC, 39, true), 0);
	assert_int_equal(msr_apic_base_check(XAPIC, X2APIC, 39, true), 0);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC & ~HV_APIC_BASE_EN, 39, true), 0);
	assert_int_equal(msr_apic_base_check(X2APIC, X2APIC & ~(HV_APIC_BASE_EN | HV_APIC_BASE_EXTD), 39, true), 0);
	assert_int_equal(msr_apic_base_check(XAPIC & ~HV_APIC_BASE_EN, XAPIC, 39, true), 0);
	/* Relocation, anywhere: below, above, by one page. */
	assert_int_equal(msr_apic_base_check(XAPIC, (XAPIC & 0xfff) | 0x1c000000, 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC + 0x1000, 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC | BIT(35), 39, true), -EPERM);
	/* Beyond MAXPHYADDR, reserved bits, BSP flag. */
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC | BIT(40), 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC | BIT(9), 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC | 1, 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, XAPIC & ~HV_APIC_BASE_BSP, 39, true), -EPERM);
	/* x2APIC absent; invalid mode transitions (SDM Vol. 3A 11.12.5). */
	assert_int_equal(msr_apic_base_check(XAPIC, X2APIC, 39, false), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC, X2APIC & ~HV_APIC_BASE_EN, 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(X2APIC, XAPIC, 39, true), -EPERM);
	assert_int_equal(msr_apic_base_check(XAPIC & ~HV_APIC_BASE_EN, X2APIC, 39, true), -EPERM);
}

static void test_misc_enable_check(void **state)
{
	const u64 cur = 0x850089;	/* fast strings, TCC, PMU/BTS/PEBS bits, EIST */

	(void)state;
	assert_int_equal(msr_misc_enable_check(cur, cur), 0);
	assert_int_equal(msr_misc_enable_check(cur, cur & ~8ull), 0);	/* TCC off */
	assert_int_equal(msr_misc_enable_check(cur, cur | BIT(18)), 0);	/* MONITOR */
	assert_int_equal(msr_misc_enable_check(cur, cur | HV_MISC_ENABLE_XD_DISABLE), -EPERM);
	assert_int_equal(msr_misc_enable_check(cur | HV_MISC_ENABLE_XD_DISABLE, cur), -EPERM);
	assert_int_equal(msr_misc_enable_check(cur, cur | BIT(22)), -EPERM);	/* limit CPUID */
	assert_int_equal(msr_misc_enable_check(cur, cur & ~BIT(7)), -EPERM);	/* read-only */
	assert_int_equal(msr_misc_enable_check(cur, cur | BIT(63)), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_validate),
		cmocka_unit_test(test_dangerous_msrs_intercepted),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_vmx_bitmap),
		cmocka_unit_test(test_svm_msrpm),
		cmocka_unit_test(test_apic_base_check),
		cmocka_unit_test(test_misc_enable_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
