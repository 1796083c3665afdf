/* IOMMU start-up: find the units in ACPI, hide them and their table from
 * the OS, build the DMA tables from the sealed frame table and switch
 * translation on before the OS runs (docs/iommu.md).  Boot time only. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "hv/hypercall.h"
#include "iommu/dmar.h"
#include "iommu/iommu.h"
#include "iommu/ivrs.h"
#include "iommu/pciguard.h"
#include "iommu/vtd.h"
#include "measure.h"

extern struct frame_table hv_frames;

static struct dmar_info dmar;
static struct ivrs_info ivrs;
static struct vtd vtd;
static bool found;

/* AMD-Vi (docs/iommu.md, "Which IOMMU"): no driver, but the OS must not
 * drive the units either (it would own DMA remapping): the IVRS leaves
 * the root tables, the register pages leave the OS's EPT/NPT, and the
 * units' PCI functions (their capability block holds the register base)
 * refuse every OS write. */
static void amd_vi_hide(struct bootinfo *bi)
{
	u64 pa;
	u32 hidden, len;
	int err = acpi_take_table(bi->rsdp, "IVRS", &pa, &hidden);

	if (err == -ENOENT)
		return;
	if (!err) {
		memcpy(&len, (const u8 *)phys_to_virt(pa) + 4, 4);
		err = ivrs_parse(phys_to_virt(pa), len, &ivrs);
	}
	if (err)
		panic("iommu: malformed ACPI IVRS (%d): its units cannot be kept from the OS", err);
	for (u32 i = 0; i < ivrs.n_units; i++) {
		if (pciguard_protect(ivrs.unit[i].bdf))
			panic("iommu: too many AMD-Vi functions to guard");
		hv_printf("iommu: AMD-Vi unit at %lx (function %02x:%02x.%x): IVRS hidden (%u "
			  "root-table entries), registers and function kept from the OS; "
			  "no AMD-Vi driver\n", ivrs.unit[i].base, ivrs.unit[i].bdf >> 8,
			  (ivrs.unit[i].bdf >> 3) & 0x1f, ivrs.unit[i].bdf & 7, hidden);
	}
}

void iommu_probe(struct bootinfo *bi)
{
	int err;

	pciguard_probe(bi);	/* the chipset's ECAM window: also without an IOMMU */
	err = dmar_find_and_hide(bi->rsdp, &dmar);
	if (err == -ENOENT)
		amd_vi_hide(bi);
	if (err) {
		hv_printf("iommu: %s (%d): NO DMA PROTECTION, devices reach all memory\n",
			  err == -ENOENT ? "no ACPI DMAR table" : "malformed ACPI DMAR table", err);
		return;
	}
	hv_printf("iommu: DMAR at %lx: %u unit(s), %u reserved region(s), width %u bits; "
		  "hidden from the OS (%u root-table entries removed)\n", dmar.table_pa,
		  dmar.n_units, dmar.n_rmrr, dmar.haw + 1u, dmar.hidden);
	if (dmar.n_rmrr)
		hv_printf("iommu: reserved-memory regions are not mapped: devices that need "
			  "them will fault\n");
	found = true;
}

/* Before the frame table is sealed: the register pages become the
 * hypervisor's, so they are absent from the OS's EPT/NPT. */
void iommu_hide_mmio(struct frame_table *t)
{
	pciguard_hide_ecam(t);
	for (u32 i = 0; i < ivrs.n_units; i++)
		frames_set_range(t, ivrs.unit[i].base, IVRS_MMIO_SIZE, FRAME_HV);
	for (u32 i = 0; found && i < dmar.n_units; i++)
		frames_set_range(t, dmar.unit[i].base, dmar.unit[i].size, FRAME_HV);
}

void iommu_enable(void)
{
	int err;

	if (!found)
		return;
	err = vtd_probe(&vtd, &dmar);
	if (!err)
		err = iommu_build(&hv_iommu, &hv_frames, vtd.levels, &vtd_ops, &vtd,
				  vtd.coherent ? NULL : vtd_flush_line);
	if (!err)
		err = vtd_enable(&vtd, dmapt_root_pa(&hv_iommu.pt));
	if (err) {
		/* A unit half on would still be a unit the OS cannot use:
		 * stop rather than run with an unknown DMA view. */
		if (hv_iommu.pt.root)
			panic("iommu: switching on failed (%d)", err);
		hv_printf("iommu: cannot use the unit(s) (%d): NO DMA PROTECTION\n", err);
		return;
	}
	iommu_activate(&hv_iommu);
	hv_launch_flags |= HV_LAUNCH_DMA;
	hv_printf("iommu: DMA remapping on (%u-level tables, %lu table pages, %lu frames "
		  "mapped, %u unit(s)%s)\n", vtd.levels, hv_iommu.pt.table_pages,
		  hv_iommu.pt.mapped, vtd.n, vtd.coherent ? "" : ", tables flushed by clflush");
}
