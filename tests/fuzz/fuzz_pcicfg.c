/* libFuzzer harness: the PCI configuration-write policy (hypervisor/iommu/
 * pcicfg.c) over a fake bus the input describes. Input: per function a
 * layout (header type, BAR types and sizes, ROM size, initial values),
 * then writes (function, register, size, value). Checks after every
 * write: a refused write changed nothing; no function decodes memory
 * (command bit 1) with a BAR or enabled ROM over a forbidden range (RAM
 * below 2 GiB, the IOMMU's page, the top 2 MiB below 4 GiB); the Q35 host
 * bridge's guarded registers and the protected function never change. */
#include <string.h>
#include "fuzz.h"
#include "errno.h"
#include "iommu/pcicfg.h"

#define NFN 3

struct fn {
	u8 cfg[256], wmask[256];
	u64 bar_mask[7];	/* per BAR slot (low register) and ROM: address mask */
	bool bar64[7];
};

static struct fn bus[NFN];

static u32 f_read(void *ctx, u32 bdf, u32 reg)
{
	u32 v;

	(void)ctx;
	FUZZ_CHECK(bdf < NFN && !(reg & 3) && reg < 256);
	memcpy(&v, bus[bdf].cfg + reg, 4);
	return v;
}

static void f_write(void *ctx, u32 bdf, u32 reg, unsigned size, u32 val)
{
	(void)ctx;
	FUZZ_CHECK(bdf < NFN && (size == 1 || size == 2 || size == 4) && (reg & 3) + size <= 4);
	for (unsigned b = 0; b < size; b++) {
		u8 m = bus[bdf].wmask[reg + b];

		bus[bdf].cfg[reg + b] = (u8)((bus[bdf].cfg[reg + b] & ~m) | ((u8)(val >> (8 * b)) & m));
	}
}

static bool forbidden(u64 base, u64 size)
{
	u64 end = base + size;

	if (end < base)
		end = ~0ull;
	return base < 0x80000000ull || (base < 0xfed91000ull && end > 0xfed90000ull) ||
	       (base < 0x100000000ull && end > 0xffe00000ull);
}

static bool f_range_ok(void *ctx, u64 base, u64 size)
{
	(void)ctx;
	return !forbidden(base, size);
}

static const struct pcicfg_ops fops = { f_read, f_write, f_range_ok };

static void put32(struct fn *f, u32 reg, u32 v, u32 m)
{
	memcpy(f->cfg + reg, &v, 4);
	memcpy(f->wmask + reg, &m, 4);
}

static u32 get32(const struct fn *f, u32 reg)
{
	u32 v;

	memcpy(&v, f->cfg + reg, 4);
	return v;
}

/* The fake's own truth: is any decoding BAR over a forbidden range? */
static bool decodes_forbidden(const struct fn *f)
{
	if (!(get32(f, 0x04) & 2))
		return false;
	for (int i = 0; i < 7; i++) {
		u32 reg = i < 6 ? 0x10 + 4 * i : 0x30;
		u64 m = f->bar_mask[i], v;

		if (!m)
			continue;
		v = get32(f, reg) | (f->bar64[i] ? (u64)get32(f, reg + 4) << 32 : 0);
		if (i == 6 && !(v & 1))
			continue;	/* ROM not enabled */
		if (forbidden(v & m, m & (~m + 1)))
			return true;
	}
	return false;
}

static const u8 *in;
static size_t left;

static u8 take(void)
{
	if (!left)
		return 0;
	left--;
	return *in++;
}

static u32 take32(void)
{
	u32 v = take();

	v |= (u32)take() << 8;
	v |= (u32)take() << 16;
	return v | (u32)take() << 24;
}

static void build(struct fn *f, u32 id)
{
	memset(f, 0, sizeof(*f));
	put32(f, 0x00, id, 0);
	put32(f, 0x04, 0, 0x7);		/* decode starts off */
	for (int i = 0; i < 6; i++) {
		u8 t = take(), e = take();
		u32 reg = 0x10 + 4 * i;

		switch (t & 3) {
		case 1:		/* I/O, 32 bytes */
			put32(f, reg, 1, 0xffffffe0);
			break;
		case 2: {	/* 32-bit memory, 2^12 .. 2^31 */
			u32 m = ~0u << (12 + e % 20);

			put32(f, reg, take32() & m, m);
			f->bar_mask[i] = 0xffffffff00000000ull | m;
			break;
		}
		case 3:		/* 64-bit memory, 2^12 .. 2^43 */
			if (i < 5) {
				u64 m = ~0ull << (12 + e % 32);
				u64 v = ((u64)take32() << 32 | take32()) & m;

				put32(f, reg, (u32)v | 4, (u32)m);
				put32(f, reg + 4, (u32)(v >> 32), (u32)(m >> 32));
				f->bar_mask[i] = m;
				f->bar64[i] = true;
				i++;
			}
			break;
		}
	}
	if (take() & 1) {
		u32 m = ~0u << (11 + take() % 14);

		put32(f, 0x30, take32() & m, m | 1);
		f->bar_mask[6] = 0xffffffff00000000ull | m;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcicfg_guard g = { .ops = &fops, .n_protected = 1, .protected_bdf = { 2 } };
	u8 mch_guarded[0xc0];

	in = data;
	left = size;
	build(&bus[0], 0x10421af4);
	build(&bus[1], 0x29c08086);	/* Q35 MCH: BARs as drawn, plus 0x40-0xff */
	memset(bus[1].wmask + 0x40, 0xff, 0xc0);
	for (int i = 0x40; i < 0x100; i++)
		bus[1].cfg[i] = take();
	memcpy(mch_guarded, bus[1].cfg + 0x40, sizeof(mch_guarded));
	build(&bus[2], 0x15131022);	/* the protected function */
	while (left >= 7) {
		struct fn before[NFN];
		u8 op = take();
		struct pcicfg_access a = { .bdf = op % NFN };
		const char *why;
		u32 val;
		int err;

		a.size = (op >> 2) % 3 == 0 ? 1 : (op >> 2) % 3 == 1 ? 2 : 4;
		a.reg = take() & ~(a.size - 1);
		if (take() & 1)
			a.reg = (a.reg & 0x3c) | (a.reg & 3);	/* mostly the header */
		val = take32();
		memcpy(before, bus, sizeof(bus));
		err = pcicfg_write(&g, &a, val, &why);
		FUZZ_CHECK(err == 0 || err == -EPERM);
		FUZZ_CHECK(!err == !why);
		if (err)
			FUZZ_CHECK(!memcmp(before, bus, sizeof(bus)));
		/* Every function starts with decode off: never over a forbidden range. */
		for (int i = 0; i < NFN; i++)
			FUZZ_CHECK(!decodes_forbidden(&bus[i]));
		FUZZ_CHECK(!memcmp(mch_guarded, bus[1].cfg + 0x40, sizeof(mch_guarded)));
		FUZZ_CHECK(!memcmp(&before[2], &bus[2], sizeof(bus[2])));
	}
	return 0;
}
