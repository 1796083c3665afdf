/* DMA page tables: the IOMMU's identity map of the memory devices may reach
 * (VT-d second-level format).  Pure logic: hypervisor and host unit tests. */
#ifndef HV_IOMMU_DMAPT_H
#define HV_IOMMU_DMAPT_H

#include "types.h"

/*
 * VT-d spec 3.x 9.8 (second-level paging entries): bit 0 read, bit 1 write,
 * bits 51:12 the next table or the frame.  3 levels walk 39-bit addresses,
 * 4 levels 48-bit (the unit's CAP.SAGAW says which it does).  Leaves are
 * 4 KiB only, and every leaf table covering a frame the table was ever asked
 * to map is kept until dmapt_destroy: so unmapping and re-mapping a frame
 * that was mapped once never allocate and cannot fail.
 *
 * Only frames allowed(pfn) accepts are ever mapped (the frame table's
 * "OS may DMA here": never a hypervisor frame, an MIEE's frame or the
 * IOMMU's own tables, which live in hypervisor memory).  The caller flushes
 * the IOMMU's IOTLB after unmapping (iommu.c does).
 *
 * flush_line, if set, is called on every table line written: units whose
 * page walks do not snoop the CPU caches (ECAP.C = 0, VT-d spec 3.x 6.1)
 * need the line written back before they can see it.
 */
#define DMAPT_R 1ull
#define DMAPT_W 2ull

struct dmapt {
	u64 *root;		/* top-level table, virtual address */
	unsigned levels;	/* 3 or 4 */
	u64 table_pages;	/* root included */
	u64 mapped;		/* 4 KiB leaves present */
	int (*allowed)(u64 pfn);
	void (*flush_line)(const void *p);
};

/* -EINVAL for levels other than 3/4 or no allowed hook; -ENOMEM. */
int dmapt_init(struct dmapt *pt, unsigned levels, int (*allowed)(u64 pfn),
	       void (*flush_line)(const void *p));
/*
 * Map frames [pfn, pfn + n) identity, read-write.  All or nothing: -EPERM
 * (nothing changed) if allowed() refuses any of them, -ERANGE if beyond the
 * walk's reach, -ENOMEM (nothing mapped; tables allocated so far are kept
 * and reused) if the pool runs dry.
 */
int dmapt_map(struct dmapt *pt, u64 pfn, u64 n);
/* Remove [pfn, pfn + n); never allocates; absent frames are no error. */
void dmapt_unmap(struct dmapt *pt, u64 pfn, u64 n);
/* 1 and *perm (DMAPT_R|DMAPT_W) if the IOVA's page is mapped to itself,
 * 0 if absent. */
int dmapt_lookup(const struct dmapt *pt, u64 iova, u64 *perm);
u64 dmapt_root_pa(const struct dmapt *pt);
/* 1 if pa lies in one of the table pages (for tests and checks). */
int dmapt_is_table(const struct dmapt *pt, u64 pa);
void dmapt_destroy(struct dmapt *pt);

#endif
