/* SHA-256 (FIPS 180-4). Freestanding, no allocation. */
#ifndef CRYPTO_SHA256_H
#define CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK_SIZE];
	size_t nbuf;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t n);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST_SIZE]);

#endif
