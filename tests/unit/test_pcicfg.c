/* Host unit tests for hypervisor/iommu/pcicfg.c: the type-1 decoder, the
 * configuration-write policy over a fake PCI bus (functions with real BAR
 * size masks, a Q35 host bridge and LPC bridge, a protected function),
 * and the ACPI MCFG parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errno.h"
#include "iommu/pcicfg.h"

/* ---- a fake bus: config bytes and their write masks per function */

struct fn {
	bool present;
	u8 cfg[256], wmask[256];
};

#define NFN 4
static struct fn bus[NFN];
static const u32 bdfs[NFN] = { PCI_BDF(0, 0, 0), PCI_BDF(0, 3, 0), PCI_BDF(0, 0x1f, 0),
			       PCI_BDF(0, 5, 0) };
static unsigned writes, last_size;

static struct fn *fn_of(u32 bdf)
{
	for (int i = 0; i < NFN; i++)
		if (bdfs[i] == bdf && bus[i].present)
			return &bus[i];
	return NULL;
}

static u32 f_read(void *ctx, u32 bdf, u32 reg)
{
	struct fn *f = fn_of(bdf);
	u32 v;

	(void)ctx;
	assert_int_equal(reg & 3, 0);
	if (!f)
		return ~0u;
	memcpy(&v, f->cfg + reg, 4);
	return v;
}

static void f_write(void *ctx, u32 bdf, u32 reg, unsigned size, u32 val)
{
	struct fn *f = fn_of(bdf);

	(void)ctx;
	writes++;
	last_size = size;
	assert_true((reg & 3) + size <= 4);
	for (unsigned b = 0; f && b < size; b++) {
		u8 m = f->wmask[reg + b], v = (u8)(val >> (8 * b));

		f->cfg[reg + b] = (u8)((f->cfg[reg + b] & ~m) | (v & m));
	}
}

/* Forbidden: RAM [0, 2 GiB), the IOMMU's page, and a "firmware" range at
 * the top of 4 GiB; everything else is BAR space. */
static bool f_range_ok(void *ctx, u64 base, u64 size)
{
	u64 end = base + size;

	(void)ctx;
	if (base < 0x80000000ull)
		return false;
	if (base < 0xfed91000ull && end > 0xfed90000ull)
		return false;
	if (base < 0x100000000ull && end > 0xffe00000ull)
		return false;
	return true;
}

static const struct pcicfg_ops fops = { f_read, f_write, f_range_ok };
static struct pcicfg_guard guard = { .ops = &fops };

static void put(struct fn *f, u32 reg, u32 v, u32 wmask)
{
	memcpy(f->cfg + reg, &v, 4);
	memcpy(f->wmask + reg, &wmask, 4);
}

static u32 get(struct fn *f, u32 reg)
{
	u32 v;

	memcpy(&v, f->cfg + reg, 4);
	return v;
}

#define MCH (&bus[0])
#define DEV (&bus[1])
#define LPC (&bus[2])
#define IOMMU_FN (&bus[3])

static int setup(void **state)
{
	(void)state;
	memset(bus, 0, sizeof(bus));
	writes = 0;
	for (int i = 0; i < NFN; i++)
		bus[i].present = true;
	/* Q35 MCH: PCIEXBAR, PAM, SMRAM writable as in QEMU. */
	put(MCH, 0x00, 0x29c08086, 0);
	put(MCH, 0x60, 0xb0000001, 0xffffffff);
	put(MCH, 0x90, 0x11111130, 0xffffffff);
	put(MCH, 0x9c, 0x38020000, 0xffffffff);
	/* A virtio-like device: BAR0 32-bit 4 KiB, BAR1-2 64-bit 16 KiB,
	 * BAR3 I/O, ROM 256 KiB; memory decode on. */
	put(DEV, 0x00, 0x10421af4, 0);
	put(DEV, 0x04, 0x00100006, 0x00000007);
	put(DEV, 0x10, 0xc0001000, 0xfffff000);
	put(DEV, 0x14, 0x0000000c, 0xffffc000);
	put(DEV, 0x18, 0x000000e0, 0xffffffff);
	put(DEV, 0x1c, 0x0000c001, 0xffffffe0);
	put(DEV, 0x30, 0xc0040000, 0xfffc0001);
	/* ICH9 LPC: PIRQ routing writable, RCBA writable. */
	put(LPC, 0x00, 0x29188086, 0);
	put(LPC, 0x60, 0x0b0a0b0a, 0xffffffff);
	put(LPC, 0xf0, 0xfed1c001, 0xffffc001);
	/* The protected function (an AMD-Vi-like IOMMU). */
	put(IOMMU_FN, 0x00, 0x15131022, 0);
	put(IOMMU_FN, 0x04, 0x00000000, 0x7);
	guard.n_protected = 1;
	guard.protected_bdf[0] = bdfs[3];
	return 0;
}

static int wr(const struct fn *f, u32 reg, unsigned size, u32 val, const char **why)
{
	struct pcicfg_access a = { bdfs[f - bus], reg, size };

	return pcicfg_write(&guard, &a, val, why);
}

static void test_decode(void **state)
{
	struct pcicfg_access a;

	(void)state;
	assert_int_equal(pcicfg_decode(pcicfg_cf8(PCI_BDF(1, 2, 3), 0x10), 0xcfe, 2, &a), 0);
	assert_int_equal(a.bdf, PCI_BDF(1, 2, 3));
	assert_int_equal(a.reg, 0x12);
	assert_int_equal(a.size, 2);
	assert_int_equal(pcicfg_decode(0x00001010, 0xcfc, 4, &a), -ENODEV);
	assert_int_equal(pcicfg_decode(0x81000010, 0xcfc, 4, &a), -EINVAL);	/* AMD ext. reg */
	assert_int_equal(pcicfg_decode(0x80000010, 0xcfe, 4, &a), -EINVAL);	/* crosses */
	assert_int_equal(pcicfg_decode(0x80000010, 0xcfd, 2, &a), 0);
	assert_int_equal(pcicfg_decode(0x80000010, 0xcfc, 3, &a), -EINVAL);
	assert_int_equal(pcicfg_decode(0x80000010, 0xcf8, 4, &a), -EINVAL);
	/* Bits 1:0 of CONFIG_ADDRESS are not part of the register. */
	assert_int_equal(pcicfg_decode(0x80000013, 0xcfc, 1, &a), 0);
	assert_int_equal(a.reg, 0x10);
}

static void test_bar32(void **state)
{
	const char *why;

	(void)state;
	/* Over RAM (a hypervisor frame) and over the IOMMU: refused, BAR kept. */
	assert_int_equal(wr(DEV, 0x10, 4, 0x00100000, &why), -EPERM);
	assert_non_null(strstr(why, "BAR"));
	assert_int_equal(get(DEV, 0x10), 0xc0001000);
	assert_int_equal(wr(DEV, 0x10, 4, 0xfed90000, &why), -EPERM);
	assert_int_equal(get(DEV, 0x10), 0xc0001000);
	/* A byte write that moves the BAR over RAM: same. */
	assert_int_equal(wr(DEV, 0x13, 1, 0x10, &why), -EPERM);
	assert_int_equal(get(DEV, 0x10), 0xc0001000);
	/* Into BAR space, and its own value again: pass. */
	assert_int_equal(wr(DEV, 0x10, 4, 0xc0005000, &why), 0);
	assert_null(why);
	assert_int_equal(get(DEV, 0x10), 0xc0005000);
	assert_int_equal(wr(DEV, 0x10, 4, 0xc0005000, &why), 0);
	/* The size probe put the BAR and the decode back. */
	assert_int_equal(get(DEV, 0x04) & 0xffff, 0x0006);
}

static void test_sizing(void **state)
{
	const char *why;

	(void)state;
	/* All ones with decode on would put a 4 KiB BAR at 0xfffff000, in
	 * the forbidden top range: refused. */
	assert_int_equal(wr(DEV, 0x10, 4, 0xffffffff, &why), -EPERM);
	/* The OS's way: decode off, size, restore, decode on. */
	assert_int_equal(wr(DEV, 0x04, 2, 0x0000, &why), 0);
	assert_int_equal(wr(DEV, 0x10, 4, 0xffffffff, &why), 0);
	assert_int_equal(get(DEV, 0x10), 0xfffff000);
	/* Decode on while the BAR sits at its sizing value: refused. */
	assert_int_equal(wr(DEV, 0x04, 2, 0x0006, &why), -EPERM);
	assert_non_null(strstr(why, "decode"));
	assert_int_equal(get(DEV, 0x04) & 0xffff, 0);
	assert_int_equal(wr(DEV, 0x10, 4, 0xc0001000, &why), 0);
	assert_int_equal(wr(DEV, 0x04, 2, 0x0006, &why), 0);
	assert_int_equal(get(DEV, 0x04) & 0xffff, 0x0006);
	/* ROM: sizing with decode off, then an enabled ROM over RAM cannot
	 * get decode turned on. */
	assert_int_equal(wr(DEV, 0x04, 2, 0x0000, &why), 0);
	assert_int_equal(wr(DEV, 0x30, 4, 0xfffff800, &why), 0);
	assert_int_equal(wr(DEV, 0x30, 4, 0x00200001, &why), -EPERM);
	assert_int_equal(wr(DEV, 0x30, 4, 0xc0040001, &why), 0);
	assert_int_equal(wr(DEV, 0x04, 2, 0x0006, &why), 0);
}

static void test_bar64(void **state)
{
	const char *why;

	(void)state;
	/* The high half alone moves the 64-bit BAR to 0: refused. */
	assert_int_equal(wr(DEV, 0x18, 4, 0, &why), -EPERM);
	assert_int_equal(get(DEV, 0x18), 0xe0);
	/* Low half to the IOMMU's page under a high half of 0 later: the
	 * low write alone (0xe0fed90000) is fine, the high write is not. */
	assert_int_equal(wr(DEV, 0x14, 4, 0xfed9000c, &why), 0);
	assert_int_equal(wr(DEV, 0x18, 4, 0, &why), -EPERM);
	assert_int_equal(get(DEV, 0x18), 0xe0);
	/* Linux's sizing of a 64-bit BAR with decode off, then a move. */
	assert_int_equal(wr(DEV, 0x04, 2, 0, &why), 0);
	assert_int_equal(wr(DEV, 0x14, 4, 0xffffffff, &why), 0);
	assert_int_equal(get(DEV, 0x14), 0xffffc00c);
	assert_int_equal(wr(DEV, 0x14, 4, 0x0000000c, &why), 0);
	assert_int_equal(wr(DEV, 0x18, 4, 0xffffffff, &why), 0);
	assert_int_equal(wr(DEV, 0x18, 4, 0x000000f0, &why), 0);
	assert_int_equal(wr(DEV, 0x04, 2, 0x0006, &why), 0);
	assert_int_equal(get(DEV, 0x18), 0xf0);
	/* The I/O BAR decodes ports: any value passes. */
	assert_int_equal(wr(DEV, 0x1c, 4, 0x00000021, &why), 0);
}

static void test_chipset(void **state)
{
	const char *why;

	(void)state;
	/* PAM0 and PAM1-3 (0x90-0x93), SMRAM (0x9d), PCIEXBAR: refused. */
	assert_int_equal(wr(MCH, 0x90, 1, 0x00, &why), -EPERM);
	assert_non_null(strstr(why, "chipset"));
	assert_int_equal(wr(MCH, 0x91, 2, 0x3333, &why), -EPERM);
	assert_int_equal(wr(MCH, 0x9d, 1, 0x4a, &why), -EPERM);	/* D_OPEN */
	assert_int_equal(wr(MCH, 0x60, 4, 0x00100001, &why), -EPERM);
	assert_int_equal(wr(MCH, 0x60, 4, 0xb0000000, &why), -EPERM);	/* disable */
	assert_int_equal(get(MCH, 0x90), 0x11111130);
	assert_int_equal(get(MCH, 0x9c), 0x38020000);
	assert_int_equal(get(MCH, 0x60), 0xb0000001);
	/* The value already there: passes. */
	writes = 0;
	assert_int_equal(wr(MCH, 0x90, 4, 0x11111130, &why), 0);
	assert_int_equal(writes, 1);
	/* ICH9: RCBA refused, PIRQ routing passes. */
	assert_int_equal(wr(LPC, 0xf0, 4, 0x00104001, &why), -EPERM);
	assert_int_equal(get(LPC, 0xf0), 0xfed1c001);
	assert_int_equal(wr(LPC, 0x60, 1, 0x05, &why), 0);
	assert_int_equal(get(LPC, 0x60), 0x0b0a0b05);
}

static void test_protected_and_absent(void **state)
{
	const char *why;
	struct pcicfg_access a = { PCI_BDF(0, 9, 0), 0x10, 4 };

	(void)state;
	writes = 0;
	assert_int_equal(wr(IOMMU_FN, 0x04, 2, 0x0006, &why), -EPERM);
	assert_non_null(strstr(why, "IOMMU"));
	assert_int_equal(writes, 0);
	assert_int_equal(get(IOMMU_FN, 0x04), 0);
	/* No function at 00:09.0: the write goes out (nothing decodes it). */
	assert_int_equal(pcicfg_write(&guard, &a, 0x00100000, &why), 0);
	assert_int_equal(writes, 1);
}

static void test_exact_size(void **state)
{
	const char *why;

	(void)state;
	/* A word write to the command register is a word write: the status
	 * half (write-one-to-clear) is not rewritten. */
	assert_int_equal(wr(DEV, 0x04, 2, 0x0007, &why), 0);
	assert_int_equal(last_size, 2);
	assert_int_equal(get(DEV, 0x04), 0x00100007);
	/* Other registers pass untouched. */
	assert_int_equal(wr(DEV, 0x3c, 1, 0x0b, &why), 0);
	assert_int_equal(last_size, 1);
}

/* ---- MCFG */

static void mcfg(u8 *t, u32 n, u64 base, u8 start, u8 end)
{
	memset(t, 0, 44 + 16 * n);
	memcpy(t, "MCFG", 4);
	for (u32 i = 0; i < n; i++) {
		memcpy(t + 44 + 16 * i, &base, 8);
		t[44 + 16 * i + 10] = start;
		t[44 + 16 * i + 11] = end;
	}
}

static void test_mcfg(void **state)
{
	u8 t[44 + 16 * 6];
	struct pcicfg_ecam e[PCICFG_MAX_ECAM];
	u32 n;

	(void)state;
	mcfg(t, 1, 0xb0000000, 0, 0xff);
	assert_int_equal(pcicfg_mcfg_parse(t, 60, e, PCICFG_MAX_ECAM, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].base, 0xb0000000);
	assert_int_equal(e[0].end_bus, 0xff);
	assert_int_equal(pcicfg_mcfg_parse(t, 59, e, PCICFG_MAX_ECAM, &n), -EBADMSG);
	assert_int_equal(pcicfg_mcfg_parse(t, 40, e, PCICFG_MAX_ECAM, &n), -EBADMSG);
	mcfg(t, 1, 0xb0080000, 0, 0xff);	/* not 1 MiB aligned */
	assert_int_equal(pcicfg_mcfg_parse(t, 60, e, PCICFG_MAX_ECAM, &n), -EBADMSG);
	mcfg(t, 1, 0xb0000000, 4, 3);		/* empty bus range */
	assert_int_equal(pcicfg_mcfg_parse(t, 60, e, PCICFG_MAX_ECAM, &n), -EBADMSG);
	assert_int_equal(n, 0);
	mcfg(t, 1, ~0ull << 20, 0, 0xff);	/* beyond any address */
	assert_int_equal(pcicfg_mcfg_parse(t, 60, e, PCICFG_MAX_ECAM, &n), -EBADMSG);
	mcfg(t, 6, 0xb0000000, 0, 0xff);
	assert_int_equal(pcicfg_mcfg_parse(t, 44 + 16 * 6, e, PCICFG_MAX_ECAM, &n), -E2BIG);
	assert_int_equal(n, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_decode),
		T(test_bar32),
		T(test_sizing),
		T(test_bar64),
		T(test_chipset),
		T(test_protected_and_absent),
		T(test_exact_size),
		T(test_mcfg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
