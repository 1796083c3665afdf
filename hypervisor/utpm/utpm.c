/* The micro-TPM core: per-launch root key, per-PAL uPCRs, TPM 2.0 quotes
 * (TPMS_ATTEST + TPMT_SIGNATURE) and AES-GCM sealing. Pure logic: runs in
 * the hypervisor (root mode, any context) and in host unit tests. */
#include "platform.h"

#include "hv/hypercall.h"

#include "crypto/ecdsa.h"
#include "crypto/gcm.h"
#include "crypto/hmac.h"
#include "crypto/p256.h"
#include "crypto/sha256.h"
#include "crypto/util.h"

#include "utpm.h"

/* TPM_GENERATED_VALUE (TPM 2.0 Part 2 6.2). */
#define UTPM_TPM_GENERATED	0xff544347u
/* TPM_ST_ATTEST_QUOTE (Part 2 6.9). */
#define UTPM_ST_ATTEST_QUOTE	0x8018
/* TPM_ALG_ID (Part 2 6.3). */
#define UTPM_ALG_SHA256		0x000b
#define UTPM_ALG_NULL		0x0010
#define UTPM_ALG_ECDSA		0x0018
#define UTPM_ALG_ECC		0x0023
/* TPM_ECC_NIST_P256 (Part 2 6.4). */
#define UTPM_ECC_NIST_P256	0x0003
/*
 * TPMA_OBJECT (Part 2 8.3) of an attestation key: fixedTPM (bit 1),
 * fixedParent (4), sensitiveDataOrigin (5), userWithAuth (6), restricted
 * (16), sign (18). Restricted + sign says the key signs only structures the
 * TPM built itself (TPMS_ATTEST starting with TPM_GENERATED_VALUE), which is
 * what the uTPM key does.
 */
#define UTPM_KEY_ATTRS		0x00050072u
/* TPMS_PCR_SELECTION.sizeofSelect (Part 2 10.6.2): PCR_SELECT_MIN, 24 PCRs. */
#define UTPM_SIZEOF_SELECT	3

#define UTPM_HV_VERSION \
	((u64)HV_VERSION_MAJOR << 16 | (u64)HV_VERSION_MINOR)

static const char utpm_seal_label[] = "utpm-seal";
#define UTPM_SEAL_LABEL_LEN (sizeof(utpm_seal_label) - 1)
static const char utpm_seal_lt_label[] = "utpm-seal-lt";
#define UTPM_SEAL_LT_LABEL_LEN (sizeof(utpm_seal_lt_label) - 1)

/*
 * TPMS_ATTEST (Part 2 10.12) for a quote: magic 4, type 2, qualifiedSigner
 * (TPM2B_NAME) 2 + 34, extraData (TPM2B_DATA) 2 + nlen, clockInfo
 * (TPMS_CLOCK_INFO, 10.11.1) 8 + 4 + 4 + 1, firmwareVersion 8, then
 * TPMS_QUOTE_INFO: TPML_PCR_SELECTION 4 + (2 + 1 + 3), TPM2B_DIGEST 2 + 32.
 */
_Static_assert(UTPM_ATTEST_FIXED == 4 + 2 + 2 + UTPM_NAME_SIZE + 2 +
	       (8 + 4 + 4 + 1) + 8 + 4 + 2 + 1 + UTPM_SIZEOF_SELECT + 2 +
	       UTPM_DIGEST_SIZE, "TPMS_ATTEST size");
/* TPMT_SIGNATURE (Part 2 11.3.4): sigAlg, then TPMS_SIGNATURE_ECDSA
 * (11.3.2): hash, TPM2B_ECC_PARAMETER r, TPM2B_ECC_PARAMETER s. */
_Static_assert(UTPM_SIG_SIZE == 2 + 2 + 2 + 32 + 2 + 32, "TPMT_SIGNATURE size");
/* TPMT_PUBLIC (Part 2 12.2.4) with TPMS_ECC_PARMS (12.2.3.6) and
 * TPMS_ECC_POINT (11.2.5.2) unique. */
_Static_assert(UTPM_PUBLIC_SIZE == 2 + 2 + 4 + 2 + 2 + 2 + 2 + 2 + 2 +
	       (2 + 32) + (2 + 32), "TPMT_PUBLIC size");

/* ---- big-endian marshaling (Part 1 "Marshaling": all integers big-endian) */

static u8 *utpm_put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
	return p + 2;
}

static u8 *utpm_put32(u8 *p, u32 v)
{
	p = utpm_put16(p, (u16)(v >> 16));
	return utpm_put16(p, (u16)v);
}

static u8 *utpm_put64(u8 *p, u64 v)
{
	p = utpm_put32(p, (u32)(v >> 32));
	return utpm_put32(p, (u32)v);
}

static u8 *utpm_putn(u8 *p, const void *src, size_t n)
{
	if (n)
		memcpy(p, src, n);
	return p + n;
}

/* A TPM2B: UINT16 size, then the bytes (Part 2 10.3). */
static u8 *utpm_put2b(u8 *p, const void *src, u16 n)
{
	return utpm_putn(utpm_put16(p, n), src, n);
}

static u32 utpm_get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* True if [a, a + alen) and [b, b + blen) share a byte. */
static bool utpm_overlap(const void *a, size_t alen, const void *b,
			 size_t blen)
{
	uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;

	if (!a || !b || !alen || !blen)
		return false;
	return x < y + blen && y < x + alen;
}

static bool utpm_mask_ok(u32 pcr_mask)
{
	return (pcr_mask >> UTPM_NPCR) == 0;
}

/* SHA-256 over the selected uPCR values in index order: the pcrDigest of
 * TPMS_QUOTE_INFO (Part 2 10.12, Part 3 18.4) and the seal policy digest. */
static void utpm_pcr_digest(const struct utpm *u, u32 pcr_mask,
			    u8 out[UTPM_DIGEST_SIZE])
{
	struct sha256_ctx c;
	u32 i;

	sha256_init(&c);
	for (i = 0; i < UTPM_NPCR; i++)
		if (pcr_mask & BIT(i))
			sha256_update(&c, u->pcr[i], UTPM_DIGEST_SIZE);
	sha256_final(&c, out);
}

/*
 * TPMT_PUBLIC of the signing key (Part 2 12.2.4): type ECC, nameAlg SHA-256,
 * attestation-key attributes, empty authPolicy, TPMS_ECC_PARMS { symmetric
 * NULL, scheme ECDSA/SHA-256, curve NIST P-256, kdf NULL }, unique = the
 * point as two 32-byte TPM2B_ECC_PARAMETERs.
 */
static void utpm_marshal_public(const u8 pub[UTPM_PUBKEY_SIZE],
				u8 out[UTPM_PUBLIC_SIZE])
{
	u8 *p = out;

	p = utpm_put16(p, UTPM_ALG_ECC);
	p = utpm_put16(p, UTPM_ALG_SHA256);
	p = utpm_put32(p, UTPM_KEY_ATTRS);
	p = utpm_put16(p, 0);			/* authPolicy: empty TPM2B */
	p = utpm_put16(p, UTPM_ALG_NULL);	/* symmetric: TPMT_SYM_DEF_OBJECT */
	p = utpm_put16(p, UTPM_ALG_ECDSA);	/* scheme: TPMT_ECC_SCHEME */
	p = utpm_put16(p, UTPM_ALG_SHA256);	/*   details.ecdsa.hashAlg */
	p = utpm_put16(p, UTPM_ECC_NIST_P256);	/* curveID */
	p = utpm_put16(p, UTPM_ALG_NULL);	/* kdf: TPMT_KDF_SCHEME */
	p = utpm_put2b(p, pub + 1, 32);		/* unique.ecc.x */
	utpm_put2b(p, pub + 33, 32);		/* unique.ecc.y */
}

/* ---- root */

int utpm_root_init(struct utpm_root *root, const u8 seed[64])
{
	static const char pers[] = "utpm-root v1";
	u8 kseed[32], area[UTPM_PUBLIC_SIZE];
	struct drbg_ctx d;
	int err = -EIO;

	if (!root || !seed)
		return -EINVAL;
	memset(root, 0, sizeof(*root));
	/* SP 800-90A 8.6.7: 48 bytes as entropy input, 16 as the nonce. */
	if (drbg_instantiate(&d, seed, 48, seed + 48, 16, pers,
			     sizeof(pers) - 1))
		goto out;
	if (drbg_generate(&d, kseed, sizeof(kseed), NULL, 0))
		goto out;
	if (p256_keygen(kseed, root->priv, root->pub))
		goto out;
	if (drbg_generate(&d, root->seal_secret, sizeof(root->seal_secret),
			  NULL, 0))
		goto out;
	/* Drawn after the keys above, so they are what they always were. */
	if (drbg_generate(&d, root->lt_salt, sizeof(root->lt_salt), NULL, 0))
		goto out;

	/* Name = nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1 16 "Names"). */
	utpm_marshal_public(root->pub, area);
	utpm_put16(root->name, UTPM_ALG_SHA256);
	sha256(area, sizeof(area), root->name + 2);
	root->ready = true;
	err = 0;
out:
	drbg_wipe(&d);
	crypto_wipe(kseed, sizeof(kseed));
	if (err)
		crypto_wipe(root, sizeof(*root));
	p256_stack_wipe();
	return err;
}

int utpm_root_set_clock(struct utpm_root *root, u64 clock)
{
	if (!root || !root->ready || clock < root->clock)
		return -EINVAL;
	root->clock = clock;
	return 0;
}

int utpm_pubkey(const struct utpm_root *root, u8 pub[UTPM_PUBKEY_SIZE])
{
	if (!root || !root->ready || !pub)
		return -EINVAL;
	memcpy(pub, root->pub, UTPM_PUBKEY_SIZE);
	return 0;
}

int utpm_public(const struct utpm_root *root, u8 *out, size_t max,
		size_t *len)
{
	if (!root || !root->ready || !out || !len)
		return -EINVAL;
	*len = UTPM_PUBLIC2B_SIZE;
	if (max < UTPM_PUBLIC2B_SIZE)
		return -ENOSPC;
	utpm_marshal_public(root->pub, utpm_put16(out, UTPM_PUBLIC_SIZE));
	return 0;
}

int utpm_root_set_longterm(struct utpm_root *root,
			   const u8 secret[UTPM_LT_SECRET_SIZE])
{
	if (!root || !root->ready || !secret)
		return -EINVAL;
	memcpy(root->lt_secret, secret, UTPM_LT_SECRET_SIZE);
	root->lt_ready = true;
	return 0;
}

void utpm_root_wipe(struct utpm_root *root)
{
	if (root)
		crypto_wipe(root, sizeof(*root));
}

/* ---- uPCRs */

int utpm_init(struct utpm *u, const struct utpm_root *root,
	      const u8 measurement[UTPM_DIGEST_SIZE])
{
	if (!u || !root || !root->ready || !measurement)
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	/* The identity: set, not extended, and never writable afterwards. */
	memcpy(u->pcr[0], measurement, UTPM_DIGEST_SIZE);
	u->ready = true;
	return 0;
}

int utpm_pcr_read(const struct utpm *u, u32 idx, u8 out[UTPM_DIGEST_SIZE])
{
	if (!u || !u->ready || !out || idx >= UTPM_NPCR)
		return -EINVAL;
	memcpy(out, u->pcr[idx], UTPM_DIGEST_SIZE);
	return 0;
}

/* As TPM2_PCR_Extend (Part 3 22.4) for a SHA-256 bank:
 * PCR_new := H(PCR_old || digest). */
int utpm_pcr_extend(struct utpm *u, u32 idx,
		    const u8 digest[UTPM_DIGEST_SIZE])
{
	struct sha256_ctx c;

	if (!u || !u->ready || !digest || idx >= UTPM_NPCR)
		return -EINVAL;
	if (idx == 0)
		return -EPERM;
	sha256_init(&c);
	sha256_update(&c, u->pcr[idx], UTPM_DIGEST_SIZE);
	sha256_update(&c, digest, UTPM_DIGEST_SIZE);
	sha256_final(&c, u->pcr[idx]);
	return 0;
}

int utpm_get_random(const struct utpm *u, struct drbg_ctx *drbg, u8 *out,
		    size_t len)
{
	if (!u || !u->ready || !drbg || len > UTPM_RANDOM_MAX ||
	    (len && !out))
		return -EINVAL;
	if (!len)
		return 0;
	return drbg_generate(drbg, out, len, NULL, 0) ? -EIO : 0;
}

void utpm_wipe(struct utpm *u)
{
	if (u)
		crypto_wipe(u, sizeof(*u));
}

/* ---- quote (Part 3 18.4 TPM2_Quote) */

/* TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (Part 2 10.12); returns its size. */
static size_t utpm_marshal_attest(const struct utpm *u,
				  const struct utpm_root *root, u32 pcr_mask,
				  const u8 *nonce, size_t nlen, u8 *out)
{
	u8 pcr_digest[UTPM_DIGEST_SIZE];
	u8 *p = out;

	utpm_pcr_digest(u, pcr_mask, pcr_digest);

	p = utpm_put32(p, UTPM_TPM_GENERATED);		/* magic */
	p = utpm_put16(p, UTPM_ST_ATTEST_QUOTE);	/* type */
	p = utpm_put2b(p, root->name, UTPM_NAME_SIZE);	/* qualifiedSigner */
	p = utpm_put2b(p, nonce, (u16)nlen);		/* extraData */
	/* clockInfo: TPMS_CLOCK_INFO (Part 2 10.11.1); safe = YES since
	 * utpm_root_set_clock() never lets Clock go back. */
	p = utpm_put64(p, root->clock);
	p = utpm_put32(p, root->reset_count);
	p = utpm_put32(p, root->restart_count);
	*p++ = 1;
	p = utpm_put64(p, UTPM_HV_VERSION);		/* firmwareVersion */
	/* attested.quote.pcrSelect: TPML_PCR_SELECTION (Part 2 10.9.7) with
	 * one TPMS_PCR_SELECTION (10.6.2); bit i of pcrSelect[i / 8] = PCR i. */
	p = utpm_put32(p, 1);
	p = utpm_put16(p, UTPM_ALG_SHA256);
	*p++ = UTPM_SIZEOF_SELECT;
	*p++ = (u8)pcr_mask;
	*p++ = 0;
	*p++ = 0;
	/* attested.quote.pcrDigest: TPM2B_DIGEST */
	p = utpm_put2b(p, pcr_digest, UTPM_DIGEST_SIZE);
	return (size_t)(p - out);
}

int utpm_quote(struct utpm *u, struct utpm_root *root, u32 pcr_mask,
	       const u8 *nonce, size_t nlen, u8 *attest, size_t attest_max,
	       size_t *attest_len, u8 *sig, size_t sig_max, size_t *sig_len)
{
	u8 buf[UTPM_ATTEST_MAX], sbuf[UTPM_SIG_SIZE];
	u8 digest[UTPM_DIGEST_SIZE], rs[ECDSA_P256_SIG_SIZE];
	size_t alen = UTPM_ATTEST_FIXED + nlen;
	int err = 0;
	u8 *p;

	if (!u || !u->ready || !root || !root->ready)
		return -EINVAL;
	/* uPCR 0 in every quote: the root key is shared by all PALs, so only
	 * uPCR 0 says which PAL a quote speaks for. */
	if (!utpm_mask_ok(pcr_mask) || !(pcr_mask & BIT(0)))
		return -EINVAL;
	if (nlen > UTPM_NONCE_MAX || (nlen && !nonce))
		return -EINVAL;
	if (!attest || !attest_len || !sig || !sig_len)
		return -EINVAL;
	if (attest_max < alen || sig_max < UTPM_SIG_SIZE) {
		*attest_len = alen;
		*sig_len = UTPM_SIG_SIZE;
		return -ENOSPC;
	}
	if (utpm_overlap(attest, alen, sig, UTPM_SIG_SIZE) ||
	    utpm_overlap(nonce, nlen, attest, alen) ||
	    utpm_overlap(nonce, nlen, sig, UTPM_SIG_SIZE))
		return -EINVAL;

	/* Built and signed in private memory, then copied out: the bytes
	 * signed are exactly the bytes returned. */
	utpm_marshal_attest(u, root, pcr_mask, nonce, nlen, buf);
	sha256(buf, alen, digest);
	if (ecdsa_p256_sign_digest(root->priv, digest, rs)) {
		err = -EIO;
		goto out;
	}

	/* TPMT_SIGNATURE (Part 2 11.3.4) */
	p = utpm_put16(sbuf, UTPM_ALG_ECDSA);		/* sigAlg */
	p = utpm_put16(p, UTPM_ALG_SHA256);		/* ecdsa.hash */
	p = utpm_put2b(p, rs, 32);			/* ecdsa.signatureR */
	utpm_put2b(p, rs + 32, 32);			/* ecdsa.signatureS */

	memcpy(attest, buf, alen);
	memcpy(sig, sbuf, UTPM_SIG_SIZE);
	*attest_len = alen;
	*sig_len = UTPM_SIG_SIZE;
	u->quotes++;
out:
	p256_stack_wipe();
	return err;
}

/* ---- seal / unseal */

/* Sealing key (docs/utpm.md "Key hierarchy"), RFC 5869 HKDF-SHA-256:
 * per launch: IKM = root seal secret, no salt, info = "utpm-seal" || uPCR 0;
 * long-term (salt != NULL): IKM = the long-term secret, salt = the sealing
 * launch's salt from the blob, info = "utpm-seal-lt" || uPCR 0. Either way
 * one key per PAL identity per launch. */
static int utpm_seal_key(const struct utpm *u, const struct utpm_root *root,
			 const u8 *salt, struct gcm_ctx *g)
{
	u8 info[UTPM_SEAL_LT_LABEL_LEN + UTPM_DIGEST_SIZE], key[32];
	const char *label = salt ? utpm_seal_lt_label : utpm_seal_label;
	size_t llen = salt ? UTPM_SEAL_LT_LABEL_LEN : UTPM_SEAL_LABEL_LEN;
	int err;

	memcpy(info, label, llen);
	memcpy(info + llen, u->pcr[0], UTPM_DIGEST_SIZE);
	if (salt)
		err = hkdf_sha256(salt, UTPM_SEAL_SALT_SIZE, root->lt_secret,
				  sizeof(root->lt_secret), info,
				  llen + UTPM_DIGEST_SIZE, key, sizeof(key));
	else
		err = hkdf_sha256(NULL, 0, root->seal_secret,
				  sizeof(root->seal_secret), info,
				  llen + UTPM_DIGEST_SIZE, key, sizeof(key));
	if (!err)
		gcm_init(g, key);
	crypto_wipe(key, sizeof(key));
	crypto_wipe(info, sizeof(info));
	return err ? -EIO : 0;
}

int utpm_seal(const struct utpm *u, struct utpm_root *root, u32 pcr_mask,
	      const u8 *data, size_t len, u8 *blob, size_t blob_max,
	      size_t *blob_len)
{
	u8 hdr[UTPM_SEAL_LT_HDR_SIZE], *p, *iv;
	bool lt = pcr_mask & UTPM_SEAL_LONGTERM;
	size_t hlen = lt ? UTPM_SEAL_LT_HDR_SIZE : UTPM_SEAL_HDR_SIZE;
	size_t need = len + hlen + UTPM_SEAL_TAG_SIZE;
	struct gcm_ctx g;
	int err;

	pcr_mask &= ~UTPM_SEAL_LONGTERM;
	if (!u || !u->ready || !root || !root->ready ||
	    !utpm_mask_ok(pcr_mask))
		return -EINVAL;
	if (len > UTPM_SEAL_MAX || (len && !data) || !blob || !blob_len)
		return -EINVAL;
	if (lt && !root->lt_ready)
		return -EPERM;
	if (blob_max < need) {
		*blob_len = need;
		return -ENOSPC;
	}
	if (utpm_overlap(data, len, blob, need))
		return -EINVAL;
	if (root->seal_counter == UINT64_MAX)
		return -ERANGE;

	/* Header, also the AAD: version, pcr_mask, policy digest, [salt,] IV. */
	p = utpm_put32(hdr, lt ? UTPM_SEAL_LT_VERSION : UTPM_SEAL_VERSION);
	p = utpm_put32(p, pcr_mask);
	utpm_pcr_digest(u, pcr_mask, p);
	p += UTPM_DIGEST_SIZE;
	if (lt)
		p = utpm_putn(p, root->lt_salt, UTPM_SEAL_SALT_SIZE);
	/*
	 * IV: SP 800-38D 8.2.1 deterministic construction, a 4-byte fixed
	 * field (zero) and an 8-byte invocation counter. The counter is the
	 * root's, shared by every PAL, and every sealing key lives for one
	 * launch only (the long-term one too: its HKDF salt is this launch's),
	 * so no (key, IV) pair repeats.
	 */
	iv = p;
	p = utpm_put32(p, 0);
	utpm_put64(p, root->seal_counter + 1);

	err = utpm_seal_key(u, root, lt ? root->lt_salt : NULL, &g);
	if (err)
		return err;
	if (gcm_seal(&g, iv, UTPM_SEAL_IV_SIZE, hdr, hlen, data, len,
		     blob + hlen, blob + hlen + len)) {
		err = -EIO;
		goto out;
	}
	memcpy(blob, hdr, hlen);
	root->seal_counter++;
	*blob_len = need;
out:
	gcm_wipe(&g);
	return err;
}

int utpm_unseal(const struct utpm *u, const struct utpm_root *root,
		const u8 *blob, size_t blob_len, u8 *out, size_t out_max,
		size_t *out_len)
{
	u8 hdr[UTPM_SEAL_LT_HDR_SIZE], tag[UTPM_SEAL_TAG_SIZE];
	u8 policy[UTPM_DIGEST_SIZE];
	size_t len, hlen, max;
	struct gcm_ctx g;
	u32 mask, version;
	bool lt;
	int err;

	if (!u || !u->ready || !root || !root->ready || !blob || !out_len)
		return -EINVAL;
	/* The version decides the header size; read it once. */
	if (blob_len < UTPM_SEAL_OVERHEAD || blob_len > UTPM_BLOB_MAX)
		return -EINVAL;
	memcpy(hdr, blob, 4);
	version = utpm_get32(hdr);
	if (version != UTPM_SEAL_VERSION && version != UTPM_SEAL_LT_VERSION)
		return -EINVAL;
	lt = version == UTPM_SEAL_LT_VERSION;
	hlen = lt ? UTPM_SEAL_LT_HDR_SIZE : UTPM_SEAL_HDR_SIZE;
	max = UTPM_SEAL_MAX + hlen + UTPM_SEAL_TAG_SIZE;
	if (blob_len < hlen + UTPM_SEAL_TAG_SIZE || blob_len > max)
		return -EINVAL;
	len = blob_len - hlen - UTPM_SEAL_TAG_SIZE;
	if (out_max < len) {
		*out_len = len;
		return -ENOSPC;
	}
	if ((len && !out) || utpm_overlap(out, len, blob, blob_len))
		return -EINVAL;

	/* Read header and tag once: the bytes checked are the bytes
	 * authenticated. The version in the copy is the one checked above. */
	memcpy(hdr + 4, blob + 4, hlen - 4);
	memcpy(tag, blob + hlen + len, sizeof(tag));
	mask = utpm_get32(hdr + 4);
	if (!utpm_mask_ok(mask))
		return -EINVAL;
	if (lt && !root->lt_ready)
		return -EPERM;

	/* Policy first: no plaintext is produced for the wrong uPCR state. */
	utpm_pcr_digest(u, mask, policy);
	if (!crypto_memeq(policy, hdr + 8, UTPM_DIGEST_SIZE))
		return -EPERM;

	err = utpm_seal_key(u, root, lt ? hdr + 8 + UTPM_DIGEST_SIZE : NULL,
			    &g);
	if (err)
		return err;
	/* gcm_open writes out only after the tag verified; zeroes it if not. */
	if (gcm_open(&g, hdr + hlen - UTPM_SEAL_IV_SIZE, UTPM_SEAL_IV_SIZE,
		     hdr, hlen, blob + hlen, len, tag, out))
		err = -EBADMSG;
	else
		*out_len = len;
	gcm_wipe(&g);
	return err;
}
