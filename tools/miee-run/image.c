/* The test PAL's MIEE image (miee-run/image.h). Pure code. */
#include <string.h>

#include "core/miee_meas.h"
#include "miee-run/image.h"
#include "miee-run/protocol.h"

static void miee_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int miee_image_build(struct miee_image *im, unsigned char *buf, const void *code,
		     size_t code_len, size_t entry)
{
	static const struct miee_region regions[MIEE_IMG_NREGIONS] = {
		{ MIEE_IMG_PML4, 5, MIEE_F_RWM },	/* PML4, PDPT, PD, PT, GDT */
		{ MIEE_IMG_CODE, MIEE_IMG_CODE_PAGES, MIEE_F_RXM },
		{ MIEE_IMG_DATA, 1, MIEE_F_RWM },
		{ MIEE_IMG_STACK, MIEE_IMG_STACK_PAGES, MIEE_F_RWM },
		{ MIEE_IMG_SHARED, 1, MIEE_F_SHR },
	};
	uint64_t i;

	if (code_len > MIEE_IMG_CODE_PAGES * MIEE_PG || entry >= code_len)
		return -1;
	memset(buf, 0, MIEE_IMG_SIZE);
	/* The PAL's own page tables map far more than the MIEE owns: [0, 2 MiB)
	 * with 4 KiB pages, [2 MiB, 1 GiB) with 2 MiB pages, all writable and
	 * executable (no NX: EFER.NXE is not part of the ABI). Only the nested
	 * table limits it, which is what the fault modes test. */
	miee_put64(buf + MIEE_IMG_PML4, MIEE_IMG_PDPT | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	miee_put64(buf + MIEE_IMG_PDPT, MIEE_IMG_PD | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	miee_put64(buf + MIEE_IMG_PD, MIEE_IMG_PT | MIEE_PTE_P | MIEE_PTE_RW | MIEE_PTE_A);
	for (i = 1; i < 512; i++)
		miee_put64(buf + MIEE_IMG_PD + 8 * i, (i << 21) | MIEE_PTE_P | MIEE_PTE_RW |
			   MIEE_PTE_PS | MIEE_PTE_A | MIEE_PTE_D);
	for (i = 0; i < 512; i++)
		miee_put64(buf + MIEE_IMG_PT + 8 * i, (i << 12) | MIEE_PTE_P | MIEE_PTE_RW |
			   MIEE_PTE_A | MIEE_PTE_D);
	miee_put64(buf + MIEE_IMG_GDT + MIEE_IMG_CS, MIEE_GDT_CODE64);
	miee_put64(buf + MIEE_IMG_GDT + MIEE_IMG_DS, MIEE_GDT_DATA);
	memcpy(buf + MIEE_IMG_CODE, code, code_len);

	im->buf = buf;
	im->max_pages = MIEE_IMG_PAGES;
	memset(im->regions, 0, sizeof(im->regions));
	memcpy(im->regions, regions, sizeof(regions));
	im->nregions = MIEE_IMG_NREGIONS;
	memset(&im->init, 0, sizeof(im->init));
	im->init.rip = MIEE_IMG_CODE + entry;
	/* As if called: RSP + 8 is 16-byte aligned at the entry function. */
	im->init.rsp = MIEE_IMG_STACK_TOP - 8;
	im->init.cr3 = MIEE_IMG_PML4;
	im->init.gdt_base = MIEE_IMG_GDT;
	im->init.gdt_limit = MIEE_IMG_GDT_LIMIT;
	im->init.idt_base = 0;
	im->init.idt_limit = 0;	/* any exception: triple fault */
	im->init.cs = MIEE_IMG_CS;
	im->init.ds = MIEE_IMG_DS;
	im->init.arg = MIEE_IMG_SHARED;
	return 0;
}

void miee_image_variant(struct miee_image *im)
{
	im->buf[MIEE_IMG_VARIANT_OFF] ^= 0x01;
}

int miee_image_add_region(struct miee_image *im, uint64_t offset, uint32_t npages,
			  uint32_t flags)
{
	if (im->nregions >= MIEE_IMG_MAX_REGIONS || offset % MIEE_PG || !npages ||
	    offset >= MIEE_IMG_SIZE || npages > (MIEE_IMG_SIZE - offset) / MIEE_PG)
		return -1;
	im->regions[im->nregions].offset = offset;
	im->regions[im->nregions].npages = npages;
	im->regions[im->nregions].flags = flags;
	im->nregions++;
	return 0;
}

/* The hypervisor's encoder over the image's pages in the order added. */
void miee_image_measure(const struct miee_image *im, unsigned char out[32])
{
	struct sha256_ctx s;
	uint32_t k, npages = 0;
	int r;

	miee_meas_begin(&s, im->max_pages);
	for (r = 0; r < im->nregions; r++) {
		const struct miee_region *g = &im->regions[r];

		for (k = 0; k < g->npages; k++) {
			uint64_t off = g->offset + (uint64_t)k * MIEE_PG;

			miee_meas_page(&s, off, g->flags, im->buf + off);
		}
		npages += g->npages;
	}
	miee_meas_finish(&s, npages, &im->init, out);
}

void miee_pal_checksum(const uint64_t *nums, uint64_t n, uint64_t *sum, uint64_t *fnv)
{
	uint64_t s = 0, h = MIEE_FNV_OFFSET, i;
	int b;

	for (i = 0; i < n; i++) {
		s += nums[i];
		for (b = 0; b < 8; b++) {
			h ^= (nums[i] >> (8 * b)) & 0xff;
			h *= MIEE_FNV_PRIME;
		}
	}
	*sum = s;
	*fnv = h;
}

void miee_hex(const unsigned char *p, size_t n, char *out)
{
	static const char dig[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = dig[p[i] >> 4];
		out[2 * i + 1] = dig[p[i] & 15];
	}
	out[2 * n] = 0;
}
