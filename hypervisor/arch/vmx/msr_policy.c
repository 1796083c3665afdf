/* The VMX backend's MSR policy (rows in include/hv/msr-policy.h) and the
 * MSR bitmap built from it (SDM Vol. 3C 25.6.9). Pure: host-testable. */
#include "msr_policy.h"
#include "arch/vmx/vmcs.h"

#define RULE(n, f, l, r, w, v, why) { f, l, r, w, v, n, why },
static const struct msr_rule vmx_rules[] = { HV_MSR_VMX(RULE) };
#undef RULE

/* SDM Vol. 3C 25.6.9: the bitmap covers 0-0x1fff and
 * 0xc0000000-0xc0001fff; every other MSR always exits. */
static const u32 vmx_ranges[][2] = { { 0, 0x1fff }, { 0xc0000000, 0xc0001fff } };

const struct msr_policy vmx_msr_policy = {
	.vendor = "vmx",
	.rules = vmx_rules,
	.n = ARRAY_SIZE(vmx_rules),
	.bitmap_ranges = vmx_ranges,
	.n_ranges = ARRAY_SIZE(vmx_ranges),
};

/* Read bitmap low at 0, high at 1024; write bitmaps at 2048 and 3072.
 * Everything exits except the PASS directions. */
void vmx_msr_bitmap_fill(u8 *bm)
{
	for (unsigned i = 0; i < VMX_MSR_BITMAP_SIZE; i++)
		bm[i] = 0xff;
	for (unsigned i = 0; i < vmx_msr_policy.n; i++) {
		const struct msr_rule *r = &vmx_msr_policy.rules[i];

		for (u64 msr = r->first; msr <= r->last; msr++) {
			u32 off = (msr >= 0xc0000000 ? 1024 : 0) + (msr & 0x1fff) / 8;
			u8 bit = 1u << (msr & 7);

			if (!msr_in_bitmap(&vmx_msr_policy, (u32)msr))
				continue;
			if (r->read == HV_MSR_PASS)
				bm[off] &= ~bit;
			if (r->write == HV_MSR_PASS)
				bm[2048 + off] &= ~bit;
		}
	}
}
