/* Host unit tests for hypervisor/iommu/: the DMA page-table builder
 * (dmapt.c), the frame-table mirror and its flush hooks (iommu.c, with a
 * fake remapping unit that records its calls), and the ACPI DMAR parser
 * and hider (dmar.c) over fake firmware tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "core/frames.h"
#include "iommu/dmapt.h"
#include "iommu/dmar.h"
#include "iommu/iommu.h"
#include "platform.h"
#include "support/fake_platform.h"

#define NF 256				/* frames in the test table: 1 MiB */
#define FR(pfn) ((u64)(pfn) * PAGE_SIZE)
#define ACPI_BASE 0x100000ull		/* fake firmware tables: 1-2 MiB */

static struct frame_table ft;
static struct frame_owner store[NF];

static int setup(void **state)
{
	(void)state;
	if (fake_mem_init(0, 2 * FR(NF)))
		return -1;
	memset(&hv_iommu, 0, sizeof(hv_iommu));
	return frames_init(&ft, store, NF);
}

static int teardown(void **state)
{
	(void)state;
	if (hv_iommu.pt.root)
		dmapt_destroy(&hv_iommu.pt);
	memset(&hv_iommu, 0, sizeof(hv_iommu));
	fake_fail_alloc(0, false);
	fake_mem_fini();
	return 0;
}

/* ---- dmapt */

static int allow_even(u64 pfn) { return !(pfn & 1); }
static int allow_all(u64 pfn) { (void)pfn; return 1; }

static void test_dmapt_map_unmap(void **state)
{
	struct dmapt pt;
	u64 perm = 0;

	(void)state;
	assert_int_equal(dmapt_init(&pt, 3, allow_all, NULL), 0);
	assert_int_equal(dmapt_map(&pt, 0x1000, 4), 0);
	assert_int_equal(pt.mapped, 4);
	assert_true(dmapt_lookup(&pt, FR(0x1000) + 0x123, &perm));
	assert_int_equal(perm, DMAPT_R | DMAPT_W);
	assert_true(dmapt_lookup(&pt, FR(0x1003), NULL));
	assert_false(dmapt_lookup(&pt, FR(0x1004), NULL));
	assert_false(dmapt_lookup(&pt, FR(0xfff), NULL));
	/* 3 levels: root, one middle, one leaf table. */
	assert_int_equal(pt.table_pages, 3);
	dmapt_unmap(&pt, 0x1001, 2);
	assert_true(dmapt_lookup(&pt, FR(0x1000), NULL));
	assert_false(dmapt_lookup(&pt, FR(0x1001), NULL));
	assert_false(dmapt_lookup(&pt, FR(0x1002), NULL));
	assert_true(dmapt_lookup(&pt, FR(0x1003), NULL));
	assert_int_equal(pt.mapped, 2);
	/* Unmapping what is absent (even a whole absent leaf table) is fine. */
	dmapt_unmap(&pt, 0x1001, 1);
	dmapt_unmap(&pt, 0x40000, 1024);
	assert_int_equal(pt.mapped, 2);
	/* Re-mapping a frame whose leaf table exists allocates nothing. */
	fake_fail_alloc(1, true);
	assert_int_equal(dmapt_map(&pt, 0x1001, 1), 0);
	fake_fail_alloc(0, false);
	assert_true(dmapt_lookup(&pt, FR(0x1001), NULL));
	/* A range over a leaf-table boundary. */
	assert_int_equal(dmapt_map(&pt, 510, 4), 0);
	assert_true(dmapt_lookup(&pt, FR(511), NULL));
	assert_true(dmapt_lookup(&pt, FR(512), NULL));
	assert_true(dmapt_lookup(&pt, FR(513), NULL));
	assert_false(dmapt_lookup(&pt, FR(514), NULL));
	dmapt_destroy(&pt);
	assert_null(pt.root);
	assert_int_equal(fake_pages_live(), 0);
}

static void test_dmapt_refuses(void **state)
{
	struct dmapt pt;

	(void)state;
	assert_int_equal(dmapt_init(&pt, 5, allow_all, NULL), -EINVAL);
	assert_int_equal(dmapt_init(&pt, 3, NULL, NULL), -EINVAL);
	assert_int_equal(dmapt_init(&pt, 4, allow_even, NULL), 0);
	/* One refused frame in the range: nothing at all is mapped. */
	assert_int_equal(dmapt_map(&pt, 0x2000, 4), -EPERM);
	assert_int_equal(pt.mapped, 0);
	assert_false(dmapt_lookup(&pt, FR(0x2000), NULL));
	assert_int_equal(dmapt_map(&pt, 0x2000, 1), 0);
	/* Beyond a 4-level walk (48 bits), or wrapping. */
	assert_int_equal(dmapt_map(&pt, 1ull << 36, 2), -ERANGE);
	assert_int_equal(dmapt_map(&pt, ~0ull, 2), -ERANGE);
	assert_int_equal(dmapt_map(&pt, 0x2000, 0), -EINVAL);
	/* Out of memory: the call fails with nothing mapped. */
	fake_fail_alloc(2, true);
	assert_int_equal(dmapt_map(&pt, 0x80000000ull, 1), -ENOMEM);
	fake_fail_alloc(0, false);
	assert_false(dmapt_lookup(&pt, FR(0x80000000ull), NULL));
	assert_int_equal(pt.mapped, 1);
	dmapt_destroy(&pt);
	assert_int_equal(fake_pages_live(), 0);
}

static unsigned lines_flushed;
static void count_line(const void *p) { (void)p; lines_flushed++; }

static void test_dmapt_flush_lines(void **state)
{
	struct dmapt pt;

	(void)state;
	lines_flushed = 0;
	assert_int_equal(dmapt_init(&pt, 3, allow_all, count_line), 0);
	assert_int_equal(lines_flushed, 64);	/* the new root, 64-byte lines */
	lines_flushed = 0;
	assert_int_equal(dmapt_map(&pt, 7, 1), 0);
	/* two new tables (64 lines each) + their two links + the leaf */
	assert_int_equal(lines_flushed, 2 * 64 + 3);
	lines_flushed = 0;
	dmapt_unmap(&pt, 7, 1);
	assert_int_equal(lines_flushed, 1);
	dmapt_destroy(&pt);
}

/* ---- iommu.c with a fake unit */

static unsigned fake_flushes, fake_polls;
static int fake_flush_err;
static int fake_flush(void *hw) { (void)hw; fake_flushes++; return fake_flush_err; }
static unsigned fake_poll(void *hw) { (void)hw; fake_polls++; return 2; }
static u64 fake_root(void *hw) { (void)hw; return 0x1234000; }
static const struct iommu_unit_ops fake_ops = {
	.name = "fake", .flush = fake_flush, .poll_faults = fake_poll, .root_pa = fake_root,
};

/* Frames 0-15 absent, 16-191 OS, 32-47 HV (image), 100 MMIO, 192+ MMIO. */
static void make_table(void)
{
	frames_set_range(&ft, 0, FR(NF), FRAME_MMIO);
	frames_set_range(&ft, 0, FR(16), FRAME_ABSENT);
	frames_set_range(&ft, FR(16), FR(176), FRAME_OS);
	frames_set_range(&ft, FR(32), FR(16), FRAME_HV);
	frames_set_range(&ft, FR(100), FR(1), FRAME_MMIO);
	frames_seal(&ft);
	fake_flushes = fake_polls = 0;
	fake_flush_err = 0;
}

static void build(void)
{
	make_table();
	assert_int_equal(iommu_build(&hv_iommu, &ft, 3, &fake_ops, NULL, NULL), 0);
	iommu_activate(&hv_iommu);
}

static void test_build_maps_only_os(void **state)
{
	(void)state;
	build();
	for (u64 pfn = 0; pfn < NF + 16; pfn++) {
		bool want = pfn < NF && frames_kind(&ft, pfn) == FRAME_OS;

		if (dmapt_lookup(&hv_iommu.pt, FR(pfn), NULL) != want)
			fail_msg("pfn %#llx: DMA mapped %d, OS-owned %d", (unsigned long long)pfn,
				 !want, want);
	}
	assert_int_equal(hv_iommu.pt.mapped, frames_count(&ft, FRAME_OS));
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(32), NULL));	/* hypervisor */
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(100), NULL));	/* MMIO */
	/* The tables themselves are hypervisor memory: never mapped. */
	assert_false(dmapt_lookup(&hv_iommu.pt, dmapt_root_pa(&hv_iommu.pt), NULL));
	assert_true(dmapt_is_table(&hv_iommu.pt, dmapt_root_pa(&hv_iommu.pt)));
	assert_false(dmapt_is_table(&hv_iommu.pt, FR(16)));
	/* Building is no flush; nothing is stale yet. */
	assert_int_equal(fake_flushes, 0);
	assert_int_equal(iommu_sync(), 0);
	assert_int_equal(fake_flushes, 0);
	/* The hook refuses to map back frames the OS does not own. */
	iommu_frame_restore(32);
	iommu_frame_restore(100);
	iommu_frame_restore(5);
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(32), NULL));
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(100), NULL));
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(5), NULL));
}

static void test_miee_frame_leaves_and_returns(void **state)
{
	(void)state;
	build();
	memset(fake_mem(FR(50)), 0x5a, PAGE_SIZE);
	/* What miee_add does: give, remove from DMA, sync before returning. */
	assert_int_equal(frames_give(&ft, 50, FRAME_MIEE, 3), 0);
	iommu_frame_remove(50);
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(50), NULL));
	assert_true(hv_iommu.stale);
	assert_int_equal(fake_flushes, 0);
	assert_int_equal(iommu_sync(), 0);
	assert_int_equal(fake_flushes, 1);
	assert_int_equal(hv_iommu.flushes, 1);
	assert_false(hv_iommu.stale);
	assert_int_equal(iommu_sync(), 0);	/* nothing new: no second flush */
	assert_int_equal(fake_flushes, 1);
	/* While the MIEE owns it, restore is refused (not the OS's). */
	iommu_frame_restore(50);
	assert_false(dmapt_lookup(&hv_iommu.pt, FR(50), NULL));
	/* Destroy: scrubbed by the reclaim, then back in the DMA tables. */
	assert_int_equal(frames_reclaim(&ft, 50, 3), 0);
	assert_int_equal(((u8 *)fake_mem(FR(50)))[17], 0);
	iommu_frame_restore(50);
	assert_true(dmapt_lookup(&hv_iommu.pt, FR(50), NULL));
	assert_int_equal(iommu_sync(), 0);
	assert_int_equal(fake_flushes, 2);
	/* Faults: polled through the unit, counted. */
	assert_int_equal(iommu_poll_faults(), 2);
	assert_int_equal(iommu_poll_faults(), 4);
	assert_int_equal(fake_polls, 2);
}

static void test_flush_failure_is_reported(void **state)
{
	(void)state;
	build();
	iommu_frame_remove(60);
	fake_flush_err = -ETIMEDOUT;
	assert_int_equal(iommu_sync(), -ETIMEDOUT);
	assert_true(hv_iommu.stale);		/* still owed */
	fake_flush_err = 0;
	assert_int_equal(iommu_sync(), 0);
	assert_false(hv_iommu.stale);
	assert_int_equal(fake_flushes, 2);
}

static void test_inactive_hooks_do_nothing(void **state)
{
	(void)state;
	make_table();
	assert_int_equal(iommu_build(&hv_iommu, &ft, 3, &fake_ops, NULL, NULL), 0);
	/* Not activated (the hypervisor without a unit): no-ops. */
	iommu_frame_remove(20);
	assert_true(dmapt_lookup(&hv_iommu.pt, FR(20), NULL));
	assert_int_equal(iommu_sync(), 0);
	assert_int_equal(iommu_poll_faults(), 0);
	assert_int_equal(fake_flushes + fake_polls, 0);
	assert_int_equal(iommu_build(NULL, &ft, 3, &fake_ops, NULL, NULL), -EINVAL);
}

static void test_build_out_of_memory(void **state)
{
	(void)state;
	make_table();
	fake_fail_alloc(2, true);
	assert_int_equal(iommu_build(&hv_iommu, &ft, 3, &fake_ops, NULL, NULL), -ENOMEM);
	fake_fail_alloc(0, false);
	assert_null(hv_iommu.pt.root);
	assert_false(hv_iommu.active);
	assert_int_equal(fake_pages_live(), 0);
}

/* ---- dmar.c over fake ACPI tables */

static u8 *at(u64 pa) { return fake_mem(pa); }

static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

static void checksum(u8 *t, u32 len, unsigned off)
{
	u8 s = 0;

	t[off] = 0;
	for (u32 i = 0; i < len; i++)
		s += t[i];
	t[off] = (u8)-s;
}

static void header(u64 pa, const char *sig, u32 len)
{
	u8 *t = at(pa);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
}

#define RSDP ACPI_BASE
#define XSDT (ACPI_BASE + 0x100)
#define RSDT (ACPI_BASE + 0x200)
#define FACP (ACPI_BASE + 0x300)
#define DMAR (ACPI_BASE + 0x400)

/* RSDP -> XSDT (FACP, DMAR) and RSDT (FACP, DMAR); DMAR with two DRHDs
 * and an RMRR. */
static void make_acpi(void)
{
	u8 *r = at(RSDP), *d;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	r[15] = 2;
	put32(r + 16, (u32)RSDT);
	put32(r + 20, 36);
	put64(r + 24, XSDT);
	checksum(r, 20, 8);
	checksum(r, 36, 32);
	header(FACP, "FACP", 36);
	checksum(at(FACP), 36, 9);
	header(XSDT, "XSDT", 36 + 16);
	put64(at(XSDT) + 36, FACP);
	put64(at(XSDT) + 44, DMAR);
	checksum(at(XSDT), 52, 9);
	header(RSDT, "RSDT", 36 + 8);
	put32(at(RSDT) + 36, (u32)DMAR);
	put32(at(RSDT) + 40, (u32)FACP);
	checksum(at(RSDT), 44, 9);
	header(DMAR, "DMAR", 48 + 16 + 24 + 24);
	d = at(DMAR);
	d[36] = 38;				/* 39-bit host address width */
	d += 48;
	put32(d, 0 | (16u << 16));		/* DRHD, 16 bytes */
	d[4] = 1;				/* INCLUDE_PCI_ALL */
	put64(d + 8, 0xfed90000);
	d += 16;
	put32(d, 1 | (24u << 16));		/* RMRR, 24 bytes */
	put64(d + 8, 0x80000);
	put64(d + 16, 0x8ffff);
	d += 24;
	put32(d, 0 | (24u << 16));		/* DRHD with a device scope */
	d[5] = 1;				/* two register pages */
	put64(d + 8, 0xfed91000);
	checksum(at(DMAR), 48 + 16 + 24 + 24, 9);
}

static u8 table_sum(u64 pa)
{
	u32 len;
	u8 s = 0;

	memcpy(&len, at(pa) + 4, 4);
	for (u32 i = 0; i < len; i++)
		s += at(pa)[i];
	return s;
}

static void test_dmar_parse_and_hide(void **state)
{
	struct dmar_info d;
	u32 len;

	(void)state;
	make_acpi();
	assert_int_equal(dmar_find_and_hide(RSDP, &d), 0);
	assert_int_equal(d.n_units, 2);
	assert_int_equal(d.unit[0].base, 0xfed90000);
	assert_int_equal(d.unit[0].size, PAGE_SIZE);
	assert_true(d.unit[0].include_all);
	assert_int_equal(d.unit[1].base, 0xfed91000);
	assert_int_equal(d.unit[1].size, 2 * PAGE_SIZE);
	assert_false(d.unit[1].include_all);
	assert_int_equal(d.n_rmrr, 1);
	assert_int_equal(d.haw, 38);
	assert_int_equal(d.table_pa, DMAR);
	assert_int_equal(d.hidden, 2);
	/* Both root tables lost exactly the DMAR entry, checksums still 0. */
	memcpy(&len, at(XSDT) + 4, 4);
	assert_int_equal(len, 44);
	{
		u64 e;

		memcpy(&e, at(XSDT) + 36, 8);
		assert_int_equal(e, FACP);
	}
	assert_int_equal(table_sum(XSDT), 0);
	memcpy(&len, at(RSDT) + 4, 4);
	assert_int_equal(len, 40);
	{
		u32 e;

		memcpy(&e, at(RSDT) + 36, 4);
		assert_int_equal(e, (u32)FACP);
	}
	assert_int_equal(table_sum(RSDT), 0);
	/* A second walk (the OS's view) finds no DMAR. */
	assert_int_equal(dmar_find_and_hide(RSDP, &d), -ENOENT);
	assert_int_equal(d.n_units, 0);
}

static void test_dmar_bad_tables(void **state)
{
	struct dmar_info d;
	u32 len;

	(void)state;
	assert_int_equal(dmar_find_and_hide(0, &d), -ENOENT);
	make_acpi();
	at(DMAR)[40] ^= 1;			/* DMAR checksum broken */
	assert_int_equal(dmar_find_and_hide(RSDP, &d), -EBADMSG);
	assert_int_equal(d.n_units, 0);
	memcpy(&len, at(XSDT) + 4, 4);
	assert_int_equal(len, 52);		/* nothing hidden */
	make_acpi();
	put32(at(DMAR) + 48, 0 | (200u << 16));	/* DRHD running past the table */
	checksum(at(DMAR), 48 + 16 + 24 + 24, 9);
	assert_int_equal(dmar_find_and_hide(RSDP, &d), -EBADMSG);
	assert_int_equal(d.n_units, 0);
	make_acpi();
	put64(at(DMAR) + 48 + 8, 0xfed90800);	/* unaligned register base */
	checksum(at(DMAR), 48 + 16 + 24 + 24, 9);
	assert_int_equal(dmar_find_and_hide(RSDP, &d), -EBADMSG);
	make_acpi();
	memcpy(at(RSDP), "RSD PTX ", 8);
	assert_int_equal(dmar_find_and_hide(RSDP, &d), -EBADMSG);
}

/* The generic walk the PCI guard uses for the MCFG (FACP stands in). */
static void test_acpi_take_table(void **state)
{
	struct dmar_info d;
	u64 pa;
	u32 hidden, len;

	(void)state;
	make_acpi();
	at(FACP)[20] ^= 1;			/* bad checksum: refused, nothing hidden */
	assert_int_equal(acpi_take_table(RSDP, "FACP", &pa, &hidden), -EBADMSG);
	assert_int_equal(hidden, 0);
	memcpy(&len, at(XSDT) + 4, 4);
	assert_int_equal(len, 52);
	make_acpi();
	assert_int_equal(acpi_take_table(RSDP, "FACP", &pa, &hidden), 0);
	assert_int_equal(pa, FACP);
	assert_int_equal(hidden, 2);
	assert_int_equal(table_sum(XSDT), 0);
	assert_int_equal(table_sum(RSDT), 0);
	assert_int_equal(acpi_take_table(RSDP, "FACP", &pa, &hidden), -ENOENT);
	/* The DMAR is still there and still parses. */
	assert_int_equal(dmar_find_and_hide(RSDP, &d), 0);
	assert_int_equal(d.n_units, 2);
	assert_int_equal(acpi_take_table(0, "MCFG", &pa, &hidden), -ENOENT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dmapt_map_unmap),
		T(test_dmapt_refuses),
		T(test_dmapt_flush_lines),
		T(test_build_maps_only_os),
		T(test_miee_frame_leaves_and_returns),
		T(test_flush_failure_is_reported),
		T(test_inactive_hooks_do_nothing),
		T(test_build_out_of_memory),
		T(test_dmar_parse_and_hide),
		T(test_dmar_bad_tables),
		T(test_acpi_take_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
