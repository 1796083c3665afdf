/* The SVM backend's MSR policy (rows in include/hv/msr-policy.h) and the
 * MSR permission map built from it (APM Vol. 2 15.11). Pure: host-testable. */
#include "msr_policy.h"
#include "arch/svm/vmcb.h"

#define RULE(n, f, l, r, w, v, why) { f, l, r, w, v, n, why },
static const struct msr_rule svm_rules[] = { HV_MSR_SVM(RULE) };
#undef RULE

/* APM Vol. 2 15.11, Table 15-8: three vectors of 2 KiB at 0x000, 0x800
 * and 0x1000; MSRs outside these ranges always exit. */
static const u32 svm_ranges[][2] = {
	{ 0, 0x1fff }, { 0xc0000000, 0xc0001fff }, { 0xc0010000, 0xc0011fff },
};

const struct msr_policy svm_msr_policy = {
	.vendor = "svm",
	.rules = svm_rules,
	.n = ARRAY_SIZE(svm_rules),
	.bitmap_ranges = svm_ranges,
	.n_ranges = ARRAY_SIZE(svm_ranges),
};

/* Bit 2n of a vector intercepts the read of MSR n of its range, bit 2n+1
 * the write. Everything exits except the PASS directions. */
void svm_msrpm_fill(u8 *pm)
{
	for (unsigned i = 0; i < MSRPM_SIZE; i++)
		pm[i] = 0xff;
	for (unsigned i = 0; i < svm_msr_policy.n; i++) {
		const struct msr_rule *r = &svm_msr_policy.rules[i];

		for (u64 msr = r->first; msr <= r->last; msr++) {
			for (unsigned k = 0; k < svm_msr_policy.n_ranges; k++) {
				u32 lo = svm_ranges[k][0], bit;

				if (msr < lo || msr > svm_ranges[k][1])
					continue;
				bit = (u32)(msr - lo) * 2;
				if (r->read == HV_MSR_PASS)
					pm[k * 0x800 + bit / 8] &= ~(1u << (bit % 8));
				if (r->write == HV_MSR_PASS)
					pm[k * 0x800 + (bit + 1) / 8] &= ~(1u << ((bit + 1) % 8));
			}
		}
	}
}
