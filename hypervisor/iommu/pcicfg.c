/* PCI configuration-write policy (pcicfg.h; PCI Local Bus 3.0 6.2.5, PCI
 * Firmware 3.2 4.1.2).  No hardware access of its own: everything goes
 * through the guard's ops. */
#include "iommu/pcicfg.h"
#include "errno.h"
#include "platform.h"

#define REG_ID 0x00
#define REG_CMD 0x04
#define CMD_IO (1u << 0)
#define CMD_MEM (1u << 1)
#define REG_HDR 0x0c		/* header type in byte 0x0e */
#define REG_BAR0 0x10
#define BAR_IO (1u << 0)
#define BAR_TYPE_64 (2u << 1)
#define BAR_MEM_FLAGS 0xfu
#define ROM_ENABLE (1u << 0)
#define ROM_FLAGS 0x7ffu

/* Registers only the firmware sets, by device ID (byte offsets,
 * inclusive).  Q35 MCH (Intel 3 Series datasheet 5.1; QEMU's q35 model):
 * 0x40-0xff holds EPBAR/MCHBAR/DMIBAR, GGC, DEVEN, PCIEXBAR (0x60), PAM0-6
 * (0x90-0x96), REMAPBASE/LIMIT (0x98-0x9b), SMRAM (0x9d), ESMRAMC (0x9e),
 * TOM/TOUUD/GBSM/BGSM/TSEGMB/TOLUD (0xa0-0xb1) and QEMU's extended-TSEG
 * (0x50) and SMBASE (0x9c) registers.  ICH9 LPC: RCBA (0xf0), the
 * chipset-configuration window.  i440FX (PMC): DRAM control, PAM
 * (0x59-0x5f), DRB and SMRAM (0x72). */
static const struct chipset_reg {
	u16 vendor, device;
	u8 lo, hi;
} chipset[] = {
	{ 0x8086, 0x29c0, 0x40, 0xff },
	{ 0x8086, 0x2918, 0xf0, 0xf3 },
	{ 0x8086, 0x1237, 0x50, 0x7f },
};

int pcicfg_decode(u32 cf8, u16 port, unsigned size, struct pcicfg_access *a)
{
	u32 off = (u32)port - PCICFG_DATA_PORT;

	if (port < PCICFG_DATA_PORT || off > 3 || (size != 1 && size != 2 && size != 4) ||
	    off + size > 4)
		return -EINVAL;
	if (!(cf8 & PCICFG_ENABLE))
		return -ENODEV;
	if (cf8 & 0x7f000000u)
		return -EINVAL;
	a->bdf = (cf8 >> 8) & 0xffff;
	a->reg = (cf8 & 0xfc) + off;
	a->size = size;
	return 0;
}

static u32 rd(const struct pcicfg_guard *g, u32 bdf, u32 reg)
{
	return g->ops->read(g->ctx, bdf, reg & 0xfc);
}

/* The BAR registers of a function: n dwords from REG_BAR0, and the ROM. */
static void bar_layout(const struct pcicfg_guard *g, u32 bdf, u32 *n, u32 *rom)
{
	switch ((rd(g, bdf, REG_HDR) >> 16) & 0x7f) {
	case 0:
		*n = 6;
		*rom = 0x30;
		break;
	case 1:			/* PCI-to-PCI bridge */
		*n = 2;
		*rom = 0x38;
		break;
	case 2:			/* CardBus bridge: one BAR, no ROM */
		*n = 1;
		*rom = 0;
		break;
	default:
		*n = 0;
		*rom = 0;
	}
}

/* Which memory BAR register reg belongs to: *lo is the register of its low
 * dword (reg itself, or reg - 4 for the high half of a 64-bit BAR), *is64
 * its width.  0, or -ENOENT if reg is no memory BAR (I/O BARs decode
 * ports, not memory). */
static int find_bar(const struct pcicfg_guard *g, u32 bdf, u32 reg, u32 *lo, bool *is64)
{
	u32 n, rom;

	bar_layout(g, bdf, &n, &rom);
	if (rom && reg == rom) {
		*lo = rom;
		*is64 = false;
		return 0;
	}
	for (u32 i = 0; i < n; i++) {
		u32 r = REG_BAR0 + 4 * i, v = rd(g, bdf, r);
		bool wide = !(v & BAR_IO) && (v & 6) == BAR_TYPE_64 && i + 1 < n;

		if (r == reg || (wide && r + 4 == reg)) {
			if (v & BAR_IO)
				return -ENOENT;
			*lo = r;
			*is64 = wide;
			return 0;
		}
		if (wide)
			i++;
	}
	return -ENOENT;
}

/* The low bits of a BAR or ROM register that are not address. */
static u32 addr_flags(u32 lo)
{
	return lo >= 0x30 ? ROM_FLAGS : BAR_MEM_FLAGS;
}

/* The BAR's address mask, learnt the way the OS learns it (PCI 3.0
 * 6.2.5.1): decode off, all ones written, read back, value restored,
 * decode restored.  0 if the BAR is not implemented. */
static u64 bar_mask(const struct pcicfg_guard *g, u32 bdf, u32 lo, bool is64, u32 flags)
{
	u32 cmd = rd(g, bdf, REG_CMD) & 0xffff, save_lo, save_hi = 0, m_lo, m_hi = ~0u;

	if (cmd & (CMD_IO | CMD_MEM))
		g->ops->write(g->ctx, bdf, REG_CMD, 2, cmd & ~(CMD_IO | CMD_MEM));
	save_lo = rd(g, bdf, lo);
	g->ops->write(g->ctx, bdf, lo, 4, ~flags | (save_lo & flags));
	m_lo = rd(g, bdf, lo);
	g->ops->write(g->ctx, bdf, lo, 4, save_lo);
	if (is64) {
		save_hi = rd(g, bdf, lo + 4);
		g->ops->write(g->ctx, bdf, lo + 4, 4, ~0u);
		m_hi = rd(g, bdf, lo + 4);
		g->ops->write(g->ctx, bdf, lo + 4, 4, save_hi);
	}
	if (cmd & (CMD_IO | CMD_MEM))
		g->ops->write(g->ctx, bdf, REG_CMD, 2, cmd);
	m_lo &= ~flags;
	if (!m_lo && (!is64 || !m_hi))
		return 0;
	return ((u64)m_hi << 32) | m_lo;
}

/* May this BAR (low register lo) decode address addr (flag bits included)? */
static bool bar_ok(const struct pcicfg_guard *g, u32 bdf, u32 lo, bool is64, u64 addr)
{
	u64 mask = bar_mask(g, bdf, lo, is64, addr_flags(lo)), size, base;

	if (!mask)
		return true;	/* nothing decodes */
	size = mask & (~mask + 1);	/* lowest address bit the BAR keeps */
	base = addr & mask;
	if (base + size < base)
		size = 0 - base;	/* ends at the top of the address space */
	return g->ops->range_ok(g->ctx, base, size);
}

static u64 bar_addr(const struct pcicfg_guard *g, u32 bdf, u32 lo, bool is64, u32 reg, u32 val)
{
	u32 l = reg == lo ? val : rd(g, bdf, lo);
	u32 h = !is64 ? 0 : reg == lo + 4 ? val : rd(g, bdf, lo + 4);

	return ((u64)h << 32) | l;
}

/* Turning memory decode on: every memory BAR, and the ROM if enabled, must
 * decode an allowed range (their values were not checked while sizing). */
static bool all_bars_ok(const struct pcicfg_guard *g, u32 bdf)
{
	u32 n, rom;

	bar_layout(g, bdf, &n, &rom);
	for (u32 i = 0; i < n; i++) {
		u32 r = REG_BAR0 + 4 * i, v = rd(g, bdf, r);
		bool wide = !(v & BAR_IO) && (v & 6) == BAR_TYPE_64 && i + 1 < n;

		if (!(v & BAR_IO) && !bar_ok(g, bdf, r, wide, bar_addr(g, bdf, r, wide, r, v)))
			return false;
		if (wide)
			i++;
	}
	if (rom && (rd(g, bdf, rom) & ROM_ENABLE) &&
	    !bar_ok(g, bdf, rom, false, rd(g, bdf, rom)))
		return false;
	return true;
}

static u32 guarded_bytes(u32 id, u32 reg)
{
	u32 mask = 0;

	for (u32 i = 0; i < sizeof(chipset) / sizeof(chipset[0]); i++) {
		const struct chipset_reg *c = &chipset[i];

		if (id != ((u32)c->device << 16 | c->vendor))
			continue;
		for (u32 b = 0; b < 4; b++)
			if (reg + b >= c->lo && reg + b <= c->hi)
				mask |= 0xffu << (8 * b);
	}
	return mask;
}

int pcicfg_write(const struct pcicfg_guard *g, const struct pcicfg_access *a, u32 val,
		 const char **why)
{
	u32 dw = a->reg & 0xfc, sh = 8 * (a->reg & 3), id, cur, next, lo;
	u32 m = a->size == 4 ? ~0u : ((1u << (8 * a->size)) - 1) << sh;
	bool is64;

	*why = NULL;
	for (u32 i = 0; i < g->n_protected && i < PCICFG_MAX_PROTECTED; i++)
		if (g->protected_bdf[i] == a->bdf) {
			*why = "the IOMMU's own function";
			return -EPERM;
		}
	id = rd(g, a->bdf, REG_ID);
	if ((id & 0xffff) == 0xffff)
		goto write;	/* no function there: nothing decodes */
	cur = rd(g, a->bdf, dw);
	next = (cur & ~m) | ((val << sh) & m);
	if (next == cur)
		goto write;
	if ((cur ^ next) & guarded_bytes(id, dw)) {
		*why = "a chipset memory-map register";
		return -EPERM;
	}
	if (dw == REG_CMD && (next & CMD_MEM) && !(cur & CMD_MEM) && !all_bars_ok(g, a->bdf)) {
		*why = "memory decode on with a BAR over protected memory";
		return -EPERM;
	}
	if (!find_bar(g, a->bdf, dw, &lo, &is64)) {
		/* All ones in the address bits: the OS sizing the BAR. */
		bool sizing = (next | (dw == lo ? addr_flags(lo) : 0)) == ~0u;
		bool decoding = rd(g, a->bdf, REG_CMD) & CMD_MEM;

		if ((!sizing || decoding) &&
		    !bar_ok(g, a->bdf, lo, is64, bar_addr(g, a->bdf, lo, is64, dw, next))) {
			*why = "a BAR over protected memory";
			return -EPERM;
		}
	}
write:
	g->ops->write(g->ctx, a->bdf, a->reg, a->size, val);
	return 0;
}

#define MCFG_HDR 44		/* ACPI header and 8 reserved bytes */
#define MCFG_ENTRY 16
#define ECAM_BUS_SHIFT 20

int pcicfg_mcfg_parse(const u8 *t, u32 len, struct pcicfg_ecam *out, u32 max, u32 *n)
{
	*n = 0;
	if (len < MCFG_HDR || (len - MCFG_HDR) % MCFG_ENTRY)
		return -EBADMSG;
	for (u32 off = MCFG_HDR; off < len; off += MCFG_ENTRY) {
		struct pcicfg_ecam e;

		memcpy(&e.base, t + off, 8);
		memcpy(&e.segment, t + off + 8, 2);
		e.start_bus = t[off + 10];
		e.end_bus = t[off + 11];
		if (e.start_bus > e.end_bus || (e.base & ((1ull << ECAM_BUS_SHIFT) - 1)) ||
		    e.base > (1ull << 52) - (256ull << ECAM_BUS_SHIFT)) {
			*n = 0;
			return -EBADMSG;
		}
		if (*n == max) {
			*n = 0;
			return -E2BIG;
		}
		out[(*n)++] = e;
	}
	return 0;
}
