/* The program's virtual memory areas: a sorted array of disjoint,
 * page-aligned ranges with their protection. Pure bookkeeping (the page
 * tables are mm.c's), host-testable. Every call either succeeds or leaves
 * the map as it was. docs/libos.md, "Memory". */
#ifndef LIBOS_VMA_H
#define LIBOS_VMA_H

#include <stdint.h>

#define VMA_MAX 512

/* vma.prot: Linux PROT_* values */
#define VMA_R 1u
#define VMA_W 2u
#define VMA_X 4u

/* vma.kind */
#define VMA_ANON 0u		/* zero-filled on first touch, from dynamic memory */
#define VMA_FILE 1u		/* the program file's measured pages, mapped in place:
				 * page at addr is MIEE-physical back + (addr - start) */

struct vma {
	uint64_t start, end;	/* [start, end), page-aligned */
	uint32_t prot, kind;
	uint64_t back;		/* VMA_FILE: MIEE-physical address of start */
};

struct vma_map {
	uint64_t lo, hi;	/* the range areas may occupy */
	unsigned n;
	struct vma v[VMA_MAX];	/* ascending, disjoint */
};

void vma_init(struct vma_map *m, uint64_t lo, uint64_t hi);
/* The area holding addr, or NULL. */
const struct vma *vma_find(const struct vma_map *m, uint64_t addr);
/* 1 if every page of [start, end) is in some area, else 0. */
int vma_covered(const struct vma_map *m, uint64_t start, uint64_t end);
/* Adds [start, end) (must be free and inside [lo, hi)): 0, -EINVAL, -EEXIST
 * if it overlaps an area, -ENOMEM if the array is full. */
int vma_insert(struct vma_map *m, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind,
	       uint64_t back);
/* Removes every part of [start, end) that is mapped, splitting areas:
 * 0, -EINVAL, or -ENOMEM if a split needs a slot the array lacks. */
int vma_remove(struct vma_map *m, uint64_t start, uint64_t end);
/* Sets prot on [start, end), which must be wholly covered (else -ENOMEM):
 * 0, -EINVAL, -ENOMEM. Neighbours with equal attributes are not merged. */
int vma_protect(struct vma_map *m, uint64_t start, uint64_t end, uint32_t prot);
/* Highest free gap of len bytes ending at or below ceil and starting at or
 * above floor: 0 and *out = its start, or -ENOMEM. */
int vma_find_gap(const struct vma_map *m, uint64_t len, uint64_t floor, uint64_t ceil,
		 uint64_t *out);

#endif
