/* The test PAL's MIEE image: built in a buffer, loaded region by region,
 * and measured as the hypervisor measures it (with the hypervisor's own
 * encoder, core/miee_meas.c). Pure code, no system calls: part of miee-run
 * (guest) and of the host unit tests. docs/miee-runner.md. */
#ifndef MIEE_RUN_IMAGE_H
#define MIEE_RUN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hv/miee.h"
#include "miee-run/layout.h"

struct miee_region {
	uint64_t offset;
	uint32_t npages;
	uint32_t flags;		/* MIEE_P_* as given to MIEE_IOC_ADD */
};

#define MIEE_IMG_NREGIONS 5	/* the test PAL's image */
#define MIEE_IMG_MAX_REGIONS 8	/* room for pages added on top (--add-page) */

struct miee_image {
	unsigned char *buf;	/* MIEE_IMG_SIZE bytes, page-aligned */
	uint32_t max_pages;	/* given to MIEE_IOC_CREATE (measured) */
	struct miee_region regions[MIEE_IMG_MAX_REGIONS];	/* in the order added */
	int nregions;
	struct miee_init init;
};

/* Fills buf (MIEE_IMG_SIZE bytes, zeroed here) with page tables, GDT and
 * code; entry is the entry point's offset within code. The shared page is
 * left zero for the caller. 0 or -1 (code too large, entry outside it). */
int miee_image_build(struct miee_image *im, unsigned char *buf, const void *code,
		     size_t code_len, size_t entry);
/* The variant image: one measured byte changed. Before miee_image_measure. */
void miee_image_variant(struct miee_image *im);
/* One more region, added after the image's own (before init): what
 * `miee-run --add-page` and the tests use to build MIEEs that differ from
 * the PAL's by one page. Contents from the same buffer, so the region must
 * lie in it. 0, or -1 (no room, outside the buffer). Flags unchecked: the
 * hypervisor judges them. Before miee_image_measure. */
int miee_image_add_region(struct miee_image *im, uint64_t offset, uint32_t npages,
			  uint32_t flags);
/* The measurement of include/hv/miee.h (version 3): the tag, max_pages;
 * for every page in the order added, MIEE_MEAS_PAGE || offset (8 LE) ||
 * flags (4 LE), then its 4096 bytes if it is MIEE_P_MEASURED; then
 * MIEE_MEAS_INIT || the page count (4 LE) || the 56 bytes of struct
 * miee_init. */
void miee_image_measure(const struct miee_image *im, unsigned char out[32]);

/* What the `sum` mode computes: the sum and FNV-1a 64 (protocol.h) of n numbers. */
void miee_pal_checksum(const uint64_t *nums, uint64_t n, uint64_t *sum, uint64_t *fnv);
/* n bytes as 2n lowercase hex digits and a zero. */
void miee_hex(const unsigned char *p, size_t n, char *out);

#endif
