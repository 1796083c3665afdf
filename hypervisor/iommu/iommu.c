/* The vendor-blind IOMMU core: DMA tables mirroring the frame table, the
 * frame hooks and the flush that must follow a removal (docs/iommu.md).
 * Pure logic (no hardware access): runs in host unit tests too. */
#include "iommu/iommu.h"
#include "core/frames.h"
#include "errno.h"

struct iommu hv_iommu;

/* The table iommu_build is filling or hv_iommu's: dmapt's allowed hook has
 * no context argument, and there is one IOMMU state per hypervisor. */
static const struct frame_table *allow_frames;

/* Devices may reach what the OS's CPU may reach as RAM: its own frames and
 * the shared host-call pages.  Never hypervisor, MIEE, MMIO or absent. */
static int dma_allowed(u64 pfn)
{
	enum frame_kind k = frames_kind(allow_frames, pfn);

	return k == FRAME_OS || k == FRAME_SHARED;
}

int iommu_build(struct iommu *io, const struct frame_table *t, unsigned levels,
		const struct iommu_unit_ops *ops, void *hw,
		void (*flush_line)(const void *p))
{
	u64 pfn = 0;
	int err;

	if (!io || !t || !ops || !ops->flush)
		return -EINVAL;
	allow_frames = t;
	err = dmapt_init(&io->pt, levels, dma_allowed, flush_line);
	if (err)
		return err;
	while (pfn < t->nframes) {
		u64 end = pfn + 1;

		if (!dma_allowed(pfn)) {
			pfn++;
			continue;
		}
		while (end < t->nframes && dma_allowed(end))
			end++;
		err = dmapt_map(&io->pt, pfn, end - pfn);
		if (err) {
			dmapt_destroy(&io->pt);
			return err;
		}
		pfn = end;
	}
	io->frames = t;
	io->ops = ops;
	io->hw = hw;
	io->stale = false;
	io->active = false;
	return 0;
}

void iommu_activate(struct iommu *io)
{
	io->active = true;
	allow_frames = io->frames;
}

void iommu_frame_remove(u64 pfn)
{
	if (!hv_iommu.active)
		return;
	dmapt_unmap(&hv_iommu.pt, pfn, 1);
	hv_iommu.stale = true;
}

void iommu_frame_restore(u64 pfn)
{
	if (!hv_iommu.active || !dma_allowed(pfn))
		return;
	/* The leaf table exists (the frame was mapped at build): no
	 * allocation, so this cannot fail for a frame the OS had at boot. */
	dmapt_map(&hv_iommu.pt, pfn, 1);
	hv_iommu.stale = true;	/* units that cache absent entries (CAP.CM) */
}

int iommu_sync(void)
{
	int err;

	if (!hv_iommu.active || !hv_iommu.stale)
		return 0;
	err = hv_iommu.ops->flush(hv_iommu.hw);
	if (err)
		return err;
	hv_iommu.flushes++;
	hv_iommu.stale = false;
	return 0;
}

u64 iommu_poll_faults(void)
{
	if (hv_iommu.active && hv_iommu.ops->poll_faults)
		hv_iommu.faults += hv_iommu.ops->poll_faults(hv_iommu.hw);
	return hv_iommu.faults;
}
