/* DMA page tables (VT-d second-level format, VT-d spec 3.x 9.8): build,
 * map, unmap.  Pure logic, see dmapt.h. */
#include "iommu/dmapt.h"
#include "errno.h"
#include "platform.h"

#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_RW (DMAPT_R | DMAPT_W)

static unsigned idx(u64 pfn, unsigned level)	/* level 1 = leaf table */
{
	return (unsigned)(pfn >> (9 * (level - 1))) & 511;
}

static void set_entry(struct dmapt *pt, u64 *e, u64 v)
{
	*(volatile u64 *)e = v;
	if (pt->flush_line)
		pt->flush_line(e);
}

int dmapt_init(struct dmapt *pt, unsigned levels, int (*allowed)(u64 pfn),
	       void (*flush_line)(const void *p))
{
	if (!pt || (levels != 3 && levels != 4) || !allowed)
		return -EINVAL;
	pt->root = page_alloc();
	if (!pt->root)
		return -ENOMEM;
	pt->levels = levels;
	pt->table_pages = 1;
	pt->mapped = 0;
	pt->allowed = allowed;
	pt->flush_line = flush_line;
	if (flush_line)
		for (unsigned i = 0; i < 512; i += 8)
			flush_line(pt->root + i);
	return 0;
}

/* The leaf table holding pfn's entry; with alloc, missing tables are
 * created (filled before being linked).  NULL if absent / no memory. */
static u64 *leaf_table(struct dmapt *pt, u64 pfn, bool alloc)
{
	u64 *t = pt->root;

	for (unsigned level = pt->levels; level > 1; level--) {
		u64 *e = &t[idx(pfn, level)];

		if (!(*e & PTE_RW)) {
			u64 *n;

			if (!alloc || !(n = page_alloc()))
				return NULL;
			pt->table_pages++;
			if (pt->flush_line)
				for (unsigned i = 0; i < 512; i += 8)
					pt->flush_line(n + i);
			set_entry(pt, e, virt_to_phys(n) | PTE_RW);
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return t;
}

int dmapt_map(struct dmapt *pt, u64 pfn, u64 n)
{
	u64 i;

	if (!pt || !pt->root || !n)
		return -EINVAL;
	if (pfn + n < pfn || pfn + n > 1ull << (9 * pt->levels))
		return -ERANGE;
	for (i = 0; i < n; i++)
		if (!pt->allowed(pfn + i))
			return -EPERM;
	/* Tables first: if the pool runs dry, nothing is mapped yet. */
	for (u64 p = pfn; p < pfn + n; p = ALIGN_DOWN(p + 512, 512))
		if (!leaf_table(pt, p, true))
			return -ENOMEM;
	for (i = 0; i < n; i++) {
		u64 *e = &leaf_table(pt, pfn + i, false)[idx(pfn + i, 1)];

		if (!(*e & PTE_RW))
			pt->mapped++;
		set_entry(pt, e, ((pfn + i) << PAGE_SHIFT) | PTE_RW);
	}
	return 0;
}

void dmapt_unmap(struct dmapt *pt, u64 pfn, u64 n)
{
	if (!pt || !pt->root || pfn >= 1ull << (9 * pt->levels))
		return;
	if (n > (1ull << (9 * pt->levels)) - pfn)
		n = (1ull << (9 * pt->levels)) - pfn;
	for (u64 p = pfn; p < pfn + n; p++) {
		u64 *t = leaf_table(pt, p, false), *e;

		if (!t) {	/* a whole leaf table absent: skip it */
			p = ALIGN_DOWN(p + 512, 512) - 1;
			continue;
		}
		e = &t[idx(p, 1)];
		if (*e & PTE_RW) {
			pt->mapped--;
			set_entry(pt, e, 0);
		}
	}
}

int dmapt_lookup(const struct dmapt *pt, u64 iova, u64 *perm)
{
	u64 pfn = iova >> PAGE_SHIFT, *t, e;

	if (!pt || !pt->root || pfn >= 1ull << (9 * pt->levels))
		return 0;
	t = leaf_table((struct dmapt *)pt, pfn, false);
	if (!t)
		return 0;
	e = t[idx(pfn, 1)];
	if (!(e & PTE_RW))
		return 0;
	if (perm)
		*perm = e & PTE_RW;
	return (e & PTE_ADDR) == pfn << PAGE_SHIFT;
}

u64 dmapt_root_pa(const struct dmapt *pt)
{
	return virt_to_phys(pt->root);
}

static int is_table(const u64 *t, unsigned level, u64 pa)
{
	if (ALIGN_DOWN(pa, PAGE_SIZE) == virt_to_phys(t))
		return 1;
	if (level == 1)
		return 0;
	for (unsigned i = 0; i < 512; i++)
		if ((t[i] & PTE_RW) && is_table(phys_to_virt(t[i] & PTE_ADDR), level - 1, pa))
			return 1;
	return 0;
}

int dmapt_is_table(const struct dmapt *pt, u64 pa)
{
	return pt && pt->root && is_table(pt->root, pt->levels, pa);
}

static void free_table(u64 *t, unsigned level)
{
	if (level > 1)
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & PTE_RW)
				free_table(phys_to_virt(t[i] & PTE_ADDR), level - 1);
	page_free(t);
}

void dmapt_destroy(struct dmapt *pt)
{
	if (!pt || !pt->root)
		return;
	free_table(pt->root, pt->levels);
	pt->root = NULL;
	pt->table_pages = 0;
	pt->mapped = 0;
}
