/* The VMX backend's MSR policy (rows in include/hv/msr-policy.h) and the
 * layout of its MSR bitmap (SDM Vol. 3C 25.6.9); core/msr_policy.c builds
 * the bitmap. Pure: host-testable. */
#include "msr_policy.h"
#include "arch/vmx/vmcs.h"

#define RULE(n, f, l, r, w, v, why) { f, l, r, w, v, n, why },
static const struct msr_rule vmx_rules[] = { HV_MSR_VMX(RULE) };
#undef RULE

/* SDM Vol. 3C 25.6.9: the bitmap covers 0-0x1fff and
 * 0xc0000000-0xc0001fff (every other MSR always exits), one bit per MSR:
 * read bitmap low at byte 0, high at 1024; write bitmaps at 2048, 3072. */
static const struct msr_map_range vmx_ranges[] = {
	{ 0, 0x1fff, 0, 2048 * 8 },
	{ 0xc0000000, 0xc0001fff, 1024 * 8, 3072 * 8 },
};

const struct msr_policy vmx_msr_policy = {
	.vendor = "vmx",
	.rules = vmx_rules,
	.n = ARRAY_SIZE(vmx_rules),
	.ranges = vmx_ranges,
	.n_ranges = ARRAY_SIZE(vmx_ranges),
	.bits_per_msr = 1,
	.map_size = VMX_MSR_BITMAP_SIZE,
};

void vmx_msr_bitmap_fill(u8 *bm)
{
	msr_map_fill(&vmx_msr_policy, bm);
}
