/* The processors the firmware lists: RSDP -> XSDT (or RSDT) -> MADT
 * (ACPI 6.4 5.2.5, 5.2.7, 5.2.8, 5.2.12). Reads firmware tables only;
 * every length is checked against its container. */
#include "hv.h"
#include "smp.h"

#define SDT_HDR 36
#define MADT_ENTRIES 44		/* header, local APIC address, flags */
#define MADT_LAPIC 0		/* 5.2.12.2 */
#define MADT_X2APIC 9		/* 5.2.12.12 */
#define MADT_ENABLED BIT(0)

static u32 rd32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static u64 rd64(const u8 *p)
{
	return rd32(p) | (u64)rd32(p + 4) << 32;
}

/* Length of the table at pa if its signature is sig, else 0. */
static u32 sdt_len(u64 pa, const char *sig)
{
	const u8 *t;
	u32 len;

	if (!pa)
		return 0;
	t = phys_to_virt(pa);
	if (memcmp(t, sig, 4))
		return 0;
	len = rd32(t + 4);
	return len >= SDT_HDR && len < (1u << 20) ? len : 0;
}

static u64 find_madt(u64 rsdp_pa)
{
	const u8 *rsdp = phys_to_virt(rsdp_pa);
	bool x = rsdp[15] >= 2 && rd64(rsdp + 24);
	u64 root = x ? rd64(rsdp + 24) : rd32(rsdp + 16);
	u32 len = sdt_len(root, x ? "XSDT" : "RSDT"), step = x ? 8 : 4;
	const u8 *t = phys_to_virt(root);

	for (u32 off = SDT_HDR; len && off + step <= len; off += step) {
		u64 pa = x ? rd64(t + off) : rd32(t + off);

		if (sdt_len(pa, "APIC") >= MADT_ENTRIES)
			return pa;
	}
	return 0;
}

int madt_apic_ids(u64 rsdp_pa, u32 *ids, u32 max, u32 *n)
{
	u64 madt = rsdp_pa && !memcmp(phys_to_virt(rsdp_pa), "RSD PTR ", 8) ?
		   find_madt(rsdp_pa) : 0;
	u32 len = madt ? sdt_len(madt, "APIC") : 0;
	const u8 *t;

	*n = 0;
	if (!len)
		return -ENOENT;
	t = phys_to_virt(madt);
	for (u32 off = MADT_ENTRIES; off + 2 <= len;) {
		const u8 *e = t + off;
		u32 id = ~0u;

		if (e[1] < 2 || off + e[1] > len)
			break;		/* malformed: stop at what was sound */
		if (e[0] == MADT_LAPIC && e[1] >= 8 && (rd32(e + 4) & MADT_ENABLED))
			id = e[3];
		else if (e[0] == MADT_X2APIC && e[1] >= 16 && (rd32(e + 8) & MADT_ENABLED))
			id = rd32(e + 4);
		if (id != ~0u) {
			bool dup = false;

			for (u32 i = 0; i < *n; i++)
				dup |= ids[i] == id;
			if (!dup && *n < max)
				ids[(*n)++] = id;
			else if (!dup)
				return -E2BIG;
		}
		off += e[1];
	}
	return 0;
}
