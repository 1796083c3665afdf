/* The hypervisor's own page tables: an identity map of all physical
 * memory, write-back for RAM and uncached elsewhere (SDM Vol. 3A 4.5,
 * 11.12.3), W^X: the image in 4 KiB pages with text read-only and
 * executable, rodata read-only, everything else writable and never
 * executable (SDM Vol. 3A 4.6). Built once at boot, then checked. */
#include "hv.h"
#include "layout.h"
#include "console.h"
#include "x86.h"
#include "smp.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
#define PTE_ADDR 0x000ffffffffff000ull

/* The APs' start page (core/smp.c, boot/ap_trampoline.S) runs from the
 * hypervisor's own tables once an AP turns paging on: it is read-only and
 * executable, made writable (and not executable) only while the boot CPU
 * fills it in, paging_tramp_writable(). Its 2 MiB region is in 4 KiB pages. */
static u64 *tramp_pte;

/* hypervisor/hv.ld: page-aligned section bounds. */
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];

/* Rights of one 4 KiB page of the image's 2 MiB regions. */
static u64 image_page_attr(u64 pa)
{
	if (pa >= (u64)__text_start && pa < (u64)__text_end)
		return PTE_P;				/* read, execute */
	if (pa >= (u64)__rodata_start && pa < (u64)__rodata_end)
		return PTE_P | PTE_NX;			/* read */
	return PTE_P | PTE_RW | PTE_NX;			/* data, bss, the rest */
}

/*
 * Walk the tables as the CPU would and stop on any leaf that is writable
 * and executable, or on text that is writable / rodata that is executable
 * or writable: the builder above must never produce one, and a mistake in
 * it (or in the linker script's alignment) must not go unnoticed.
 */
static void paging_check_wx(const u64 *pml4)
{
	u64 n4k = 0, n2m = 0;

	for (u64 i4 = 0; i4 < 512; i4++) {
		const u64 *pdpt = (const u64 *)(pml4[i4] & PTE_ADDR);

		if (!(pml4[i4] & PTE_P))
			continue;
		for (u64 i3 = 0; i3 < 512; i3++) {
			const u64 *pd = (const u64 *)(pdpt[i3] & PTE_ADDR);

			if (!(pdpt[i3] & PTE_P))
				continue;
			if (pdpt[i3] & PTE_PS)
				panic("W^X: 1 GiB page at pdpt %lu: not built by paging_init", i3);
			for (u64 i2 = 0; i2 < 512; i2++) {
				const u64 *pt = (const u64 *)(pd[i2] & PTE_ADDR);
				u64 va = (i4 << 39) | (i3 << 30) | (i2 << 21);

				if (!(pd[i2] & PTE_P))
					continue;
				if (pd[i2] & PTE_PS) {
					if ((pd[i2] & PTE_RW) && !(pd[i2] & PTE_NX))
						panic("W^X: 2 MiB page at %lx is writable and executable", va);
					if (va + LARGE_PAGE_SIZE > (u64)__text_start && va < (u64)__rodata_end)
						panic("W^X: text/rodata at %lx in a 2 MiB page", va);
					n2m++;
					continue;
				}
				for (u64 i1 = 0; i1 < 512; i1++) {
					u64 e = pt[i1], a = va | (i1 << 12);
					bool w, x;

					if (!(e & PTE_P))
						continue;
					/* Rights are ANDed down the walk. */
					w = (e & PTE_RW) && (pd[i2] & PTE_RW) && (pdpt[i3] & PTE_RW) &&
					    (pml4[i4] & PTE_RW);
					x = !((e | pd[i2] | pdpt[i3] | pml4[i4]) & PTE_NX);
					if (w && x)
						panic("W^X: page %lx is writable and executable", a);
					if (a >= (u64)__text_start && a < (u64)__text_end && (w || !x))
						panic("W^X: text page %lx is %s", a, w ? "writable" : "not executable");
					if (a >= (u64)__rodata_start && a < (u64)__rodata_end && (w || x))
						panic("W^X: rodata page %lx is %s", a, w ? "writable" : "executable");
					n4k++;
				}
			}
		}
	}
	hv_printf("W^X: own tables checked: %lu 4 KiB + %lu 2 MiB pages, text %lx-%lx "
		  "read-only executable, no page writable and executable\n",
		  n4k, n2m, (u64)__text_start, (u64)__text_end);
}

void paging_init(const struct bootinfo *bi)
{
	u64 top = hv_layout.phys_top;
	u64 npd = top >> 30;			/* one PD page per GiB */
	u64 npdpt = (npd + 511) / 512;
	u64 img_lo = ALIGN_DOWN((u64)__text_start, LARGE_PAGE_SIZE);
	u64 img_hi = ALIGN_UP(hv_layout.image_end, LARGE_PAGE_SIZE);
	u64 npt = (img_hi - img_lo) / LARGE_PAGE_SIZE;	/* PT pages for the image */
	u64 *pml4 = palloc_contig(1);
	u64 *pdpt = palloc_contig(npdpt);
	u64 *pd = palloc_contig(npd);
	u64 *pt = palloc_contig(npt);
	u64 *low = palloc_contig(1);	/* the first 2 MiB, for the start page */

	if (!pml4 || !pdpt || !pd || !pt || !low || npdpt > 512)
		panic("no memory for the hypervisor's page tables (%lu GiB)", npd);
	if ((u64)__text_start != hv_layout.image_base)
		panic("W^X: image loaded at %lx, linked at %p", hv_layout.image_base, __text_start);
	for (u64 i = 0; i < npd * 512; i++) {
		u64 pa = i << 21;
		u64 attr = bootinfo_is_ram(bi, pa, LARGE_PAGE_SIZE) ? 0 : PTE_PCD | PTE_PWT;

		if (pa >= img_lo && pa < img_hi) {
			u64 *t = &pt[(pa - img_lo) / PAGE_SIZE];

			for (u64 j = 0; j < 512; j++)
				t[j] = (pa + j * PAGE_SIZE) | image_page_attr(pa + j * PAGE_SIZE);
			pd[i] = (u64)t | PTE_P | PTE_RW;
		} else if (pa == ALIGN_DOWN(AP_TRAMPOLINE_PA, LARGE_PAGE_SIZE)) {
			for (u64 j = 0; j < 512; j++)
				low[j] = (pa + j * PAGE_SIZE) | PTE_P | PTE_RW | PTE_NX | attr;
			tramp_pte = &low[(AP_TRAMPOLINE_PA - pa) / PAGE_SIZE];
			*tramp_pte = AP_TRAMPOLINE_PA | PTE_P | attr;	/* read, execute */
			pd[i] = (u64)low | PTE_P | PTE_RW;
		} else {
			pd[i] = pa | PTE_P | PTE_RW | PTE_PS | PTE_NX | attr;
		}
	}
	for (u64 i = 0; i < npd; i++)
		pdpt[i] = (u64)&pd[i * 512] | PTE_P | PTE_RW;
	for (u64 i = 0; i < npdpt; i++)
		pml4[i] = (u64)&pdpt[i * 512] | PTE_P | PTE_RW;
	paging_check_wx(pml4);
	/* NX bits need EFER.NXE (else they are reserved); read-only pages
	 * bind ring 0 only with CR0.WP. */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr3((u64)pml4);
	write_cr0(read_cr0() | CR0_WP);
}

/* The start page writable (not executable) while the boot CPU fills it in,
 * read-only executable again afterwards: never both (W^X). Only the boot
 * CPU uses it; the APs load the tables after the last change. */
void paging_tramp_writable(bool writable)
{
	u64 attr = *tramp_pte & (PTE_PCD | PTE_PWT);

	*tramp_pte = AP_TRAMPOLINE_PA | PTE_P | attr | (writable ? PTE_RW | PTE_NX : 0);
	__asm__ __volatile__("invlpg (%0)" : : "r"(AP_TRAMPOLINE_PA) : "memory");
}
