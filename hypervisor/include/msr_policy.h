/* The OS's MSR policy as the hypervisor uses it: the rows of
 * include/hv/msr-policy.h as one sorted table per backend, the lookup the
 * core's MSR exits use, and the checks behind the CHECK rows. Pure logic:
 * also built for the host unit tests. */
#ifndef HV_MSR_POLICY_H
#define HV_MSR_POLICY_H

#include "types.h"
#include "hv/msr-policy.h"

struct msr_rule {
	u32 first, last;	/* inclusive */
	u8 read, write;		/* HV_MSR_* */
	u64 value;		/* CONST rows */
	const char *name, *reason;
};

/* One range of MSRs the CPU's bitmap covers, and where in the map the
 * intercept bits of its first MSR lie; the next MSR's are bits_per_msr
 * further on (struct msr_policy). A set bit makes the access exit. */
struct msr_map_range {
	u32 first, last;	/* inclusive */
	u32 read_bit, write_bit;	/* bit offsets from the map's start */
};

/* A backend's table plus the layout of its bitmap: inside the ranges a
 * PASS is the CPU's, outside every access exits whatever the table says.
 * The vendor supplies the table and the layout; msr_map_fill() is the one
 * builder (VMX: SDM Vol. 3C 25.6.9, SVM: APM Vol. 2 15.11). */
struct msr_policy {
	const char *vendor;
	const struct msr_rule *rules;
	unsigned n;
	const struct msr_map_range *ranges;
	unsigned n_ranges;
	unsigned bits_per_msr;	/* stride between consecutive MSRs' bits */
	unsigned map_size;	/* bytes */
};

extern const struct msr_policy vmx_msr_policy, svm_msr_policy;

/* The row holding msr, or NULL (default: refused). */
const struct msr_rule *msr_rule_find(const struct msr_policy *p, u32 msr);
/* The action for one direction; HV_MSR_GP for MSRs without a row. */
unsigned msr_action(const struct msr_policy *p, u32 msr, bool write);
/* 0 if the table is sorted, disjoint, has a name and reason per row, uses
 * only valid actions for each direction and has no PASS outside the
 * bitmap ranges; else -EINVAL, with *bad = the first offending MSR. */
int msr_policy_validate(const struct msr_policy *p, u32 *bad);
bool msr_in_bitmap(const struct msr_policy *p, u32 msr);
/* The backend's bitmap (p->map_size bytes): every bit set except those of
 * the PASS directions of p's rows. */
void msr_map_fill(const struct msr_policy *p, u8 *map);

/* IA32_APIC_BASE write check (SDM Vol. 3A 11.4.4, 11.12.5): the base may
 * not move, BSP is read-only, reserved bits stay 0, EXTD needs an x2APIC
 * and the mode change must be one the CPU allows. 0 or -EPERM. */
int msr_apic_base_check(u64 cur, u64 val, unsigned maxphyaddr, bool x2apic);
/* IA32_MISC_ENABLE write check: 0 or -EPERM. */
int msr_misc_enable_check(u64 cur, u64 val);
/* x2APIC ICR bits that must be 0 (SDM Vol. 3A 11.12.9). */
#define X2APIC_ICR_RESERVED (BIT(12) | BIT(13) | BIT(16) | BIT(17) | 0xfff00000ull)

#endif
