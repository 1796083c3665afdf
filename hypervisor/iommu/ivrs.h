/* ACPI IVRS table (AMD I/O Virtualization Technology spec 48882, rev 3.x,
 * 5.2): the AMD-Vi units.  Only parsed, so the hypervisor can hide the
 * table, the units' registers and their PCI functions from the OS; there
 * is no AMD-Vi driver (docs/iommu.md, "Which IOMMU").  Pure logic over a
 * buffer: host unit tests build fake tables. */
#ifndef HV_IOMMU_IVRS_H
#define HV_IOMMU_IVRS_H

#include "types.h"

#define IVRS_MAX_UNITS 4
/* The unit's control and status registers (48882 3.4: 16 KiB). */
#define IVRS_MMIO_SIZE 0x4000

struct ivrs_unit {
	u64 base;		/* register base, physical */
	u16 bdf;		/* the unit's own PCI function (IVHD DeviceID) */
	u16 segment;
};

struct ivrs_info {
	u32 n_units;		/* distinct (function, base) pairs */
	struct ivrs_unit unit[IVRS_MAX_UNITS];
	u32 n_ivmd;		/* memory definitions (not mapped: none is driven) */
};

/* Parse an IVRS of len bytes (checksum already checked).  0; -EBADMSG a
 * bad length, block or register base, or no IVHD; -E2BIG more than
 * IVRS_MAX_UNITS units.  On error *out is zeroed. */
int ivrs_parse(const u8 *t, u32 len, struct ivrs_info *out);

#endif
