/* UEFI loader: ELF64 validation and loading of the hypervisor image, and the
 * search for its struct hv_image_header. Runs under UEFI boot services. */
#include "loader.h"

/* ELF-64 Object File Format 1.5 / System V gABI, the fields we use. */
#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

struct elf64_ehdr {
	u8 ident[EI_NIDENT];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

static const struct elf64_phdr *phdr(const void *file, unsigned i)
{
	const struct elf64_ehdr *eh = file;

	return (const void *)((const u8 *)file + eh->phoff + (u64)i * eh->phentsize);
}

/*
 * Refuse anything but what hypervisor/hv.ld produces: a little-endian
 * x86-64 ET_EXEC whose PT_LOAD segments run where they are loaded
 * (p_vaddr == p_paddr, identity-mapped), lie inside the file, do not
 * overlap, and fit in [LDR_HV_MIN, LDR_HV_MAX) within LDR_HV_MAX_SIZE.
 * The program header table must be 8-byte aligned in the file (its fields
 * are read in place; the file buffer is 8-byte aligned).
 * Prints what is wrong; returns 0 or -1.
 */
int elf_check(const void *file, u64 size, struct ldr_elf *out)
{
	const struct elf64_ehdr *eh = file;
	u64 lo = ~0ull, hi = 0;
	unsigned nload = 0;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4)) {
		lprintf("hypervisor: not an ELF file\n");
		return -1;
	}
	if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB ||
	    eh->ident[6] != EV_CURRENT) {
		lprintf("hypervisor: not a little-endian ELF64 file (class %u)\n", eh->ident[4]);
		return -1;
	}
	if (eh->machine != EM_X86_64 || eh->type != ET_EXEC) {
		lprintf("hypervisor: machine %u type %u; want x86-64 (62) ET_EXEC (2)\n",
			eh->machine, eh->type);
		return -1;
	}
	if (eh->phentsize != sizeof(struct elf64_phdr) || !eh->phnum ||
	    (eh->phoff & 7) || eh->phoff > size || (size - eh->phoff) / sizeof(struct elf64_phdr) < eh->phnum) {
		lprintf("hypervisor: bad program header table\n");
		return -1;
	}
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(file, i);

		if (ph->type != PT_LOAD)
			continue;
		if (!ph->memsz) {
			/* Nothing to load, but file bytes for nowhere: malformed. */
			if (ph->filesz) {
				lprintf("hypervisor: segment %u has file bytes but no memory size\n", i);
				return -1;
			}
			continue;
		}
		nload++;
		if (ph->filesz > ph->memsz || ph->offset > size || size - ph->offset < ph->filesz) {
			lprintf("hypervisor: segment %u lies outside the file\n", i);
			return -1;
		}
		if (ph->vaddr != ph->paddr) {
			lprintf("hypervisor: segment %u is linked at %lx but loaded at %lx\n",
				i, ph->vaddr, ph->paddr);
			return -1;
		}
		if (ph->paddr < LDR_HV_MIN || ph->paddr >= LDR_HV_MAX ||
		    ph->memsz > LDR_HV_MAX - ph->paddr) {
			lprintf("hypervisor: segment %u at %lx+%lx is outside %lx-%lx\n",
				i, ph->paddr, ph->memsz, LDR_HV_MIN, LDR_HV_MAX);
			return -1;
		}
		for (unsigned k = 0; k < i; k++) {
			const struct elf64_phdr *q = phdr(file, k);

			if (q->type == PT_LOAD && q->memsz && ph->paddr < q->paddr + q->memsz &&
			    q->paddr < ph->paddr + ph->memsz) {
				lprintf("hypervisor: segments %u and %u overlap\n", k, i);
				return -1;
			}
		}
		if (ph->paddr < lo)
			lo = ph->paddr;
		if (ph->paddr + ph->memsz > hi)
			hi = ph->paddr + ph->memsz;
	}
	if (!nload) {
		lprintf("hypervisor: no loadable segment\n");
		return -1;
	}
	out->lo = lo & ~(LDR_PAGE - 1);
	out->hi = (hi + LDR_PAGE - 1) & ~(LDR_PAGE - 1);
	if (out->hi - out->lo > LDR_HV_MAX_SIZE) {
		lprintf("hypervisor: image spans %lu MiB (more than %lu)\n",
			(out->hi - out->lo) / LDR_MIB, LDR_HV_MAX_SIZE / LDR_MIB);
		return -1;
	}
	return 0;
}

/* Zero the whole range (gaps and .bss: memsz > filesz), then copy the file
 * part of each PT_LOAD. The range is allocated and identity-mapped. */
void elf_copy(const void *file, const struct ldr_elf *e)
{
	const struct elf64_ehdr *eh = file;

	memset((void *)e->lo, 0, e->hi - e->lo);
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *ph = phdr(file, i);

		/* Exactly the segments elf_check() checked. */
		if (ph->type == PT_LOAD && ph->memsz && ph->filesz)
			memcpy((void *)ph->paddr, (const u8 *)file + ph->offset, ph->filesz);
	}
}

/* struct hv_image_header: 8-byte aligned in the first 32 KiB of the loaded
 * image (include/hv/bootinfo.h), and consistent with what was loaded. */
const struct hv_image_header *elf_find_header(const struct ldr_elf *e)
{
	u64 end = e->lo + LDR_HDR_SCAN < e->hi ? e->lo + LDR_HDR_SCAN : e->hi;

	for (u64 at = e->lo; at + sizeof(struct hv_image_header) <= end; at += 8) {
		const struct hv_image_header *h = (const void *)at;

		if (h->magic != HV_IMAGE_MAGIC)
			continue;
		if (h->image_start < e->lo || h->image_end > e->hi ||
		    h->image_start >= h->image_end || h->entry64 < h->image_start ||
		    h->entry64 >= h->image_end) {
			lprintf("hypervisor: image header at %lx is inconsistent (entry %lx, "
				"image %lx-%lx, loaded %lx-%lx)\n", at, h->entry64,
				h->image_start, h->image_end, e->lo, e->hi);
			return NULL;
		}
		return h;
	}
	lprintf("hypervisor: no image header (magic TWISOHDR) in the first %u KiB; "
		"is this a multiboot2-only image?\n", LDR_HDR_SCAN / 1024);
	return NULL;
}
