/* miee-run's side of the uTPM modes (quote, seal, seal-other): what the
 * PAL left in the shared page, checked without the signature; the lines a
 * verifier takes (tests/harness/utpm-quote.sh). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/sha256.h"
#include "hv/hypercall.h"
#include "miee-run/runner.h"

static void get_bytes(unsigned char *dst, const volatile unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

static void print_hex(const char *what, const unsigned char *p, size_t n)
{
	char hex[2 * 256 + 1];

	if (n > 256)
		n = 256;
	miee_hex(p, n, hex);
	printf("miee-run: utpm %s %s\n", what, hex);
}

const char *rax_name(uint64_t rax)
{
	switch ((int64_t)rax) {
	case 0: return "ok";
	case HVE_NOSYS: return "HVE_NOSYS";
	case HVE_PERM: return "HVE_PERM";
	case HVE_INVAL: return "HVE_INVAL";
	case MIEE_EARG: return "MIEE_EARG";
	case MIEE_EUTPM: return "MIEE_EUTPM";
	default: return "?";
	}
}

static void sha256_2(const void *a, size_t na, const void *b, size_t nb, unsigned char out[32])
{
	struct sha256_ctx h;

	sha256_init(&h);
	sha256_update(&h, a, na);
	sha256_update(&h, b, nb);
	sha256_final(&h, out);
}

/* The value uPCR 1 has after one extend with the fixed digest. */
static void expected_upcr1(unsigned char out[32])
{
	unsigned char zero[32] = { 0 }, d[32];
	unsigned i;

	for (i = 0; i < 32; i++)
		d[i] = MIEE_PAL_EXTEND_BYTE(i);
	sha256_2(zero, 32, d, 32, out);
}

static void match_line(const char *what, int ok)
{
	printf("miee-run: utpm check %s: %s\n", what, ok ? "match" : "MISMATCH");
}

/* `quote`: the six lines a verifier takes (tests/harness/utpm-quote.sh runs
 * tpm2_checkquote on them), then what the runner can check without the
 * signature: uPCR 0 = its own measurement, uPCR 1 = the extend, the attest
 * fields (nonce, selection, pcrDigest), the refusals. */
int check_quote(struct miee *m)
{
	static const char *const rname[MIEE_PAL_NREFUSED] = {
		"extend-upcr0", "past-end", "read-only", "guard", "index-8", "request-end",
		"mask-no-upcr0",
	};
	volatile struct miee_pal_utpm *u = m->u;
	unsigned char att[sizeof(u->attest)], sig[sizeof(u->sig)], pub[MIEE_PAL_PUBKEY_LEN];
	unsigned char p0[32], p1[32], want[32];
	uint64_t alen = u->attest_len, slen = u->sig_len;
	const unsigned char *a = att;
	size_t n = MIEE_PAL_NONCE_LEN;
	int rc = RC_OK, ok;
	unsigned i;

	if (alen != MIEE_PAL_ATTEST_LEN || slen != MIEE_PAL_SIG_LEN) {
		printf("miee-run: utpm quote sizes WRONG: attest %" PRIu64 " (want %u), sig %" PRIu64
		       " (want %u)\n", alen, MIEE_PAL_ATTEST_LEN, slen, MIEE_PAL_SIG_LEN);
		return RC_WRONG;
	}
	get_bytes(att, u->attest, alen);
	get_bytes(sig, u->sig, slen);
	get_bytes(pub, u->pubkey, sizeof(pub));
	get_bytes(p0, u->upcr0, 32);
	get_bytes(p1, u->upcr1, 32);
	print_hex("nonce", m->nonce, MIEE_PAL_NONCE_LEN);
	print_hex("attest", att, alen);
	print_hex("sig", sig, slen);
	print_hex("pubkey", pub, sizeof(pub));
	print_hex("upcr0", p0, 32);
	print_hex("upcr1", p1, 32);

	ok = !memcmp(p0, m->expect, 32);
	match_line("upcr0 = measurement", ok);
	if (!ok)
		rc = worse(rc, RC_MEAS);
	expected_upcr1(want);
	ok = !memcmp(p1, want, 32);
	match_line("upcr1 = extend of the fixed digest", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);

	/* TPMS_ATTEST, docs/utpm.md: magic, type, signer name algorithm,
	 * extraData, one sha256 selection of uPCRs 0 and 1, pcrDigest. */
	sha256_2(p0, 32, p1, 32, want);
	ok = !memcmp(a, "\xff\x54\x43\x47\x80\x18\x00\x22\x00\x0b", 10) &&
	     a[42] == 0 && a[43] == n && !memcmp(a + 44, m->nonce, n) &&
	     !memcmp(a + 69 + n, "\x00\x00\x00\x01\x00\x0b\x03\x03\x00\x00\x00\x20", 12) &&
	     !memcmp(a + 81 + n, want, 32);
	match_line("attest fields (magic, type, nonce, selection 0,1, pcrDigest)", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);
	/* TPMT_SIGNATURE: ECDSA, SHA-256, two 32-byte TPM2B numbers. */
	ok = !memcmp(sig, "\x00\x18\x00\x0b\x00\x20", 6) && sig[38] == 0 && sig[39] == 32 &&
	     pub[0] == 4;
	match_line("signature and key format (ECDSA P-256, SHA-256)", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);

	printf("miee-run: utpm refused:");
	for (i = 0; i < MIEE_PAL_NREFUSED; i++)
		printf(" %s %" PRId64 " (%s)", rname[i], (int64_t)u->refused[i], rax_name(u->refused[i]));
	printf("\n");
	for (i = 0; i < MIEE_PAL_NREFUSED; i++)
		if (!u->refused[i])
			rc = worse(rc, RC_WRONG);
	return rc;
}

/* `seal`: the blob (version 1, mask 0b11, policy = SHA-256(uPCR 0 || uPCR 1)
 * at seal time = SHA-256(measurement || 32 zero bytes)). `seal-lt`: version
 * 2, the same mask and policy, then the launch's 16-byte salt (not zero). */
int check_seal(struct miee *m)
{
	unsigned char blob[sizeof(m->u->blob)], zero[32] = { 0 }, policy[32];
	int lt = m->mode == MIEE_PAL_M_SEAL_LT;
	uint64_t len = m->u->blob_len, want = lt ? MIEE_PAL_LT_BLOB_LEN : MIEE_PAL_BLOB_LEN;
	int ok;

	if (len != want) {
		printf("miee-run: utpm blob length %" PRIu64 " WRONG (want %" PRIu64 ")\n", len, want);
		return RC_WRONG;
	}
	get_bytes(blob, m->u->blob, len);
	print_hex("blob", blob, len);
	sha256_2(m->expect, 32, zero, 32, policy);
	ok = !memcmp(blob, lt ? "\x00\x00\x00\x02\x00\x00\x00\x03" : "\x00\x00\x00\x01\x00\x00\x00\x03", 8) &&
	     !memcmp(blob + 8, policy, 32) && (!lt || memcmp(blob + 40, zero, 16));
	match_line(lt ? "blob header (version 2 long-term, uPCRs 0,1, policy of measurement and zero "
			"uPCR 1, a salt)" :
			"blob header (version 1, uPCRs 0,1, policy of measurement and zero uPCR 1)", ok);
	if (!ok)
		return RC_WRONG;
	printf("miee-run: utpm seal%s: %u-byte secret sealed, unsealed equal; blob with byte %u "
	       "changed refused; after extending uPCR 1 refused; outputs left zero: ok\n",
	       lt ? " (long-term)" : "", MIEE_PAL_SECRET_LEN, MIEE_PAL_BLOB_FLIP);
	return RC_OK;
}

/* `unseal`: only reported here; seal_other_verdict judges. */
void report_unseal(struct miee *m)
{
	uint64_t res = m->u->unseal_result, err = m->u->err;

	if (res == MIEE_PAL_U_OPENED)
		printf("miee-run: utpm unseal: opened, the secret (%" PRIu64 " bytes)\n",
		       (uint64_t)m->u->unseal_len);
	else if (res == MIEE_PAL_U_REFUSED)
		printf("miee-run: utpm unseal: refused, RAX %" PRId64 " (%s), output left zero\n",
		       (int64_t)err, rax_name(err));
	else
		printf("miee-run: utpm unseal: WRONG outcome %" PRIu64 ", RAX %" PRId64 " (%s), "
		       "%" PRIu64 " bytes\n", res, (int64_t)err, rax_name(err),
		       (uint64_t)m->u->unseal_len);
}

/* seal-other: before MIEE k (1, 2) runs, MIEE 0's blob goes into its
 * shared page. */
void hand_blob(struct miee *from, struct miee *to)
{
	uint64_t len = from->u->blob_len;
	unsigned char blob[sizeof(from->u->blob)];
	size_t i;

	if (len > sizeof(blob))
		len = 0;
	get_bytes(blob, from->u->blob, len);
	for (i = 0; i < len; i++)
		to->u->blob[i] = blob[i];
	to->u->blob_len = len;
	printf("miee-run: seal-other: blob of miee %d (%" PRIu64 " bytes) copied to miee %d (%s)\n",
	       from->k, len, to->k, to->variant ? "variant image, one measured byte different" :
	       "same image");
}

int seal_other_verdict(struct miee *ms)
{
	struct miee *a = &ms[0], *b = &ms[1], *c = &ms[2];
	int differ = memcmp(a->expect, b->expect, 32) != 0, same = !memcmp(a->expect, c->expect, 32);
	int b_ok = b->rc == RC_OK && b->u->unseal_result == MIEE_PAL_U_REFUSED &&
		   (int64_t)b->u->err == MIEE_EUTPM;
	int c_ok = c->rc == RC_OK && c->u->unseal_result == MIEE_PAL_U_OPENED;
	int ok = a->rc == RC_OK && differ && same && b_ok && c_ok;

	printf("miee-run: seal-other: miee 0 sealed: %s\n", a->rc == RC_OK ? "ok" : "FAILED");
	printf("miee-run: seal-other: variant image (measurement %s): unseal %s\n",
	       differ ? "differs" : "SAME", b_ok ? "refused with MIEE_EUTPM: ok" : "NOT refused: WRONG");
	printf("miee-run: seal-other: same image (measurement %s): unseal %s\n",
	       same ? "equal" : "DIFFERENT", c_ok ? "opened the secret: ok" : "failed: WRONG");
	printf("miee-run: seal-other result: %s\n", ok ? "ok" : "WRONG");
	return ok ? RC_OK : RC_WRONG;
}

static const char *uargs_call(uint64_t nr)
{
	switch (nr) {
	case HC_UTPM_PCR_READ: return "HC_UTPM_PCR_READ";
	case HC_UTPM_PCR_EXTEND: return "HC_UTPM_PCR_EXTEND";
	case HC_UTPM_GET_RANDOM: return "HC_UTPM_GET_RANDOM";
	case HC_UTPM_QUOTE: return "HC_UTPM_QUOTE";
	case HC_UTPM_SEAL: return "HC_UTPM_SEAL";
	case HC_UTPM_UNSEAL: return "HC_UTPM_UNSEAL";
	case HC_UTPM_PUBKEY: return "HC_UTPM_PUBKEY";
	default: return "?";
	}
}

/* `utpm-args`: the PAL's record (struct miee_pal_uargs). rc is the exit's:
 * RC_OK (status 0) or RC_WRONG (MIEE_PAL_ST_UA or another status). */
int report_uargs(struct miee *m, int rc)
{
	volatile struct miee_pal_uargs *a =
		(volatile struct miee_pal_uargs *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_UARGS_OFF);
	uint64_t n = a->cases, k = a->failed, what = a->what, got = a->got, want = a->want;
	const char *call = uargs_call(a->call);

	if (rc == RC_OK && !k) {
		printf("miee-run: utpm-args: %" PRIu64 " cases refused with their codes, nothing "
		       "written, uPCRs unchanged; controls seen: ok\n", n);
		return RC_OK;
	}
	if (!k) {
		printf("miee-run: utpm-args: the PAL stopped after %" PRIu64 " cases, no case record\n",
		       n);
		return RC_WRONG;
	}
	printf("miee-run: utpm-args: case %" PRIu64 " (%s): ", k, call);
	if (what == MIEE_PAL_UA_CODE)
		printf("RAX %" PRId64 " (%s), want %" PRId64 " (%s)\n", (int64_t)got, rax_name(got),
		       (int64_t)want, rax_name(want));
	else if (what == MIEE_PAL_UA_CANARY_HIT)
		printf("RAX %" PRId64 " (%s), but it wrote canary byte 0x%" PRIx64 "\n",
		       (int64_t)want, rax_name(want), got);
	else if (what == MIEE_PAL_UA_UPCR)
		printf("RAX %" PRId64 " (%s), but uPCR %" PRIu64 " changed\n", (int64_t)want,
		       rax_name(want), got);
	else if (what == MIEE_PAL_UA_REQ)
		printf("refused request's out fields written (RAX %" PRId64 ")\n", (int64_t)got);
	else if (what == MIEE_PAL_UA_SETUP)
		printf("a valid call failed: RAX %" PRId64 " (%s)\n", (int64_t)got, rax_name(got));
	else if (what == MIEE_PAL_UA_CONTROL)
		printf("control %" PRIu64 " not seen by its check\n", want);
	else
		printf("what %" PRIu64 "?\n", what);
	return RC_WRONG;
}
