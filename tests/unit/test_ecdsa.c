/* Unit tests for ECDSA P-256 / SHA-256 (crypto/ecdsa.c, crypto/p256.c):
 * RFC 6979 vectors, differential checks against OpenSSL, and rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "crypto/ecdsa.h"
#include "crypto/p256.h"
#include "crypto/sha256.h"

/* Random iterations per differential test. */
#define N_DIFF 2000

static void unhex(uint8_t *out, const char *hex, size_t n)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void rnd(void *p, size_t n)
{
	assert_int_equal(RAND_bytes(p, (int)n), 1);
}

/* ---- RFC 6979 A.2.5 key pair and signatures */

static const char rfc_x[] =
	"C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
static const char rfc_ux[] =
	"60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6";
static const char rfc_uy[] =
	"7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

static const char n_hex[] =
	"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

static void rfc_key(uint8_t priv[32], uint8_t pub[65])
{
	unhex(priv, rfc_x, 32);
	pub[0] = 0x04;
	unhex(pub + 1, rfc_ux, 32);
	unhex(pub + 33, rfc_uy, 32);
}

static void check_rfc_sig(const char *msg, const char *r, const char *s)
{
	uint8_t priv[32], pub[65], sig[64], want[64];

	rfc_key(priv, pub);
	unhex(want, r, 32);
	unhex(want + 32, s, 32);
	assert_int_equal(ecdsa_p256_sign(priv, msg, strlen(msg), sig), 0);
	assert_memory_equal(sig, want, 64);
	assert_int_equal(ecdsa_p256_verify(pub, msg, strlen(msg), sig), 0);
}

static void test_rfc6979_pubkey(void **state)
{
	uint8_t priv[32], pub[65], want[65];

	(void)state;
	rfc_key(priv, want);
	assert_int_equal(p256_pubkey(priv, pub), 0);
	assert_memory_equal(pub, want, 65);
	assert_int_equal(p256_check_pubkey(pub), 0);
}

static void test_rfc6979_sample(void **state)
{
	(void)state;
	check_rfc_sig("sample",
		"EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
		"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
}

static void test_rfc6979_test(void **state)
{
	(void)state;
	check_rfc_sig("test",
		"F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
		"019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");
}

/*
 * C2SP CCTV "RFC 6979 rejection sampling vector": same key, a message whose
 * first k candidate is >= n, so it exercises the RFC 6979 3.2 h.3 retry.
 */
static void test_rfc6979_k_retry(void **state)
{
	(void)state;
	check_rfc_sig("wv[vnX",
		"EFD9073B652E76DA1B5A019C0E4A2E3FA529B035A6ABB91EF67F0ED7A1F21234",
		"3DB4706C9D9F4A4FE13BB5E08EF0FAB53A57DBAB2061C83A35FA411C68D2BA33");
}

/* ---- OpenSSL helpers */

/* SubjectPublicKeyInfo prefix for id-ecPublicKey / prime256v1 (RFC 5480). */
static const uint8_t spki_p256[26] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
	0x07, 0x03, 0x42, 0x00,
};

static EVP_PKEY *ossl_pub(const uint8_t pub[65])
{
	uint8_t der[sizeof(spki_p256) + 65];
	const uint8_t *p = der;
	EVP_PKEY *k;

	memcpy(der, spki_p256, sizeof(spki_p256));
	memcpy(der + sizeof(spki_p256), pub, 65);
	k = d2i_PUBKEY(NULL, &p, sizeof(der));
	assert_non_null(k);
	return k;
}

/* 1 if OpenSSL accepts r||s over msg under pub. */
static int ossl_verify(EVP_PKEY *k, const void *msg, size_t len,
		       const uint8_t sig[64])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	int dlen, ok;

	assert_non_null(es);
	assert_non_null(r);
	assert_non_null(s);
	assert_non_null(m);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	dlen = i2d_ECDSA_SIG(es, &der);
	assert_true(dlen > 0);
	assert_int_equal(EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, k), 1);
	ok = EVP_DigestVerify(m, der, (size_t)dlen, msg, len) == 1;
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

/* OpenSSL signs msg; returns r||s. */
static void ossl_sign(EVP_PKEY *k, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t der[80];
	const uint8_t *p = der;
	size_t dlen = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	assert_non_null(m);
	assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(m, der, &dlen, msg, len), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
	assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(m);
}

/* OpenSSL's priv * G as 0x04||X||Y. */
static void ossl_pubkey(const uint8_t priv[32], uint8_t pub[65])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *pt;
	BIGNUM *d = BN_bin2bn(priv, 32, NULL);

	assert_non_null(g);
	assert_non_null(d);
	pt = EC_POINT_new(g);
	assert_non_null(pt);
	assert_int_equal(EC_POINT_mul(g, pt, d, NULL, NULL, NULL), 1);
	assert_int_equal(EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED,
					    pub, 65, NULL), 65);
	EC_POINT_free(pt);
	BN_free(d);
	EC_GROUP_free(g);
}

/* Random private key in [1, n-1] by rejection. */
static void rnd_priv(uint8_t priv[32])
{
	uint8_t pub[65];

	do
		rnd(priv, 32);
	while (p256_pubkey(priv, pub) != 0);
}

/* ---- differential tests */

static void test_openssl_verifies_ours(void **state)
{
	uint8_t seed[32], priv[32], pub[65], sig[64], msg[100];
	int i;

	(void)state;
	for (i = 0; i < N_DIFF; i++) {
		size_t len = (size_t)(i % (int)sizeof(msg));
		EVP_PKEY *k;

		rnd(seed, sizeof(seed));
		rnd(msg, sizeof(msg));
		assert_int_equal(p256_keygen(seed, priv, pub), 0);
		assert_int_equal(ecdsa_p256_sign(priv, msg, len, sig), 0);
		k = ossl_pub(pub);
		assert_true(ossl_verify(k, msg, len, sig));
		assert_int_equal(ecdsa_p256_verify(pub, msg, len, sig), 0);
		EVP_PKEY_free(k);
	}
}

/* Digests >= n must be reduced before use (SEC 1 v2 4.1.3 step 5). */
static void test_openssl_verifies_digest_above_n(void **state)
{
	uint8_t priv[32], pub[65], sig[64], dg[32];
	EVP_PKEY_CTX *c;
	EVP_PKEY *k;
	uint8_t der[80];
	size_t dlen;
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	uint8_t *dp = der;

	(void)state;
	rnd_priv(priv);
	assert_int_equal(p256_pubkey(priv, pub), 0);
	memset(dg, 0xff, sizeof(dg));
	assert_int_equal(ecdsa_p256_sign_digest(priv, dg, sig), 0);
	assert_int_equal(ecdsa_p256_verify_digest(pub, dg, sig), 0);

	k = ossl_pub(pub);
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	dlen = (size_t)i2d_ECDSA_SIG(es, &dp);
	c = EVP_PKEY_CTX_new(k, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	assert_int_equal(EVP_PKEY_verify(c, der, dlen, dg, sizeof(dg)), 1);
	EVP_PKEY_CTX_free(c);
	ECDSA_SIG_free(es);
	EVP_PKEY_free(k);
}

static void test_we_verify_openssl(void **state)
{
	uint8_t pub[65], sig[64], msg[64];
	size_t plen;
	int i;

	(void)state;
	for (i = 0; i < N_DIFF; i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		size_t len = (size_t)(i % (int)sizeof(msg));

		assert_non_null(k);
		assert_int_equal(EVP_PKEY_get_octet_string_param(k,
				 OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
				 sizeof(pub), &plen), 1);
		assert_int_equal(plen, 65);
		assert_int_equal(p256_check_pubkey(pub), 0);
		rnd(msg, sizeof(msg));
		ossl_sign(k, msg, len, sig);
		assert_int_equal(ecdsa_p256_verify(pub, msg, len, sig), 0);
		EVP_PKEY_free(k);
	}
}

static void test_pubkey_matches_openssl(void **state)
{
	uint8_t priv[32], pub[65], want[65];
	int i;

	(void)state;
	for (i = 0; i < N_DIFF; i++) {
		rnd_priv(priv);
		assert_int_equal(p256_pubkey(priv, pub), 0);
		ossl_pubkey(priv, want);
		assert_memory_equal(pub, want, 65);
	}
}

/* Scalars at the ends of the range and with sparse or zero windows. */
static void test_pubkey_edge_scalars(void **state)
{
	static const char *const ks[] = {
		"0000000000000000000000000000000000000000000000000000000000000001",
		"0000000000000000000000000000000000000000000000000000000000000002",
		"000000000000000000000000000000000000000000000000000000000000000F",
		"0000000000000000000000000000000000000000000000000000000000000010",
		"8000000000000000000000000000000000000000000000000000000000000000",
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550",
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC63254F",
		"7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8",
		"FFFFFFFF00000000FFFFFFFFFFFFFFFF00000000000000000000000000000000",
	};
	uint8_t priv[32], pub[65], want[65];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		unhex(priv, ks[i], 32);
		assert_int_equal(p256_pubkey(priv, pub), 0);
		ossl_pubkey(priv, want);
		assert_memory_equal(pub, want, 65);
	}
}

static void test_keygen_deterministic(void **state)
{
	uint8_t seed[32], priv[32], pub[65], priv2[32], pub2[65], want[65];

	(void)state;
	rnd(seed, sizeof(seed));
	assert_int_equal(p256_keygen(seed, priv, pub), 0);
	assert_int_equal(p256_keygen(seed, priv2, pub2), 0);
	assert_memory_equal(priv, priv2, 32);
	assert_memory_equal(pub, pub2, 65);
	ossl_pubkey(priv, want);
	assert_memory_equal(pub, want, 65);
	seed[0] ^= 1;
	assert_int_equal(p256_keygen(seed, priv2, pub2), 0);
	assert_memory_not_equal(priv, priv2, 32);
}

static void test_reject_bad_private_key(void **state)
{
	uint8_t priv[32], pub[65], sig[64];
	const char *bad[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		n_hex,
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632552",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unhex(priv, bad[i], 32);
		assert_int_equal(p256_pubkey(priv, pub), -1);
		assert_int_equal(ecdsa_p256_sign(priv, "x", 1, sig), -1);
	}
}

/* ---- signature rejection */

/* A fresh valid (pub, msg, sig) to tamper with. */
static const char good_msg[] = "attested measurement";

static void good_sig(uint8_t pub[65], uint8_t sig[64])
{
	uint8_t priv[32];

	rfc_key(priv, pub);
	assert_int_equal(ecdsa_p256_sign(priv, good_msg, strlen(good_msg), sig),
			 0);
	assert_int_equal(ecdsa_p256_verify(pub, good_msg, strlen(good_msg), sig),
			 0);
}

static int verify_good_msg(const uint8_t pub[65], const uint8_t sig[64])
{
	return ecdsa_p256_verify(pub, good_msg, strlen(good_msg), sig);
}

static void test_reject_r_zero(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	memset(sig, 0, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static void test_reject_s_zero(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	memset(sig + 32, 0, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static void test_reject_r_equals_n(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	unhex(sig, n_hex, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static void test_reject_s_equals_n(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	unhex(sig + 32, n_hex, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static const char n_plus_1[] =
	"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632552";

static void test_reject_r_above_n(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	unhex(sig, n_plus_1, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
	memset(sig, 0xff, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static void test_reject_s_above_n(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	unhex(sig + 32, n_plus_1, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
	memset(sig + 32, 0xff, 32);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

static void test_reject_wrong_message(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	assert_int_equal(ecdsa_p256_verify(pub, "attested measuremenT",
					   strlen(good_msg), sig), -1);
	assert_int_equal(ecdsa_p256_verify(pub, good_msg, strlen(good_msg) - 1,
					   sig), -1);
}

static void test_reject_flipped_signature_bit(void **state)
{
	uint8_t pub[65], sig[64];
	int bit;

	(void)state;
	good_sig(pub, sig);
	for (bit = 0; bit < 512; bit++) {
		sig[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		assert_int_equal(verify_good_msg(pub, sig), -1);
		sig[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
	assert_int_equal(verify_good_msg(pub, sig), 0);
}

static void test_reject_pubkey_off_curve(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	pub[64] ^= 1;			/* y + 1 or y - 1: not on the curve */
	assert_int_equal(p256_check_pubkey(pub), -1);
	assert_int_equal(verify_good_msg(pub, sig), -1);
	pub[64] ^= 1;
	pub[1] ^= 0x80;
	assert_int_equal(p256_check_pubkey(pub), -1);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

/*
 * (5, y) is on the curve; x = 5 + p encodes the same residue, so a decoder
 * that reduced instead of rejecting would accept it (SEC 1 v2 3.2.2.1 2).
 */
static void test_reject_pubkey_x_ge_p(void **state)
{
	static const char y5[] =
		"459243B9AA581806FE913BCE99817ADE11CA503C64D9A3C533415C083248FBCC";
	uint8_t pub[65], sig[64];

	(void)state;
	pub[0] = 0x04;
	unhex(pub + 1,
	      "0000000000000000000000000000000000000000000000000000000000000005",
	      32);
	unhex(pub + 33, y5, 32);
	assert_int_equal(p256_check_pubkey(pub), 0);
	unhex(pub + 1,
	      "FFFFFFFF00000001000000000000000000000001000000000000000000000004",
	      32);
	assert_int_equal(p256_check_pubkey(pub), -1);
	memset(sig, 0x11, sizeof(sig));
	assert_int_equal(verify_good_msg(pub, sig), -1);
	/* x = p and y = p, 2^256 - 1 are out of range too. */
	unhex(pub + 1,
	      "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
	      32);
	assert_int_equal(p256_check_pubkey(pub), -1);
	unhex(pub + 1,
	      "0000000000000000000000000000000000000000000000000000000000000005",
	      32);
	unhex(pub + 33,
	      "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
	      32);
	assert_int_equal(p256_check_pubkey(pub), -1);
	memset(pub + 33, 0xff, 32);
	assert_int_equal(p256_check_pubkey(pub), -1);
}

static void test_reject_pubkey_bad_prefix(void **state)
{
	static const uint8_t bad[] = { 0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff };
	uint8_t pub[65], sig[64];
	size_t i;

	(void)state;
	good_sig(pub, sig);
	for (i = 0; i < sizeof(bad); i++) {
		pub[0] = bad[i];
		assert_int_equal(p256_check_pubkey(pub), -1);
		assert_int_equal(verify_good_msg(pub, sig), -1);
	}
}

static void test_reject_pubkey_infinity(void **state)
{
	uint8_t pub[65], sig[64];

	(void)state;
	good_sig(pub, sig);
	memset(pub, 0, sizeof(pub));
	assert_int_equal(p256_check_pubkey(pub), -1);
	assert_int_equal(verify_good_msg(pub, sig), -1);
	pub[0] = 0x04;			/* (0, 0) is not on the curve either */
	assert_int_equal(p256_check_pubkey(pub), -1);
	assert_int_equal(verify_good_msg(pub, sig), -1);
}

/*
 * u1 G + u2 Q = O when e = -r d mod n, for any s: verification must reject
 * rather than read an x coordinate from the point at infinity.
 */
static void test_reject_result_infinity(void **state)
{
	uint8_t priv[32], pub[65], sig[64], dg[32];
	BIGNUM *d, *r, *e, *n;
	BN_CTX *bc = BN_CTX_new();

	(void)state;
	rnd_priv(priv);
	assert_int_equal(p256_pubkey(priv, pub), 0);
	rnd(sig, sizeof(sig));
	sig[0] = 0x01;			/* r, s in [1, n-1] */
	sig[32] = 0x01;
	d = BN_bin2bn(priv, 32, NULL);
	r = BN_bin2bn(sig, 32, NULL);
	e = BN_new();
	n = NULL;
	assert_true(BN_hex2bn(&n, n_hex) > 0);
	assert_int_equal(BN_mod_mul(e, r, d, n, bc), 1);
	assert_int_equal(BN_sub(e, n, e), 1);
	assert_int_equal(BN_bn2binpad(e, dg, 32), 32);
	assert_int_equal(ecdsa_p256_verify_digest(pub, dg, sig), -1);
	BN_free(d);
	BN_free(r);
	BN_free(e);
	BN_free(n);
	BN_CTX_free(bc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6979_pubkey),
		cmocka_unit_test(test_rfc6979_sample),
		cmocka_unit_test(test_rfc6979_test),
		cmocka_unit_test(test_rfc6979_k_retry),
		cmocka_unit_test(test_openssl_verifies_ours),
		cmocka_unit_test(test_openssl_verifies_digest_above_n),
		cmocka_unit_test(test_we_verify_openssl),
		cmocka_unit_test(test_pubkey_matches_openssl),
		cmocka_unit_test(test_pubkey_edge_scalars),
		cmocka_unit_test(test_keygen_deterministic),
		cmocka_unit_test(test_reject_bad_private_key),
		cmocka_unit_test(test_reject_r_zero),
		cmocka_unit_test(test_reject_s_zero),
		cmocka_unit_test(test_reject_r_equals_n),
		cmocka_unit_test(test_reject_s_equals_n),
		cmocka_unit_test(test_reject_r_above_n),
		cmocka_unit_test(test_reject_s_above_n),
		cmocka_unit_test(test_reject_wrong_message),
		cmocka_unit_test(test_reject_flipped_signature_bit),
		cmocka_unit_test(test_reject_pubkey_off_curve),
		cmocka_unit_test(test_reject_pubkey_x_ge_p),
		cmocka_unit_test(test_reject_pubkey_bad_prefix),
		cmocka_unit_test(test_reject_pubkey_infinity),
		cmocka_unit_test(test_reject_result_infinity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
