/* ECDSA over P-256 with SHA-256 (FIPS 186-4 6, SEC 1 v2 4.1) and
 * deterministic nonces (RFC 6979). */
#ifndef CRYPTO_ECDSA_H
#define CRYPTO_ECDSA_H

#include <stddef.h>
#include <stdint.h>

#include "p256.h"

#define ECDSA_P256_SIG_SIZE 64	/* r || s, 32 bytes each, big-endian */

/*
 * Keys as in p256.h. All return 0 on success, -1 on failure; for the verify
 * functions 0 means the signature is valid.
 */
int ecdsa_p256_sign_digest(const uint8_t priv[32], const uint8_t digest[32],
			   uint8_t sig[64]);
int ecdsa_p256_verify_digest(const uint8_t pub[65], const uint8_t digest[32],
			     const uint8_t sig[64]);
/* SHA-256 the message, then sign or verify the digest. */
int ecdsa_p256_sign(const uint8_t priv[32], const void *msg, size_t len,
		    uint8_t sig[64]);
int ecdsa_p256_verify(const uint8_t pub[65], const void *msg, size_t len,
		      const uint8_t sig[64]);

#endif
