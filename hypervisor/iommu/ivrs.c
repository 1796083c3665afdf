/* ACPI IVRS parsing (AMD spec 48882 rev 3.x 5.2.2-5.2.3). */
#include "iommu/ivrs.h"
#include "errno.h"
#include "platform.h"

#define IVRS_HDR 48		/* ACPI header, IVinfo, 8 reserved */
#define IVHD_10 0x10		/* 24-byte header */
#define IVHD_11 0x11		/* 40-byte header (EFR image) */
#define IVHD_40 0x40
#define IVMD_FIRST 0x20
#define IVMD_LAST 0x22

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

static int add(struct ivrs_info *out, u64 base, u16 bdf, u16 seg)
{
	/* An IVRS describes a unit once per IVHD type it supports (10h and
	 * 11h/40h for the same unit): count it once. */
	for (u32 i = 0; i < out->n_units; i++)
		if (out->unit[i].base == base && out->unit[i].bdf == bdf &&
		    out->unit[i].segment == seg)
			return 0;
	if (out->n_units == IVRS_MAX_UNITS)
		return -E2BIG;
	out->unit[out->n_units].base = base;
	out->unit[out->n_units].bdf = bdf;
	out->unit[out->n_units].segment = seg;
	out->n_units++;
	return 0;
}

int ivrs_parse(const u8 *t, u32 len, struct ivrs_info *out)
{
	u32 off = IVRS_HDR;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (len < IVRS_HDR)
		return -EBADMSG;
	while (!err && off < len) {
		const u8 *b = t + off;
		u32 blen;

		if (len - off < 4) {
			err = -EBADMSG;
			break;
		}
		blen = rd16(b + 2);
		if (blen < 4 || blen > len - off) {
			err = -EBADMSG;
			break;
		}
		if (b[0] == IVHD_10 || b[0] == IVHD_11 || b[0] == IVHD_40) {
			u64 base;

			if (blen < (b[0] == IVHD_10 ? 24u : 40u)) {
				err = -EBADMSG;
				break;
			}
			base = rd64(b + 8);
			if (!base || (base & (IVRS_MMIO_SIZE - 1)) ||
			    base > (1ull << 52) - IVRS_MMIO_SIZE) {
				err = -EBADMSG;
				break;
			}
			err = add(out, base, rd16(b + 4), rd16(b + 16));
		} else if (b[0] >= IVMD_FIRST && b[0] <= IVMD_LAST) {
			out->n_ivmd++;
		}
		off += blen;
	}
	if (!err && !out->n_units)
		err = -EBADMSG;
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}
