/* Host unit tests for hypervisor/core/frames.c: ownership rules, scrubbing
 * on reclaim, and a long random run against a reference model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "core/frames.h"
#include "platform.h"
#include "support/fake_platform.h"

#define NF 256				/* frames in the test table: 1 MiB */
#define FR(pfn) ((u64)(pfn) * PAGE_SIZE)

static struct frame_table ft;
static struct frame_owner store[NF];

/* Fake RAM at physical 0 so reclaim can scrub any frame of the table. */
static int setup(void **state)
{
	(void)state;
	if (fake_mem_init(0, FR(NF)))
		return -1;
	return frames_init(&ft, store, NF);
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_fini();
	return 0;
}

static void fill(u64 pfn, u8 v)
{
	memset(fake_mem(FR(pfn)), v, PAGE_SIZE);
}

static bool filled_with(u64 pfn, u8 v)
{
	const u8 *p = fake_mem(FR(pfn));
	u64 i;

	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void check_sum(void)
{
	u64 sum = 0;
	int k;

	for (k = 0; k < FRAME_KINDS; k++)
		sum += frames_count(&ft, k);
	assert_int_equal(sum, NF);
}

/* OS RAM everywhere, HV at 32..47, MMIO at 200..207, 250.. absent. */
static void std_layout(bool seal)
{
	assert_int_equal(frames_set_range(&ft, 0, FR(250), FRAME_OS), 0);
	assert_int_equal(frames_set_range(&ft, FR(32), FR(16), FRAME_HV), 0);
	assert_int_equal(frames_set_range(&ft, FR(200), FR(8), FRAME_MMIO), 0);
	if (seal)
		frames_seal(&ft);
}

static void test_init(void **state)
{
	struct frame_table t;
	u64 p;

	(void)state;
	assert_int_equal(frames_init(NULL, store, NF), -EINVAL);
	assert_int_equal(frames_init(&t, NULL, NF), -EINVAL);
	assert_int_equal(frames_init(&t, store, 0), -EINVAL);
	assert_int_equal(sizeof(struct frame_owner), 4);
	assert_int_equal(frames_count(&ft, FRAME_ABSENT), NF);
	for (p = 0; p < NF; p++) {
		assert_int_equal(frames_kind(&ft, p), FRAME_ABSENT);
		assert_int_equal(frames_miee(&ft, p), 0);
	}
	assert_int_equal(frames_kind(&ft, NF), FRAME_ABSENT);
	assert_int_equal(frames_count(&ft, FRAME_KINDS), 0);
	assert_false(ft.sealed);
	check_sum();
}

static void test_set_range(void **state)
{
	(void)state;
	/* OS shrinks to whole frames: 2..4 only. */
	assert_int_equal(frames_set_range(&ft, 0x1800, 0x4000, FRAME_OS), 0);
	assert_int_equal(frames_kind(&ft, 1), FRAME_ABSENT);
	assert_int_equal(frames_kind(&ft, 2), FRAME_OS);
	assert_int_equal(frames_kind(&ft, 4), FRAME_OS);
	assert_int_equal(frames_kind(&ft, 5), FRAME_ABSENT);
	assert_int_equal(frames_count(&ft, FRAME_OS), 3);
	/* MMIO grows to every frame it touches: 9 and 10. */
	assert_int_equal(frames_set_range(&ft, 0x9800, 0x1000, FRAME_MMIO), 0);
	assert_int_equal(frames_kind(&ft, 8), FRAME_ABSENT);
	assert_int_equal(frames_kind(&ft, 9), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, 10), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, 11), FRAME_ABSENT);
	/* Size 0 touches nothing, even unaligned. */
	assert_int_equal(frames_set_range(&ft, 0xc800, 0, FRAME_HV), 0);
	assert_int_equal(frames_kind(&ft, 12), FRAME_ABSENT);

	/* HV wins: later OS/ABSENT/MMIO ranges do not take HV frames. */
	assert_int_equal(frames_set_range(&ft, FR(32), FR(4), FRAME_HV), 0);
	assert_int_equal(frames_set_range(&ft, 0, FR(NF), FRAME_OS), 0);
	assert_int_equal(frames_set_range(&ft, FR(30), FR(10), FRAME_MMIO), 0);
	assert_int_equal(frames_set_range(&ft, FR(33), FR(1), FRAME_ABSENT), 0);
	assert_int_equal(frames_kind(&ft, 31), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, 32), FRAME_HV);
	assert_int_equal(frames_kind(&ft, 33), FRAME_HV);
	assert_int_equal(frames_kind(&ft, 35), FRAME_HV);
	assert_int_equal(frames_kind(&ft, 36), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, 9), FRAME_OS);	/* later wins */
	assert_int_equal(frames_count(&ft, FRAME_HV), 4);

	/* Beyond the table is clipped; only kinds of boot-time ranges. */
	assert_int_equal(frames_set_range(&ft, FR(NF - 1), FR(100),
					  FRAME_MMIO), 0);
	assert_int_equal(frames_kind(&ft, NF - 1), FRAME_MMIO);
	assert_int_equal(frames_set_range(&ft, FR(NF + 5), FR(1), FRAME_HV), 0);
	assert_int_equal(frames_set_range(&ft, 0, FR(1), FRAME_MIEE), -EINVAL);
	assert_int_equal(frames_set_range(&ft, 0, FR(1), FRAME_SHARED),
			 -EINVAL);
	assert_int_equal(frames_set_range(&ft, 0, FR(1), FRAME_KINDS), -EINVAL);
	assert_int_equal(frames_set_range(&ft, ~0ull - 10, 20, FRAME_HV),
			 -EINVAL);
	/* The top of the address space rounds without overflowing. */
	assert_int_equal(frames_set_range(&ft, ~0ull - 0x1800, 0x1800,
					  FRAME_MMIO), 0);
	check_sum();
}

static void test_seal(void **state)
{
	(void)state;
	std_layout(true);
	assert_true(ft.sealed);
	assert_int_equal(frames_set_range(&ft, 0, FR(NF), FRAME_OS), -EPERM);
	assert_int_equal(frames_set_range(&ft, FR(5), FR(1), FRAME_HV), -EPERM);
	assert_int_equal(frames_set_range(&ft, FR(5), FR(1), FRAME_MMIO),
			 -EPERM);
	assert_int_equal(frames_kind(&ft, 5), FRAME_OS);
	assert_int_equal(frames_kind(&ft, 32), FRAME_HV);
	assert_int_equal(frames_kind(&ft, 250), FRAME_ABSENT);
	assert_int_equal(frames_count(&ft, FRAME_OS), 250 - 16 - 8);
	check_sum();
}

static void test_give_rules(void **state)
{
	u16 miee;
	int k;

	(void)state;
	std_layout(true);
	assert_int_equal(frames_give(&ft, NF, FRAME_MIEE, 1), -ERANGE);
	assert_int_equal(frames_give(&ft, ~0ull, FRAME_MIEE, 1), -ERANGE);
	assert_int_equal(frames_give(&ft, 5, FRAME_MIEE, 0), -EINVAL);
	assert_int_equal(frames_give(&ft, 5, FRAME_OS, 1), -EINVAL);
	assert_int_equal(frames_give(&ft, 5, FRAME_HV, 1), -EINVAL);
	assert_int_equal(frames_give(&ft, 5, FRAME_KINDS, 1), -EINVAL);
	assert_int_equal(frames_kind(&ft, 5), FRAME_OS);

	/* HV, MMIO and absent frames are never given, whoever asks. */
	for (k = FRAME_MIEE; k <= FRAME_SHARED; k++) {
		for (miee = 1; miee < 5; miee++) {
			assert_int_equal(frames_give(&ft, 32, k, miee), -EPERM);
			assert_int_equal(frames_give(&ft, 47, k, miee), -EPERM);
			assert_int_equal(frames_give(&ft, 200, k, miee), -EPERM);
			assert_int_equal(frames_give(&ft, 252, k, miee), -EPERM);
		}
	}
	assert_int_equal(frames_count(&ft, FRAME_HV), 16);
	assert_int_equal(frames_count(&ft, FRAME_MMIO), 8);

	assert_int_equal(frames_give(&ft, 5, FRAME_MIEE, 7), 0);
	assert_int_equal(frames_kind(&ft, 5), FRAME_MIEE);
	assert_int_equal(frames_miee(&ft, 5), 7);
	assert_int_equal(frames_give(&ft, 6, FRAME_SHARED, 7), 0);
	assert_int_equal(frames_kind(&ft, 6), FRAME_SHARED);
	/* Owned frames cannot be given again, not even to their owner. */
	assert_int_equal(frames_give(&ft, 5, FRAME_MIEE, 7), -EBUSY);
	assert_int_equal(frames_give(&ft, 5, FRAME_SHARED, 8), -EBUSY);
	assert_int_equal(frames_give(&ft, 6, FRAME_MIEE, 7), -EBUSY);
	assert_int_equal(frames_give(&ft, 6, FRAME_SHARED, 9), -EBUSY);
	assert_int_equal(frames_miee(&ft, 5), 7);
	assert_int_equal(frames_count(&ft, FRAME_MIEE), 1);
	assert_int_equal(frames_count(&ft, FRAME_SHARED), 1);
	assert_int_equal(frames_count_miee(&ft, 7), 2);
	assert_int_equal(frames_count_miee(&ft, 8), 0);
	assert_int_equal(frames_count_miee(&ft, 0), 0);
	check_sum();
}

static void test_reclaim_rules(void **state)
{
	(void)state;
	std_layout(true);
	assert_int_equal(frames_give(&ft, 10, FRAME_MIEE, 3), 0);
	assert_int_equal(frames_give(&ft, 11, FRAME_SHARED, 3), 0);
	assert_int_equal(frames_reclaim(&ft, 10, 4), -EPERM);
	assert_int_equal(frames_reclaim(&ft, 11, 4), -EPERM);
	assert_int_equal(frames_reclaim(&ft, 10, 0), -EPERM);
	assert_int_equal(frames_reclaim(&ft, 12, 3), -EPERM);	/* OS */
	assert_int_equal(frames_reclaim(&ft, 12, 0), -EPERM);
	assert_int_equal(frames_reclaim(&ft, 32, 3), -EPERM);	/* HV */
	assert_int_equal(frames_reclaim(&ft, 200, 3), -EPERM);	/* MMIO */
	assert_int_equal(frames_reclaim(&ft, NF, 3), -ERANGE);
	assert_int_equal(frames_kind(&ft, 10), FRAME_MIEE);
	assert_int_equal(frames_kind(&ft, 11), FRAME_SHARED);
	assert_int_equal(frames_reclaim(&ft, 10, 3), 0);
	assert_int_equal(frames_reclaim(&ft, 11, 3), 0);
	assert_int_equal(frames_kind(&ft, 10), FRAME_OS);
	assert_int_equal(frames_miee(&ft, 10), 0);
	assert_int_equal(frames_kind(&ft, 11), FRAME_OS);
	assert_int_equal(frames_reclaim(&ft, 10, 3), -EPERM);	/* twice */
	assert_int_equal(frames_count_miee(&ft, 3), 0);
	assert_int_equal(frames_count(&ft, FRAME_OS), 250 - 16 - 8);
	check_sum();
}

static void test_reclaim_scrubs(void **state)
{
	(void)state;
	std_layout(true);
	fill(20, 0xa5);
	fill(21, 0x5a);
	fill(22, 0x3c);
	assert_int_equal(frames_give(&ft, 20, FRAME_MIEE, 1), 0);
	assert_int_equal(frames_give(&ft, 21, FRAME_SHARED, 1), 0);
	/* A refused reclaim leaves the enclave's data alone. */
	assert_int_equal(frames_reclaim(&ft, 20, 2), -EPERM);
	assert_true(filled_with(20, 0xa5));
	/* Enclave memory returns to the OS only as zeroes. */
	assert_int_equal(frames_reclaim(&ft, 20, 1), 0);
	assert_true(filled_with(20, 0));
	/*
	 * A shared host-call buffer is not scrubbed: the OS could read it
	 * the whole time it was shared, so it holds nothing secret, and the
	 * last reply in it may still be wanted.
	 */
	assert_int_equal(frames_reclaim(&ft, 21, 1), 0);
	assert_true(filled_with(21, 0x5a));
	/* Neighbours untouched. */
	assert_true(filled_with(22, 0x3c));
}

static void test_hpa_mappable(void **state)
{
	(void)state;
	std_layout(true);
	assert_int_equal(frames_give(&ft, 60, FRAME_MIEE, 1), 0);
	assert_int_equal(frames_give(&ft, 61, FRAME_SHARED, 1), 0);

	assert_int_equal(frames_hpa_mappable_by_os(&ft, 0, FR(32)), 1);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, 0, FR(33)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(32), 1), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(48) - 1, 1), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(48), FR(12)), 1);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(48), FR(13)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(60), 1), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(61), FR(1)), 1);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(190), FR(60)), 1);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(249), FR(2)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(NF), FR(1)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, 0, 0), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, ~0ull, 2), 0);
	assert_int_equal(frames_hpa_mappable_by_os(NULL, 0, 1), 0);
}

/* The OS's MMIO above the table (64-bit BARs): no entries, MMIO to every
 * query, mappable by the OS, never given to an MIEE, unchangeable. */
#define TOP (NF + 4096)			/* 16 MiB of "physical address width" */

static void test_mmio_top(void **state)
{
	u64 far[] = { 70, NF + 10 };

	(void)state;
	std_layout(false);
	/* Before: nothing beyond the table. */
	assert_int_equal(frames_kind(&ft, NF), FRAME_ABSENT);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(NF), FR(1)), 0);
	assert_int_equal(frames_set_mmio_top(NULL, TOP), -EINVAL);
	assert_int_equal(frames_set_mmio_top(&ft, NF - 1), -EINVAL);
	assert_int_equal(frames_set_mmio_top(&ft, (1ull << 52) + 1), -EINVAL);
	assert_int_equal(frames_set_mmio_top(&ft, TOP), 0);
	frames_seal(&ft);
	assert_int_equal(frames_set_mmio_top(&ft, TOP + 1), -EPERM);
	assert_int_equal(ft.mmio_top, TOP);

	assert_int_equal(frames_kind(&ft, 249), FRAME_OS);	/* the table: unchanged */
	assert_int_equal(frames_kind(&ft, NF - 1), FRAME_ABSENT);
	assert_int_equal(frames_kind(&ft, NF), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, TOP - 1), FRAME_MMIO);
	assert_int_equal(frames_kind(&ft, TOP), FRAME_ABSENT);
	assert_int_equal(frames_miee(&ft, NF), 0);
	check_sum();				/* counts: the table's only */

	/* Mappable: wholly above, 2 MiB at a time as vcpu_npf maps it. */
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(NF), FR(512)), 1);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(TOP - 512), FR(512)), 1);
	/* Straddling the table's end: the table's part still decides. */
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(240), FR(20)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(200), FR(NF - 200 + 5)), 0);
	frames_set_range(&ft, 0, 0, FRAME_OS);	/* sealed: no-op */
	/* Not past the top. */
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(TOP - 1), FR(2)), 0);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(TOP), FR(1)), 0);

	/* Never an MIEE's: -EPERM as for any MMIO frame, -ERANGE past it. */
	assert_int_equal(frames_give(&ft, NF, FRAME_MIEE, 1), -EPERM);
	assert_int_equal(frames_give(&ft, TOP - 1, FRAME_SHARED, 1), -EPERM);
	assert_int_equal(frames_give(&ft, TOP, FRAME_MIEE, 1), -ERANGE);
	assert_int_equal(frames_give_list(&ft, far, 2, FRAME_MIEE, 1), -EPERM);
	assert_int_equal(frames_kind(&ft, 70), FRAME_OS);	/* all or nothing */
	assert_int_equal(frames_reclaim(&ft, NF, 1), -ERANGE);
	assert_int_equal(frames_kind(&ft, NF), FRAME_MMIO);
}

static void test_mmio_top_straddle_ok(void **state)
{
	(void)state;
	/* Table ends in MMIO: a range across its end is the OS's MMIO. */
	assert_int_equal(frames_set_range(&ft, 0, FR(NF), FRAME_MMIO), 0);
	assert_int_equal(frames_set_mmio_top(&ft, TOP), 0);
	frames_seal(&ft);
	assert_int_equal(frames_hpa_mappable_by_os(&ft, FR(NF - 8), FR(16)), 1);
}

static void test_give_list(void **state)
{
	u64 good[] = { 70, 71, 90, 91 };
	u64 bad_hv[] = { 72, 73, 33, 74 };
	u64 dup[] = { 75, 76, 75 };
	u64 far[] = { 77, NF + 1 };
	u64 p;

	(void)state;
	std_layout(true);
	assert_int_equal(frames_give_list(&ft, bad_hv, 4, FRAME_MIEE, 2),
			 -EPERM);
	assert_int_equal(frames_give_list(&ft, dup, 3, FRAME_MIEE, 2), -EBUSY);
	assert_int_equal(frames_give_range_check(&ft, far, 2, FRAME_MIEE, 2),
			 -ERANGE);
	assert_int_equal(frames_give_list(&ft, good, 4, FRAME_MIEE, 0),
			 -EINVAL);
	assert_int_equal(frames_give_list(&ft, NULL, 1, FRAME_MIEE, 2),
			 -EINVAL);
	assert_int_equal(frames_count(&ft, FRAME_MIEE), 0);
	for (p = 0; p < NF; p++)
		assert_int_equal(store[p].flags, 0);
	assert_int_equal(frames_give_range_check(&ft, good, 4, FRAME_SHARED, 2),
			 0);
	assert_int_equal(frames_count(&ft, FRAME_SHARED), 0);
	assert_int_equal(frames_give_list(&ft, good, 4, FRAME_MIEE, 2), 0);
	assert_int_equal(frames_give_list(&ft, good, 0, FRAME_MIEE, 2), 0);
	assert_int_equal(frames_count_miee(&ft, 2), 4);
	assert_int_equal(frames_give_list(&ft, good + 3, 1, FRAME_MIEE, 2),
			 -EBUSY);
	for (p = 0; p < NF; p++)
		assert_int_equal(store[p].flags, 0);
	check_sum();
}

/* ---- random operations against a reference model */

struct mframe {
	int kind;
	u16 miee;
	u8 fill;	/* what the test wrote into an owned frame */
};

static struct mframe model[NF];
static bool model_sealed;
static unsigned kinds_seen;		/* bit per kind the table ever held */
static unsigned long ok_ops[4];		/* successes: set, give, list, reclaim */
static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int model_set_range(u64 base, u64 size, int kind)
{
	u64 p, end;

	if (model_sealed)
		return -EPERM;
	if (kind != FRAME_ABSENT && kind != FRAME_HV && kind != FRAME_OS &&
	    kind != FRAME_MMIO)
		return -EINVAL;
	if (base + size < base)
		return -EINVAL;
	end = base + size;
	for (p = 0; p < NF; p++) {
		bool overlaps = FR(p) < end && FR(p + 1) > base;
		bool inside = FR(p) >= base && FR(p + 1) <= end;

		if (!(kind == FRAME_OS ? inside : overlaps))
			continue;
		if (model[p].kind == FRAME_HV || model[p].kind == FRAME_MIEE ||
		    model[p].kind == FRAME_SHARED)
			continue;
		model[p].kind = kind;
		model[p].miee = 0;
	}
	return 0;
}

static int model_give_ok(u64 pfn, int kind, u16 miee)
{
	if (pfn >= NF)
		return -ERANGE;
	if ((kind != FRAME_MIEE && kind != FRAME_SHARED) || !miee)
		return -EINVAL;
	if (model[pfn].kind == FRAME_OS)
		return 0;
	if (model[pfn].kind == FRAME_MIEE || model[pfn].kind == FRAME_SHARED)
		return -EBUSY;
	return -EPERM;
}

static int model_give_list(const u64 *pfns, int n, int kind, u16 miee)
{
	bool seen[NF] = { false };
	int i, err;

	for (i = 0; i < n; i++) {
		err = model_give_ok(pfns[i], kind, miee);
		if (err)
			return err;
		if (seen[pfns[i]])
			return -EBUSY;
		seen[pfns[i]] = true;
	}
	for (i = 0; i < n; i++) {
		model[pfns[i]].kind = kind;
		model[pfns[i]].miee = miee;
	}
	return 0;
}

static int model_reclaim(u64 pfn, u16 miee)
{
	if (pfn >= NF)
		return -ERANGE;
	if ((model[pfn].kind != FRAME_MIEE &&
	     model[pfn].kind != FRAME_SHARED) ||
	    model[pfn].miee != miee || !miee)
		return -EPERM;
	model[pfn].kind = FRAME_OS;
	model[pfn].miee = 0;
	return 0;
}

static void check_model(void)
{
	u64 cnt[FRAME_KINDS] = { 0 }, per_miee[5] = { 0 }, p;
	int k;

	for (p = 0; p < NF; p++) {
		int kind = frames_kind(&ft, p);
		u16 miee = frames_miee(&ft, p);

		assert_int_equal(kind, model[p].kind);
		assert_int_equal(miee, model[p].miee);
		/* One owner: an enclave id exactly on enclave frames. */
		assert_int_equal(miee != 0,
				 kind == FRAME_MIEE || kind == FRAME_SHARED);
		assert_int_equal(store[p].flags, 0);
		cnt[kind]++;
		kinds_seen |= 1u << kind;
		if (miee < 5)
			per_miee[miee]++;
	}
	for (k = 0; k < FRAME_KINDS; k++)
		assert_int_equal(frames_count(&ft, k), cnt[k]);
	for (k = 1; k < 5; k++)
		assert_int_equal(frames_count_miee(&ft, k), per_miee[k]);
	check_sum();
}

/* A frame of one of the two kinds, searching from a random start, or a
 * random (possibly out-of-range) frame: keeps successes frequent. */
static u64 pick(int k1, int k2)
{
	u64 start = rnd() % NF, i, p;

	if (rnd() % 3 == 0)
		return rnd() % (NF + 4);
	for (i = 0; i < NF; i++) {
		p = (start + i) % NF;
		if (model[p].kind == k1 || model[p].kind == k2)
			return p;
	}
	return start;
}

static void random_step(u64 *hv_at_seal)
{
	u64 pfns[6], pfn = rnd() % (NF + 4), base, size;
	int op = rnd() % 8, kind, n, i, err, expect;
	u16 miee = rnd() % 5;

	if (op < 2) {
		base = FR(rnd() % (NF + 8)) + (rnd() & 1 ? rnd() % PAGE_SIZE : 0);
		size = FR(rnd() % 24) + (rnd() & 1 ? rnd() % PAGE_SIZE : 0);
		if (rnd() % 50 == 0)
			size = ~0ull - base + 1 + rnd() % 4;	/* overflows */
		kind = rnd() % 10;
		kind = kind < 5 ? FRAME_OS : kind < 7 ? FRAME_MMIO :
		       kind < 8 ? FRAME_HV : kind < 9 ? FRAME_ABSENT :
		       (int)(rnd() % (FRAME_KINDS + 1));
		expect = model_set_range(base, size, kind);
		err = frames_set_range(&ft, base, size, kind);
	} else if (op < 5) {
		kind = rnd() % 7 ? (rnd() & 1 ? FRAME_MIEE : FRAME_SHARED) :
				    (int)(rnd() % (FRAME_KINDS + 1));
		pfn = pick(FRAME_OS, FRAME_OS);
		expect = model_give_list(&pfn, 1, kind, miee);
		err = frames_give(&ft, pfn, kind, miee);
		if (!err && kind == FRAME_MIEE) {
			model[pfn].fill = 0x40 | miee;
			fill(pfn, model[pfn].fill);
		} else if (!err) {
			model[pfn].fill = 0x80 | miee;
			fill(pfn, model[pfn].fill);
		}
	} else if (op < 6) {
		n = 1 + rnd() % 6;
		pfn = pick(FRAME_OS, FRAME_OS);
		/* Neighbouring frames, with the odd duplicate. */
		for (i = 0; i < n; i++)
			pfns[i] = rnd() % 8 ? (pfn + i) % (NF + 2) :
					      pfns[rnd() % (i + 1)];
		kind = rnd() & 1 ? FRAME_MIEE : FRAME_SHARED;
		expect = model_give_list(pfns, n, kind, miee);
		err = frames_give_list(&ft, pfns, n, kind, miee);
		for (i = 0; !err && i < n; i++) {
			model[pfns[i]].fill = (kind == FRAME_MIEE ? 0x40 : 0x80) |
					      miee;
			fill(pfns[i], model[pfns[i]].fill);
		}
	} else {
		/* Mostly the right owner, sometimes another one. */
		pfn = pick(FRAME_MIEE, FRAME_SHARED);
		if (pfn < NF && model[pfn].miee && rnd() % 4)
			miee = model[pfn].miee;
		kind = pfn < NF ? model[pfn].kind : FRAME_ABSENT;
		expect = model_reclaim(pfn, miee);
		err = frames_reclaim(&ft, pfn, miee);
		if (!err)
			assert_true(filled_with(pfn, kind == FRAME_MIEE ? 0 :
						model[pfn].fill));
		else if (pfn < NF && model[pfn].fill)
			assert_true(filled_with(pfn, model[pfn].fill));
		if (!err)
			model[pfn].fill = 0;
	}
	assert_int_equal(err, expect);
	if (!err)
		ok_ops[op < 2 ? 0 : op < 5 ? 1 : op < 6 ? 2 : 3]++;
	if (hv_at_seal)
		for (i = 0; i < NF; i++)
			if (hv_at_seal[i / 64] & BIT(i % 64))
				assert_int_equal(frames_kind(&ft, i), FRAME_HV);
	check_model();
}

static void test_random_model(void **state)
{
	u64 hv_at_seal[NF / 64] = { 0 };
	int i;

	(void)state;
	memset(model, 0, sizeof(model));
	model_sealed = false;
	kinds_seen = 0;
	memset(ok_ops, 0, sizeof(ok_ops));
	/* Boot phase: ranges mixed with gives and reclaims. */
	for (i = 0; i < 3000; i++)
		random_step(NULL);
	frames_seal(&ft);
	model_sealed = true;
	for (i = 0; i < NF; i++)
		if (model[i].kind == FRAME_HV)
			hv_at_seal[i / 64] |= BIT(i % 64);
	/* Sealed: ranges refused, HV frames frozen. */
	for (i = 0; i < 7000; i++)
		random_step(hv_at_seal);
	/* The run reached every kind and every operation succeeded often. */
	assert_int_equal(kinds_seen, (1u << FRAME_KINDS) - 1);
	print_message("frames: %lu set, %lu give, %lu list, %lu reclaim ok\n",
		      ok_ops[0], ok_ops[1], ok_ops[2], ok_ops[3]);
	for (i = 0; i < 4; i++)
		assert_true(ok_ops[i] > 100);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_set_range),
		T(test_seal),
		T(test_give_rules),
		T(test_reclaim_rules),
		T(test_reclaim_scrubs),
		T(test_hpa_mappable),
		T(test_mmio_top),
		T(test_mmio_top_straddle_ok),
		T(test_give_list),
		T(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
