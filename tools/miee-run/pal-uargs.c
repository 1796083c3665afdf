/* The test PAL's `utpm-args` mode (docs/miee-runner.md, "uTPM argument
 * mode"): every uTPM call (HC_UTPM_*, include/hv/miee.h) with each buffer,
 * and each buffer inside struct utpm_quote_req / utpm_data_req, outside the
 * MIEE, in its read-only code page for an output, straddling from a
 * writable page into the guard, into the code page or past the end of the
 * range, wrapping, and with lengths out of bounds. After each: RAX is the
 * documented code (MIEE_EARG for a buffer, MIEE_EUTPM for a length, index
 * or mask), no canary byte changed (the data page, the tails of the GDT's
 * page and of the shared page, where every straddling output starts) and
 * every uPCR reads as before. Two controls at the end show that the canary
 * and uPCR checks see a change. The protocol is in protocol.h; the rules of
 * pal-fn.h hold. */
#include <stdint.h>

#include "miee-run/pal-fn.h"

typedef volatile struct miee_pal_uargs pal_uargs_t;
typedef volatile unsigned char ua_byte_t;

#define UA_NPCR 8	/* uPCRs 0..7 (include/hv/miee.h) */
#define UA_NONCE_MAX 64	/* utpm_quote_req.nonce_len */
#define UA_EARG ((uint64_t)(int64_t)MIEE_EARG)
#define UA_EUTPM ((uint64_t)(int64_t)MIEE_EUTPM)

#define UA_GUARD ((uint64_t)MIEE_IMG_GUARD)		/* not added */
#define UA_GDT_TAIL ((uint64_t)MIEE_IMG_GDT + MIEE_PG - MIEE_PAL_UA_TAIL)
#define UA_SHR_TAIL ((uint64_t)MIEE_IMG_SHARED + MIEE_PG - MIEE_PAL_UA_TAIL)
/* Valid places for the other buffers of a case: in the data page. */
#define UA_D_ATTEST ((uint64_t)MIEE_IMG_DATA + 0x100)
#define UA_D_SIG ((uint64_t)MIEE_IMG_DATA + 0x300)
#define UA_D_OUT ((uint64_t)MIEE_IMG_DATA + 0x400)

struct ua {
	uint64_t vmm;
	pal_uargs_t *rec;
	ua_byte_t pcr[UA_NPCR * 32];	/* every uPCR before the cases */
};

PAL_FN void ua_fill(uint64_t a, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		*(ua_byte_t *)(uintptr_t)(a + i) = MIEE_PAL_UA_CANARY(a + i);
}

/* The first changed canary byte's address + 1, or 0. */
PAL_FN uint64_t ua_changed(uint64_t a, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (*(ua_byte_t *)(uintptr_t)(a + i) != MIEE_PAL_UA_CANARY(a + i))
			return a + i + 1;
	return 0;
}

PAL_FN void ua_fill_all(void)
{
	ua_fill(MIEE_IMG_DATA, MIEE_PG);
	ua_fill(UA_GDT_TAIL, MIEE_PAL_UA_TAIL);
	ua_fill(UA_SHR_TAIL, MIEE_PAL_UA_TAIL);
}

PAL_FN uint64_t ua_changed_all(void)
{
	uint64_t c = ua_changed(MIEE_IMG_DATA, MIEE_PG);

	if (!c)
		c = ua_changed(UA_GDT_TAIL, MIEE_PAL_UA_TAIL);
	if (!c)
		c = ua_changed(UA_SHR_TAIL, MIEE_PAL_UA_TAIL);
	return c;
}

__attribute__((noreturn)) PAL_FN void ua_fail(struct ua *s, uint64_t what, uint64_t call,
					      uint64_t got, uint64_t want)
{
	s->rec->failed = s->rec->cases + 1;
	s->rec->what = what;
	s->rec->call = call;
	s->rec->got = got;
	s->rec->want = want;
	pal_exit(s->vmm, MIEE_PAL_ST_UA);
}

/* Every uPCR into p (on the stack). */
PAL_FN void ua_read_pcrs(struct ua *s, ua_byte_t *p)
{
	uint64_t i, r;

	for (i = 0; i < UA_NPCR; i++) {
		r = pal_hc2(s->vmm, HC_UTPM_PCR_READ, i, PAL_ADDR(p + 32 * i));
		if (r)
			ua_fail(s, MIEE_PAL_UA_SETUP, HC_UTPM_PCR_READ, r, i);
	}
}

/* The uPCR that differs from the snapshot + 1, or 0. */
PAL_FN uint64_t ua_pcr_changed(struct ua *s)
{
	ua_byte_t now[UA_NPCR * 32];
	uint64_t i;

	ua_read_pcrs(s, now);
	for (i = 0; i < UA_NPCR * 32; i++)
		if (now[i] != s->pcr[i])
			return i / 32 + 1;
	return 0;
}

/* One case's verdict: RAX, canaries, uPCRs. */
PAL_FN void ua_expect(struct ua *s, uint64_t call, uint64_t got, uint64_t want)
{
	uint64_t c;

	if (got != want)
		ua_fail(s, MIEE_PAL_UA_CODE, call, got, want);
	c = ua_changed_all();
	if (c)
		ua_fail(s, MIEE_PAL_UA_CANARY_HIT, call, c - 1, want);
	c = ua_pcr_changed(s);
	if (c)
		ua_fail(s, MIEE_PAL_UA_UPCR, call, c - 1, want);
	s->rec->cases++;
}

/* What a case changes from a valid call. */
#define F_BUF 1		/* the register buffer: PCR_READ/EXTEND RCX, the others RBX */
#define F_IDX 2		/* PCR_READ/EXTEND RBX (the index), GET_RANDOM RCX (the length) */
#define F_NONCE 3	/* utpm_quote_req.nonce */
#define F_NLEN 4	/* .nonce_len */
#define F_ATTEST 5	/* .attest */
#define F_SIG 6		/* .sig (attest valid: it must stay unwritten) */
#define F_AMAX 7	/* .attest_max */
#define F_SMAX 8	/* .sig_max */
#define F_MASK 9	/* .pcr_mask of either request */
#define F_IN 10		/* utpm_data_req.in */
#define F_INLEN 11	/* .in_len */
#define F_OUT 12	/* .out */
#define F_OUTMAX 13	/* .out_max */
#define F_PAD 14	/* .pad */
#define F_LAST 14

/* Valid places for the buffers a case does not change: the data page. */
#define UA_D_ATTEST ((uint64_t)MIEE_IMG_DATA + 0x100)
#define UA_D_SIG ((uint64_t)MIEE_IMG_DATA + 0x300)
#define UA_D_OUT ((uint64_t)MIEE_IMG_DATA + 0x400)

#define UA_V(f, dflt) (field == (f) ? v : (dflt))

/* call with field = v, everything else valid; in/in_len the seal's secret
 * or the unseal's blob. RAX, checked by ua_expect. */
PAL_FN void ua_try(struct ua *s, uint64_t call, uint64_t field, uint64_t v, uint64_t want,
		   const ua_byte_t *in, uint64_t in_len)
{
	volatile struct utpm_quote_req q;
	volatile struct utpm_data_req d;
	ua_byte_t nonce[MIEE_PAL_NONCE_LEN];
	uint64_t r, b, c, i;

	for (i = 0; i < MIEE_PAL_NONCE_LEN; i++)
		nonce[i] = (unsigned char)i;
	q.pcr_mask = (uint32_t)UA_V(F_MASK, 1);
	q.nonce_len = (uint32_t)UA_V(F_NLEN, MIEE_PAL_NONCE_LEN);
	q.nonce = UA_V(F_NONCE, PAL_ADDR(nonce));
	q.attest = UA_V(F_ATTEST, UA_D_ATTEST);
	q.attest_max = UA_V(F_AMAX, 192);
	q.sig = UA_V(F_SIG, UA_D_SIG);
	q.sig_max = UA_V(F_SMAX, 96);
	q.attest_len = 0;
	q.sig_len = 0;
	d.pcr_mask = (uint32_t)UA_V(F_MASK, 1);
	d.pad = (uint32_t)UA_V(F_PAD, 0);
	d.in = UA_V(F_IN, PAL_ADDR(in));
	d.in_len = UA_V(F_INLEN, in_len);
	d.out = UA_V(F_OUT, UA_D_OUT);
	d.out_max = UA_V(F_OUTMAX, 192);
	d.out_len = 0;
	if (call == HC_UTPM_PCR_READ || call == HC_UTPM_PCR_EXTEND) {
		b = UA_V(F_IDX, 1);
		c = UA_V(F_BUF, call == HC_UTPM_PCR_READ ? UA_D_OUT : PAL_ADDR(nonce));
	} else {
		b = UA_V(F_BUF, call == HC_UTPM_QUOTE ? PAL_ADDR(&q) :
			 call >= HC_UTPM_SEAL && call <= HC_UTPM_UNSEAL ? PAL_ADDR(&d) : UA_D_OUT);
		c = UA_V(F_IDX, 32);
	}
	r = pal_hc2(s->vmm, call, b, c);
	if (q.attest_len || q.sig_len || d.out_len)
		ua_fail(s, MIEE_PAL_UA_REQ, call, r, want);
	ua_expect(s, call, r, want);
}

/* The length of field's buffer for call, and whether it is an output; 0
 * when call has no such buffer. */
PAL_FN uint64_t ua_buf(uint64_t call, uint64_t field, uint64_t blen, int *out)
{
	int data = call == HC_UTPM_SEAL || call == HC_UTPM_UNSEAL;

	*out = 0;
	if (field == F_BUF) {
		*out = call == HC_UTPM_PCR_READ || call == HC_UTPM_GET_RANDOM ||
		       call == HC_UTPM_PUBKEY;
		return call == HC_UTPM_PUBKEY ? MIEE_PAL_PUBKEY_LEN :
		       call == HC_UTPM_QUOTE ? sizeof(struct utpm_quote_req) :
		       data ? sizeof(struct utpm_data_req) : 32;
	}
	if (call == HC_UTPM_QUOTE && field == F_NONCE)
		return MIEE_PAL_NONCE_LEN;
	*out = 1;
	if (call == HC_UTPM_QUOTE && field == F_ATTEST)
		return MIEE_PAL_ATTEST_LEN;
	if (call == HC_UTPM_QUOTE && field == F_SIG)
		return MIEE_PAL_SIG_LEN;
	if (data && field == F_OUT)
		return call == HC_UTPM_SEAL ? blen : MIEE_PAL_SECRET_LEN;
	*out = 0;
	if (data && field == F_IN)
		return call == HC_UTPM_SEAL ? MIEE_PAL_SECRET_LEN : blen;
	return 0;
}

/* Bad place k (0..8) for a buffer of n bytes; 0 for none (a place an
 * input may be read from). */
PAL_FN uint64_t ua_place(uint64_t k, uint64_t n, int out)
{
	if (k == 0)
		return UA_GUARD;			/* not added */
	if (k == 1)
		return MIEE_IMG_SIZE;			/* just past the range */
	if (k == 2)
		return 1ull << 40;			/* far beyond max_pages */
	if (k == 3)
		return out ? MIEE_IMG_CODE : 0;		/* R|X */
	if (k == 4)
		return UA_GUARD - 16;			/* the data page into the guard */
	if (k == 5)
		return out ? MIEE_IMG_CODE - 16 : 0;	/* the GDT's page into the code */
	if (k == 6)
		return MIEE_IMG_SIZE - 16;		/* the shared page past the end */
	if (k == 7)
		return ~0ull - 15;			/* off + n wraps */
	return UA_GUARD - n + 1;			/* its last byte in the guard */
}

/* Bad value k of a length, index, mask or pad of call: 1 and *field, *v
 * set, or 0 when call has no value k. Each must give MIEE_EUTPM. */
PAL_FN int ua_badval(uint64_t call, uint64_t k, uint64_t blen, uint64_t *field, uint64_t *v)
{
	uint64_t outn = call == HC_UTPM_SEAL ? blen : MIEE_PAL_SECRET_LEN;

	*field = F_IDX;
	if (call == HC_UTPM_PCR_READ || call == HC_UTPM_PCR_EXTEND) {
		/* uPCR 8, 2^64 - 1, 2^32 + 1; extend uPCR 0 (the identity) */
		*v = k == 0 ? UA_NPCR : k == 1 ? ~0ull : k == 2 ? (1ull << 32) | 1 : 0;
		return k < 3 || (k == 3 && call == HC_UTPM_PCR_EXTEND);
	}
	if (call == HC_UTPM_GET_RANDOM) {
		*v = k == 0 ? 257 : k == 1 ? ~0ull : k == 2 ? 1ull << 32 : 0;
		return k < 4;
	}
	if (call == HC_UTPM_QUOTE) {
		*field = k < 2 ? F_NLEN : k == 2 ? F_AMAX : k == 3 ? F_SMAX : F_MASK;
		*v = k == 0 ? UA_NONCE_MAX + 1 : k == 1 ? 0xffffffffu : k == 2 ? 16 :
		     k == 3 ? 1 : k == 4 ? 2 : 0x101;	/* mask without uPCR 0, with bit 8 */
		return k < 6;
	}
	if (call == HC_UTPM_SEAL || call == HC_UTPM_UNSEAL) {
		*field = k < 2 ? F_INLEN : k < 4 ? F_OUTMAX : k == 4 ? F_PAD : F_MASK;
		*v = k == 0 ? 4097 : k == 1 ? ~0ull : k == 2 ? outn - 1 : k == 3 ? ~0ull :
		     k == 4 ? 1 : 0x100;
		return k < 5 || call == HC_UTPM_SEAL;
	}
	return 0;
}

__attribute__((noreturn)) PAL_GLOBAL void pal_uargs(uint64_t vmm, pal_shared_t *sh, uint64_t shared)
{
	struct ua s;
	ua_byte_t secret[MIEE_PAL_SECRET_LEN], blob[192], digest[32];
	volatile struct utpm_data_req d;
	uint64_t r, blen, i, call, f, k, n, v;
	const ua_byte_t *in;
	int out;

	(void)sh;
	s.vmm = vmm;
	s.rec = (pal_uargs_t *)(uintptr_t)(shared + MIEE_PAL_UARGS_OFF);
	s.rec->cases = 0;
	s.rec->failed = 0;
	ua_read_pcrs(&s, s.pcr);
	for (i = 0; i < 32; i++)
		digest[i] = MIEE_PAL_EXTEND_BYTE(i);
	for (i = 0; i < MIEE_PAL_SECRET_LEN; i++)
		secret[i] = MIEE_PAL_SECRET_BYTE(i);
	/* A valid blob of its own, on the stack, for the unseal cases. */
	d.pcr_mask = 1;
	d.pad = 0;
	d.in = PAL_ADDR(secret);
	d.in_len = MIEE_PAL_SECRET_LEN;
	d.out = PAL_ADDR(blob);
	d.out_max = sizeof(blob);
	d.out_len = 0;
	r = pal_hc2(vmm, HC_UTPM_SEAL, PAL_ADDR(&d), 0);
	blen = d.out_len;
	if (r || blen != MIEE_PAL_BLOB_LEN)
		ua_fail(&s, MIEE_PAL_UA_SETUP, HC_UTPM_SEAL, r, blen);
	ua_fill_all();

	for (call = HC_UTPM_PCR_READ; call <= HC_UTPM_PUBKEY; call++) {
		in = call == HC_UTPM_SEAL ? secret : blob;
		n = call == HC_UTPM_SEAL ? MIEE_PAL_SECRET_LEN : blen;
		/* Every buffer at every bad place: MIEE_EARG. */
		for (f = F_BUF; f <= F_LAST; f++) {
			uint64_t len = ua_buf(call, f, blen, &out);

			for (k = 0; len && k < 9; k++) {
				v = ua_place(k, len, out);
				if (v)
					ua_try(&s, call, f, v, UA_EARG, in, n);
			}
		}
		/* Every bad length, index, mask and pad: MIEE_EUTPM. */
		for (k = 0; k < 6; k++)
			if (ua_badval(call, k, blen, &f, &v))
				ua_try(&s, call, f, v, UA_EUTPM, in, n);
	}

	/* Controls: a valid read into the data page is seen by the canary
	 * check, a valid extend of uPCR 1 by the uPCR check. */
	r = pal_hc2(vmm, HC_UTPM_PCR_READ, 0, UA_D_OUT);
	if (r)
		ua_fail(&s, MIEE_PAL_UA_SETUP, HC_UTPM_PCR_READ, r, 0);
	if (!ua_changed_all())
		ua_fail(&s, MIEE_PAL_UA_CONTROL, HC_UTPM_PCR_READ, 0, 1);
	r = pal_hc2(vmm, HC_UTPM_PCR_EXTEND, 1, PAL_ADDR(digest));
	if (r)
		ua_fail(&s, MIEE_PAL_UA_SETUP, HC_UTPM_PCR_EXTEND, r, 0);
	if (ua_pcr_changed(&s) != 2)
		ua_fail(&s, MIEE_PAL_UA_CONTROL, HC_UTPM_PCR_EXTEND, 0, 2);
	pal_exit(vmm, MIEE_PAL_ST_OK);
}
