/* HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1 section 10.1.2), without
 * prediction resistance. Deterministic: all entropy comes from the caller. */
#ifndef CRYPTO_DRBG_H
#define CRYPTO_DRBG_H

#include <stddef.h>
#include <stdint.h>

/* SP 800-90A Table 2 for SHA-256: 256-bit security strength, so at least
 * 32 bytes of entropy; at most 2^19 bits per request; 2^48 requests per seed. */
#define DRBG_MIN_ENTROPY	32
#define DRBG_MAX_REQUEST	65536
#define DRBG_RESEED_INTERVAL	(1ull << 48)

/* drbg_generate() results besides 0. */
#define DRBG_ERR_INVALID	(-1)	/* bad length, or not instantiated */
#define DRBG_ERR_RESEED		(-2)	/* reseed counter exhausted */

/* Working state (10.1.2.1). Secret: wipe with drbg_wipe() when done. */
struct drbg_ctx {
	uint8_t k[32];
	uint8_t v[32];
	uint64_t reseed_ctr;
	int ready;		/* instantiated and not wiped */
};

/*
 * The DRBG does not gather entropy itself. The caller supplies entropy_input
 * from a real source (TPM2_GetRandom, RDSEED/RDRAND with their retry and
 * health rules) at instantiate and at every reseed, and a nonce (8.6.7: at
 * least 16 bytes, e.g. more entropy or a boot counter). NULL with length 0 is
 * fine for nonce, pers and addl. No global state: one ctx per user, and
 * concurrent users must lock their own ctx.
 */

/* 10.1.2.3. Returns 0, or -1 if elen < DRBG_MIN_ENTROPY or an input is
 * longer than 2^32 bytes (Table 2 max_length 2^35 bits). */
int drbg_instantiate(struct drbg_ctx *ctx, const void *entropy, size_t elen,
		     const void *nonce, size_t nlen, const void *pers,
		     size_t plen);
/* 10.1.2.4. Returns 0, or -1 as for drbg_instantiate() or if not ready. */
int drbg_reseed(struct drbg_ctx *ctx, const void *entropy, size_t elen,
		const void *addl, size_t alen);
/* 10.1.2.5. Returns 0; DRBG_ERR_RESEED when drbg_reseed() must be called
 * first; DRBG_ERR_INVALID if outlen > DRBG_MAX_REQUEST, alen is too long or
 * ctx is not instantiated. On error out is left untouched. */
int drbg_generate(struct drbg_ctx *ctx, void *out, size_t outlen,
		  const void *addl, size_t alen);
/* 9.4 uninstantiate: zero the state; generate then fails until re-instantiated. */
void drbg_wipe(struct drbg_ctx *ctx);

#endif
