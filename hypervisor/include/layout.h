/* Where the hypervisor's own memory lies (core/layout.c): its image, its
 * page pool and the physical address space the OS's EPT/NPT covers.
 * Host mode / VMX root, set once at boot by the boot CPU. */
#ifndef HV_LAYOUT_H
#define HV_LAYOUT_H

#include "types.h"
#include "hv/bootinfo.h"

/* Memory the hypervisor keeps for itself: its image and its page pool.
 * Both are e820-reserved for the guest and absent from its EPT/NPT. */
struct hv_layout {
	u64 image_base, image_end;
	u64 pool_base, pool_end;
	u64 ram_top;		/* end of the highest RAM range */
	u64 phys_top;		/* end of what the OS's EPT/NPT maps up front */
	u64 phys_limit;		/* 2^MAXPHYADDR: [phys_top, phys_limit) is the
				 * OS's MMIO, mapped on first touch */
};
extern struct hv_layout hv_layout;

/* Fill hv_layout from the loader's memory map: the image, the RAM top,
 * a pool of free RAM below 4 GiB clear of the image and the modules, the
 * physical address width. Panics without room for the pool. */
void layout_init(const struct bootinfo *bi);

bool hv_owns(u64 pa, u64 size);	/* any overlap with hypervisor memory */

#endif
