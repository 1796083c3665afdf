/* The layout of a libOS MIEE as miee-run builds it (include/hv/libos.h):
 * a pure function of the libOS image, the program file, the manifest, the
 * argument blob and the memory size. Builds every measured page in one
 * buffer whose offsets are MIEE addresses, lists the regions in the order
 * they are added, and recomputes the measurement (include/hv/miee.h, with the hypervisor's encoder).
 * No system calls. attest/miee-measure recomputes the same value with
 * independent code. docs/libos.md, "Layout and measurement". */
#ifndef MIEE_RUN_LIBOS_LAYOUT_H
#define MIEE_RUN_LIBOS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "hv/libos.h"
#include "hv/miee.h"

#define LL_MAX_REGIONS 10
#define LL_DEFAULT_MEMORY (64ull << 20)	/* or what MIEE_MAX_PAGES leaves */

struct ll_input {
	const unsigned char *libos;
	size_t libos_len;
	const unsigned char *program;
	size_t program_len;
	const unsigned char *manifest;	/* NULL: none */
	size_t manifest_len;
	const char *const *argv;	/* argc strings; argv[0] = the program path */
	unsigned argc;
	uint64_t memory;		/* bytes of dynamic memory; 0: the default */
	int premapped;			/* LIBOS_BF_PREMAPPED: dynamic memory added up front */
	unsigned threads;		/* boot.threads (measured); 0: 1 */
};

struct ll_region {
	uint64_t offset;
	uint32_t npages, flags;
};

struct ll_layout {
	uint32_t max_pages;
	struct libos_boot boot;
	struct libos_image_hdr hdr;
	struct miee_init init;
	struct ll_region regions[LL_MAX_REGIONS];
	int nregions;
	uint64_t npages;		/* pages added, all regions */
};

/* Checks the inputs and fills *l. 0, or -1 with a one-line reason in err. */
int ll_plan(const struct ll_input *in, struct ll_layout *l, char *err, size_t errlen);
/* Writes the measured contents (page tables, boot page, image, files,
 * argument blob) into buf, which covers [0, max_pages * 4096) and is
 * zero where nothing is written. */
void ll_fill(const struct ll_input *in, const struct ll_layout *l, unsigned char *buf);
/* The measurement of the MIEE l describes, with contents from buf. */
void ll_measure(const struct ll_layout *l, const unsigned char *buf, unsigned char out[32]);

#endif
