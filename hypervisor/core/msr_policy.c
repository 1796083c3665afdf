/* Lookup and checks of the OS's MSR policy (include/hv/msr-policy.h).
 * Pure logic, no hardware access: runs in the hypervisor and in the host
 * unit tests. */
#include "errno.h"
#include "msr_policy.h"

const struct msr_rule *msr_rule_find(const struct msr_policy *p, u32 msr)
{
	unsigned lo = 0, hi = p->n;

	/* Rows are sorted and disjoint (msr_policy_validate). */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct msr_rule *r = &p->rules[mid];

		if (msr < r->first)
			hi = mid;
		else if (msr > r->last)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

unsigned msr_action(const struct msr_policy *p, u32 msr, bool write)
{
	const struct msr_rule *r = msr_rule_find(p, msr);

	if (!r)
		return HV_MSR_GP;
	return write ? r->write : r->read;
}

bool msr_in_bitmap(const struct msr_policy *p, u32 msr)
{
	for (unsigned i = 0; i < p->n_ranges; i++)
		if (msr >= p->ranges[i].first && msr <= p->ranges[i].last)
			return true;
	return false;
}

static void map_pass(u8 *map, u32 bit)
{
	map[bit / 8] &= ~(1u << (bit % 8));
}

void msr_map_fill(const struct msr_policy *p, u8 *map)
{
	for (unsigned i = 0; i < p->map_size; i++)
		map[i] = 0xff;
	for (unsigned i = 0; i < p->n; i++) {
		const struct msr_rule *r = &p->rules[i];

		for (unsigned k = 0; k < p->n_ranges; k++) {
			const struct msr_map_range *g = &p->ranges[k];
			u32 lo = r->first > g->first ? r->first : g->first;
			u32 hi = r->last < g->last ? r->last : g->last;

			if (lo > hi)
				continue;	/* the row lies outside this range */
			for (u64 msr = lo; msr <= hi; msr++) {
				u32 at = (u32)(msr - g->first) * p->bits_per_msr;

				if (r->read == HV_MSR_PASS)
					map_pass(map, g->read_bit + at);
				if (r->write == HV_MSR_PASS)
					map_pass(map, g->write_bit + at);
			}
		}
	}
}

static bool read_ok(unsigned a)
{
	return a == HV_MSR_PASS || a == HV_MSR_GP || a == HV_MSR_CONST || a == HV_MSR_BACKEND;
}

static bool write_ok(unsigned a)
{
	return a <= HV_MSR_BACKEND;
}

int msr_policy_validate(const struct msr_policy *p, u32 *bad)
{
	for (unsigned i = 0; i < p->n; i++) {
		const struct msr_rule *r = &p->rules[i];
		bool pass = r->read == HV_MSR_PASS || r->write == HV_MSR_PASS;

		*bad = r->first;
		if (r->last < r->first || (i && r->first <= p->rules[i - 1].last) ||
		    !r->name || !r->name[0] || !r->reason || !r->reason[0] ||
		    !read_ok(r->read) || !write_ok(r->write))
			return -EINVAL;
		/* A PASS must be the CPU's: every MSR of the row in the bitmap. */
		if (pass && (!msr_in_bitmap(p, r->first) || !msr_in_bitmap(p, r->last)))
			return -EINVAL;
		for (unsigned k = 0; pass && k < p->n_ranges; k++)
			if (r->first < p->ranges[k].first && r->last >= p->ranges[k].first)
				return -EINVAL;
	}
	*bad = 0;
	return 0;
}

/* SDM Vol. 3A 11.4.4 (layout), 11.12.5 (mode transitions): xAPIC
 * (EN=1, EXTD=0), x2APIC (EN=1, EXTD=1), disabled (EN=0, EXTD=0); EN=0
 * with EXTD=1 is invalid, as are x2APIC -> xAPIC and disabled -> x2APIC. */
int msr_apic_base_check(u64 cur, u64 val, unsigned maxphyaddr, bool x2apic)
{
	u64 base_mask = (maxphyaddr >= 64 ? ~0ull : BIT(maxphyaddr) - 1) & ~0xfffull;
	u64 allowed = base_mask | HV_APIC_BASE_BSP | HV_APIC_BASE_EN |
		      (x2apic ? HV_APIC_BASE_EXTD : 0);
	bool was_x2 = (cur & (HV_APIC_BASE_EN | HV_APIC_BASE_EXTD)) ==
		      (HV_APIC_BASE_EN | HV_APIC_BASE_EXTD);
	bool was_off = !(cur & HV_APIC_BASE_EN);
	bool en = val & HV_APIC_BASE_EN, extd = val & HV_APIC_BASE_EXTD;

	if (val & ~allowed)
		return -EPERM;			/* reserved bit, or EXTD without x2APIC */
	if ((val ^ cur) & base_mask)
		return -EPERM;			/* relocation */
	if ((val ^ cur) & HV_APIC_BASE_BSP)
		return -EPERM;			/* read-only */
	if (extd && !en)
		return -EPERM;
	if (was_x2 && en && !extd)
		return -EPERM;
	if (was_off && extd)
		return -EPERM;
	return 0;
}

/* Only HV_MISC_ENABLE_WRITABLE bits may differ from the current value. */
int msr_misc_enable_check(u64 cur, u64 val)
{
	return (val ^ cur) & ~HV_MISC_ENABLE_WRITABLE ? -EPERM : 0;
}
