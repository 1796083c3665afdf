/* The measurement encoding of include/hv/miee.h (version 3): little-endian
 * fields, records in the order of the lifecycle calls. Shared by the
 * hypervisor and the runner (core/miee_meas.h). */
#include "core/miee_meas.h"

static void put_le(struct sha256_ctx *c, uint64_t v, unsigned n)
{
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sha256_update(c, b, n);
}

void miee_meas_begin(struct sha256_ctx *c, uint32_t max_pages)
{
	sha256_init(c);
	sha256_update(c, MIEE_MEAS_TAG, MIEE_MEAS_TAG_LEN);
	put_le(c, max_pages, 4);
}

void miee_meas_page(struct sha256_ctx *c, uint64_t offset, uint32_t flags, const void *contents)
{
	/* Place and rights of every page, shared or unmeasured too: an
	 * unrecorded page would be code or data no verifier knows of. */
	put_le(c, MIEE_MEAS_PAGE, 1);
	put_le(c, offset, 8);
	put_le(c, flags, 4);
	if (flags & MIEE_P_MEASURED)
		sha256_update(c, contents, MIEE_MEAS_PAGE_BYTES);
}

void miee_meas_finish(struct sha256_ctx *c, uint32_t npages, const struct miee_init *in,
		      uint8_t out[SHA256_DIGEST_SIZE])
{
	put_le(c, MIEE_MEAS_INIT, 1);
	put_le(c, npages, 4);
	put_le(c, in->rip, 8);
	put_le(c, in->rsp, 8);
	put_le(c, in->cr3, 8);
	put_le(c, in->gdt_base, 8);
	put_le(c, in->idt_base, 8);
	put_le(c, in->gdt_limit, 2);
	put_le(c, in->idt_limit, 2);
	put_le(c, in->cs, 2);
	put_le(c, in->ds, 2);
	put_le(c, in->arg, 8);
	sha256_final(c, out);
}
