/* Physical page allocator over the pool the hypervisor reserved at boot:
 * a bump pointer for boot-time contiguous allocations and a free list.
 * A freed page (VMCS/VMCB, XSAVE area, MIEE tables) is scrubbed at once,
 * so no secret waits in the free list, and checked when it is reused.
 * One lock: every CPU's exit handlers allocate (docs/smp.md). */
#include "hv.h"
#include "layout.h"
#include "console.h"
#include "spinlock.h"

static struct spinlock palloc_lock;

static u64 pool_next, pool_end;
static u64 *free_list;
static u64 free_count;

void palloc_init(u64 base, u64 end)
{
	pool_next = base;
	pool_end = end;
}

static void *bump(u64 npages)
{
	u64 pa = pool_next;

	if (npages > (pool_end - pool_next) / PAGE_SIZE)
		return NULL;
	pool_next += npages * PAGE_SIZE;
	return (void *)pa;
}

void *palloc_contig(u64 npages)
{
	void *p;

	spin_lock(&palloc_lock);
	p = bump(npages);
	spin_unlock(&palloc_lock);
	if (p)
		memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void *page_alloc(void)
{
	u64 *p;

	spin_lock(&palloc_lock);
	p = free_list;
	if (p) {
		/* page_free() zeroed all but the link word: anything else
		 * means a scrub was skipped or a freed page was written. */
		for (u64 i = 1; i < PAGE_SIZE / sizeof(u64); i++)
			if (p[i])
				panic("page %p from the free list is not scrubbed (word %lu = %lx)",
				      p, i, p[i]);
		free_list = (u64 *)*p;
		free_count--;
		p[0] = 0;
		spin_unlock(&palloc_lock);
		return p;
	} else {
		p = bump(1);
	}
	spin_unlock(&palloc_lock);
	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void page_free(void *page)
{
	u64 pa = (u64)page;

	if (!page)
		return;
	if (pa & (PAGE_SIZE - 1) || pa < hv_layout.pool_base || pa >= pool_next)
		panic("page_free of %p: not a pool page", page);
	memset(page, 0, PAGE_SIZE);
	spin_lock(&palloc_lock);
	*(u64 *)page = (u64)free_list;
	free_list = page;
	free_count++;
	spin_unlock(&palloc_lock);
}

u64 palloc_free_pages(void)
{
	return free_count + (pool_end - pool_next) / PAGE_SIZE;
}

/* The hypervisor identity-maps all physical memory. */
u64 virt_to_phys(const void *va)
{
	return (u64)va;
}

void *phys_to_virt(u64 pa)
{
	return (void *)pa;
}
