/* Physical page allocator over the pool the hypervisor reserved at boot:
 * a bump pointer for boot-time contiguous allocations and a free list.
 * One lock: every CPU's exit handlers allocate (docs/smp.md). */
#include "hv.h"
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
		free_list = (u64 *)*p;
		free_count--;
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
