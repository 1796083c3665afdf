/* ACPI DMAR parsing and hiding (VT-d spec 3.x 8.1-8.4; ACPI 6.4 5.2). */
#include "iommu/dmar.h"
#include "errno.h"
#include "platform.h"

#define ACPI_HDR 36
#define ACPI_MAX_LEN (1u << 20)
#define DMAR_HDR 48		/* header, HAW, flags, 10 reserved */
#define DRHD_TYPE 0
#define RMRR_TYPE 1
#define DRHD_F_INCLUDE_ALL 1

static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }
static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }

static u8 sum(const u8 *p, u32 n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* An ACPI table at pa with a sane length and a zero checksum, or NULL. */
static u8 *table(u64 pa, const char *sig)
{
	u8 *t;
	u32 len;

	if (!pa)
		return NULL;
	t = phys_to_virt(pa);
	len = rd32(t + 4);
	if (len < ACPI_HDR || len > ACPI_MAX_LEN || sum(t, len))
		return NULL;
	if (sig && memcmp(t, sig, 4))
		return NULL;
	return t;
}

static int parse(const u8 *d, u64 pa, struct dmar_info *out)
{
	u32 len = rd32(d + 4), off = DMAR_HDR;

	if (len < DMAR_HDR)
		return -EBADMSG;
	out->haw = d[36];
	out->flags = d[37];
	out->table_pa = pa;
	while (off + 4 <= len) {
		const u8 *s = d + off;
		u16 type = rd16(s), slen = rd16(s + 2);

		if (slen < 4 || off + slen > len)
			return -EBADMSG;
		if (type == DRHD_TYPE) {
			struct dmar_unit *u;

			if (slen < 16)
				return -EBADMSG;
			if (out->n_units == DMAR_MAX_UNITS)
				return -E2BIG;
			u = &out->unit[out->n_units++];
			u->base = rd64(s + 8);
			u->size = PAGE_SIZE << (s[5] & 0xf);
			u->segment = rd16(s + 6);
			u->include_all = s[4] & DRHD_F_INCLUDE_ALL;
			if (!u->base || (u->base & (PAGE_SIZE - 1)))
				return -EBADMSG;
		} else if (type == RMRR_TYPE) {
			out->n_rmrr++;
		}
		off += slen;
	}
	return out->n_units ? 0 : -EBADMSG;
}

/* Remove entries pointing at a table with signature sig from a root table
 * with entries of esize bytes; keeps the checksum valid. */
static u32 hide(u8 *root, u32 esize, const char *sig)
{
	u32 len = rd32(root + 4), n = (len - ACPI_HDR) / esize, kept = 0, gone = 0;
	u8 *e = root + ACPI_HDR;

	for (u32 i = 0; i < n; i++) {
		u64 pa = esize == 8 ? rd64(e + i * esize) : rd32(e + i * esize);
		const u8 *t = pa ? phys_to_virt(pa) : NULL;

		if (t && !memcmp(t, sig, 4)) {
			gone++;
			continue;
		}
		memmove(e + kept * esize, e + i * esize, esize);
		kept++;
	}
	if (!gone)
		return 0;
	memset(e + kept * esize, 0, (n - kept) * esize);
	len = ACPI_HDR + kept * esize;
	memcpy(root + 4, &len, 4);
	root[9] = 0;
	root[9] = (u8)-sum(root, len);
	return gone;
}

/* The RSDT and XSDT the RSDP names (ACPI 6.4 5.2.5): 0, -ENOENT, -EBADMSG. */
static int roots(u64 rsdp_pa, u8 *out[2])
{
	u8 *rsdp;

	out[0] = out[1] = NULL;
	if (!rsdp_pa)
		return -ENOENT;
	rsdp = phys_to_virt(rsdp_pa);
	if (memcmp(rsdp, "RSD PTR ", 8) || sum(rsdp, 20))
		return -EBADMSG;
	out[0] = table(rd32(rsdp + 16), "RSDT");
	if (rsdp[15] >= 2 && !sum(rsdp, rd32(rsdp + 20) < 36 ? 36 : rd32(rsdp + 20)))
		out[1] = table(rd64(rsdp + 24), "XSDT");
	return out[0] || out[1] ? 0 : -EBADMSG;
}

/* The first table with signature sig (XSDT first): 0, -ENOENT, -EBADMSG
 * (found with a bad length or checksum). */
static int find(u8 *rts[2], const char *sig, const u8 **t, u64 *pa)
{
	for (int r = 1; r >= 0; r--) {
		u32 esize = r ? 8 : 4, n;

		if (!rts[r])
			continue;
		n = (rd32(rts[r] + 4) - ACPI_HDR) / esize;
		for (u32 i = 0; i < n; i++) {
			const u8 *e = rts[r] + ACPI_HDR + i * esize;
			u64 p = esize == 8 ? rd64(e) : rd32(e);

			if (p && !memcmp(phys_to_virt(p), sig, 4)) {
				*t = table(p, sig);
				*pa = p;
				return *t ? 0 : -EBADMSG;
			}
		}
	}
	return -ENOENT;
}

int acpi_take_table(u64 rsdp_pa, const char *sig, u64 *pa, u32 *hidden)
{
	u8 *rts[2];
	const u8 *t;
	int err = roots(rsdp_pa, rts);

	*pa = 0;
	*hidden = 0;
	if (!err)
		err = find(rts, sig, &t, pa);
	if (err)
		return err;
	for (int r = 0; r < 2; r++)
		if (rts[r])
			*hidden += hide(rts[r], r ? 8 : 4, sig);
	return 0;
}

int dmar_find_and_hide(u64 rsdp_pa, struct dmar_info *out)
{
	u8 *rts[2];
	const u8 *dmar = NULL;
	u64 dmar_pa = 0;
	int err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = roots(rsdp_pa, rts);
	if (!err)
		err = find(rts, "DMAR", &dmar, &dmar_pa);
	if (err)
		return err;
	err = parse(dmar, dmar_pa, out);
	if (err) {
		u64 keep = out->table_pa;

		memset(out, 0, sizeof(*out));
		out->table_pa = keep;
		return err;
	}
	for (int r = 0; r < 2; r++)
		if (rts[r])
			out->hidden += hide(rts[r], r ? 8 : 4, "DMAR");
	return 0;
}
