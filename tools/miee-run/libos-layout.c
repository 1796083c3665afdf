/* The libOS MIEE's layout and measurement (libos-layout.h). */
#include <stdio.h>
#include <string.h>

#include "core/miee_meas.h"
#include "libos-layout.h"

#define PG 4096ull
#define PGUP(x) (((uint64_t)(x) + PG - 1) & ~(PG - 1))
#define PT_PAGES 5u
#define F_RWM (MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED)
#define F_RXM (MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED)
#define F_RM (MIEE_P_R | MIEE_P_MEASURED)
#define F_SHR (MIEE_P_SHARED | MIEE_P_R | MIEE_P_W)
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)

static size_t args_blob_len(const struct ll_input *in)
{
	size_t n = sizeof(struct libos_args);
	unsigned i;

	for (i = 0; i < in->argc; i++)
		n += strlen(in->argv[i]) + 1;
	return n;
}

static int ll_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

static void add(struct ll_layout *l, uint64_t off, uint64_t npages, uint32_t flags)
{
	l->regions[l->nregions].offset = off;
	l->regions[l->nregions].npages = (uint32_t)npages;
	l->regions[l->nregions].flags = flags;
	l->nregions++;
	l->npages += npages;
}

int ll_plan(const struct ll_input *in, struct ll_layout *l, char *err, size_t errlen)
{
	const struct libos_image_hdr *h = (const void *)in->libos;
	uint64_t img_end, data_lo, data_hi, off, top, mem, range;

	memset(l, 0, sizeof(*l));
	if (in->libos_len < sizeof(*h))
		return ll_fail(err, errlen, "libOS image shorter than its header");
	memcpy(&l->hdr, h, sizeof(l->hdr));
	h = &l->hdr;
	if (h->magic != LIBOS_IMAGE_MAGIC)
		return ll_fail(err, errlen, "libOS image: bad magic (not a libos.bin)");
	if (!h->text_pages || !h->data_pages ||
	    (uint64_t)h->text_pages + h->data_pages > LIBOS_IMAGE_MAX / PG)
		return ll_fail(err, errlen, "libOS image: text/data page counts out of range");
	img_end = LIBOS_OFF_IMAGE + ((uint64_t)h->text_pages + h->data_pages) * PG;
	data_lo = LIBOS_OFF_IMAGE + (uint64_t)h->text_pages * PG;
	data_hi = img_end;
	if (h->file_size != in->libos_len || h->file_size > img_end - LIBOS_OFF_IMAGE)
		return ll_fail(err, errlen, "libOS image: file_size disagrees with the file");
	if (h->entry < LIBOS_OFF_IMAGE || h->entry >= data_lo)
		return ll_fail(err, errlen, "libOS image: entry outside its text");
	if (h->stack_top <= data_lo || h->stack_top > data_hi || h->gdt < data_lo ||
	    h->gdt + h->gdt_limit >= data_hi || h->idt < data_lo || h->idt + h->idt_limit >= data_hi)
		return ll_fail(err, errlen, "libOS image: stack, GDT or IDT outside its data");
	if (h->reserved[0] || h->reserved[1])
		return ll_fail(err, errlen, "libOS image: reserved header fields set");
	if (!in->argc || !in->program_len)
		return ll_fail(err, errlen, "no program");

	/* Files from LIBOS_OFF_FILES, each from a page boundary. */
	off = LIBOS_OFF_FILES;
	l->boot.program_off = off;
	l->boot.program_size = in->program_len;
	off += PGUP(in->program_len);
	if (in->manifest && in->manifest_len) {
		l->boot.manifest_off = off;
		l->boot.manifest_size = in->manifest_len;
		off += PGUP(in->manifest_len);
	}
	l->boot.args_off = off;
	l->boot.args_size = args_blob_len(in);
	off += PGUP(l->boot.args_size);
	l->boot.dyn_off = off;

	range = (uint64_t)MIEE_MAX_PAGES * PG;
	if (range > (uint64_t)LIBOS_MAX_PAGES * PG)
		range = (uint64_t)LIBOS_MAX_PAGES * PG;
	if (off >= range)
		return ll_fail(err, errlen, "the program, manifest and arguments do not fit the MIEE's range");
	mem = in->memory ? PGUP(in->memory) : LL_DEFAULT_MEMORY;
	if (!in->memory && mem > range - off)
		mem = range - off;
	if (mem > range - off)
		return ll_fail(err, errlen, "--memory is more than the MIEE's range leaves for dynamic memory");
	if (mem < 16 * PG)
		return ll_fail(err, errlen, "--memory below 64 KiB");
	top = off + mem;
	l->max_pages = (uint32_t)(top / PG);

	l->boot.magic = LIBOS_BOOT_MAGIC;
	l->boot.version = LIBOS_BOOT_VERSION;
	l->boot.flags = in->premapped ? LIBOS_BF_PREMAPPED : 0;
	l->boot.max_pages = l->max_pages;
	l->boot.image_off = LIBOS_OFF_IMAGE;
	l->boot.image_size = img_end - LIBOS_OFF_IMAGE;
	l->boot.shared_off = LIBOS_OFF_SHARED;
	l->boot.shared_size = LIBOS_SHARED_SIZE;
	l->boot.mem_limit = mem;
	l->boot.threads = in->threads ? in->threads : 1;

	add(l, LIBOS_OFF_PML4, PT_PAGES, F_RWM);
	add(l, LIBOS_OFF_BOOT, 1, F_RM);
	add(l, LIBOS_OFF_IMAGE, h->text_pages, F_RXM);
	add(l, data_lo, h->data_pages, F_RWM);
	add(l, LIBOS_OFF_SHARED, LIBOS_SHARED_SIZE / PG, F_SHR);
	add(l, l->boot.program_off, PGUP(in->program_len) / PG, F_RXM);
	if (l->boot.manifest_size)
		add(l, l->boot.manifest_off, PGUP(in->manifest_len) / PG, F_RM);
	add(l, l->boot.args_off, PGUP(l->boot.args_size) / PG, F_RM);
	if (in->premapped)
		add(l, l->boot.dyn_off, mem / PG, MIEE_P_R | MIEE_P_W);

	l->init.rip = h->entry;
	l->init.rsp = h->stack_top;
	l->init.cr3 = LIBOS_OFF_PML4;
	l->init.gdt_base = h->gdt;
	l->init.idt_base = h->idt;
	l->init.gdt_limit = h->gdt_limit;
	l->init.idt_limit = h->idt_limit;
	l->init.cs = h->cs;
	l->init.ds = h->ds;
	l->init.arg = LIBOS_OFF_BOOT;
	return 0;
}

static void put64(unsigned char *buf, uint64_t off, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		buf[off + i] = (unsigned char)(v >> (8 * i));
}

void ll_fill(const struct ll_input *in, const struct ll_layout *l, unsigned char *buf)
{
	struct libos_args a = { in->argc, 0 };
	unsigned char *p;
	unsigned i;

	/* Page tables: PML4 0x0000, low PDPT 0x1000, low PD 0x2000 (two
	 * 2 MiB pages, supervisor, RWX: the libOS), direct-map PDPT 0x3000
	 * and PD 0x4000 ([0, 1 GiB), supervisor, NX). The user bit on the
	 * low PML4/PDPT entries lets the libOS hang the program's tables
	 * below them; its own leaves stay supervisor. */
	put64(buf, 0x0000, 0x1000 | PTE_P | PTE_W | PTE_U);
	put64(buf, 0x0000 + 8 * 256, 0x3000 | PTE_P | PTE_W | PTE_NX);
	put64(buf, 0x1000, 0x2000 | PTE_P | PTE_W | PTE_U);
	put64(buf, 0x2000, 0x000000 | PTE_P | PTE_W | PTE_PS);
	put64(buf, 0x2008, 0x200000 | PTE_P | PTE_W | PTE_PS);
	put64(buf, 0x3000, 0x4000 | PTE_P | PTE_W | PTE_NX);
	for (i = 0; i < 512; i++)
		put64(buf, 0x4000 + 8 * i, ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS | PTE_NX);

	memcpy(buf + LIBOS_OFF_BOOT, &l->boot, sizeof(l->boot));
	memcpy(buf + LIBOS_OFF_IMAGE, in->libos, in->libos_len);
	memcpy(buf + l->boot.program_off, in->program, in->program_len);
	if (l->boot.manifest_size)
		memcpy(buf + l->boot.manifest_off, in->manifest, in->manifest_len);
	p = buf + l->boot.args_off;
	memcpy(p, &a, sizeof(a));
	p += sizeof(a);
	for (i = 0; i < in->argc; i++) {
		size_t n = strlen(in->argv[i]) + 1;

		memcpy(p, in->argv[i], n);
		p += n;
	}
}

/* With the hypervisor's own encoder (core/miee_meas.c), as the PAL's image
 * is measured (image.c); attest/miee-measure is the independent oracle. */
void ll_measure(const struct ll_layout *l, const unsigned char *buf, unsigned char out[32])
{
	struct sha256_ctx s;
	int r;
	uint32_t k;

	miee_meas_begin(&s, l->max_pages);
	for (r = 0; r < l->nregions; r++) {
		const struct ll_region *g = &l->regions[r];

		for (k = 0; k < g->npages; k++) {
			uint64_t off = g->offset + (uint64_t)k * PG;

			miee_meas_page(&s, off, g->flags, buf + off);
		}
	}
	miee_meas_finish(&s, (uint32_t)l->npages, &l->init, out);
}
