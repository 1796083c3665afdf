/* The byte string an MIEE's measurement hashes (include/hv/miee.h,
 * "Measurement", version 3), written once: the hypervisor (core/miee.c)
 * measures with it and the runner (tools/miee-run/image.c) recomputes the
 * expected value with it. Pure C over crypto/sha256; builds freestanding,
 * in host tests and in the guest tools. attest/miee-measure is the
 * independent oracle and does not use it. */
#ifndef CORE_MIEE_MEAS_H
#define CORE_MIEE_MEAS_H

#include <stdint.h>

#include "crypto/sha256.h"
#include "hv/miee.h"

#define MIEE_MEAS_PAGE_BYTES 4096u	/* a measured page: all of it */

/* At create: the tag and max_pages. */
void miee_meas_begin(struct sha256_ctx *c, uint32_t max_pages);
/* One page, in the order added: its record, then its 4096 bytes when
 * flags has MIEE_P_MEASURED (contents is read only then). */
void miee_meas_page(struct sha256_ctx *c, uint64_t offset, uint32_t flags, const void *contents);
/* At init: the last record (page count, initial state) and the digest. */
void miee_meas_finish(struct sha256_ctx *c, uint32_t npages, const struct miee_init *in,
		      uint8_t out[SHA256_DIGEST_SIZE]);

#endif
