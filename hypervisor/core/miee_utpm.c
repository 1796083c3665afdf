/* The micro-TPM calls from inside an MIEE (HC_UTPM_*), and the copies
 * between hypervisor memory and the MIEE's own pages that they and the
 * thread-slot calls make: every range is checked whole against the MIEE's
 * nested table before the first byte moves. Vendor-neutral; root / host
 * mode, under hv_miee_lock (called from core/miee.c). docs/utpm.md. */
#include "hv.h"
#include "crypto/drbg.h"
#include "crypto/util.h"
#include "utpm/utpm.h"
#include "measure.h"
#include "miee.h"
#include "x86.h"
#include "core/miee_int.h"

/* The frame behind MIEE offset off, if the MIEE has that page (and write
 * access to it when asked). 0 if not. */
static u64 miee_frame(struct miee *m, u64 off, bool write)
{
	unsigned perms;
	u64 hpa;

	/* Its nested table holds exactly its pages with their rights. */
	if (npt_lookup(&m->npt, off & PAGE_MASK, &hpa, &perms, NULL, NULL) ||
	    (write && !(perms & NPT_W)))
		return 0;
	return hpa & PAGE_MASK;
}

/* 0 when every page of [off, off + len) is the MIEE's (and writable, when
 * asked); MIEE_EARG otherwise. Checked in full before a copy starts, so a
 * refused copy writes nothing. */
static int miee_range(struct miee *m, u64 off, u64 len, bool write)
{
	u64 pg, last;

	if (len > (u64)m->max_pages * PAGE_SIZE || off + len < off)
		return MIEE_EARG;
	if (!len)
		return 0;
	last = (off + len - 1) & PAGE_MASK;
	for (pg = off & PAGE_MASK;; pg += PAGE_SIZE) {
		if (!miee_frame(m, pg, write))
			return MIEE_EARG;
		if (pg == last)
			return 0;
	}
}

int miee_copy(struct miee *m, u64 off, void *buf, u64 len, bool out)
{
	u8 *b = buf;

	if (miee_range(m, off, len, out))
		return MIEE_EARG;
	while (len) {
		u64 frame = miee_frame(m, off, out), n = PAGE_SIZE - (off & (PAGE_SIZE - 1));

		if (!frame)
			return MIEE_EARG;
		if (n > len)
			n = len;
		if (out)
			memcpy(phys_to_virt(frame + (off & (PAGE_SIZE - 1))), b, n);
		else
			memcpy(b, phys_to_virt(frame + (off & (PAGE_SIZE - 1))), n);
		off += n;
		b += n;
		len -= n;
	}
	return 0;
}

/* uTPM calls: arguments copied in once, results copied out. RAX of the
 * MIEE gets 0 or an error; the MIEE keeps running. */
s64 miee_utpm_call(struct miee *m, struct guest_regs *r)
{
	static u8 in[UTPM_BLOB_MAX], out[UTPM_BLOB_MAX];
	u8 digest[32], nonce[UTPM_NONCE_MAX];
	struct utpm_quote_req q;
	struct utpm_data_req d;
	size_t alen, slen;
	s64 err;

	if (!m->utpm.ready)
		return MIEE_EUTPM;
	switch (r->rax) {
	case HC_UTPM_PCR_READ:
		if (r->rbx >= UTPM_NPCR || utpm_pcr_read(&m->utpm, (u32)r->rbx, digest))
			return MIEE_EUTPM;
		return miee_copy(m, r->rcx, digest, 32, true);
	case HC_UTPM_PCR_EXTEND:
		if (r->rbx >= UTPM_NPCR)
			return MIEE_EUTPM;
		err = miee_copy(m, r->rcx, digest, 32, false);
		if (err)
			return err;
		return utpm_pcr_extend(&m->utpm, (u32)r->rbx, digest) ? MIEE_EUTPM : 0;
	case HC_UTPM_GET_RANDOM:
		if (!r->rcx || r->rcx > UTPM_RANDOM_MAX ||
		    utpm_get_random(&m->utpm, &hv_drbg, out, r->rcx))
			return MIEE_EUTPM;
		err = miee_copy(m, r->rbx, out, r->rcx, true);
		crypto_wipe(out, r->rcx);
		return err;
	case HC_UTPM_PUBKEY:
		if (utpm_pubkey(&hv_utpm_root, out))
			return MIEE_EUTPM;
		return miee_copy(m, r->rbx, out, UTPM_PUBKEY_SIZE, true);
	case HC_UTPM_QUOTE:
		err = miee_copy(m, r->rbx, &q, sizeof(q), false);
		if (err)
			return err;
		if (q.nonce_len > UTPM_NONCE_MAX)
			return MIEE_EUTPM;
		err = miee_copy(m, q.nonce, nonce, q.nonce_len, false);
		if (err)
			return err;
		if (utpm_quote(&m->utpm, &hv_utpm_root, q.pcr_mask, nonce, q.nonce_len,
			       in, sizeof(in), &alen, out, sizeof(out), &slen) ||
		    alen > q.attest_max || slen > q.sig_max)
			return MIEE_EUTPM;
		q.attest_len = alen;
		q.sig_len = slen;
		/* All three outputs checked before the first is written. */
		if (miee_range(m, q.attest, alen, true) || miee_range(m, q.sig, slen, true) ||
		    miee_range(m, r->rbx, sizeof(q), true))
			return MIEE_EARG;
		err = miee_copy(m, q.attest, in, alen, true);
		if (!err)
			err = miee_copy(m, q.sig, out, slen, true);
		if (!err)
			err = miee_copy(m, r->rbx, &q, sizeof(q), true);
		return err;
	case HC_UTPM_SEAL:
	case HC_UTPM_UNSEAL:
		err = miee_copy(m, r->rbx, &d, sizeof(d), false);
		if (err)
			return err;
		if (d.pad || d.in_len > sizeof(in) || d.out_max > sizeof(out))
			return MIEE_EUTPM;
		err = miee_copy(m, d.in, in, d.in_len, false);
		if (err)
			return err;
		if (r->rax == HC_UTPM_SEAL)
			err = utpm_seal(&m->utpm, &hv_utpm_root, d.pcr_mask, in, d.in_len, out,
					d.out_max, &alen);
		else
			err = utpm_unseal(&m->utpm, &hv_utpm_root, in, d.in_len, out,
					  d.out_max, &alen);
		crypto_wipe(in, d.in_len);
		if (err) {
			crypto_wipe(out, sizeof(out));
			return MIEE_EUTPM;
		}
		d.out_len = alen;
		err = miee_range(m, r->rbx, sizeof(d), true);	/* before the output */
		if (!err)
			err = miee_copy(m, d.out, out, alen, true);
		crypto_wipe(out, alen);
		if (!err)
			err = miee_copy(m, r->rbx, &d, sizeof(d), true);
		return err;
	}
	return MIEE_EUTPM;
}
