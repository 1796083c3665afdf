/* Intel VT-d driver (VT-d spec 3.x): one root table and one context table
 * shared by every bus, every device in domain 1 with the hypervisor's
 * second-level tables; register-based invalidation; faults polled. */
#include "hv.h"
#include "console.h"
#include "iommu/vtd.h"

/* Register offsets (VT-d spec 3.x 11.4). */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38

/* GCMD/GSTS bits (11.4.4, 11.4.5). */
#define GCMD_TE BIT(31)
#define GCMD_SRTP BIT(30)
#define GCMD_WBF BIT(27)
#define GSTS_TES BIT(31)
#define GSTS_RTPS BIT(30)
#define GSTS_WBFS BIT(27)
#define GSTS_IRES BIT(25)
/* Status bits that are one-shot commands: never written back (11.4.4). */
#define GSTS_ONESHOT 0x96ffffffu

#define CCMD_ICC BIT(63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT BIT(63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DR BIT(49)
#define IOTLB_DW BIT(48)

#define CAP_RWBF(c) (((c) >> 4) & 1)
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define CAP_FRO(c) ((((c) >> 24) & 0x3ff) * 16)
#define CAP_NFR(c) ((((c) >> 40) & 0xff) + 1)
#define ECAP_C(e) ((e) & 1)
#define ECAP_IRO(e) ((((e) >> 8) & 0x3ff) * 16)

#define FSTS_PFO BIT(0)
#define FECTL_IM BIT(31)

/* Context entry (9.3): low P, TT 00 (translate through the second level);
 * high AW (1: 39-bit 3-level, 2: 48-bit 4-level), DID. */
#define CTX_P 1ull
#define CTX_DID 1ull
#define SPIN_MAX 10000000u

static u32 rd32(const struct vtd_unit *u, u32 off) { return *(volatile u32 *)(u->reg + off); }
static u64 rd64(const struct vtd_unit *u, u32 off) { return *(volatile u64 *)(u->reg + off); }
static void wr32(const struct vtd_unit *u, u32 off, u32 v) { *(volatile u32 *)(u->reg + off) = v; }
static void wr64(const struct vtd_unit *u, u32 off, u64 v) { *(volatile u64 *)(u->reg + off) = v; }

void vtd_flush_line(const void *p)
{
	__asm__ __volatile__("clflush %0" :: "m"(*(const u8 *)p) : "memory");
}

static void fence(void)
{
	__asm__ __volatile__("mfence" ::: "memory");
}

/* Issue a global command and wait for its status bit (11.4.4). */
static int gcmd(const struct vtd_unit *u, u32 cmd, u32 status, bool want)
{
	wr32(u, VTD_GCMD, (rd32(u, VTD_GSTS) & GSTS_ONESHOT) | cmd);
	for (u32 i = 0; i < SPIN_MAX; i++) {
		if (!!(rd32(u, VTD_GSTS) & status) == want)
			return 0;
		__asm__ __volatile__("pause");
	}
	return -ETIMEDOUT;
}

static int wait64_clear(const struct vtd_unit *u, u32 off, u64 bit)
{
	for (u32 i = 0; i < SPIN_MAX; i++) {
		if (!(rd64(u, off) & bit))
			return 0;
		__asm__ __volatile__("pause");
	}
	return -ETIMEDOUT;
}

/* Write buffer, context cache, IOTLB: all global (6.5, 11.4.7, 11.4.8.1). */
static int unit_flush(const struct vtd_unit *u)
{
	u32 iotlb = ECAP_IRO(u->ecap) + 8;
	int err = 0;

	if (CAP_RWBF(u->cap))
		err = gcmd(u, GCMD_WBF, GSTS_WBFS, false);
	if (!err) {
		wr64(u, VTD_CCMD, CCMD_ICC | CCMD_GLOBAL);
		err = wait64_clear(u, VTD_CCMD, CCMD_ICC);
	}
	if (!err) {
		wr64(u, iotlb, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DR | IOTLB_DW);
		err = wait64_clear(u, iotlb, IOTLB_IVT);
	}
	return err;
}

static int vtd_flush(void *hw)
{
	struct vtd *v = hw;
	int err = 0;

	fence();	/* table stores (and clflushes) before the commands */
	for (u32 i = 0; i < v->n && !err; i++)
		err = unit_flush(&v->u[i]);
	return err;
}

/* Fault recording registers (11.4.14): high qword bit 63 F, 62 T (1 read),
 * 39:32 reason, 15:0 source id; low qword the page. */
static unsigned vtd_poll_faults(void *hw)
{
	static unsigned logged;
	struct vtd *v = hw;
	unsigned found = 0;

	for (u32 i = 0; i < v->n; i++) {
		const struct vtd_unit *u = &v->u[i];

		for (u32 r = 0; r < CAP_NFR(u->cap); r++) {
			u32 off = CAP_FRO(u->cap) + r * 16;
			u64 hi = rd64(u, off + 8), lo = rd64(u, off);

			if (!(hi & BIT(63)))
				continue;
			found++;
			if (logged++ < 32)
				hv_printf("iommu: DMA fault: device %02x:%02x.%u %s page %lx blocked "
					  "(reason %x)\n", (unsigned)(hi >> 8) & 0xff,
					  (unsigned)(hi >> 3) & 0x1f, (unsigned)hi & 7,
					  hi & BIT(62) ? "read of" : "write to", (u64)(lo & PAGE_MASK),
					  (unsigned)(hi >> 32) & 0xff);
			wr32(u, off + 12, 1u << 31);	/* F is write-1-to-clear */
		}
		if (rd32(u, VTD_FSTS) & FSTS_PFO) {
			/* The records were full: at least one fault went
			 * unrecorded (11.4.9). */
			found++;
			if (logged++ < 32)
				hv_printf("iommu: DMA fault records overflowed: faults lost\n");
			wr32(u, VTD_FSTS, FSTS_PFO);
		}
	}
	return found;
}

static u64 vtd_root_pa(void *hw)
{
	return virt_to_phys(((struct vtd *)hw)->root);
}

const struct iommu_unit_ops vtd_ops = {
	.name = "vt-d",
	.flush = vtd_flush,
	.poll_faults = vtd_poll_faults,
	.root_pa = vtd_root_pa,
};

int vtd_probe(struct vtd *v, const struct dmar_info *d)
{
	u32 sagaw = 0x1f;

	v->n = 0;
	for (u32 i = 0; i < d->n_units; i++) {
		struct vtd_unit *u = &v->u[v->n];

		u->reg = phys_to_virt(d->unit[i].base);
		if (rd32(u, VTD_VER) == 0xffffffffu) {
			hv_printf("iommu: unit at %lx does not answer\n", d->unit[i].base);
			return -ENODEV;
		}
		u->cap = rd64(u, VTD_CAP);
		u->ecap = rd64(u, VTD_ECAP);
		hv_printf("iommu: vt-d unit %u at %lx: version %x, cap %lx, ecap %lx%s\n", i,
			  d->unit[i].base, rd32(u, VTD_VER), u->cap, u->ecap,
			  d->unit[i].include_all ? ", all devices" : "");
		if (rd32(u, VTD_GSTS) & (GSTS_TES | GSTS_IRES)) {
			/* The firmware left it on: its tables, not ours. */
			hv_printf("iommu: unit %u already translates or remaps interrupts\n", i);
			return -ENODEV;
		}
		sagaw &= CAP_SAGAW(u->cap);
		v->n++;
	}
	if (!v->n)
		return -ENODEV;
	/* SAGAW bit 1: 39-bit 3-level walk; bit 2: 48-bit 4-level (11.4.2). */
	v->levels = (sagaw & 4) ? 4 : (sagaw & 2) ? 3 : 0;
	if (!v->levels) {
		hv_printf("iommu: no second-level walk of 3 or 4 levels common to all units\n");
		return -ENODEV;
	}
	v->coherent = true;
	for (u32 i = 0; i < v->n; i++)
		v->coherent = v->coherent && ECAP_C(v->u[i].ecap);
	return 0;
}

int vtd_enable(struct vtd *v, u64 slpt_pa)
{
	int err = 0;

	v->root = page_alloc();
	v->context = page_alloc();
	if (!v->root || !v->context)
		return -ENOMEM;
	/* Every device function of every bus: one context table (9.1, 9.3). */
	for (u32 i = 0; i < 256; i++) {
		v->context[2 * i] = slpt_pa | CTX_P;	/* FPD 0: faults recorded */
		v->context[2 * i + 1] = (v->levels == 4 ? 2 : 1) | (CTX_DID << 8);
		v->root[2 * i] = virt_to_phys(v->context) | 1;
		v->root[2 * i + 1] = 0;
	}
	for (u32 off = 0; off < PAGE_SIZE; off += 64) {
		vtd_flush_line((u8 *)v->root + off);
		vtd_flush_line((u8 *)v->context + off);
	}
	fence();
	for (u32 i = 0; i < v->n && !err; i++) {
		const struct vtd_unit *u = &v->u[i];

		wr32(u, VTD_FECTL, FECTL_IM);	/* faults are polled, not signalled */
		wr64(u, VTD_RTADDR, virt_to_phys(v->root));	/* TTM 00: legacy */
		err = gcmd(u, GCMD_SRTP, GSTS_RTPS, true);
		if (!err)
			err = unit_flush(u);
		if (!err)
			err = gcmd(u, GCMD_TE, GSTS_TES, true);
		if (err)
			hv_printf("iommu: unit %u did not switch on (%d)\n", i, err);
	}
	return err;
}
