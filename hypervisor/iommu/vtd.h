/* Intel VT-d remapping units: registers, root/context tables, enable,
 * invalidate, fault records (VT-d spec 3.x 9-11).  Hypervisor only. */
#ifndef HV_IOMMU_VTD_H
#define HV_IOMMU_VTD_H

#include "types.h"
#include "iommu/dmar.h"
#include "iommu/iommu.h"

struct vtd {
	u32 n;
	struct vtd_unit {
		volatile u8 *reg;
		u64 cap, ecap;
	} u[DMAR_MAX_UNITS];
	u64 *root;		/* root table: 256 entries of 16 bytes */
	u64 *context;		/* one context table all buses share */
	unsigned levels;	/* second-level walk every unit supports */
	bool coherent;		/* every unit snoops its page walks */
};

extern const struct iommu_unit_ops vtd_ops;

/* Read the units' capabilities: 0, or -ENODEV (no common 3/4-level walk,
 * a unit that already translates, an unreadable register page). */
int vtd_probe(struct vtd *v, const struct dmar_info *d);
/* Root and context tables pointing every device (DID 1) at slpt_pa, then
 * switch translation on in every unit: 0, -ENOMEM or -ETIMEDOUT. */
int vtd_enable(struct vtd *v, u64 slpt_pa);
void vtd_flush_line(const void *p);

#endif
