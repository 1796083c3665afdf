/* attest/verify: the checks, each recorded with what it got and what it
 * expected (verify-report.c): the EK by its certificate chain, the AK's
 * attributes, the hardware quote and its PCRs, the uTPM quote, the TPM
 * clock across two quotes. Host side, OpenSSL. */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "verify.h"

X509_STORE *ca_store;
STACK_OF(X509) *chain;	/* --ek-chain: untrusted intermediates */

X509 *ek_cert_checks(const struct evidence *ev, EVP_PKEY **ekkey)
{
	const uint8_t *p = ev->f[EVF_EK_CERT].b;
	X509 *cert = d2i_X509(NULL, &p, (long)ev->f[EVF_EK_CERT].n);
	char got[160], err[160];
	struct tpm_public pub;

	*ekkey = NULL;
	if (!cert || p != ev->f[EVF_EK_CERT].b + ev->f[EVF_EK_CERT].n) {
		check(SUB_HV, TV_ID, 0, "EK certificate chain", "not one DER X.509 certificate",
		      "a certificate that chains to --ek-ca");
		X509_free(cert);
		ERR_clear_error();
		return NULL;
	}
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = ctx && X509_STORE_CTX_init(ctx, ca_store, cert, chain) == 1 &&
		 X509_verify_cert(ctx) == 1;
	X509_NAME_oneline(X509_get_issuer_name(cert), got, sizeof(got));
	if (!ok && ctx)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), ": %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	check(SUB_HV, TV_ID, ok, "EK certificate chain", got, "chains to a CA of --ek-ca");
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();

	/* The EK public area the agent reports must be the certified key, and
	 * a standard EK (TCG EK Credential Profile, template L-1): MakeCredential
	 * depends on its nameAlg and symmetric definition. */
	EVP_PKEY *key = X509_get0_pubkey(cert);
	BIGNUM *nc = NULL, *ec = NULL;
	ok = 0;
	if (tpm_parse_public(ev->f[EVF_EK_PUB].b, ev->f[EVF_EK_PUB].n, &pub, sha256, err,
			     sizeof(err))) {
		snprintf(got, sizeof(got), "%s", err);
	} else if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
		   !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &nc) ||
		   !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &ec)) {
		snprintf(got, sizeof(got), "the certificate's key is not RSA");
	} else {
		uint8_t n[512];
		int nl = BN_bn2bin(nc, n);
		uint32_t e = pub.rsa_exp ? pub.rsa_exp : 65537;
		int same = pub.type == TPM_ALG_RSA && (size_t)nl == pub.unique_len &&
			   !memcmp(n, pub.unique, pub.unique_len) && BN_is_word(ec, e);
		int std = pub.rsa_bits == 2048 && pub.sym_alg == TPM_ALG_AES && pub.sym_bits == 128 &&
			  pub.sym_mode == TPM_ALG_CFB && pub.scheme == TPM_ALG_NULL &&
			  (pub.attrs & (TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_RESTRICTED |
					TPMA_DECRYPT)) ==
				  (TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_RESTRICTED | TPMA_DECRYPT) &&
			  !(pub.attrs & TPMA_SIGN);
		ok = same && std;
		snprintf(got, sizeof(got), "%s; %s (attrs %08x)",
			 same ? "same RSA key as the certificate" : "NOT the certificate's key",
			 std ? "standard EK" : "NOT a standard RSA-2048 AES-128-CFB EK", pub.attrs);
		if (ok)
			*ekkey = key;
	}
	check(SUB_HV, TV_ID, ok, "EK public key matches the certificate", got,
	      "the certificate's RSA key as a restricted decryption EK");
	BN_free(nc);
	BN_free(ec);
	ERR_clear_error();
	return cert;
}

int ak_checks(const struct evidence *ev, struct tpm_public *ak)
{
	char got[160], err[160];
	const uint32_t need = TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_SENSITIVEDATAORIGIN |
			      TPMA_RESTRICTED | TPMA_SIGN;
	int ok;

	if (tpm_parse_public(ev->f[EVF_AK_PUB].b, ev->f[EVF_AK_PUB].n, ak, sha256, err,
			     sizeof(err))) {
		check(SUB_HV, TV_ID, 0, "AK attributes", err, "a TPM2B_PUBLIC");
		return -1;
	}
	ok = ak->type == TPM_ALG_ECC && ak->curve == TPM_ECC_NIST_P256 &&
	     ak->scheme == TPM_ALG_ECDSA && ak->scheme_hash == TPM_ALG_SHA256 &&
	     (ak->attrs & need) == need && !(ak->attrs & TPMA_DECRYPT) && ak->unique_len == 32 &&
	     ak->y_len == 32;
	snprintf(got, sizeof(got), "type %04x curve %04x scheme %04x/%04x attrs %08x", ak->type,
		 ak->curve, ak->scheme, ak->scheme_hash, ak->attrs);
	check(SUB_HV, TV_ID, ok, "AK attributes", got,
	      "ECC P-256 ECDSA-SHA256, fixedTPM fixedParent sensitiveDataOrigin restricted sign, "
	      "not decrypt");
	return ok ? 0 : -1;
}

/* The hardware quote and its PCRs; *a gets the parsed attest (for the clock). */
static int quote_checks(const struct evidence *ev, const struct tpm_public *ak, int ak_ok,
			const uint8_t nonce[32], struct tpm_attest *a)
{
	struct tpm_sig_ecdsa sig;
	char err[160], got[160];
	uint8_t d[32], cat[96];
	int parsed;

	parsed = !tpm_parse_attest(ev->f[EVF_QUOTE].b, ev->f[EVF_QUOTE].n, a, err, sizeof(err));
	if (!parsed) {
		check(SUB_HV, TV_HW, 0, "TPM quote structure", err, "a TPMS_ATTEST quote");
		memset(a, 0, sizeof(*a));
	}
	if (tpm_parse_sig_ecdsa(ev->f[EVF_QUOTE_SIG].b, ev->f[EVF_QUOTE_SIG].n, &sig, err,
				sizeof(err))) {
		check(SUB_HV, TV_HW, 0, "TPM quote signature (AK, ECDSA P-256)", err,
		      "a TPMT_SIGNATURE");
	} else {
		EVP_PKEY *k = ak_ok ? p256_key(ak->unique, ak->y) : NULL;
		int ok = k && sig.hash == TPM_ALG_SHA256 &&
			 ecdsa_ok(k, ev->f[EVF_QUOTE].b, ev->f[EVF_QUOTE].n, &sig);
		check(SUB_HV, TV_HW, ok, "TPM quote signature (AK, ECDSA P-256)",
		      ok ? "valid" : k ? "INVALID" : "no usable AK", "valid over the attest bytes");
		EVP_PKEY_free(k);
	}
	if (!parsed)
		return -1;
	snprintf(got, sizeof(got), "magic %08x type %04x", a->magic, a->type);
	check(SUB_HV, TV_HW, a->magic == TPM_GENERATED && a->type == TPM_ST_ATTEST_QUOTE,
	      "TPM quote magic and type", got, "magic ff544347 type 8018");
	/* qualifiedSigner: QN(AK) = nameAlg || H(QN(endorsement hierarchy) || Name(AK)),
	 * the hierarchy's QN being its handle 4000000b (Part 1, "Qualified Name"). */
	if (ak_ok) {
		uint8_t qin[4 + 34], qn[34] = { 0, TPM_ALG_SHA256 };
		memcpy(qin, "\x40\x00\x00\x0b", 4);
		memcpy(qin + 4, ak->name, 34);
		sha256(qin, sizeof(qin), qn + 2);
		check_bytes(SUB_HV, TV_HW, "TPM quote signer = the AK under the endorsement hierarchy",
			    a->signer, a->signer_len, qn, sizeof(qn));
	}
	check_bytes(SUB_HV, TV_HW, "TPM quote extraData = our nonce", a->extra, a->extra_len, nonce,
		    32);
	int selok = a->nsel == 1 && a->sel[0].hash == TPM_ALG_SHA256 && a->sel[0].size == 3 &&
		    !memcmp(a->sel[0].bits, "\x00\x00\x0e", 3);
	if (a->nsel >= 1)
		snprintf(got, sizeof(got), "%u selection(s), first: hash %04x bitmap %02x%02x%02x%02x/%u",
			 a->nsel, a->sel[0].hash, a->sel[0].bits[0], a->sel[0].bits[1],
			 a->sel[0].bits[2], a->sel[0].bits[3], a->sel[0].size);
	else
		snprintf(got, sizeof(got), "no selection");
	check(SUB_HV, TV_HW, selok, "TPM quote pcrSelect = sha256 {17,18,19}", got,
	      "1 selection, hash 000b bitmap 00000e/3");
	memcpy(cat, ev->f[EVF_PCR17].b, 32);
	memcpy(cat + 32, ev->f[EVF_PCR18].b, 32);
	memcpy(cat + 64, ev->f[EVF_PCR19].b, 32);
	sha256(cat, sizeof(cat), d);
	check_bytes(SUB_HV, TV_HW, "TPM quote pcrDigest = H(reported PCR 17 || 18 || 19)",
		    a->digest, a->digest_len, d, 32);
	snprintf(got, sizeof(got), "safe %u", a->safe);
	check(SUB_HV, TV_HW, a->safe == 1, "TPM clock safe", got, "safe 1");
	return 0;
}

/* A 32-byte value against the reference the option named, or a FAIL
 * saying that none was given (a check without its reference proves
 * nothing). */
static void ref_check(enum sub sub, enum tv tv, const char *name, const uint8_t got[32],
		      const char *given, const uint8_t ref[32], const char *option)
{
	if (!given)
		check(sub, tv, 0, name, "no reference given", option);
	else
		check_bytes(sub, tv, name, got, 32, ref, 32);
}

static void pcr_checks(const struct evidence *ev)
{
	static const uint8_t ff[32] = { [0 ... 31] = 0xff };
	uint8_t z[64] = { 0 }, want19[32];

	if (!memcmp(ev->f[EVF_PCR17].b, ff, 32))
		check(SUB_HV, TV_EXE, 0, "PCR 17 = the built hypervisor (DRTM)",
		      "ff..ff: no DRTM event in this boot", opt.ref17 ? "the reference" : "");
	else
		ref_check(SUB_HV, TV_EXE, "PCR 17 = the built hypervisor (DRTM)",
			  ev->f[EVF_PCR17].b, opt.ref17, ref17, "--ref-pcr17");
	ref_check(SUB_HV, TV_CONF, "PCR 18 = the reference launch parameters", ev->f[EVF_PCR18].b,
		  opt.ref18, ref18, "--ref-pcr18 (attest/launch-ref)");
	sha256(ev->f[EVF_UTPM_PUB].b, 65, z + 32);
	sha256(z, 64, want19);
	check_bytes(SUB_PAL, TV_ID, "PCR 19 = H(0^32 || H(uTPM key)): the key of this launch",
		    ev->f[EVF_PCR19].b, 32, want19, 32);
}

static void utpm_checks(const struct evidence *ev, const uint8_t nonce[32], const uint8_t akname[34])
{
	struct tpm_attest a;
	struct tpm_sig_ecdsa sig;
	char err[160], got[160];
	const uint8_t *pub = ev->f[EVF_UTPM_PUB].b;
	uint8_t tp[88], name[34] = { 0, TPM_ALG_SHA256 }, want[32], cat[66];
	EVP_PKEY *k = NULL;

	if (tpm_parse_attest(ev->f[EVF_UTPM_QUOTE].b, ev->f[EVF_UTPM_QUOTE].n, &a, err, sizeof(err))) {
		check(SUB_PAL, TV_HW, 0, "uTPM quote structure", err, "a TPMS_ATTEST quote");
		return;
	}
	if (tpm_parse_sig_ecdsa(ev->f[EVF_UTPM_SIG].b, ev->f[EVF_UTPM_SIG].n, &sig, err,
				sizeof(err))) {
		check(SUB_PAL, TV_HW, 0, "uTPM quote signature (uTPM key)", err, "a TPMT_SIGNATURE");
	} else {
		k = pub[0] == 4 ? p256_key(pub + 1, pub + 33) : NULL;
		int ok = k && sig.hash == TPM_ALG_SHA256 &&
			 ecdsa_ok(k, ev->f[EVF_UTPM_QUOTE].b, ev->f[EVF_UTPM_QUOTE].n, &sig);
		check(SUB_PAL, TV_HW, ok, "uTPM quote signature (uTPM key)",
		      ok ? "valid" : k ? "INVALID" : "not a P-256 point", "valid over the attest bytes");
		EVP_PKEY_free(k);
	}
	snprintf(got, sizeof(got), "magic %08x type %04x", a.magic, a.type);
	check(SUB_PAL, TV_HW, a.magic == TPM_GENERATED && a.type == TPM_ST_ATTEST_QUOTE,
	      "uTPM quote magic and type", got, "magic ff544347 type 8018");
	/* The uTPM key's TPMT_PUBLIC (docs/utpm.md) and its Name. */
	memcpy(tp, "\x00\x23\x00\x0b\x00\x05\x00\x72\x00\x00\x00\x10\x00\x18\x00\x0b\x00\x03"
		   "\x00\x10\x00\x20", 22);
	memcpy(tp + 22, pub + 1, 32);
	tp[54] = 0;
	tp[55] = 32;
	memcpy(tp + 56, pub + 33, 32);
	sha256(tp, sizeof(tp), name + 2);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote signer = the uTPM key's name", a.signer,
		    a.signer_len, name, sizeof(name));
	memcpy(cat, nonce, 32);
	memcpy(cat + 32, akname, 34);
	sha256(cat, sizeof(cat), want);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote extraData = H(nonce || AK name)", a.extra,
		    a.extra_len, want, 32);
	int selok = a.nsel == 1 && a.sel[0].hash == TPM_ALG_SHA256 && a.sel[0].size == 3 &&
		    !memcmp(a.sel[0].bits, "\x03\x00\x00", 3);
	snprintf(got, sizeof(got), "%u selection(s), hash %04x bitmap %02x%02x%02x", a.nsel,
		 a.nsel ? a.sel[0].hash : 0, a.sel[0].bits[0], a.sel[0].bits[1], a.sel[0].bits[2]);
	check(SUB_PAL, TV_HW, selok, "uTPM quote pcrSelect = sha256 {0,1}", got,
	      "1 selection, hash 000b bitmap 030000");
	memcpy(cat, ev->f[EVF_UPCR0].b, 32);
	memcpy(cat + 32, ev->f[EVF_UPCR1].b, 32);
	sha256(cat, 64, want);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote pcrDigest = H(reported uPCR 0 || 1)", a.digest,
		    a.digest_len, want, 32);
	ref_check(SUB_PAL, TV_EXE, "uPCR 0 = the reference PAL measurement", ev->f[EVF_UPCR0].b,
		  opt.refpal, refpal, "--ref-pal");
}

/* Everything one piece of evidence must pass, given the nonce we chose.
 * Returns the parsed attest for the clock comparison. */
void evidence_checks(const struct evidence *ev, const uint8_t nonce[32],
			    struct tpm_attest *a, EVP_PKEY **ekkey, X509 **cert, struct tpm_public *ak,
			    int *ak_ok)
{
	*cert = ek_cert_checks(ev, ekkey);
	*ak_ok = !ak_checks(ev, ak);
	quote_checks(ev, ak, *ak_ok, nonce, a);
	pcr_checks(ev);
	utpm_checks(ev, nonce, *ak_ok ? ak->name : (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
								    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
}

void clock_check(const struct tpm_attest *a1, const struct tpm_attest *a2, const char *how)
{
	char got[160];
	int ok = a2->reset_count == a1->reset_count && a2->restart_count >= a1->restart_count &&
		 (a2->restart_count != a1->restart_count || a2->clock >= a1->clock);

	snprintf(got, sizeof(got), "reset %u->%u restart %u->%u clock %llu->%llu (%s)",
		 a1->reset_count, a2->reset_count, a1->restart_count, a2->restart_count,
		 (unsigned long long)a1->clock, (unsigned long long)a2->clock, how);
	check(SUB_HV, TV_HW, ok, "TPM clock: same boot, counts and clock not going back", got,
	      "resetCount equal, restartCount and clock not smaller");
}
