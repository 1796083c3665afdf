/* AES-256 block cipher (FIPS 197), bitsliced and constant time.
 * Freestanding, no allocation; encryption only (GCM needs no inverse). */
#ifndef CRYPTO_AES_H
#define CRYPTO_AES_H

#include <stddef.h>
#include <stdint.h>

#define AES_BLOCK_SIZE 16
#define AES256_KEY_SIZE 32
#define AES256_ROUNDS 14

/*
 * Round keys kept in bitsliced form: sk[r][b] is bit plane b of round key
 * r, replicated for the four blocks processed in parallel and laid out
 * with round r's deferred-ShiftRows skew (see aes.c).
 */
struct aes256_ctx {
	uint64_t sk[AES256_ROUNDS + 1][8];
};

void aes256_init(struct aes256_ctx *c, const uint8_t key[AES256_KEY_SIZE]);
void aes256_encrypt_block(const struct aes256_ctx *c,
			  const uint8_t in[AES_BLOCK_SIZE],
			  uint8_t out[AES_BLOCK_SIZE]);
/* Four independent blocks at once (the bitsliced core's natural width). */
void aes256_encrypt_blocks4(const struct aes256_ctx *c,
			    const uint8_t in[4 * AES_BLOCK_SIZE],
			    uint8_t out[4 * AES_BLOCK_SIZE]);
void aes256_wipe(struct aes256_ctx *c);

#endif
