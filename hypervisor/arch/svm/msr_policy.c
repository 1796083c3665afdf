/* The SVM backend's MSR policy (rows in include/hv/msr-policy.h) and the
 * layout of its MSR permission map (APM Vol. 2 15.11); core/msr_policy.c
 * builds the map. Pure: host-testable. */
#include "msr_policy.h"
#include "arch/svm/vmcb.h"

#define RULE(n, f, l, r, w, v, why) { f, l, r, w, v, n, why },
static const struct msr_rule svm_rules[] = { HV_MSR_SVM(RULE) };
#undef RULE

/* APM Vol. 2 15.11, Table 15-8: three vectors of 2 KiB at 0x000, 0x800
 * and 0x1000 (MSRs outside these ranges always exit); bit 2n of a vector
 * intercepts the read of MSR n of its range, bit 2n+1 the write. */
static const struct msr_map_range svm_ranges[] = {
	{ 0, 0x1fff, 0, 1 },
	{ 0xc0000000, 0xc0001fff, 0x800 * 8, 0x800 * 8 + 1 },
	{ 0xc0010000, 0xc0011fff, 0x1000 * 8, 0x1000 * 8 + 1 },
};

const struct msr_policy svm_msr_policy = {
	.vendor = "svm",
	.rules = svm_rules,
	.n = ARRAY_SIZE(svm_rules),
	.ranges = svm_ranges,
	.n_ranges = ARRAY_SIZE(svm_ranges),
	.bits_per_msr = 2,
	.map_size = MSRPM_SIZE,
};

void svm_msrpm_fill(u8 *pm)
{
	msr_map_fill(&svm_msr_policy, pm);
}
