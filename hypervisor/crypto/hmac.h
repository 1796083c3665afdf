/* HMAC-SHA-256 (RFC 2104 / FIPS 198-1) and HKDF-SHA-256 (RFC 5869). */
#ifndef CRYPTO_HMAC_H
#define CRYPTO_HMAC_H

#include "sha256.h"

struct hmac_sha256_ctx {
	struct sha256_ctx inner, outer;
};

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t klen);
void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *d, size_t n);
void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
void hmac_sha256(const void *key, size_t klen, const void *d, size_t n,
		 uint8_t out[SHA256_DIGEST_SIZE]);

void hkdf_sha256_extract(const void *salt, size_t slen, const void *ikm,
			 size_t ilen, uint8_t prk[SHA256_DIGEST_SIZE]);
/* Returns 0, or -1 if olen > 255 * 32. */
int hkdf_sha256_expand(const uint8_t prk[SHA256_DIGEST_SIZE], const void *info,
		       size_t ilen, uint8_t *out, size_t olen);
int hkdf_sha256(const void *salt, size_t slen, const void *ikm, size_t ilen,
		const void *info, size_t infolen, uint8_t *out, size_t olen);

#endif
