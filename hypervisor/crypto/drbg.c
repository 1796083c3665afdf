/* HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1 section 10.1.2), no
 * prediction resistance. State K, V and the reseed counter live in drbg_ctx. */
#include "drbg.h"
#include "hmac.h"
#include "util.h"
#include "platform.h"

/* Table 2: max_length / max_personalization / max_additional_input 2^35 bits. */
#define DRBG_MAX_INPUT	(1ull << 32)

/* A seed or provided_data string is a concatenation of up to three parts;
 * passing them separately avoids a scratch buffer of unbounded size. */
struct drbg_in {
	const void *p;
	size_t n;
};

/*
 * 10.1.2.2 HMAC_DRBG_Update: K = HMAC(K, V || 0x00 || data), V = HMAC(K, V),
 * and, only when data is non-empty, the same again with 0x01.
 */
static void drbg_update(struct drbg_ctx *d, const struct drbg_in *in, int nin)
{
	struct hmac_sha256_ctx h;
	size_t total = 0;
	uint8_t sep;
	int i;

	for (i = 0; i < nin; i++)
		total += in[i].n;
	for (sep = 0; sep < 2; sep++) {
		if (sep == 1 && total == 0)
			break;
		hmac_sha256_init(&h, d->k, sizeof(d->k));
		hmac_sha256_update(&h, d->v, sizeof(d->v));
		hmac_sha256_update(&h, &sep, 1);
		for (i = 0; i < nin; i++)
			hmac_sha256_update(&h, in[i].p, in[i].n);
		hmac_sha256_final(&h, d->k);
		hmac_sha256(d->k, sizeof(d->k), d->v, sizeof(d->v), d->v);
	}
}

int drbg_instantiate(struct drbg_ctx *ctx, const void *entropy, size_t elen,
		     const void *nonce, size_t nlen, const void *pers,
		     size_t plen)
{
	struct drbg_in seed[3] = {
		{ entropy, elen }, { nonce, nlen }, { pers, plen },
	};

	if (elen < DRBG_MIN_ENTROPY || elen > DRBG_MAX_INPUT ||
	    nlen > DRBG_MAX_INPUT || plen > DRBG_MAX_INPUT)
		return -1;
	/* 10.1.2.3 steps 1-6: seed_material = entropy || nonce || pers,
	 * K = 0x00..00, V = 0x01..01, Update, reseed_counter = 1. */
	memset(ctx->k, 0x00, sizeof(ctx->k));
	memset(ctx->v, 0x01, sizeof(ctx->v));
	drbg_update(ctx, seed, 3);
	ctx->reseed_ctr = 1;
	ctx->ready = 1;
	return 0;
}

int drbg_reseed(struct drbg_ctx *ctx, const void *entropy, size_t elen,
		const void *addl, size_t alen)
{
	struct drbg_in seed[2] = { { entropy, elen }, { addl, alen } };

	if (!ctx->ready || elen < DRBG_MIN_ENTROPY || elen > DRBG_MAX_INPUT ||
	    alen > DRBG_MAX_INPUT)
		return -1;
	/* 10.1.2.4: seed_material = entropy || addl, Update, counter = 1. */
	drbg_update(ctx, seed, 2);
	ctx->reseed_ctr = 1;
	return 0;
}

int drbg_generate(struct drbg_ctx *ctx, void *out, size_t outlen,
		  const void *addl, size_t alen)
{
	struct drbg_in ad = { addl, alen };
	struct hmac_sha256_ctx keyed, h;
	uint8_t *o = out;
	size_t take;

	if (!ctx->ready || outlen > DRBG_MAX_REQUEST || alen > DRBG_MAX_INPUT)
		return DRBG_ERR_INVALID;
	/* 10.1.2.5 step 1. */
	if (ctx->reseed_ctr > DRBG_RESEED_INTERVAL)
		return DRBG_ERR_RESEED;
	/* Step 2. */
	if (alen)
		drbg_update(ctx, &ad, 1);
	/* Steps 3-5: V = HMAC(K, V) until enough bits; K is fixed meanwhile,
	 * so its padded key blocks are hashed once. */
	hmac_sha256_init(&keyed, ctx->k, sizeof(ctx->k));
	while (outlen) {
		h = keyed;
		hmac_sha256_update(&h, ctx->v, sizeof(ctx->v));
		hmac_sha256_final(&h, ctx->v);
		take = outlen < sizeof(ctx->v) ? outlen : sizeof(ctx->v);
		memcpy(o, ctx->v, take);
		o += take;
		outlen -= take;
	}
	crypto_wipe(&keyed, sizeof(keyed));
	/* Steps 6-7: Update(addl) runs even when addl is empty. */
	drbg_update(ctx, &ad, 1);
	ctx->reseed_ctr++;
	return 0;
}

void drbg_wipe(struct drbg_ctx *ctx)
{
	crypto_wipe(ctx, sizeof(*ctx));
}
