/* Benchmark: ECDSA P-256 sign/s and verify/s of crypto/ecdsa.c against
 * OpenSSL on the same machine, both over a precomputed SHA-256 digest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/ecdsa.h"
#include "crypto/sha256.h"

#define BENCH_SECS 1.0

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_ecdsa: %s failed\n", what);
	exit(1);
}

struct ctx {
	uint8_t priv[32], pub[65], dg[32], sig[64];
	EVP_PKEY_CTX *sctx, *vctx;
	uint8_t der[80], scratch[80];	/* der/dlen: the signature to verify */
	size_t dlen;
};

static int ours_sign(struct ctx *c)
{
	return ecdsa_p256_sign_digest(c->priv, c->dg, c->sig);
}

static int ours_verify(struct ctx *c)
{
	return ecdsa_p256_verify_digest(c->pub, c->dg, c->sig);
}

static int ossl_sign(struct ctx *c)
{
	size_t len = sizeof(c->scratch);

	return EVP_PKEY_sign(c->sctx, c->scratch, &len, c->dg, 32) == 1 ? 0 : -1;
}

static int ossl_verify(struct ctx *c)
{
	return EVP_PKEY_verify(c->vctx, c->der, c->dlen, c->dg, 32) == 1 ? 0 : -1;
}

/* Operations per second of fn, run for about BENCH_SECS. */
static double rate(int (*fn)(struct ctx *), struct ctx *c)
{
	double t0 = now(), t;
	long n = 0;

	do {
		int i;

		for (i = 0; i < 16; i++)
			if (fn(c))
				die("operation");
		n += 16;
		t = now() - t0;
	} while (t < BENCH_SECS);
	return (double)n / t;
}

static void report(const char *op, double ours, double ossl)
{
	printf("bench ecdsa-p256 %s: ours %.1f /s, openssl %.1f /s, ratio %.2f\n",
	       op, ours, ossl, ours / ossl);
}

int main(void)
{
	static const uint8_t seed[32] = { 0x42 };
	struct ctx c;
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *kc;
	BIGNUM *d;
	OSSL_PARAM_BLD *b;
	OSSL_PARAM *params;
	double s_ours, s_ossl, v_ours, v_ossl;

	memset(&c, 0, sizeof(c));
	if (p256_keygen(seed, c.priv, c.pub))
		die("p256_keygen");
	sha256("benchmark message", 17, c.dg);

	/* The same key pair inside OpenSSL. */
	d = BN_bin2bn(c.priv, 32, NULL);
	b = OSSL_PARAM_BLD_new();
	if (!d || !b ||
	    !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
					     "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
					      c.pub, 65))
		die("OSSL_PARAM_BLD");
	params = OSSL_PARAM_BLD_to_param(b);
	kc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !kc || EVP_PKEY_fromdata_init(kc) != 1 ||
	    EVP_PKEY_fromdata(kc, &k, EVP_PKEY_KEYPAIR, params) != 1)
		die("EVP_PKEY_fromdata");
	c.sctx = EVP_PKEY_CTX_new(k, NULL);
	c.vctx = EVP_PKEY_CTX_new(k, NULL);
	if (!c.sctx || !c.vctx || EVP_PKEY_sign_init(c.sctx) != 1 ||
	    EVP_PKEY_verify_init(c.vctx) != 1)
		die("EVP_PKEY_CTX");

	/* Sanity check before timing: every operation succeeds. */
	if (ours_sign(&c) || ossl_sign(&c))
		die("sign");
	c.dlen = sizeof(c.der);
	if (EVP_PKEY_sign(c.sctx, c.der, &c.dlen, c.dg, 32) != 1)
		die("EVP_PKEY_sign");
	if (ours_verify(&c) || ossl_verify(&c))
		die("verify");

	s_ours = rate(ours_sign, &c);
	s_ossl = rate(ossl_sign, &c);
	v_ours = rate(ours_verify, &c);
	v_ossl = rate(ossl_verify, &c);
	report("sign", s_ours, s_ossl);
	report("verify", v_ours, v_ossl);

	EVP_PKEY_CTX_free(c.sctx);
	EVP_PKEY_CTX_free(c.vctx);
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(k);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(d);
	return 0;
}
