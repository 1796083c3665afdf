/* The micro-TPM (uTPM) that every PAL gets: uPCRs, quotes in TPM 2.0 format,
 * seal/unseal. Pure logic, no hardware: runs in the hypervisor and in host
 * unit tests. Formats and key hierarchy: docs/utpm.md. */
#ifndef HV_UTPM_H
#define HV_UTPM_H

#include "types.h"
#include "errno.h"

#include "crypto/drbg.h"

/* errno.h lacks it; the value is Linux's. */
#ifndef EBADMSG
#define EBADMSG 74
#endif

/*
 * Return convention of every utpm_* function:
 *   0         success;
 *   -EINVAL   bad argument (index, mask, length, NULL, overlapping buffers,
 *             object not initialised, malformed blob header);
 *   -EPERM    uPCR 0 written, or unseal while the uPCRs selected by the blob
 *             do not hold the values they held at seal time;
 *   -EBADMSG  unseal: the blob failed authentication (modified, or sealed by
 *             another PAL or under another launch's root);
 *   -ENOSPC   an output buffer is too small: *len is set to the size needed
 *             and nothing else is written;
 *   -EIO      the DRBG refused (reseed needed) or key generation failed;
 *   -ERANGE   a counter would wrap (quote clock, seal IV counter).
 *
 * Buffers: every pointer argument must be hypervisor-private memory. The
 * hypercall layer copies enclave buffers in before the call and results out
 * after it, so an enclave cannot change bytes between a check and their use.
 * Output buffers must not overlap input buffers (-EINVAL).
 *
 * Locking: none inside. The caller serialises calls on one struct utpm, and
 * calls that take a non-const struct utpm_root (quote, seal, set_clock).
 */

#define UTPM_NPCR		8	/* uPCRs per PAL, SHA-256 bank only */
#define UTPM_DIGEST_SIZE	32
#define UTPM_PUBKEY_SIZE	65	/* SEC 1 uncompressed 0x04 || X || Y */
#define UTPM_NONCE_MAX		64	/* quote extraData (TPM2B_DATA) */
#define UTPM_RANDOM_MAX		256	/* bytes per utpm_get_random() */
#define UTPM_SEAL_MAX		4096	/* plaintext bytes per sealed blob */

/* Marshaled TPMS_ATTEST of a quote: 113 bytes + the nonce (docs/utpm.md). */
#define UTPM_ATTEST_FIXED	113
#define UTPM_ATTEST_MAX		(UTPM_ATTEST_FIXED + UTPM_NONCE_MAX)
/* Marshaled TPMT_SIGNATURE, ECDSA with 32-byte r and s. */
#define UTPM_SIG_SIZE		72
/* Marshaled TPMT_PUBLIC of the uTPM signing key, and its TPM2B_PUBLIC. */
#define UTPM_PUBLIC_SIZE	88
#define UTPM_PUBLIC2B_SIZE	(2 + UTPM_PUBLIC_SIZE)
/* Name of the signing key: nameAlg (2 bytes) || SHA-256(TPMT_PUBLIC). */
#define UTPM_NAME_SIZE		(2 + UTPM_DIGEST_SIZE)

/* Sealed blob: header (version, pcr_mask, policy digest, IV), ciphertext,
 * GCM tag. */
#define UTPM_SEAL_VERSION	1
#define UTPM_SEAL_IV_SIZE	12
#define UTPM_SEAL_HDR_SIZE	(4 + 4 + UTPM_DIGEST_SIZE + UTPM_SEAL_IV_SIZE)
#define UTPM_SEAL_TAG_SIZE	16
#define UTPM_SEAL_OVERHEAD	(UTPM_SEAL_HDR_SIZE + UTPM_SEAL_TAG_SIZE)
/* Long-term blob (version 2): the header also carries the sealing
 * launch's 16-byte salt, after the policy digest and before the IV. */
#define UTPM_SEAL_LT_VERSION	2
#define UTPM_SEAL_SALT_SIZE	16
#define UTPM_SEAL_LT_HDR_SIZE	(UTPM_SEAL_HDR_SIZE + UTPM_SEAL_SALT_SIZE)
#define UTPM_SEAL_LT_OVERHEAD	(UTPM_SEAL_LT_HDR_SIZE + UTPM_SEAL_TAG_SIZE)
#define UTPM_BLOB_MAX		(UTPM_SEAL_MAX + UTPM_SEAL_LT_OVERHEAD)
/* utpm_seal's pcr_mask bit 31: seal under the long-term secret (a version 2
 * blob that survives a reboot of the same hypervisor build). The same bit
 * as MIEE_SEAL_LONGTERM in include/hv/miee.h. */
#define UTPM_SEAL_LONGTERM	0x80000000u
#define UTPM_LT_SECRET_SIZE	32

/* Per-launch root shared by all uTPMs. Secret: wipe with utpm_root_wipe(). */
struct utpm_root {
	u8 priv[32];			/* ECDSA P-256 signing key */
	u8 pub[UTPM_PUBKEY_SIZE];
	u8 name[UTPM_NAME_SIZE];	/* TPM name of the signing key */
	u8 seal_secret[32];		/* HKDF input key for sealing keys */
	u64 clock;			/* TPMS_CLOCK_INFO.clock, never goes back */
	u32 reset_count;		/* TPMS_CLOCK_INFO.resetCount */
	u32 restart_count;		/* TPMS_CLOCK_INFO.restartCount */
	u64 seal_counter;		/* IVs issued so far (one per blob) */
	u8 lt_secret[UTPM_LT_SECRET_SIZE];	/* long-term: from the hardware TPM */
	u8 lt_salt[UTPM_SEAL_SALT_SIZE];	/* this launch's HKDF salt for it */
	bool lt_ready;			/* lt_secret set (utpm_root_set_longterm) */
	bool ready;
};

/* One PAL's uTPM. uPCR 0 is the PAL's identity (its measurement). */
struct utpm {
	u8 pcr[UTPM_NPCR][UTPM_DIGEST_SIZE];
	u64 quotes;			/* quotes issued by this PAL */
	bool ready;
};

/*
 * seed: 64 bytes of fresh entropy for this launch (e.g. from the hardware
 * TPM's GetRandom and RDSEED). Derives the signing key pair and the sealing
 * secret through an HMAC-DRBG; clock and counters start at 0.
 */
int utpm_root_init(struct utpm_root *root, const u8 seed[64]);
/* Advance TPMS_CLOCK_INFO.clock (e.g. milliseconds since launch); -EINVAL if
 * clock is less than the current value (Clock never goes back: safe = YES). */
int utpm_root_set_clock(struct utpm_root *root, u64 clock);
/* The signing key's public point, 0x04 || X || Y. */
int utpm_pubkey(const struct utpm_root *root, u8 pub[UTPM_PUBKEY_SIZE]);
/* The signing key's TPM2B_PUBLIC (size || TPMT_PUBLIC), as tpm2-tools load
 * it with -u; its Name is what quotes carry in qualifiedSigner. */
int utpm_public(const struct utpm_root *root, u8 *out, size_t max,
		size_t *len);
void utpm_root_wipe(struct utpm_root *root);
/* The long-term storage secret, kept in the hardware TPM under the DRTM PCRs
 * (docs/utpm.md "Long-term sealing"); from now on utpm_seal accepts
 * UTPM_SEAL_LONGTERM and utpm_unseal version 2 blobs. */
int utpm_root_set_longterm(struct utpm_root *root,
			   const u8 secret[UTPM_LT_SECRET_SIZE]);

/* uPCR 0 := measurement (set, not extended); uPCRs 1..7 := zero. */
int utpm_init(struct utpm *u, const struct utpm_root *root,
	      const u8 measurement[UTPM_DIGEST_SIZE]);
int utpm_pcr_read(const struct utpm *u, u32 idx, u8 out[UTPM_DIGEST_SIZE]);
/* uPCR[idx] := SHA-256(uPCR[idx] || digest); -EPERM for idx 0. */
int utpm_pcr_extend(struct utpm *u, u32 idx,
		    const u8 digest[UTPM_DIGEST_SIZE]);
/* len <= UTPM_RANDOM_MAX bytes from the caller's DRBG. */
int utpm_get_random(const struct utpm *u, struct drbg_ctx *drbg, u8 *out,
		    size_t len);

/*
 * TPM2_Quote over the uPCRs in pcr_mask (bit i = uPCR i; bit 0 required, so
 * every quote names the PAL) with nonce as extraData (nlen <= UTPM_NONCE_MAX).
 * attest gets a marshaled TPMS_ATTEST (UTPM_ATTEST_FIXED + nlen bytes), sig
 * a marshaled TPMT_SIGNATURE (UTPM_SIG_SIZE bytes) over SHA-256(attest).
 */
int utpm_quote(struct utpm *u, struct utpm_root *root, u32 pcr_mask,
	       const u8 *nonce, size_t nlen, u8 *attest, size_t attest_max,
	       size_t *attest_len, u8 *sig, size_t sig_max, size_t *sig_len);

/*
 * Seal len <= UTPM_SEAL_MAX bytes to this PAL's identity and to the current
 * values of the uPCRs in pcr_mask (bits 0-7, any subset, may be 0). The blob
 * is len + UTPM_SEAL_OVERHEAD bytes, under this launch's secret; with
 * UTPM_SEAL_LONGTERM in pcr_mask len + UTPM_SEAL_LT_OVERHEAD bytes under the
 * long-term secret (-EPERM if this launch has none).
 */
int utpm_seal(const struct utpm *u, struct utpm_root *root, u32 pcr_mask,
	      const u8 *data, size_t len, u8 *blob, size_t blob_max,
	      size_t *blob_len);
/* Writes the plaintext only when the blob authenticates under this PAL's
 * identity and the selected uPCRs match; otherwise out is left zeroed.
 * A version 2 blob in a launch without the long-term secret: -EPERM. */
int utpm_unseal(const struct utpm *u, const struct utpm_root *root,
		const u8 *blob, size_t blob_len, u8 *out, size_t out_max,
		size_t *out_len);

void utpm_wipe(struct utpm *u);

#endif
