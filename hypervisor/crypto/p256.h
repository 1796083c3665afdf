/* NIST P-256 (FIPS 186-4 D.1.2.3): key generation, public key checks, and the
 * scalar and point primitives that ecdsa.c builds on. */
#ifndef CRYPTO_P256_H
#define CRYPTO_P256_H

#include <stddef.h>
#include <stdint.h>

#define P256_SCALAR_SIZE 32
#define P256_PUBKEY_SIZE 65	/* SEC 1 v2 2.3.3 uncompressed: 0x04 || X || Y */

/*
 * Public key: uncompressed SEC1, 65 bytes 0x04||X||Y. Private key: 32-byte
 * big-endian scalar in [1, n-1]. All return 0 on success, -1 on failure.
 */

/* Derive a key pair deterministically from a 32-byte DRBG seed. */
int p256_keygen(const uint8_t seed[32], uint8_t priv[32], uint8_t pub[65]);
/* pub = priv * G; -1 if priv is not in [1, n-1]. Constant time in priv. */
int p256_pubkey(const uint8_t priv[32], uint8_t pub[65]);
/* 0 if pub is 0x04||X||Y with X, Y < p and (X, Y) on the curve. */
int p256_check_pubkey(const uint8_t pub[65]);

/*
 * Scalars mod n as four little-endian 64-bit limbs. Everything below is
 * constant time unless the name ends in _vartime.
 */
void p256_sc_from_bytes(uint64_t r[4], const uint8_t in[32]);
void p256_sc_to_bytes(uint8_t out[32], const uint64_t a[4]);
/* 1 if 1 <= a <= n-1, else 0. */
int p256_sc_is_valid(const uint64_t a[4]);
/* r = a mod n for any a < 2^256 (one conditional subtraction: 2^256 < 2n). */
void p256_sc_reduce(uint64_t r[4], const uint64_t a[4]);
/* r = a + b, a * b, a^-1 mod n; inputs must be < n. inv(0) = 0. */
void p256_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void p256_sc_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void p256_sc_inv(uint64_t r[4], const uint64_t a[4]);

/* out = affine X||Y (big-endian) of k*G; -1 if k*G is the point at infinity. */
int p256_mul_base(const uint64_t k[4], uint8_t out[64]);
/*
 * x = affine X of u1*G + u2*Q for public u1, u2 < n and public key Q.
 * -1 if Q fails p256_check_pubkey or the sum is the point at infinity.
 */
int p256_mul2_vartime(const uint64_t u1[4], const uint64_t u2[4],
		      const uint8_t pub[65], uint8_t x[32]);

/*
 * Overwrite the stack area that callees of a secret computation used; call
 * it from the function that started that computation, just before return.
 */
void p256_stack_wipe(void);

#endif
