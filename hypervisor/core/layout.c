/* Where the hypervisor's memory lies: its image, its page pool, the
 * physical address space the OS's EPT/NPT covers (include/layout.h).
 * Host mode / VMX root, boot CPU at boot. */
#include "hv.h"
#include "console.h"
#include "layout.h"
#include "x86.h"

#define POOL_MIN (16ull << 20)
#define POOL_MAX (64ull << 20)

struct hv_layout hv_layout;

/* Image or pool: used while placing the guest's kernel and initrd. */
bool hv_owns(u64 pa, u64 size)
{
	return (pa < hv_layout.image_end && pa + size > hv_layout.image_base) ||
	       (pa < hv_layout.pool_end && pa + size > hv_layout.pool_base);
}

static void find_pool(const struct bootinfo *bi)
{
	u64 ram = 0, best = 0, size;

	for (u32 i = 0; i < bi->n_mem; i++)
		if (bi->mem[i].type == E820_RAM)
			ram += bi->mem[i].len;
	size = ALIGN_DOWN(ram / 8, LARGE_PAGE_SIZE);
	size = size < POOL_MIN ? POOL_MIN : size > POOL_MAX ? POOL_MAX : size;

	/* Highest 2 MiB-aligned RAM below 4 GiB clear of the image and the
	 * modules (they move later, but only once the pool is known). */
	for (u32 i = 0; i < bi->n_mem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		u64 top = ALIGN_DOWN(m->base + m->len < BIT(32) ? m->base + m->len : BIT(32),
				     LARGE_PAGE_SIZE);

		while (m->type == E820_RAM && top >= m->base + size && top > size) {
			u64 at = top - size, clash = 0;

			if (at < hv_layout.image_end && top > hv_layout.image_base)
				clash = hv_layout.image_base;
			for (u32 k = 0; k < bi->n_mods && !clash; k++)
				if (at < bi->mods[k].base + bi->mods[k].len && top > bi->mods[k].base)
					clash = bi->mods[k].base;
			if (!clash) {
				if (at > best)
					best = at;
				break;
			}
			top = ALIGN_DOWN(clash, LARGE_PAGE_SIZE);
		}
	}
	if (!best)
		panic("no %lu MiB of free RAM below 4 GiB for the hypervisor", size >> 20);
	hv_layout.pool_base = best;
	hv_layout.pool_end = best + size;
}

/* 2^MAXPHYADDR (CPUID 0x80000008 EAX[7:0], SDM Vol. 2A CPUID; 36 bits
 * without the leaf, SDM Vol. 3A 4.1.4), at most what a 4-level EPT/NPT
 * translates. */
static u64 cpu_phys_limit(void)
{
	u32 a, b, c, d, bits = 36;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		bits = a & 0xff;
	}
	if (bits > 48)
		bits = 48;
	return 1ull << bits;
}

void layout_init(const struct bootinfo *bi)
{
	hv_layout.image_base = bi->image_base;
	hv_layout.image_end = ALIGN_UP(bi->image_base + bi->image_size, PAGE_SIZE);
	for (u32 i = 0; i < bi->n_mem; i++)
		if (bi->mem[i].type == E820_RAM && bi->mem[i].base + bi->mem[i].len > hv_layout.ram_top)
			hv_layout.ram_top = bi->mem[i].base + bi->mem[i].len;
	hv_layout.phys_top = ALIGN_UP(hv_layout.ram_top > BIT(32) ? hv_layout.ram_top : BIT(32),
				      1ull << 30);
	find_pool(bi);
	hv_layout.phys_limit = cpu_phys_limit();
}
