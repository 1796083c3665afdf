/* Unit tests for hypervisor/crypto/hmac.c: RFC 4231 HMAC-SHA-256 and RFC 5869
 * HKDF-SHA-256 vectors, and differential checks against OpenSSL. */
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
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/hmac.h"

#define HKDF_MAX_OUT (255 * SHA256_DIGEST_SIZE)

TEST_RNG_DEFINE(0x0123456789abcdefull)

static void unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	assert_int_equal(strlen(s), 2 * n);
	for (i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

/* Fill with a, a+1, ... as RFC 5869 case 2 does. */
static void fill_seq(uint8_t *p, size_t n, uint8_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void ossl_hmac(const void *key, size_t klen, const void *d, size_t n,
		      uint8_t out[32])
{
	static const uint8_t dummy;
	unsigned int olen = 0;

	/* OpenSSL treats a NULL key specially; always hand it a pointer. */
	assert_non_null(HMAC(EVP_sha256(), klen ? key : &dummy, (int)klen,
			     n ? d : &dummy, n, out, &olen));
	assert_int_equal(olen, 32);
}

/* RFC 5869 through OpenSSL's EVP_KDF "HKDF" in EXTRACT_AND_EXPAND mode. */
static void ossl_hkdf(const uint8_t *salt, size_t slen, const uint8_t *ikm,
		      size_t ilen, const uint8_t *info, size_t infolen,
		      uint8_t *out, size_t olen)
{
	static uint8_t dummy;
	EVP_KDF *kdf;
	EVP_KDF_CTX *kctx;
	OSSL_PARAM p[5], *q = p;

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	assert_non_null(kdf);
	kctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(kctx);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ilen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 slen ? (void *)salt : &dummy,
						 slen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 infolen ? (void *)info : &dummy,
						 infolen);
	*q = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kctx, out, olen, p), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

/* RFC 5869 2.3 alone, through HKDF in EXPAND_ONLY mode. */
static void ossl_hkdf_expand(const uint8_t prk[32], const uint8_t *info,
			     size_t infolen, uint8_t *out, size_t olen)
{
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	EVP_KDF *kdf;
	EVP_KDF_CTX *kctx;
	OSSL_PARAM p[5];

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	assert_non_null(kdf);
	kctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(kctx);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)prk, 32);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, infolen);
	p[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kctx, out, olen, p), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

static void check_hmac(const uint8_t *key, size_t klen, const void *d, size_t n,
		       const char *hex, size_t cmplen)
{
	uint8_t want[32], got[32];

	unhex(hex, want, cmplen);
	hmac_sha256(key, klen, d, n, got);
	assert_memory_equal(got, want, cmplen);
}

/* RFC 4231 4.2, test case 1. */
static void test_hmac_rfc4231_case1(void **state)
{
	uint8_t key[20];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	check_hmac(key, sizeof(key), "Hi There", 8,
		   "b0344c61d8db38535ca8afceaf0bf12b"
		   "881dc200c9833da726e9376c2e32cff7", 32);
}

/* RFC 4231 4.3, test case 2: a key shorter than the output. */
static void test_hmac_rfc4231_case2(void **state)
{
	(void)state;
	check_hmac((const uint8_t *)"Jefe", 4,
		   "what do ya want for nothing?", 28,
		   "5bdcc146bf60754e6a042426089575c7"
		   "5a003f089d2739839dec58b964ec3843", 32);
}

/* RFC 4231 4.4, test case 3: 50 bytes of 0xdd. */
static void test_hmac_rfc4231_case3(void **state)
{
	uint8_t key[20], data[50];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	check_hmac(key, sizeof(key), data, sizeof(data),
		   "773ea91e36800e46854db8ebd09181a7"
		   "2959098b3ef8c122d9635514ced565fe", 32);
}

/* RFC 4231 4.5, test case 4: key 0x01..0x19. */
static void test_hmac_rfc4231_case4(void **state)
{
	uint8_t key[25], data[50];

	(void)state;
	fill_seq(key, sizeof(key), 0x01);
	memset(data, 0xcd, sizeof(data));
	check_hmac(key, sizeof(key), data, sizeof(data),
		   "82558a389a443c0ea4cc819899f2083a"
		   "85f0faa3e578f8077a2e3ff46729665b", 32);
}

/* RFC 4231 4.6, test case 5: output truncated to 128 bits. */
static void test_hmac_rfc4231_case5(void **state)
{
	uint8_t key[20];

	(void)state;
	memset(key, 0x0c, sizeof(key));
	check_hmac(key, sizeof(key), "Test With Truncation", 20,
		   "a3b6167473100ee06e0c796c2955552b", 16);
}

/* RFC 4231 4.7, test case 6: 131-byte key, hashed first. */
static void test_hmac_rfc4231_case6(void **state)
{
	static const char msg[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), msg, strlen(msg),
		   "60e431591ee0b67f0d8a26aacbf5b77f"
		   "8e0bc6213728c5140546040f0ee37f54", 32);
}

/* RFC 4231 4.8, test case 7: long key and long data. */
static void test_hmac_rfc4231_case7(void **state)
{
	static const char msg[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	uint8_t key[131];

	(void)state;
	assert_int_equal(strlen(msg), 152);
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), msg, strlen(msg),
		   "9b09ffa71b942fcb27635fbcd5b0e944"
		   "bfdc63644f0713938a7f51535c3a35e2", 32);
}

static void check_hkdf(const uint8_t *salt, size_t slen, const uint8_t *ikm,
		       size_t ilen, const uint8_t *info, size_t infolen,
		       const char *prk_hex, const char *okm_hex, size_t olen)
{
	uint8_t prk_want[32], prk[32], okm_want[128], okm[128];

	assert_true(olen <= sizeof(okm));
	unhex(prk_hex, prk_want, sizeof(prk_want));
	unhex(okm_hex, okm_want, olen);

	hkdf_sha256_extract(salt, slen, ikm, ilen, prk);
	assert_memory_equal(prk, prk_want, 32);

	memset(okm, 0, sizeof(okm));
	assert_int_equal(hkdf_sha256_expand(prk, info, infolen, okm, olen), 0);
	assert_memory_equal(okm, okm_want, olen);

	memset(okm, 0, sizeof(okm));
	assert_int_equal(hkdf_sha256(salt, slen, ikm, ilen, info, infolen,
				     okm, olen), 0);
	assert_memory_equal(okm, okm_want, olen);
}

/* RFC 5869 A.1, test case 1: basic SHA-256. */
static void test_hkdf_rfc5869_case1(void **state)
{
	uint8_t ikm[22], salt[13], info[10];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	fill_seq(salt, sizeof(salt), 0x00);
	fill_seq(info, sizeof(info), 0xf0);
	check_hkdf(salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info),
		   "077709362c2e32df0ddc3f0dc47bba63"
		   "90b6c73bb50f9c3122ec844ad7c2b3e5",
		   "3cb25f25faacd57a90434f64d0362f2a"
		   "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
		   "34007208d5b887185865", 42);
}

/* RFC 5869 A.2, test case 2: 80-byte inputs, 82-byte output. */
static void test_hkdf_rfc5869_case2(void **state)
{
	uint8_t ikm[80], salt[80], info[80];

	(void)state;
	fill_seq(ikm, sizeof(ikm), 0x00);
	fill_seq(salt, sizeof(salt), 0x60);
	fill_seq(info, sizeof(info), 0xb0);
	check_hkdf(salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info),
		   "06a6b88c5853361a06104c9ceb35b45c"
		   "ef760014904671014a193f40c15fc244",
		   "b11e398dc80327a1c8e7f78c596a4934"
		   "4f012eda2d4efad8a050cc4c19afa97c"
		   "59045a99cac7827271cb41c65e590e09"
		   "da3275600c2f09b8367793a9aca3db71"
		   "cc30c58179ec3e87c14c01d5c1f3434f"
		   "1d87", 82);
}

/* RFC 5869 A.3, test case 3: zero-length salt and info. */
static void test_hkdf_rfc5869_case3(void **state)
{
	uint8_t ikm[22];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	check_hkdf(NULL, 0, ikm, sizeof(ikm), NULL, 0,
		   "19ef24a32c717b167f33a91d6f648bdf"
		   "96596776afdb6377ac434c1c293ccb04",
		   "8da4e775a563c18f715f802a063c5a31"
		   "b8a11f5c5ee1879ec3454e5f3c738d2d"
		   "9d201395faa4b61a96c8", 42);
}

/* Random keys 0..200 bytes (both sides of the 64-byte block) and messages
 * 0..300 bytes against OpenSSL's HMAC(). */
static void test_hmac_vs_openssl_random(void **state)
{
	uint8_t key[200], msg[300], got[32], want[32];
	size_t klen, n;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		klen = rng_below(sizeof(key) + 1);
		n = rng_below(sizeof(msg) + 1);
		rng_fill(key, klen);
		rng_fill(msg, n);
		hmac_sha256(key, klen, msg, n, got);
		ossl_hmac(key, klen, msg, n, want);
		assert_memory_equal(got, want, 32);
	}
}

/* Key lengths at and around the block size, and far beyond it. */
static void test_hmac_key_length_boundaries(void **state)
{
	static const size_t klens[] = {
		0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 131, 1000, 4096,
	};
	uint8_t key[4096], msg[100], got[32], want[32], kh[32];
	size_t i;

	(void)state;
	rng_fill(msg, sizeof(msg));
	for (i = 0; i < sizeof(klens) / sizeof(klens[0]); i++) {
		rng_fill(key, klens[i]);
		hmac_sha256(key, klens[i], msg, sizeof(msg), got);
		ossl_hmac(key, klens[i], msg, sizeof(msg), want);
		assert_memory_equal(got, want, 32);
		/* RFC 2104 2: a key longer than B is replaced by its hash. */
		if (klens[i] > SHA256_BLOCK_SIZE) {
			sha256(key, klens[i], kh);
			hmac_sha256(kh, sizeof(kh), msg, sizeof(msg), want);
			assert_memory_equal(got, want, 32);
		}
	}
}

/* init/update/final over random split points equals the one-shot MAC. */
static void test_hmac_incremental_random_splits(void **state)
{
	uint8_t key[150], msg[400], got[32], want[32];
	struct hmac_sha256_ctx c;
	size_t klen, n, off, step;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		klen = rng_below(sizeof(key) + 1);
		n = rng_below(sizeof(msg) + 1);
		rng_fill(key, klen);
		rng_fill(msg, n);
		ossl_hmac(key, klen, msg, n, want);

		hmac_sha256_init(&c, key, klen);
		for (off = 0; off < n; off += step) {
			step = rng_below(n - off + 1);
			hmac_sha256_update(&c, msg + off, step);
		}
		hmac_sha256_final(&c, got);
		assert_memory_equal(got, want, 32);
	}
}

/* final() leaves no keyed state behind in the context. */
static void test_hmac_final_wipes_ctx(void **state)
{
	static const struct hmac_sha256_ctx zero;
	struct hmac_sha256_ctx c;
	uint8_t out[32];

	(void)state;
	hmac_sha256_init(&c, "key", 3);
	hmac_sha256_update(&c, "msg", 3);
	hmac_sha256_final(&c, out);
	assert_memory_equal(&c, &zero, sizeof(c));
}

/* Random salt/IKM/info/length HKDF against OpenSSL's HKDF. */
static void test_hkdf_vs_openssl_random(void **state)
{
	uint8_t salt[100], ikm[100], info[100], got[700], want[700];
	uint8_t prk[32], got2[700];
	size_t slen, ilen, infolen, olen;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		slen = rng_below(sizeof(salt) + 1);
		ilen = 1 + rng_below(sizeof(ikm));
		infolen = rng_below(sizeof(info) + 1);
		olen = 1 + rng_below(sizeof(got));
		rng_fill(salt, slen);
		rng_fill(ikm, ilen);
		rng_fill(info, infolen);

		ossl_hkdf(salt, slen, ikm, ilen, info, infolen, want, olen);
		assert_int_equal(hkdf_sha256(salt, slen, ikm, ilen, info,
					     infolen, got, olen), 0);
		assert_memory_equal(got, want, olen);

		/* Extract then expand separately gives the same bytes. */
		hkdf_sha256_extract(salt, slen, ikm, ilen, prk);
		assert_int_equal(hkdf_sha256_expand(prk, info, infolen, got2,
						    olen), 0);
		assert_memory_equal(got2, want, olen);
	}
}

/* RFC 5869 2.3: L > 255 * HashLen is an error, L = 255 * HashLen is not. */
static void test_hkdf_expand_length_limit(void **state)
{
	uint8_t prk[32], info[5];
	uint8_t *out, *want;

	(void)state;
	out = malloc(HKDF_MAX_OUT + 1);
	want = malloc(HKDF_MAX_OUT);
	assert_non_null(out);
	assert_non_null(want);
	rng_fill(prk, sizeof(prk));
	rng_fill(info, sizeof(info));

	memset(out, 0x77, HKDF_MAX_OUT + 1);
	assert_int_equal(hkdf_sha256_expand(prk, info, sizeof(info), out,
					    HKDF_MAX_OUT + 1), -1);
	assert_int_equal(hkdf_sha256_expand(prk, info, sizeof(info), out,
					    (size_t)-1), -1);
	/* Nothing is written on failure. */
	assert_int_equal(out[0], 0x77);
	assert_int_equal(out[HKDF_MAX_OUT], 0x77);

	assert_int_equal(hkdf_sha256_expand(prk, info, sizeof(info), out,
					    HKDF_MAX_OUT), 0);
	assert_int_equal(out[HKDF_MAX_OUT], 0x77);
	/* The longest output matches OpenSSL, counter byte 255 included. */
	ossl_hkdf_expand(prk, info, sizeof(info), want, HKDF_MAX_OUT);
	assert_memory_equal(out, want, HKDF_MAX_OUT);
	free(out);
	free(want);
}

/* The one-call form applies the same limit. */
static void test_hkdf_oneshot_length_limit(void **state)
{
	uint8_t ikm[32], out[8];

	(void)state;
	rng_fill(ikm, sizeof(ikm));
	assert_int_equal(hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, out,
				     HKDF_MAX_OUT + 1), -1);
}

/* A zero-length request succeeds and writes nothing. */
static void test_hkdf_expand_zero_length(void **state)
{
	uint8_t prk[32], out[4] = { 1, 2, 3, 4 };
	static const uint8_t same[4] = { 1, 2, 3, 4 };

	(void)state;
	rng_fill(prk, sizeof(prk));
	assert_int_equal(hkdf_sha256_expand(prk, NULL, 0, out, 0), 0);
	assert_memory_equal(out, same, sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231_case1),
		cmocka_unit_test(test_hmac_rfc4231_case2),
		cmocka_unit_test(test_hmac_rfc4231_case3),
		cmocka_unit_test(test_hmac_rfc4231_case4),
		cmocka_unit_test(test_hmac_rfc4231_case5),
		cmocka_unit_test(test_hmac_rfc4231_case6),
		cmocka_unit_test(test_hmac_rfc4231_case7),
		cmocka_unit_test(test_hkdf_rfc5869_case1),
		cmocka_unit_test(test_hkdf_rfc5869_case2),
		cmocka_unit_test(test_hkdf_rfc5869_case3),
		cmocka_unit_test(test_hmac_vs_openssl_random),
		cmocka_unit_test(test_hmac_key_length_boundaries),
		cmocka_unit_test(test_hmac_incremental_random_splits),
		cmocka_unit_test(test_hmac_final_wipes_ctx),
		cmocka_unit_test(test_hkdf_vs_openssl_random),
		cmocka_unit_test(test_hkdf_expand_length_limit),
		cmocka_unit_test(test_hkdf_oneshot_length_limit),
		cmocka_unit_test(test_hkdf_expand_zero_length),
	};

	return cmocka_run_group_tests_name("hmac", tests, NULL, NULL);
}
