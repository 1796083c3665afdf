/* Host unit tests for hypervisor/mm/npt.c: both entry formats, splitting,
 * unmapping, allocation failure at every point, the hpa_allowed hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "mm/npt.h"
#include "core/frames.h"
#include "platform.h"
#include "support/fake_platform.h"

#define KB4 PAGE_SIZE
#define MB2 LARGE_PAGE_SIZE
#define GB1 (1ull << 30)
#define ADDR_4K 0x000ffffffffff000ull

static enum npt_fmt fmt_ept = NPT_FMT_EPT, fmt_amd = NPT_FMT_AMD;

static enum npt_fmt fmt_of(void **state)
{
	return *(enum npt_fmt *)*state;
}

/* Pages live before the test: a failed test leaks its tables, and that
 * must not fail the tests after it. */
static unsigned long live_base;

static unsigned long live(void)
{
	return fake_pages_live() - live_base;
}

static int setup(void **state)
{
	(void)state;
	fake_fail_alloc(0, false);
	live_base = fake_pages_live();
	return 0;
}

/* Every test destroys its tables: nothing may be left allocated. */
static int teardown(void **state)
{
	(void)state;
	fake_fail_alloc(0, false);
	return live() == 0 ? 0 : -1;
}

/* ---- a hand-written walker, independent of npt.c, for raw entry checks */

static bool raw_present(enum npt_fmt fmt, u64 e)
{
	return fmt == NPT_FMT_EPT ? (e & 7) != 0 : (e & 1) != 0;
}

/* Non-leaf entries grant everything and carry no leaf-only bits. */
static void check_nonleaf(enum npt_fmt fmt, u64 e)
{
	if (fmt == NPT_FMT_EPT) {
		assert_int_equal(e & 0xff, 0x7);	/* RWX, bits 7:3 clear */
	} else {
		assert_int_equal(e & 0x7, 0x7);	/* P, RW, US */
		assert_int_equal(e & (BIT(3) | BIT(4) | BIT(7) | BIT(63)), 0);
	}
}

/* The leaf for gpa and its level (1 or 2), or 0 with level 0. */
static u64 raw_leaf(const struct npt *n, u64 gpa, int *level)
{
	const u64 *t = n->root;
	int l;
	u64 e;

	for (l = 4; l >= 1; l--) {
		e = t[(gpa >> (12 + 9 * (l - 1))) & 511];
		if (!raw_present(n->fmt, e))
			break;
		if (l == 1 || (l == 2 && (e & BIT(7)))) {
			*level = l;
			return e;
		}
		check_nonleaf(n->fmt, e);
		t = phys_to_virt(e & ADDR_4K);
	}
	*level = 0;
	return 0;
}

/* Decode a leaf by hand and compare with what was asked for. */
static void check_raw(const struct npt *n, u64 gpa, u64 hpa, unsigned perms,
		      enum npt_mt mt, int level)
{
	int l;
	u64 e = raw_leaf(n, gpa, &l);
	u64 amask = level == 2 ? 0x000fffffffe00000ull : ADDR_4K;

	assert_int_equal(l, level);
	assert_int_equal(e & amask, hpa & amask);
	if (n->fmt == NPT_FMT_EPT) {
		assert_int_equal(e & 7, perms);		/* R=0, W=1, X=2 */
		assert_int_equal((e >> 3) & 7, mt == NPT_MT_WB ? 6 : 0);
		assert_false(e & BIT(6));		/* ignore-PAT clear */
		assert_int_equal(!!(e & BIT(7)), level == 2);
		assert_int_equal(e & BIT(63), 0);
	} else {
		assert_true(e & BIT(0));		/* P */
		assert_true(e & BIT(2));		/* US: NPT walks are user */
		assert_int_equal(!!(e & BIT(1)), !!(perms & NPT_W));
		assert_int_equal(!!(e & BIT(63)), !(perms & NPT_X));
		assert_int_equal(!!(e & BIT(7)), level == 2);	/* PS */
		assert_int_equal(e & (BIT(3) | BIT(4)),
				 mt == NPT_MT_UC ? BIT(3) | BIT(4) : 0);
	}
}

static void check_lookup(const struct npt *n, u64 gpa, u64 hpa,
			 unsigned perms, enum npt_mt mt, unsigned page_size)
{
	u64 h = 0;
	unsigned p = 0, ps = 0;
	enum npt_mt m = NPT_MT_UC;

	assert_int_equal(npt_lookup(n, gpa, &h, &p, &m, &ps), 0);
	assert_int_equal(h, hpa);
	assert_int_equal(p, perms);
	assert_int_equal(m, mt);
	assert_int_equal(ps, page_size);
}

static void check_unmapped(const struct npt *n, u64 gpa)
{
	u64 h;

	assert_int_equal(npt_lookup(n, gpa, &h, NULL, NULL, NULL), -ENOENT);
}

static void check_no_leak(const struct npt *n)
{
	assert_int_equal(live(), n->table_pages);
}

/* ---- tests */

static void test_map_mixed_alignment(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	struct npt n;
	/* 3 pages up to a 2 MiB boundary, two 2 MiB pages, 5 more pages. */
	u64 gpa0 = 3 * MB2 - 3 * KB4, hpa0 = 2 * GB1 - 3 * KB4;
	u64 size0 = 3 * KB4 + 2 * MB2 + 5 * KB4;
	/* Same-size range whose hpa is only 4 KiB aligned: never large. */
	u64 gpa1 = GB1, hpa1 = 4 * GB1 + KB4, size1 = MB2 + KB4;
	u64 off;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	assert_int_equal(npt_map(&n, gpa0, hpa0, size0, NPT_R | NPT_W,
				 NPT_MT_WB), 0);
	assert_int_equal(npt_map(&n, gpa1, hpa1, size1, NPT_R | NPT_X,
				 NPT_MT_UC), 0);

	for (off = 0; off < size0; off += KB4) {
		u64 g = gpa0 + off;
		bool large = g >= 3 * MB2 && g < 5 * MB2;

		check_lookup(&n, g, hpa0 + off, NPT_R | NPT_W, NPT_MT_WB,
			     large ? MB2 : KB4);
	}
	for (off = 0; off < size1; off += KB4)
		check_lookup(&n, gpa1 + off, hpa1 + off, NPT_R | NPT_X,
			     NPT_MT_UC, KB4);
	/* The offset inside the page survives translation. */
	check_lookup(&n, 3 * MB2 + 0x12345, 2 * GB1 + 0x12345,
		     NPT_R | NPT_W, NPT_MT_WB, MB2);
	check_lookup(&n, gpa1 + 0xabc, hpa1 + 0xabc, NPT_R | NPT_X,
		     NPT_MT_UC, KB4);
	check_unmapped(&n, gpa0 - KB4);
	check_unmapped(&n, gpa0 + size0);
	check_unmapped(&n, gpa1 + size1);
	check_unmapped(&n, NPT_GPA_LIMIT);

	check_raw(&n, gpa0, hpa0, NPT_R | NPT_W, NPT_MT_WB, 1);
	check_raw(&n, 3 * MB2, 2 * GB1, NPT_R | NPT_W, NPT_MT_WB, 2);
	check_raw(&n, 4 * MB2, 2 * GB1 + MB2, NPT_R | NPT_W, NPT_MT_WB, 2);
	check_raw(&n, 5 * MB2 + 4 * KB4, hpa0 + size0 - KB4, NPT_R | NPT_W,
		  NPT_MT_WB, 1);
	check_raw(&n, gpa1 + MB2, hpa1 + MB2, NPT_R | NPT_X, NPT_MT_UC, 1);

	/* PML4, PDPT, PD, a PT each side of the large pages; then a PD
	 * for the second GiB and two PTs. */
	assert_int_equal(n.table_pages, 8);
	check_no_leak(&n);
	assert_int_equal(npt_root_pa(&n), virt_to_phys(n.root));
	npt_destroy(&n);
}

/* Every encodable permission set round-trips, in the entry and lookup. */
static void test_perms_encoding(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	static const unsigned ept_ok[] = {
		NPT_R, NPT_R | NPT_W, NPT_R | NPT_X, NPT_RWX, NPT_X,
	};
	struct npt n;
	unsigned i, cnt = fmt == NPT_FMT_EPT ? 5 : 4;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	for (i = 0; i < cnt; i++) {
		u64 g = i * MB2;
		enum npt_mt mt = i & 1 ? NPT_MT_UC : NPT_MT_WB;

		assert_int_equal(npt_map(&n, g, g + GB1, MB2, ept_ok[i], mt), 0);
		assert_int_equal(npt_map(&n, g + 16 * MB2, g + GB1, KB4,
					 ept_ok[i], mt), 0);
		check_lookup(&n, g, g + GB1, ept_ok[i], mt, MB2);
		check_raw(&n, g, g + GB1, ept_ok[i], mt, 2);
		check_lookup(&n, g + 16 * MB2, g + GB1, ept_ok[i], mt, KB4);
		check_raw(&n, g + 16 * MB2, g + GB1, ept_ok[i], mt, 1);
	}
	npt_destroy(&n);
}

static void test_invalid_args(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	struct npt n;

	assert_int_equal(npt_init(NULL, fmt, NULL), -EINVAL);
	assert_int_equal(npt_init(&n, (enum npt_fmt)7, NULL), -EINVAL);
	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	assert_int_equal(npt_map(&n, 0, 0, KB4, 0, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, KB4, 8, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, KB4, NPT_W, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, KB4, NPT_W | NPT_X, NPT_MT_WB),
			 -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, KB4, NPT_X, NPT_MT_WB),
			 fmt == NPT_FMT_AMD ? -EINVAL : 0);
	assert_int_equal(npt_map(&n, 0, 0, KB4, NPT_R, (enum npt_mt)5),
			 -EINVAL);
	assert_int_equal(npt_map(&n, 0x800, 0, KB4, NPT_R, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0x800, KB4, NPT_R, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, 0x800, NPT_R, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, 0, 0, NPT_R, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, NPT_GPA_LIMIT - KB4, 0, 2 * KB4, NPT_R,
				 NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, ~0ull & ~0xfffull, 0, 2 * KB4, NPT_R,
				 NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&n, 0, (1ull << 52) - KB4, 2 * KB4, NPT_R,
				 NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_unmap(&n, 0x800, KB4), -EINVAL);
	assert_int_equal(npt_unmap(&n, 0, 0), -EINVAL);
	assert_int_equal(npt_protect(&n, 5 * MB2, NPT_R), -ENOENT);
	/* The last page below 2^48 is mappable. */
	assert_int_equal(npt_map(&n, NPT_GPA_LIMIT - KB4, KB4, KB4, NPT_R,
				 NPT_MT_WB), 0);
	check_lookup(&n, NPT_GPA_LIMIT - KB4, KB4, NPT_R, NPT_MT_WB, KB4);
	npt_destroy(&n);
	npt_destroy(&n);	/* harmless twice */
	assert_null(n.root);
}

/* protect() of one frame inside a 2 MiB page splits it; the other 511
 * frames keep hpa, perms and type. */
static void test_split_protect(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	u64 g = MB2, h = 3 * GB1 + MB2, i;
	struct npt n;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	assert_int_equal(npt_map(&n, g, h, MB2, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(n.table_pages, 3);
	check_lookup(&n, g, h, NPT_RWX, NPT_MT_WB, MB2);

	assert_int_equal(npt_protect(&n, g + 5 * KB4 + 0x10, NPT_R), 0);
	assert_int_equal(n.table_pages, 4);
	for (i = 0; i < 512; i++) {
		unsigned p = i == 5 ? NPT_R : NPT_RWX;

		check_lookup(&n, g + i * KB4, h + i * KB4, p, NPT_MT_WB, KB4);
		check_raw(&n, g + i * KB4, h + i * KB4, p, NPT_MT_WB, 1);
	}
	/* A second protect in the now-split page allocates nothing. */
	assert_int_equal(npt_protect(&n, g + 7 * KB4, NPT_R | NPT_W), 0);
	assert_int_equal(n.table_pages, 4);
	check_lookup(&n, g + 7 * KB4, h + 7 * KB4, NPT_R | NPT_W, NPT_MT_WB,
		     KB4);
	/* Restoring everything does not merge back; the pages stay 4 KiB. */
	assert_int_equal(npt_protect(&n, g + 5 * KB4, NPT_RWX), 0);
	check_lookup(&n, g + 5 * KB4, h + 5 * KB4, NPT_RWX, NPT_MT_WB, KB4);
	/* perms 0 unmaps just that frame. */
	assert_int_equal(npt_protect(&n, g + 9 * KB4, 0), 0);
	check_unmapped(&n, g + 9 * KB4);
	check_lookup(&n, g + 8 * KB4, h + 8 * KB4, NPT_RWX, NPT_MT_WB, KB4);
	check_lookup(&n, g + 10 * KB4, h + 10 * KB4, NPT_RWX, NPT_MT_WB, KB4);
	assert_int_equal(npt_protect(&n, g + 9 * KB4, NPT_R), -ENOENT);
	assert_int_equal(npt_protect(&n, g + MB2, NPT_R), -ENOENT);
	/* UC type survives a split as well. */
	assert_int_equal(npt_map(&n, 4 * MB2, 4 * MB2, MB2, NPT_R | NPT_W,
				 NPT_MT_UC), 0);
	assert_int_equal(npt_protect(&n, 4 * MB2 + 511 * KB4, NPT_R), 0);
	check_lookup(&n, 4 * MB2, 4 * MB2, NPT_R | NPT_W, NPT_MT_UC, KB4);
	check_lookup(&n, 4 * MB2 + 511 * KB4, 4 * MB2 + 511 * KB4, NPT_R,
		     NPT_MT_UC, KB4);
	check_no_leak(&n);
	npt_destroy(&n);
}

static void test_unmap_inside_large(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	u64 g = 2 * MB2, h = 8 * GB1, i;
	struct npt n;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	assert_int_equal(npt_map(&n, g, h, 2 * MB2, NPT_R | NPT_W,
				 NPT_MT_WB), 0);
	assert_int_equal(npt_unmap(&n, g + 16 * KB4, 3 * KB4), 0);
	for (i = 0; i < 512; i++) {
		if (i >= 16 && i < 19)
			check_unmapped(&n, g + i * KB4);
		else
			check_lookup(&n, g + i * KB4, h + i * KB4,
				     NPT_R | NPT_W, NPT_MT_WB, KB4);
	}
	/* The neighbouring large page is untouched. */
	check_lookup(&n, g + MB2, h + MB2, NPT_R | NPT_W, NPT_MT_WB, MB2);
	assert_int_equal(n.table_pages, 4);
	/* Unmapping nothing is fine and allocates nothing. */
	assert_int_equal(npt_unmap(&n, 100 * GB1, MB2), 0);
	assert_int_equal(n.table_pages, 4);
	/* Unmapping the rest prunes every emptied table. */
	assert_int_equal(npt_unmap(&n, g, 2 * MB2), 0);
	assert_int_equal(n.table_pages, 1);
	check_no_leak(&n);
	npt_destroy(&n);
}

/* Remapping replaces: small pages give way to a large one (freeing the
 * page table), and a remap inside a large page splits it. */
static void test_remap_replaces(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	u64 g = 6 * MB2, i;
	struct npt n;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	assert_int_equal(npt_map(&n, g, GB1 + KB4, MB2, NPT_R, NPT_MT_UC), 0);
	assert_int_equal(n.table_pages, 4);
	check_lookup(&n, g, GB1 + KB4, NPT_R, NPT_MT_UC, KB4);
	assert_int_equal(npt_map(&n, g, 2 * GB1, MB2, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(n.table_pages, 3);
	check_lookup(&n, g + KB4, 2 * GB1 + KB4, NPT_RWX, NPT_MT_WB, MB2);
	assert_int_equal(npt_map(&n, g + 3 * KB4, 5 * GB1, KB4, NPT_R,
				 NPT_MT_UC), 0);
	assert_int_equal(n.table_pages, 4);
	for (i = 0; i < 512; i++) {
		if (i == 3)
			check_lookup(&n, g + i * KB4, 5 * GB1, NPT_R,
				     NPT_MT_UC, KB4);
		else
			check_lookup(&n, g + i * KB4, 2 * GB1 + i * KB4,
				     NPT_RWX, NPT_MT_WB, KB4);
	}
	check_no_leak(&n);
	npt_destroy(&n);
}

/* ---- allocation failure at every point */

#define SNAP_WINDOWS 3
#define SNAP_PAGES (2048 * SNAP_WINDOWS)
static const u64 snap_base[SNAP_WINDOWS] = {
	0, (1ull << 39) - 2 * MB2, 1ull << 40,
};

struct snap {
	int err;
	u64 hpa;
	unsigned perms, ps;
	enum npt_mt mt;
};

static void take_snap(const struct npt *n, struct snap *s)
{
	int w, i;

	for (w = 0; w < SNAP_WINDOWS; w++) {
		for (i = 0; i < 2048; i++, s++) {
			memset(s, 0, sizeof(*s));
			s->err = npt_lookup(n, snap_base[w] + i * KB4, &s->hpa,
					    &s->perms, &s->mt, &s->ps);
		}
	}
}

enum fail_op { OP_MAP_SPLIT, OP_MAP_NEW_PML4E, OP_UNMAP_SPLIT,
	       OP_PROTECT_SPLIT, OP_MAP_LARGE_OVER_SMALL, OP_COUNT };

static int run_op(struct npt *n, enum fail_op op)
{
	switch (op) {
	case OP_MAP_SPLIT:	/* splits the large page at 2 MiB */
		return npt_map(n, MB2 - KB4, 7 * GB1, 3 * KB4,
			       NPT_R | NPT_W, NPT_MT_WB);
	case OP_MAP_NEW_PML4E:	/* PDPT+PD+PTs on both sides of 512 GiB */
		return npt_map(n, (1ull << 39) - KB4, 9 * GB1 - KB4,
			       MB2 + 2 * KB4, NPT_R, NPT_MT_UC);
	case OP_UNMAP_SPLIT:
		return npt_unmap(n, (1ull << 40) + 3 * MB2 + KB4, KB4);
	case OP_PROTECT_SPLIT:
		return npt_protect(n, (1ull << 40) + 2 * MB2 + 9 * KB4, NPT_R);
	case OP_MAP_LARGE_OVER_SMALL:
		return npt_map(n, 0, 10 * GB1, MB2, NPT_RWX, NPT_MT_WB);
	default:
		return -EINVAL;
	}
}

static void try_every_failure(struct npt *n, enum fail_op op, bool sticky,
			      struct snap *before, struct snap *after)
{
	unsigned long k, fails0 = fake_alloc_failures();
	int err;

	take_snap(n, before);
	for (k = 1; ; k++) {
		u64 pages = n->table_pages;

		fake_fail_alloc(k, sticky);
		err = run_op(n, op);
		fake_fail_alloc(0, false);
		if (err != -ENOMEM)
			break;
		assert_int_equal(n->table_pages, pages);
		check_no_leak(n);
		take_snap(n, after);
		assert_memory_equal(before, after, sizeof(struct snap) *
				    SNAP_PAGES);
		assert_true(k < 64);
	}
	assert_int_equal(err, 0);
	check_no_leak(n);
	/* Operations that allocate must have been failed at least once. */
	if (op != OP_MAP_LARGE_OVER_SMALL)
		assert_true(fake_alloc_failures() > fails0);
}

static void test_enomem_every_point(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	struct snap *before = test_malloc(sizeof(*before) * SNAP_PAGES);
	struct snap *after = test_malloc(sizeof(*after) * SNAP_PAGES);
	int sticky, op;

	for (sticky = 0; sticky < 2; sticky++) {
		struct npt n;

		fake_fail_alloc(1, false);
		assert_int_equal(npt_init(&n, fmt, NULL), -ENOMEM);
		assert_int_equal(live(), 0);
		assert_int_equal(npt_init(&n, fmt, NULL), 0);
		/* Existing state: a large page, small pages, a far range. */
		assert_int_equal(npt_map(&n, MB2, 6 * GB1, MB2, NPT_RWX,
					 NPT_MT_WB), 0);
		assert_int_equal(npt_map(&n, KB4, 6 * GB1 + 5 * KB4, 4 * KB4,
					 NPT_R, NPT_MT_UC), 0);
		assert_int_equal(npt_map(&n, 1ull << 40, 0, 4 * MB2,
					 NPT_R | NPT_X, NPT_MT_WB), 0);
		for (op = 0; op < OP_COUNT; op++)
			try_every_failure(&n, op, sticky, before, after);
		/* The successful operations did what they should (the last
		 * one replaced the page at MB2 - KB4 with a large page). */
		check_lookup(&n, MB2 - KB4, 10 * GB1 + MB2 - KB4, NPT_RWX,
			     NPT_MT_WB, MB2);
		check_lookup(&n, MB2 + KB4, 7 * GB1 + 2 * KB4, NPT_R | NPT_W,
			     NPT_MT_WB, KB4);
		check_lookup(&n, MB2 + 2 * KB4, 6 * GB1 + 2 * KB4, NPT_RWX,
			     NPT_MT_WB, KB4);
		check_lookup(&n, (1ull << 39) - KB4, 9 * GB1 - KB4, NPT_R,
			     NPT_MT_UC, KB4);
		check_lookup(&n, 1ull << 39, 9 * GB1, NPT_R, NPT_MT_UC, MB2);
		check_lookup(&n, (1ull << 39) + MB2, 9 * GB1 + MB2, NPT_R,
			     NPT_MT_UC, KB4);
		check_unmapped(&n, (1ull << 40) + 3 * MB2 + KB4);
		check_lookup(&n, (1ull << 40) + 2 * MB2 + 9 * KB4,
			     2 * MB2 + 9 * KB4, NPT_R, NPT_MT_WB, KB4);
		check_lookup(&n, KB4, 10 * GB1 + KB4, NPT_RWX, NPT_MT_WB, MB2);
		npt_destroy(&n);
		assert_int_equal(live(), 0);
	}
	test_free(before);
	test_free(after);
}

static void test_destroy_frees_all(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	struct npt n;
	u64 i;

	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	for (i = 0; i < 40; i++) {
		u64 g = (i * 0x9e3779b97f4a7c15ull) % NPT_GPA_LIMIT;

		g = ALIGN_DOWN(g, KB4);
		if (g > NPT_GPA_LIMIT - 3 * MB2)
			g -= 3 * MB2;
		assert_int_equal(npt_map(&n, g, i * GB1, 3 * MB2 - KB4,
					 NPT_R | NPT_W, NPT_MT_WB), 0);
	}
	assert_int_equal(npt_map(&n, NPT_GPA_LIMIT - MB2, 0, MB2, NPT_R,
				 NPT_MT_WB), 0);
	assert_true(n.table_pages > 40);
	check_no_leak(&n);
	npt_destroy(&n);
	assert_int_equal(n.table_pages, 0);
	assert_int_equal(live(), 0);
}

/* ---- the hpa_allowed hook, backed by the frame-ownership table */

#define FT_FRAMES (64 * MB2 / KB4)	/* 128 MiB */
static struct frame_table os_ft;
static struct frame_owner os_ft_store[FT_FRAMES];

static int os_hpa_allowed(u64 hpa, u64 size)
{
	return frames_hpa_mappable_by_os(&os_ft, hpa, size);
}

static void test_hpa_allowed(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	u64 hv = 16 * MB2, hv_size = 2 * MB2, top = FT_FRAMES * KB4;
	struct npt n;

	assert_int_equal(frames_init(&os_ft, os_ft_store, FT_FRAMES), 0);
	assert_int_equal(frames_set_range(&os_ft, 0, top, FRAME_OS), 0);
	assert_int_equal(frames_set_range(&os_ft, hv, hv_size, FRAME_HV), 0);
	frames_seal(&os_ft);

	assert_int_equal(npt_init(&n, fmt, os_hpa_allowed), 0);
	/* Identity map of everything includes the hypervisor: refused,
	 * and nothing at all gets mapped. */
	assert_int_equal(npt_map(&n, 0, 0, top, NPT_RWX, NPT_MT_WB), -EPERM);
	assert_int_equal(n.table_pages, 1);
	check_unmapped(&n, 0);
	check_unmapped(&n, hv);
	check_unmapped(&n, top - KB4);
	/* One frame of it, at some other gpa: refused too. */
	assert_int_equal(npt_map(&n, 200 * MB2, hv + hv_size - KB4, KB4,
				 NPT_R, NPT_MT_WB), -EPERM);
	/* Beyond the table: refused. */
	assert_int_equal(npt_map(&n, 0, top, KB4, NPT_R, NPT_MT_WB), -EPERM);
	assert_int_equal(n.table_pages, 1);
	/* Around the hole it works, with large pages. */
	assert_int_equal(npt_map(&n, 0, 0, hv, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&n, hv + hv_size, hv + hv_size,
				 top - hv - hv_size, NPT_RWX, NPT_MT_WB), 0);
	check_lookup(&n, 0, 0, NPT_RWX, NPT_MT_WB, MB2);
	check_unmapped(&n, hv);

	/* A frame given to an enclave can be neither mapped nor
	 * re-enabled by protect, but it can be revoked. */
	assert_int_equal(npt_protect(&n, 40 * MB2, NPT_R), 0);
	assert_int_equal(frames_give(&os_ft, 40 * MB2 / KB4, FRAME_MIEE, 3), 0);
	assert_int_equal(npt_map(&n, 300 * MB2, 40 * MB2, KB4, NPT_R,
				 NPT_MT_WB), -EPERM);
	assert_int_equal(npt_protect(&n, 40 * MB2, NPT_RWX), -EPERM);
	check_lookup(&n, 40 * MB2, 40 * MB2, NPT_R, NPT_MT_WB, KB4);
	assert_int_equal(npt_protect(&n, 40 * MB2, 0), 0);
	check_unmapped(&n, 40 * MB2);
	/* A shared frame is the OS's to map. */
	assert_int_equal(frames_give(&os_ft, 41 * MB2 / KB4, FRAME_SHARED, 3),
			 0);
	assert_int_equal(npt_map(&n, 300 * MB2, 41 * MB2, KB4, NPT_R | NPT_W,
				 NPT_MT_WB), 0);
	check_no_leak(&n);
	npt_destroy(&n);
}

/* A 64-bit BAR far above RAM (where OVMF puts them: 0xe000000000 with a
 * 40-bit physical address width), mapped 2 MiB at a time on first touch as
 * vcpu_npf does: refused while the frame table ends at RAM, allowed once
 * the frames above it are the OS's MMIO, never past the address width. */
static void test_hpa_allowed_high_mmio(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	u64 top = FT_FRAMES * KB4, bar = 0xe000000000ull, width = 1ull << 40;
	struct npt n;

	assert_int_equal(frames_init(&os_ft, os_ft_store, FT_FRAMES), 0);
	assert_int_equal(frames_set_range(&os_ft, 0, top, FRAME_OS), 0);
	assert_int_equal(npt_init(&n, fmt, os_hpa_allowed), 0);
	assert_int_equal(npt_map(&n, bar, bar, MB2, NPT_RWX, NPT_MT_UC), -EPERM);
	check_unmapped(&n, bar);

	assert_int_equal(frames_set_mmio_top(&os_ft, width / KB4), 0);
	frames_seal(&os_ft);
	assert_int_equal(npt_map(&n, bar, bar, MB2, NPT_RWX, NPT_MT_UC), 0);
	check_lookup(&n, bar + 0x14, bar + 0x14, NPT_RWX, NPT_MT_UC, MB2);
	assert_int_equal(npt_map(&n, width - MB2, width - MB2, MB2, NPT_RWX,
				 NPT_MT_UC), 0);
	check_lookup(&n, width - KB4, width - KB4, NPT_RWX, NPT_MT_UC, MB2);
	/* At the width, and two frames across it: refused. */
	assert_int_equal(npt_map(&n, width, width, MB2, NPT_RWX, NPT_MT_UC), -EPERM);
	assert_int_equal(npt_map(&n, width - KB4, width - KB4, 2 * KB4, NPT_R,
				 NPT_MT_UC), -EPERM);
	check_unmapped(&n, width);
	/* RAM below is still the table's: OS RAM maps, as before. */
	assert_int_equal(npt_map(&n, 0, 0, MB2, NPT_RWX, NPT_MT_WB), 0);
	check_no_leak(&n);
	npt_destroy(&n);
}

/* ---- random operations against a per-page reference model */

#define RW_BASE (GB1 - 2 * MB2)		/* straddles a PDPT boundary */
#define RW_PAGES 2048			/* 8 MiB */

struct model_page {
	bool mapped;
	u64 hpa;
	unsigned perms;
	enum npt_mt mt;
};

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static bool perms_ok(enum npt_fmt fmt, unsigned p)
{
	if (!p || p > NPT_RWX)
		return false;
	if (fmt == NPT_FMT_AMD)
		return p & NPT_R;
	return !(p & NPT_W) || (p & NPT_R);
}

static void test_random_model(void **state)
{
	enum npt_fmt fmt = fmt_of(state);
	static struct model_page m[RW_PAGES];
	struct npt n;
	int iter, i;

	memset(m, 0, sizeof(m));
	rnd_state = 0x1234567887654321ull + fmt;
	assert_int_equal(npt_init(&n, fmt, NULL), 0);
	for (iter = 0; iter < 2500; iter++) {
		u64 first = rnd() % RW_PAGES, cnt, hpa, j;
		unsigned perms = rnd() % 9;
		enum npt_mt mt = rnd() & 1 ? NPT_MT_WB : NPT_MT_UC;
		int kind = rnd() % 8, err, expect;
		bool inject = rnd() % 6 == 0;

		/* Favour 2 MiB-aligned starts and sizes. */
		if (rnd() & 1)
			first = ALIGN_DOWN(first, 512);
		cnt = 1 + rnd() % (rnd() & 1 ? 1024 : 8);
		if (rnd() % 3 == 0)
			cnt = 512 * (1 + rnd() % 2);
		if (first + cnt > RW_PAGES)
			cnt = RW_PAGES - first;
		/* hpa congruent to gpa mod 2 MiB half the time. */
		hpa = (1 + rnd() % 1000) * MB2 +
		      (rnd() & 1 ? 0 : (rnd() % 512) * KB4) + first * KB4;
		if (inject)
			fake_fail_alloc(1 + rnd() % 3, rnd() & 1);

		if (kind < 4) {
			err = npt_map(&n, RW_BASE + first * KB4, hpa, cnt * KB4,
				      perms, mt);
			expect = perms_ok(fmt, perms) ? 0 : -EINVAL;
			if (err == -ENOMEM && inject && !expect)
				expect = -ENOMEM;
			assert_int_equal(err, expect);
			for (j = 0; !err && j < cnt; j++) {
				m[first + j].mapped = true;
				m[first + j].hpa = hpa + j * KB4;
				m[first + j].perms = perms;
				m[first + j].mt = mt;
			}
		} else if (kind < 6) {
			err = npt_unmap(&n, RW_BASE + first * KB4, cnt * KB4);
			assert_true(err == 0 || (inject && err == -ENOMEM));
			for (j = 0; !err && j < cnt; j++)
				m[first + j].mapped = false;
		} else {
			perms &= NPT_RWX;
			err = npt_protect(&n, RW_BASE + first * KB4, perms);
			if (!m[first].mapped)
				expect = -ENOENT;
			else if (perms && !perms_ok(fmt, perms))
				expect = -EINVAL;
			else
				expect = 0;
			if (err == -ENOMEM && inject && !expect)
				expect = -ENOMEM;
			assert_int_equal(err, expect);
			if (!err && perms)
				m[first].perms = perms;
			else if (!err)
				m[first].mapped = false;
		}
		fake_fail_alloc(0, false);

		for (i = 0; i < RW_PAGES; i++) {
			u64 g = RW_BASE + (u64)i * KB4;
			unsigned ps;

			if (!m[i].mapped) {
				check_unmapped(&n, g);
				continue;
			}
			assert_int_equal(npt_lookup(&n, g, NULL, NULL, NULL,
						    &ps), 0);
			check_lookup(&n, g, m[i].hpa, m[i].perms, m[i].mt, ps);
		}
		check_no_leak(&n);
	}
	/* Emptying the window prunes all tables but the root. */
	assert_int_equal(npt_unmap(&n, RW_BASE, RW_PAGES * KB4), 0);
	assert_int_equal(n.table_pages, 1);
	npt_destroy(&n);
}

/* Each test once per format, named after it. */
#define BOTH(f) \
	{ #f "/ept", f, setup, teardown, &fmt_ept }, \
	{ #f "/amd", f, setup, teardown, &fmt_amd }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_map_mixed_alignment),
		BOTH(test_perms_encoding),
		BOTH(test_invalid_args),
		BOTH(test_split_protect),
		BOTH(test_unmap_inside_large),
		BOTH(test_remap_replaces),
		BOTH(test_enomem_every_point),
		BOTH(test_destroy_frees_all),
		BOTH(test_hpa_allowed),
		BOTH(test_hpa_allowed_high_mmio),
		BOTH(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
