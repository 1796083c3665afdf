/* The hypervisor's own page tables: an identity map of all physical
 * memory with 2 MiB pages, write-back for RAM and uncached elsewhere
 * (SDM Vol. 3A 4.5, 11.12.3). Built once at boot. */
#include "hv.h"
#include "console.h"
#include "x86.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)

void paging_init(const struct bootinfo *bi)
{
	u64 top = hv_layout.phys_top;
	u64 npd = top >> 30;			/* one PD page per GiB */
	u64 npdpt = (npd + 511) / 512;
	u64 *pml4 = palloc_contig(1);
	u64 *pdpt = palloc_contig(npdpt);
	u64 *pd = palloc_contig(npd);

	if (!pml4 || !pdpt || !pd || npdpt > 512)
		panic("no memory for the hypervisor's page tables (%lu GiB)", npd);
	for (u64 i = 0; i < npd * 512; i++) {
		u64 pa = i << 21;
		u64 attr = bootinfo_is_ram(bi, pa, LARGE_PAGE_SIZE) ? 0 : PTE_PCD | PTE_PWT;

		pd[i] = pa | PTE_P | PTE_RW | PTE_PS | attr;
	}
	for (u64 i = 0; i < npd; i++)
		pdpt[i] = (u64)&pd[i * 512] | PTE_P | PTE_RW;
	for (u64 i = 0; i < npdpt; i++)
		pml4[i] = (u64)&pdpt[i * 512] | PTE_P | PTE_RW;
	write_cr3((u64)pml4);
}
