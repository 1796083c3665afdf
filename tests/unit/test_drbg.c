/* Unit tests for hypervisor/crypto/drbg.c: NIST CAVP HMAC_DRBG SHA-256
 * vectors, limits, and a differential check against OpenSSL's HMAC-DRBG. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/testrng.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto/drbg.h"

TEST_RNG_DEFINE(0xfedcba9876543210ull)

/* Decode hex into out (at most cap bytes); returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t i, n = strlen(s);

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n / 2;
}

/*
 * One CAVP HMAC_DRBG.rsp [SHA-256] entry, PredictionResistance = False,
 * ReturnedBitsLen = 1024. DRBGVS runs: instantiate, (reseed when the entry
 * has EntropyInputReseed), generate 1024 bits, generate 1024 bits, and
 * ReturnedBits is the output of the second generate. "" means empty.
 */
struct cavp_vec {
	const char *entropy, *nonce, *pers;
	const char *entropy_reseed, *addl_reseed;	/* NULL: no reseed */
	const char *addl1, *addl2;
	const char *returned;
};

static void run_cavp(const struct cavp_vec *v)
{
	uint8_t ent[64], nonce[64], pers[64], rent[64], radd[64];
	uint8_t a1[64], a2[64], want[128], out[128];
	size_t elen, nlen, plen, a1len, a2len;
	struct drbg_ctx d;

	elen = unhex(v->entropy, ent, sizeof(ent));
	nlen = unhex(v->nonce, nonce, sizeof(nonce));
	plen = unhex(v->pers, pers, sizeof(pers));
	a1len = unhex(v->addl1, a1, sizeof(a1));
	a2len = unhex(v->addl2, a2, sizeof(a2));
	assert_int_equal(unhex(v->returned, want, sizeof(want)), 128);

	assert_int_equal(drbg_instantiate(&d, ent, elen, nonce, nlen,
					  plen ? pers : NULL, plen), 0);
	if (v->entropy_reseed) {
		size_t rlen = unhex(v->entropy_reseed, rent, sizeof(rent));
		size_t ralen = unhex(v->addl_reseed, radd, sizeof(radd));

		assert_int_equal(drbg_reseed(&d, rent, rlen,
					     ralen ? radd : NULL, ralen), 0);
	}
	assert_int_equal(drbg_generate(&d, out, sizeof(out),
				       a1len ? a1 : NULL, a1len), 0);
	assert_int_equal(drbg_generate(&d, out, sizeof(out),
				       a2len ? a2 : NULL, a2len), 0);
	assert_memory_equal(out, want, sizeof(want));
	drbg_wipe(&d);
}

/* drbgvectors_no_reseed/HMAC_DRBG.rsp, [SHA-256], no pers/addl, COUNT = 0. */
static void test_drbg_cavp_no_reseed(void **state)
{
	static const struct cavp_vec v = {
		.entropy = "ca851911349384bffe89de1cbdc46e68"
			   "31e44d34a4fb935ee285dd14b71a7488",
		.nonce = "659ba96c601dc69fc902940805ec0ca8",
		.pers = "",
		.addl1 = "",
		.addl2 = "",
		.returned =
			"e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89"
			"d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc1"
			"07694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
			"961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8",
	};

	(void)state;
	run_cavp(&v);
}

/* drbgvectors_no_reseed, [SHA-256], AdditionalInputLen = 256, COUNT = 0. */
static void test_drbg_cavp_no_reseed_addl(void **state)
{
	static const struct cavp_vec v = {
		.entropy = "d3cc4d1acf3dde0c4bd2290d26233704"
			   "2dc632948223d3a2eaab87da44295fbd",
		.nonce = "0109b0e729f457328aa18569a9224921",
		.pers = "",
		.addl1 = "3c311848183c9a212a26f27f8c6647e4"
			 "0375e466a0857cc39c4e47575d53f1f6",
		.addl2 = "fcb9abd19ccfbccef88c9c39bfb3dd7b"
			 "1c12266c9808992e305bc3cff566e4e4",
		.returned =
			"9c7b758b212cd0fcecd5daa489821712e3cdea4467b560ef5ddc24ab47749a1f"
			"1ffdbbb118f4e62fcfca3371b8fbfc5b0646b83e06bfbbab5fac30ea09ea2bc7"
			"6f1ea568c9be0444b2cc90517b20ca825f2d0eccd88e7175538b85d90ab39018"
			"3ca6395535d34473af6b5a5b88f5a59ee7561573337ea819da0dcc3573a22974",
	};

	(void)state;
	run_cavp(&v);
}

/* drbgvectors_no_reseed, [SHA-256], PersonalizationStringLen = 256, COUNT = 4. */
static void test_drbg_cavp_no_reseed_pers(void **state)
{
	static const struct cavp_vec v = {
		.entropy = "8009eb2cb49fdf16403bcdfd4a9f9521"
			   "91062acb9cc111eca019f957fb9f4451",
		.nonce = "355598866952394b1eddd85d59f81c9d",
		.pers = "09ff1d4b97d83b223d002e05f754be48"
			"0d13ba968e5aac306d71cc9fc49cc2dd",
		.addl1 = "",
		.addl2 = "",
		.returned =
			"9550903c2f02cf77c8f9c9a37041d0040ee1e3ef65ba1a1fbbcf44fb7a2172bd"
			"6b3aaabe850281c3a1778277bacd09614dfefececac64338ae24a1bf150cbf9d"
			"9541173a82ecba08aa19b75abb779eb10efa4257d5252e8afcac414bc3bb5d30"
			"06b6f36fb9daea4c8c359ef6cdbeff27c1068571dd3c89dc87eda9190086888d",
	};

	(void)state;
	run_cavp(&v);
}

/* drbgvectors_pr_false/HMAC_DRBG.rsp, [SHA-256], AdditionalInputLen = 256,
 * COUNT = 0: instantiate, reseed with additional input, generate twice. */
static void test_drbg_cavp_reseed_addl(void **state)
{
	static const struct cavp_vec v = {
		.entropy = "05ac9fc4c62a02e3f90840da5616218c"
			   "6de5743d66b8e0fbf833759c5928b53d",
		.nonce = "2b89a17904922ed8f017a63044848545",
		.pers = "",
		.entropy_reseed = "2791126b8b52ee1fd9392a0a13e0083b"
				  "ed4186dc649b739607ac70ec8dcecf9b",
		.addl_reseed = "43bac13bae715092cf7eb280a2e10a96"
			       "2faf7233c41412f69bc74a35a584e54c",
		.addl1 = "3f2fed4b68d506ecefa21f3f5bb907be"
			 "b0f17dbc30f6ffbba5e5861408c53a1e",
		.addl2 = "529030df50f410985fde068df82b935e"
			 "c23d839cb4b269414c0ede6cffea5b68",
		.returned =
			"02ddff5173da2fcffa10215b030d660d61179e61ecc22609b1151a75f1cbcbb4"
			"363c3a89299b4b63aca5e581e73c860491010aa35de3337cc6c09ebec8c91a62"
			"87586f3a74d9694b462d2720ea2e11bbd02af33adefb4a16e6b370fa0effd57d"
			"607547bdcfbb7831f54de7073ad2a7da987a0016a82fa958779a168674b56524",
	};

	(void)state;
	run_cavp(&v);
}

/* SP 800-90A Table 2: 256-bit strength needs >= 32 bytes of entropy. */
static void test_drbg_rejects_short_entropy(void **state)
{
	uint8_t ent[32], nonce[16], out[16];
	struct drbg_ctx d;

	(void)state;
	rng_fill(ent, sizeof(ent));
	rng_fill(nonce, sizeof(nonce));
	memset(&d, 0, sizeof(d));
	assert_int_equal(drbg_instantiate(&d, ent, 31, nonce, 16, NULL, 0), -1);
	assert_int_equal(drbg_instantiate(&d, NULL, 0, nonce, 16, NULL, 0), -1);
	/* A rejected instantiate leaves nothing usable behind. */
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0),
			 DRBG_ERR_INVALID);
	assert_int_equal(drbg_instantiate(&d, ent, 32, NULL, 0, NULL, 0), 0);
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0), 0);
	drbg_wipe(&d);
}

/* Reseed applies the same entropy minimum and needs an instantiated ctx. */
static void test_drbg_reseed_checks(void **state)
{
	uint8_t ent[32];
	struct drbg_ctx d;

	(void)state;
	rng_fill(ent, sizeof(ent));
	memset(&d, 0, sizeof(d));
	assert_int_equal(drbg_reseed(&d, ent, sizeof(ent), NULL, 0), -1);
	assert_int_equal(drbg_instantiate(&d, ent, sizeof(ent), NULL, 0,
					  NULL, 0), 0);
	assert_int_equal(drbg_reseed(&d, ent, 31, NULL, 0), -1);
	assert_int_equal(drbg_reseed(&d, ent, sizeof(ent), "x", 1), 0);
	drbg_wipe(&d);
}

/* Table 2 max_number_of_bits_per_request = 2^19 bits = 65536 bytes. */
static void test_drbg_rejects_oversized_request(void **state)
{
	uint8_t ent[32], *out;
	struct drbg_ctx d, before;

	(void)state;
	out = malloc(DRBG_MAX_REQUEST + 1);
	assert_non_null(out);
	rng_fill(ent, sizeof(ent));
	assert_int_equal(drbg_instantiate(&d, ent, sizeof(ent), NULL, 0,
					  NULL, 0), 0);
	memset(out, 0x5a, DRBG_MAX_REQUEST + 1);
	before = d;
	assert_true(drbg_generate(&d, out, DRBG_MAX_REQUEST + 1, NULL, 0) < 0);
	assert_true(drbg_generate(&d, out, (size_t)-1, NULL, 0) < 0);
	/* Refused requests write nothing and leave the state alone. */
	assert_int_equal(out[0], 0x5a);
	assert_memory_equal(&d, &before, sizeof(d));

	assert_int_equal(drbg_generate(&d, out, DRBG_MAX_REQUEST, NULL, 0), 0);
	assert_int_equal(out[DRBG_MAX_REQUEST], 0x5a);
	drbg_wipe(&d);
	free(out);
}

/* 10.1.2.5 step 1: once reseed_counter exceeds 2^48, generate refuses
 * until drbg_reseed(). The counter is set directly instead of looping. */
static void test_drbg_reseed_interval(void **state)
{
	uint8_t ent[32], out[32];
	struct drbg_ctx d;

	(void)state;
	rng_fill(ent, sizeof(ent));
	assert_int_equal(drbg_instantiate(&d, ent, sizeof(ent), NULL, 0,
					  NULL, 0), 0);
	d.reseed_ctr = DRBG_RESEED_INTERVAL;
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0), 0);
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0),
			 DRBG_ERR_RESEED);
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0),
			 DRBG_ERR_RESEED);
	rng_fill(ent, sizeof(ent));
	assert_int_equal(drbg_reseed(&d, ent, sizeof(ent), NULL, 0), 0);
	assert_int_equal(d.reseed_ctr, 1);
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0), 0);
	drbg_wipe(&d);
}

static void gen_stream(const uint8_t *ent, const uint8_t *nonce,
		       const uint8_t *pers, const uint8_t *addl,
		       uint8_t out[3][100])
{
	struct drbg_ctx d;
	int i;

	assert_int_equal(drbg_instantiate(&d, ent, 48, nonce, 16, pers, 20), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(drbg_generate(&d, out[i], 100, addl, 8), 0);
	drbg_wipe(&d);
}

/* The DRBG is deterministic: the same inputs give the same stream. */
static void test_drbg_same_seed_reproduces(void **state)
{
	uint8_t ent[48], nonce[16], pers[20], addl[8];
	uint8_t a[3][100], b[3][100];

	(void)state;
	rng_fill(ent, sizeof(ent));
	rng_fill(nonce, sizeof(nonce));
	rng_fill(pers, sizeof(pers));
	rng_fill(addl, sizeof(addl));
	gen_stream(ent, nonce, pers, addl, a);
	gen_stream(ent, nonce, pers, addl, b);
	assert_memory_equal(a, b, sizeof(a));
	/* Successive outputs of one stream differ. */
	assert_memory_not_equal(a[0], a[1], 100);
	assert_memory_not_equal(a[1], a[2], 100);
}

/* Flipping one bit of any input changes every output block. */
static void test_drbg_different_seed_differs(void **state)
{
	uint8_t in[4][48], base[3][100], other[3][100];
	static const size_t lens[4] = { 48, 16, 20, 8 };
	int which, i;

	(void)state;
	for (which = 0; which < 4; which++)
		rng_fill(in[which], lens[which]);
	gen_stream(in[0], in[1], in[2], in[3], base);
	for (which = 0; which < 4; which++) {
		size_t bit = rng_below(lens[which] * 8);

		in[which][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		gen_stream(in[0], in[1], in[2], in[3], other);
		for (i = 0; i < 3; i++)
			assert_memory_not_equal(base[i], other[i], 100);
		in[which][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* drbg_wipe() zeroes K, V and the counter, and the ctx is then unusable. */
static void test_drbg_wipe(void **state)
{
	static const struct drbg_ctx zero;
	uint8_t ent[32], out[16];
	struct drbg_ctx d;

	(void)state;
	rng_fill(ent, sizeof(ent));
	assert_int_equal(drbg_instantiate(&d, ent, sizeof(ent), NULL, 0,
					  NULL, 0), 0);
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0), 0);
	drbg_wipe(&d);
	assert_memory_equal(&d, &zero, sizeof(d));
	assert_int_equal(drbg_generate(&d, out, sizeof(out), NULL, 0),
			 DRBG_ERR_INVALID);
	assert_int_equal(drbg_reseed(&d, ent, sizeof(ent), NULL, 0), -1);
}

/*
 * OpenSSL's HMAC-DRBG fed by its TEST-RAND parent, which hands out exactly
 * the entropy and nonce we set. OpenSSL substitutes its own personalization
 * string when pers is NULL, so a non-NULL pointer is always passed.
 */
struct ossl_drbg {
	EVP_RAND_CTX *parent, *drbg;
};

static void ossl_set_entropy(struct ossl_drbg *o, const uint8_t *ent,
			     size_t elen, const uint8_t *nonce, size_t nlen)
{
	unsigned int strength = 256;
	OSSL_PARAM p[4], *q = p;

	*q++ = OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY,
						 (void *)ent, elen);
	if (nonce)
		*q++ = OSSL_PARAM_construct_octet_string(
			OSSL_RAND_PARAM_TEST_NONCE, (void *)nonce, nlen);
	*q = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_RAND_CTX_set_params(o->parent, p), 1);
}

static void ossl_drbg_new(struct ossl_drbg *o, const uint8_t *ent, size_t elen,
			  const uint8_t *nonce, size_t nlen,
			  const uint8_t *pers, size_t plen)
{
	unsigned int zero = 0;
	time_t never = 0;
	EVP_RAND *tr, *hr;
	OSSL_PARAM p[5];

	tr = EVP_RAND_fetch(NULL, "TEST-RAND", NULL);
	hr = EVP_RAND_fetch(NULL, "HMAC-DRBG", NULL);
	assert_non_null(tr);
	assert_non_null(hr);
	o->parent = EVP_RAND_CTX_new(tr, NULL);
	assert_non_null(o->parent);
	ossl_set_entropy(o, ent, elen, nonce, nlen);
	o->drbg = EVP_RAND_CTX_new(hr, o->parent);
	assert_non_null(o->drbg);
	EVP_RAND_free(tr);
	EVP_RAND_free(hr);

	/* Automatic reseeds would pull entropy we did not script. */
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_MAC,
						(char *)"HMAC", 0);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[2] = OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &zero);
	p[3] = OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL,
					   &never);
	p[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_RAND_CTX_set_params(o->drbg, p), 1);
	assert_int_equal(EVP_RAND_instantiate(o->drbg, 256, 0, pers, plen,
					      NULL), 1);
}

static void ossl_drbg_free(struct ossl_drbg *o)
{
	EVP_RAND_CTX_free(o->drbg);
	EVP_RAND_CTX_free(o->parent);
}

/* Random seeds, personalization, additional input, request sizes and
 * reseeds, compared output by output with OpenSSL. */
static void test_drbg_vs_openssl_random(void **state)
{
	uint8_t ent[64], nonce[48], pers[64], addl[64], got[600], want[600];
	size_t elen, nlen, plen, alen, olen;
	struct ossl_drbg o;
	struct drbg_ctx d;
	int iter, step;

	(void)state;
	for (iter = 0; iter < 1000; iter++) {
		elen = 32 + rng_below(33);
		nlen = 16 + rng_below(33);
		plen = rng_below(65);
		rng_fill(ent, elen);
		rng_fill(nonce, nlen);
		rng_fill(pers, plen);

		ossl_drbg_new(&o, ent, elen, nonce, nlen, pers, plen);
		assert_int_equal(drbg_instantiate(&d, ent, elen, nonce, nlen,
						  pers, plen), 0);
		for (step = 0; step < 6; step++) {
			alen = rng_below(3) ? 0 : rng_below(65);
			rng_fill(addl, alen);
			if (rng_below(5) == 0) {
				elen = 32 + rng_below(33);
				rng_fill(ent, elen);
				ossl_set_entropy(&o, ent, elen, NULL, 0);
				assert_int_equal(EVP_RAND_reseed(o.drbg, 0,
								 NULL, 0,
								 addl, alen), 1);
				assert_int_equal(drbg_reseed(&d, ent, elen,
							     addl, alen), 0);
				continue;
			}
			/* OpenSSL returns early on a 0-byte request, skipping
			 * the 10.1.2.5 step 6 Update we do; avoid that case. */
			olen = 1 + rng_below(sizeof(got));
			assert_int_equal(EVP_RAND_generate(o.drbg, want, olen,
							   0, 0, addl, alen), 1);
			assert_int_equal(drbg_generate(&d, got, olen, addl,
						       alen), 0);
			assert_memory_equal(got, want, olen);
		}
		ossl_drbg_free(&o);
		drbg_wipe(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drbg_cavp_no_reseed),
		cmocka_unit_test(test_drbg_cavp_no_reseed_addl),
		cmocka_unit_test(test_drbg_cavp_no_reseed_pers),
		cmocka_unit_test(test_drbg_cavp_reseed_addl),
		cmocka_unit_test(test_drbg_rejects_short_entropy),
		cmocka_unit_test(test_drbg_reseed_checks),
		cmocka_unit_test(test_drbg_rejects_oversized_request),
		cmocka_unit_test(test_drbg_reseed_interval),
		cmocka_unit_test(test_drbg_same_seed_reproduces),
		cmocka_unit_test(test_drbg_different_seed_differs),
		cmocka_unit_test(test_drbg_wipe),
		cmocka_unit_test(test_drbg_vs_openssl_random),
	};

	return cmocka_run_group_tests_name("drbg", tests, NULL, NULL);
}
