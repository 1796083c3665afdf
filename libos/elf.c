/* The libOS's ELF64 parser (elf.h): pure, freestanding, host-testable.
 * Every field is read from the file once into a local and checked before
 * use; arithmetic that could wrap is checked first. */
#include "elf.h"

#define PAGE 4096ull
#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u
#define PT_PHDR 6u
#define PT_GNU_STACK 0x6474e551u
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u
#define ET_EXEC 2u
#define ET_DYN 3u
#define EM_X86_64 62u
#define EHDR_SIZE 64u
#define PHDR_SIZE 56u

static uint64_t rd(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

/* page_up with overflow: returns 0 if v rounds past 2^64 (v != 0). */
static int page_up(uint64_t v, uint64_t *out)
{
	if (v > ~0ull - (PAGE - 1))
		return -1;
	*out = (v + PAGE - 1) & ~(PAGE - 1);
	return 0;
}

#define FAIL(msg) do { *why = (msg); return -1; } while (0)

static int parse_phdrs(const unsigned char *f, uint64_t size, uint64_t phoff, unsigned phnum,
		       struct elf_info *o, const char **why)
{
	uint64_t phdr_vaddr = 0;
	int have_phdr = 0;
	unsigned i;

	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = f + phoff + (uint64_t)i * PHDR_SIZE;
		uint32_t type = (uint32_t)rd(ph, 4), flags = (uint32_t)rd(ph + 4, 4);
		uint64_t off = rd(ph + 8, 8), vaddr = rd(ph + 16, 8);
		uint64_t filesz = rd(ph + 32, 8), memsz = rd(ph + 40, 8), align = rd(ph + 48, 8);
		struct elf_seg *s;
		uint64_t end;

		if (type == PT_INTERP)
			FAIL("PT_INTERP: a dynamically linked program (only static ones run)");
		if (type == PT_GNU_STACK && (flags & PF_X))
			FAIL("PT_GNU_STACK asks for an executable stack (dynamic memory is never executable)");
		if (type == PT_PHDR) {
			phdr_vaddr = vaddr;
			have_phdr = 1;
		}
		if (type != PT_LOAD)
			continue;
		if (memsz == 0)
			continue;
		if (o->nseg == ELF_MAX_LOAD)
			FAIL("more than 16 PT_LOAD segments");
		if (filesz > memsz)
			FAIL("a PT_LOAD has p_filesz > p_memsz");
		if (off > size || filesz > size - off)
			FAIL("a PT_LOAD's file range lies beyond the end of the file");
		if (vaddr > ~0ull - memsz || page_up(vaddr + memsz, &end))
			FAIL("a PT_LOAD's p_vaddr + p_memsz overflows");
		if (align > 1 && (align & (align - 1)))
			FAIL("a PT_LOAD's p_align is not a power of two");
		if ((vaddr ^ off) & (PAGE - 1))
			FAIL("a PT_LOAD's p_vaddr and p_offset differ modulo the page size");
		if (flags & ~(PF_R | PF_W | PF_X))
			FAIL("a PT_LOAD has unknown p_flags bits");
		if ((flags & PF_W) && (flags & PF_X))
			FAIL("a PT_LOAD is both writable and executable (W^X)");
		if ((flags & PF_X) && filesz != memsz)
			FAIL("an executable PT_LOAD has p_memsz != p_filesz (it would need executable dynamic memory)");
		if (o->nseg && page_down(vaddr) < o->hi)
			FAIL("PT_LOAD segments overlap or are not in ascending order (page granularity)");
		s = &o->seg[o->nseg++];
		s->vaddr = vaddr;
		s->memsz = memsz;
		s->off = off;
		s->filesz = filesz;
		s->prot = (flags & PF_R ? ELF_R : 0) | (flags & PF_W ? ELF_W : 0) |
			  (flags & PF_X ? ELF_X : 0);
		if (o->nseg == 1)
			o->lo = page_down(vaddr);
		o->hi = end;
	}
	if (!o->nseg)
		FAIL("no PT_LOAD segment");
	/* AT_PHDR: PT_PHDR's address, else the headers' place in a segment. */
	if (!have_phdr) {
		for (i = 0; i < o->nseg; i++) {
			const struct elf_seg *s = &o->seg[i];

			if (phoff >= s->off && phoff - s->off < s->filesz &&
			    (uint64_t)phnum * PHDR_SIZE <= s->filesz - (phoff - s->off)) {
				phdr_vaddr = s->vaddr + (phoff - s->off);
				have_phdr = 1;
				break;
			}
		}
	}
	if (!have_phdr)
		FAIL("the program headers are in no PT_LOAD segment (no AT_PHDR to give)");
	o->phdr = phdr_vaddr;
	return 0;
}

int elf_parse(const void *file, uint64_t size, uint64_t user_min, uint64_t user_max,
	      struct elf_info *o, const char **why)
{
	const unsigned char *f = file;
	uint64_t phoff, entry;
	unsigned type, phnum, phent, i;
	int in_x = 0;

	for (i = 0; i < sizeof(*o); i++)
		((unsigned char *)o)[i] = 0;
	if (size < EHDR_SIZE)
		FAIL("shorter than an ELF header");
	if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
		FAIL("not an ELF file (bad magic)");
	if (f[4] != 2 || f[5] != 1 || f[6] != 1)
		FAIL("not ELF64 little-endian version 1");
	type = (unsigned)rd(f + 16, 2);
	if (rd(f + 18, 2) != EM_X86_64)
		FAIL("not an x86-64 program (e_machine)");
	if (type != ET_EXEC && type != ET_DYN)
		FAIL("neither ET_EXEC nor ET_DYN");
	entry = rd(f + 24, 8);
	phoff = rd(f + 32, 8);
	phent = (unsigned)rd(f + 54, 2);
	phnum = (unsigned)rd(f + 56, 2);
	if (phent != PHDR_SIZE)
		FAIL("e_phentsize is not 56");
	if (phnum == 0 || phnum > ELF_MAX_PHNUM)
		FAIL("e_phnum is 0 or above 64");
	if (phoff > size || (uint64_t)phnum * PHDR_SIZE > size - phoff)
		FAIL("the program headers lie beyond the end of the file");
	if (phoff % 8)
		FAIL("e_phoff is not 8-byte aligned");
	o->pie = type == ET_DYN;
	o->phnum = (uint16_t)phnum;
	o->phent = (uint16_t)phent;
	if (parse_phdrs(f, size, phoff, phnum, o, why))
		return -1;
	for (i = 0; i < o->nseg; i++)
		if ((o->seg[i].prot & ELF_X) && entry >= o->seg[i].vaddr &&
		    entry - o->seg[i].vaddr < o->seg[i].memsz)
			in_x = 1;
	if (!in_x)
		FAIL("the entry point lies in no executable segment");
	if (o->pie) {
		if (o->hi - o->lo > ELF_PIE_SPAN || o->hi - o->lo > user_max - user_min)
			FAIL("a static-PIE's segments span more than the address space allows");
	} else if (o->lo < user_min || o->hi > user_max) {
		FAIL("a segment lies outside the program's address range (below 4 MiB or above the user limit)");
	}
	o->entry = entry;
	return 0;
}
