/* The IOMMU, vendor-blind: one set of DMA page tables kept in step with the
 * frame table, and the hooks the MIEE manager calls (docs/iommu.md).
 * Runs in the hypervisor and in host unit tests (with a fake unit). */
#ifndef HV_IOMMU_IOMMU_H
#define HV_IOMMU_IOMMU_H

#include "types.h"
#include "iommu/dmapt.h"

struct frame_table;
struct bootinfo;

/* What a remapping unit driver (vtd.c; a fake in tests/unit/) provides. */
struct iommu_unit_ops {
	const char *name;
	/* Write-buffer flush, then invalidate the context cache and the IOTLB
	 * of every unit, waiting until done: afterwards no unit translates
	 * with an entry removed before the call.  0 or -ETIMEDOUT. */
	int (*flush)(void *hw);
	/* Log and clear the unit's recorded faults; the number found. */
	unsigned (*poll_faults)(void *hw);
	/* Physical address of the unit's root table (reported to tests). */
	u64 (*root_pa)(void *hw);
};

struct iommu {
	bool active;		/* translation is on: DMA sees only pt */
	const struct frame_table *frames;
	struct dmapt pt;
	const struct iommu_unit_ops *ops;
	void *hw;
	bool stale;		/* entries removed since the last flush */
	u64 flushes, faults;
};

extern struct iommu hv_iommu;

/*
 * Build pt with every frame t gives to the OS (FRAME_OS or FRAME_SHARED)
 * mapped identity, and nothing else.  Does not switch the unit on (the
 * driver does, with pt's root); io->active is set by iommu_activate().
 */
int iommu_build(struct iommu *io, const struct frame_table *t, unsigned levels,
		const struct iommu_unit_ops *ops, void *hw,
		void (*flush_line)(const void *p));
void iommu_activate(struct iommu *io);

/*
 * Hooks into hv_iommu (no-ops while it is not active).  A frame leaving the
 * OS for an MIEE leaves the DMA tables (remove); a frame coming back to the
 * OS, after its scrub, is mapped again (restore: only if the frame table
 * says the OS owns it now).  iommu_sync() must follow removals before the
 * hypercall that made them returns: it flushes the IOTLB and context cache.
 */
void iommu_frame_remove(u64 pfn);
void iommu_frame_restore(u64 pfn);
int iommu_sync(void);
/* Poll the units' fault records (logging each); total so far. */
u64 iommu_poll_faults(void);

/* Hypervisor start (iommu/setup.c): find the units in ACPI and hide them and
 * their ACPI table from the OS (before the frame table is sealed; also the
 * ECAM window and the MCFG, iommu/pciguard.h), then
 * build the tables and switch translation on (after the OS's EPT/NPT). */
void iommu_probe(struct bootinfo *bi);
void iommu_hide_mmio(struct frame_table *t);
void iommu_enable(void);

#endif
