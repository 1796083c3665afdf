/* AES-256-GCM authenticated encryption (NIST SP 800-38D), constant time.
 * Freestanding, no allocation. */
#ifndef CRYPTO_GCM_H
#define CRYPTO_GCM_H

#include <stddef.h>
#include <stdint.h>

#include "aes.h"

#define GCM_TAG_SIZE 16
#define GCM_IV_SIZE 12		/* recommended (fast-path) IV length */
/* SP 800-38D 5.2.1.1: len(P) <= 2^39 - 256 bits. */
#define GCM_MAX_LEN ((1ULL << 36) - 32)

struct gcm_ctx {
	struct aes256_ctx aes;
	uint8_t h[16];		/* hash subkey H = E(K, 0^128) */
	uint64_t hw[2];		/* H as big-endian words, hw[0] first */
};

void gcm_init(struct gcm_ctx *g, const uint8_t key[AES256_KEY_SIZE]);

/*
 * iv: any length >= 1 byte (12 is the fast path).  ct may equal pt (in
 * place) but must not otherwise overlap it.  Returns 0, or -1 for a length
 * SP 800-38D does not allow (nothing is written then).
 */
int gcm_seal(const struct gcm_ctx *g, const uint8_t *iv, size_t ivlen,
	     const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t len,
	     uint8_t *ct, uint8_t tag[GCM_TAG_SIZE]);

/*
 * Returns 0 and writes pt only if the tag verifies.  Otherwise returns -1
 * and pt (which may equal ct) is zeroed; if len itself exceeds
 * GCM_MAX_LEN nothing is touched.
 */
int gcm_open(const struct gcm_ctx *g, const uint8_t *iv, size_t ivlen,
	     const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
	     const uint8_t tag[GCM_TAG_SIZE], uint8_t *pt);

void gcm_wipe(struct gcm_ctx *g);

#endif
