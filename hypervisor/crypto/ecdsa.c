/* ECDSA P-256 / SHA-256 signing and verification (FIPS 186-4 6.4, SEC 1 v2
 * 4.1.3 and 4.1.4) with RFC 6979 deterministic nonces. */
#include "platform.h"

#include "ecdsa.h"
#include "hmac.h"
#include "sha256.h"
#include "util.h"

/* HMAC_DRBG state of RFC 6979 3.2 (hlen = qlen = 256). */
struct rfc6979 {
	uint8_t k[32], v[32];
};

/* K = HMAC_K(V || sep || x || h1); V = HMAC_K(V) (RFC 6979 3.2 d-g). */
static void rfc6979_update(struct rfc6979 *st, uint8_t sep,
			   const uint8_t x[32], const uint8_t h1[32])
{
	struct hmac_sha256_ctx h;

	hmac_sha256_init(&h, st->k, 32);
	hmac_sha256_update(&h, st->v, 32);
	hmac_sha256_update(&h, &sep, 1);
	if (x) {
		hmac_sha256_update(&h, x, 32);
		hmac_sha256_update(&h, h1, 32);
	}
	hmac_sha256_final(&h, st->k);
	hmac_sha256(st->k, 32, st->v, 32, st->v);
	crypto_wipe(&h, sizeof(h));
}

/* RFC 6979 3.2 b-g, with x = int2octets(priv), h1 = bits2octets(digest). */
static void rfc6979_init(struct rfc6979 *st, const uint8_t x[32],
			 const uint8_t h1[32])
{
	memset(st->v, 0x01, 32);
	memset(st->k, 0x00, 32);
	rfc6979_update(st, 0x00, x, h1);
	rfc6979_update(st, 0x01, x, h1);
}

/*
 * RFC 6979 3.2 h: V = HMAC_K(V) and T = V; since qlen = hlen = 256 one block
 * fills T and bits2int(T) is T read big-endian. The caller tests the range.
 */
static void rfc6979_next(struct rfc6979 *st, uint64_t k[4])
{
	hmac_sha256(st->k, 32, st->v, 32, st->v);
	p256_sc_from_bytes(k, st->v);
}

/* RFC 6979 3.2 h.3, when k was unusable: K = HMAC_K(V || 0x00), V = HMAC_K(V). */
static void rfc6979_retry(struct rfc6979 *st)
{
	rfc6979_update(st, 0x00, NULL, NULL);
}

/* e = bits2int(digest) mod n (SEC 1 v2 4.1.3 step 5; RFC 6979 2.3.2). */
static void digest_to_scalar(uint64_t e[4], const uint8_t digest[32])
{
	p256_sc_from_bytes(e, digest);
	p256_sc_reduce(e, e);
}

int ecdsa_p256_sign_digest(const uint8_t priv[32], const uint8_t digest[32],
			   uint8_t sig[64])
{
	struct rfc6979 st;
	uint64_t d[4], e[4], k[4], r[4], s[4], t[4];
	uint8_t h1[32], pt[64];
	int tries, ret = -1;

	p256_sc_from_bytes(d, priv);
	if (!p256_sc_is_valid(d))
		goto out;
	digest_to_scalar(e, digest);
	p256_sc_to_bytes(h1, e);	/* bits2octets(h1), RFC 6979 2.3.4 */
	rfc6979_init(&st, priv, h1);

	/*
	 * The RFC loops until k is usable; each retry happens with probability
	 * about 2^-32, so a bound of 64 is never reached with a sound HMAC.
	 * Branching on "retry" reveals only that a discarded k was rejected.
	 */
	for (tries = 0; tries < 64; tries++) {
		if (tries)
			rfc6979_retry(&st);
		rfc6979_next(&st, k);
		if (!p256_sc_is_valid(k))	/* RFC 6979 3.2 h.3: 1 <= k < q */
			continue;
		/* (x1, y1) = kG; r = x1 mod n (SEC 1 v2 4.1.3 steps 1-3). */
		if (p256_mul_base(k, pt))
			continue;
		p256_sc_from_bytes(r, pt);
		p256_sc_reduce(r, r);		/* x1 < p < 2n */
		if (!p256_sc_is_valid(r))
			continue;
		/* s = k^-1 (e + r d) mod n (SEC 1 v2 4.1.3 step 6). */
		p256_sc_mul(t, r, d);
		p256_sc_add(t, t, e);
		p256_sc_inv(k, k);
		p256_sc_mul(s, k, t);
		if (!p256_sc_is_valid(s))
			continue;
		p256_sc_to_bytes(sig, r);
		p256_sc_to_bytes(sig + 32, s);
		ret = 0;
		break;
	}
out:
	crypto_wipe(&st, sizeof(st));
	crypto_wipe(d, sizeof(d));
	crypto_wipe(k, sizeof(k));
	crypto_wipe(t, sizeof(t));
	crypto_wipe(pt, sizeof(pt));
	crypto_wipe(e, sizeof(e));
	crypto_wipe(h1, sizeof(h1));
	p256_stack_wipe();
	return ret;
}

/* SEC 1 v2 4.1.4; every input is public, so this may take variable time. */
int ecdsa_p256_verify_digest(const uint8_t pub[65], const uint8_t digest[32],
			     const uint8_t sig[64])
{
	uint64_t r[4], s[4], e[4], w[4], u1[4], u2[4], v[4];
	uint8_t x[32], vb[32];

	/* Step 1: r, s in [1, n-1]. */
	p256_sc_from_bytes(r, sig);
	p256_sc_from_bytes(s, sig + 32);
	if (!p256_sc_is_valid(r) || !p256_sc_is_valid(s))
		return -1;
	/* Steps 2-4: e from the digest. */
	digest_to_scalar(e, digest);
	/* Step 5: u1 = e s^-1, u2 = r s^-1 mod n. */
	p256_sc_inv(w, s);
	p256_sc_mul(u1, e, w);
	p256_sc_mul(u2, r, w);
	/* Step 5-6: R = u1 G + u2 Q, rejecting a bad Q or R = O. */
	if (p256_mul2_vartime(u1, u2, pub, x))
		return -1;
	/* Steps 7-8: v = xR mod n, accept iff v == r. */
	p256_sc_from_bytes(v, x);
	p256_sc_reduce(v, v);
	p256_sc_to_bytes(vb, v);
	return crypto_memeq(vb, sig, 32) ? 0 : -1;
}

int ecdsa_p256_sign(const uint8_t priv[32], const void *msg, size_t len,
		    uint8_t sig[64])
{
	uint8_t dg[SHA256_DIGEST_SIZE];
	int ret;

	sha256(msg, len, dg);
	ret = ecdsa_p256_sign_digest(priv, dg, sig);
	crypto_wipe(dg, sizeof(dg));
	return ret;
}

int ecdsa_p256_verify(const uint8_t pub[65], const void *msg, size_t len,
		      const uint8_t sig[64])
{
	uint8_t dg[SHA256_DIGEST_SIZE];

	sha256(msg, len, dg);
	return ecdsa_p256_verify_digest(pub, dg, sig);
}
