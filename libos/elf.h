/* The libOS's ELF64 parser: a pure function from the program file's bytes
 * to the segments to load, with every check a loader needs (no allocation,
 * no I/O). Used by the loader inside the MIEE (exec.c) and by the host
 * unit test and fuzzer. docs/libos.md, "Loading". */
#ifndef LIBOS_ELF_H
#define LIBOS_ELF_H

#include <stdint.h>

#define ELF_MAX_LOAD 16		/* PT_LOAD entries accepted */
#define ELF_MAX_PHNUM 64
#define ELF_PIE_SPAN (1ull << 40)	/* a static-PIE's segments span at most 1 TiB */

/* elf_seg.prot */
#define ELF_R 4u
#define ELF_W 2u
#define ELF_X 1u

struct elf_seg {
	uint64_t vaddr, memsz;	/* unbiased (a PIE adds the load bias) */
	uint64_t off, filesz;
	uint32_t prot;		/* ELF_R | ELF_W | ELF_X */
};

struct elf_info {
	int pie;		/* ET_DYN: loaded at a bias the loader picks */
	uint64_t entry;		/* unbiased */
	uint64_t phdr;		/* unbiased vaddr of the program headers (AT_PHDR) */
	uint16_t phnum, phent;
	uint64_t lo, hi;	/* page-aligned span of all PT_LOADs, unbiased */
	unsigned nseg;
	struct elf_seg seg[ELF_MAX_LOAD];	/* in ascending vaddr order */
};

/* Checks file[0, size) as a static x86-64 executable (ET_EXEC, or ET_DYN
 * without PT_INTERP) and fills *out. Returns 0, or -1 with *why set to a
 * one-line reason (a string constant). user_min/user_max bound the
 * addresses an ET_EXEC may ask for (a PIE's span must fit below
 * user_max - user_min). */
int elf_parse(const void *file, uint64_t size, uint64_t user_min, uint64_t user_max,
	      struct elf_info *out, const char **why);

#endif
