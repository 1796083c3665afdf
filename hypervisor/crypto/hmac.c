/* HMAC-SHA-256 (RFC 2104, FIPS 198-1) and HKDF-SHA-256 (RFC 5869).
 * Key pads and intermediate blocks are wiped before return. */
#include "hmac.h"
#include "util.h"
#include "platform.h"

#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

void hmac_sha256_init(struct hmac_sha256_ctx *c, const void *key, size_t klen)
{
	uint8_t k0[SHA256_BLOCK_SIZE];
	size_t i;

	/*
	 * RFC 2104 section 2 / FIPS 198-1 section 4 steps 1-3: keys longer than
	 * the block are hashed first, then all keys are zero-padded to B bytes.
	 */
	memset(k0, 0, sizeof(k0));
	if (klen > SHA256_BLOCK_SIZE)
		sha256(key, klen, k0);
	else if (klen)
		memcpy(k0, key, klen);

	/* Steps 4-5: H((K0 ^ ipad) || ...); the outer pad is absorbed now
	 * so final() only needs the inner digest. */
	for (i = 0; i < sizeof(k0); i++)
		k0[i] ^= HMAC_IPAD;
	sha256_init(&c->inner);
	sha256_update(&c->inner, k0, sizeof(k0));

	for (i = 0; i < sizeof(k0); i++)
		k0[i] ^= HMAC_IPAD ^ HMAC_OPAD;
	sha256_init(&c->outer);
	sha256_update(&c->outer, k0, sizeof(k0));

	crypto_wipe(k0, sizeof(k0));
}

void hmac_sha256_update(struct hmac_sha256_ctx *c, const void *d, size_t n)
{
	sha256_update(&c->inner, d, n);
}

void hmac_sha256_final(struct hmac_sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint8_t ih[SHA256_DIGEST_SIZE];

	/* FIPS 198-1 section 4 steps 6-9: H((K0 ^ opad) || H((K0 ^ ipad) || text)). */
	sha256_final(&c->inner, ih);
	sha256_update(&c->outer, ih, sizeof(ih));
	sha256_final(&c->outer, out);
	crypto_wipe(ih, sizeof(ih));
	crypto_wipe(c, sizeof(*c));
}

void hmac_sha256(const void *key, size_t klen, const void *d, size_t n,
		 uint8_t out[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx c;

	hmac_sha256_init(&c, key, klen);
	hmac_sha256_update(&c, d, n);
	hmac_sha256_final(&c, out);
}

void hkdf_sha256_extract(const void *salt, size_t slen, const void *ikm,
			 size_t ilen, uint8_t prk[SHA256_DIGEST_SIZE])
{
	/*
	 * RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM). An absent salt means
	 * HashLen zero bytes, which HMAC's zero padding of the key already
	 * gives us when slen == 0.
	 */
	hmac_sha256(salt, slen, ikm, ilen, prk);
}

int hkdf_sha256_expand(const uint8_t prk[SHA256_DIGEST_SIZE], const void *info,
		       size_t ilen, uint8_t *out, size_t olen)
{
	struct hmac_sha256_ctx keyed, c;
	uint8_t t[SHA256_DIGEST_SIZE];
	uint8_t ctr;
	size_t take;

	/* RFC 5869 2.3: L <= 255 * HashLen. */
	if (olen > 255 * SHA256_DIGEST_SIZE)
		return -1;

	/* Every T(i) uses the same key, so the pads are hashed once. */
	hmac_sha256_init(&keyed, prk, SHA256_DIGEST_SIZE);
	/* T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty, i from 1. */
	for (ctr = 1; olen; ctr++) {
		c = keyed;
		if (ctr > 1)
			hmac_sha256_update(&c, t, sizeof(t));
		hmac_sha256_update(&c, info, ilen);
		hmac_sha256_update(&c, &ctr, 1);
		hmac_sha256_final(&c, t);

		take = olen < sizeof(t) ? olen : sizeof(t);
		memcpy(out, t, take);
		out += take;
		olen -= take;
	}
	crypto_wipe(t, sizeof(t));
	crypto_wipe(&keyed, sizeof(keyed));
	return 0;
}

int hkdf_sha256(const void *salt, size_t slen, const void *ikm, size_t ilen,
		const void *info, size_t infolen, uint8_t *out, size_t olen)
{
	uint8_t prk[SHA256_DIGEST_SIZE];
	int ret;

	if (olen > 255 * SHA256_DIGEST_SIZE)
		return -1;
	hkdf_sha256_extract(salt, slen, ikm, ilen, prk);
	ret = hkdf_sha256_expand(prk, info, infolen, out, olen);
	crypto_wipe(prk, sizeof(prk));
	return ret;
}
