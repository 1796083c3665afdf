/* ACPI DMAR table (VT-d spec 3.x 8): find the remapping units, and take
 * the table out of the RSDT/XSDT so the OS does not drive them.  Pure
 * logic over phys_to_virt() memory: host unit tests build fake tables. */
#ifndef HV_IOMMU_DMAR_H
#define HV_IOMMU_DMAR_H

#include "types.h"

#define DMAR_MAX_UNITS 4

struct dmar_unit {
	u64 base;		/* register page(s), physical */
	u64 size;		/* bytes: 4 KiB << DRHD size field */
	u16 segment;
	bool include_all;	/* INCLUDE_PCI_ALL: every device of the segment */
};

struct dmar_info {
	u8 haw;			/* host address width - 1, as in the table */
	u8 flags;		/* DMAR flags: bit 0 INTR_REMAP */
	u32 n_units;
	struct dmar_unit unit[DMAR_MAX_UNITS];
	u32 n_rmrr;		/* reserved-memory regions (not mapped) */
	u64 table_pa;		/* where the DMAR table was */
	u32 hidden;		/* RSDT/XSDT entries removed */
};

/*
 * Walk RSDP -> XSDT and RSDT (ACPI 6.4 5.2.5-5.2.8), parse the first DMAR
 * with a valid checksum, and remove every DMAR entry from both root tables
 * (their lengths and checksums fixed).  0; -ENOENT no RSDP/DMAR;
 * -EBADMSG a malformed RSDP, root table or DMAR (then nothing is hidden,
 * no unit is returned); -E2BIG more units than DMAR_MAX_UNITS.
 */
int dmar_find_and_hide(u64 rsdp, struct dmar_info *out);

/*
 * The same walk for any table: the first one with signature sig and a
 * valid checksum (its address in *pa), and every root-table entry naming
 * a table with that signature removed (*hidden).  0; -ENOENT none;
 * -EBADMSG a malformed RSDP, root table or table (then nothing is hidden).
 */
int acpi_take_table(u64 rsdp, const char *sig, u64 *pa, u32 *hidden);

#endif
