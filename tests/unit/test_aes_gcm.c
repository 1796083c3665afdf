/* Host tests for AES-256 (FIPS 197) and AES-256-GCM (SP 800-38D): known
 * answers, differential runs against OpenSSL, tamper rejection, in-place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "crypto/aes.h"
#include "crypto/gcm.h"

/* ---- helpers ---- */

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (s[0] && s[1]) {
		unsigned int v;

		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rng_next();
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static void ossl_seal(const uint8_t key[32], const uint8_t *iv, size_t ivlen,
		      const uint8_t *aad, size_t aadlen, const uint8_t *pt,
		      size_t len, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int outl;

	assert_non_null(x);
	assert_int_equal(EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), NULL, NULL,
					    NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN,
					     (int)ivlen, NULL), 1);
	assert_int_equal(EVP_EncryptInit_ex(x, NULL, NULL, key, iv), 1);
	if (aadlen)
		assert_int_equal(EVP_EncryptUpdate(x, NULL, &outl, aad,
						   (int)aadlen), 1);
	if (len) {
		assert_int_equal(EVP_EncryptUpdate(x, ct, &outl, pt, (int)len),
				 1);
		assert_int_equal(outl, (int)len);
	}
	assert_int_equal(EVP_EncryptFinal_ex(x, ct + len, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag),
			 1);
	EVP_CIPHER_CTX_free(x);
}

/* 1 if OpenSSL accepts (ct, tag), with the plaintext in pt. */
static int ossl_open(const uint8_t key[32], const uint8_t *iv, size_t ivlen,
		     const uint8_t *aad, size_t aadlen, const uint8_t *ct,
		     size_t len, const uint8_t tag[16], uint8_t *pt)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t t[16];
	int outl, ok;

	memcpy(t, tag, 16);
	assert_non_null(x);
	assert_int_equal(EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), NULL, NULL,
					    NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN,
					     (int)ivlen, NULL), 1);
	assert_int_equal(EVP_DecryptInit_ex(x, NULL, NULL, key, iv), 1);
	if (aadlen)
		assert_int_equal(EVP_DecryptUpdate(x, NULL, &outl, aad,
						   (int)aadlen), 1);
	if (len)
		assert_int_equal(EVP_DecryptUpdate(x, pt, &outl, ct, (int)len),
				 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, t),
			 1);
	ok = EVP_DecryptFinal_ex(x, pt + len, &outl) > 0;
	EVP_CIPHER_CTX_free(x);
	return ok;
}

/* ---- FIPS 197 ---- */

/* FIPS 197 Appendix C.3: AES-256 (Nk = 8, Nr = 14). */
static void test_fips197_c3(void **state)
{
	uint8_t key[32], pt[16], ct[16], want[16];
	struct aes256_ctx c;

	(void)state;
	unhex("000102030405060708090a0b0c0d0e0f"
	      "101112131415161718191a1b1c1d1e1f", key, sizeof(key));
	unhex("00112233445566778899aabbccddeeff", pt, sizeof(pt));
	unhex("8ea2b7ca516745bfeafc49904b496089", want, sizeof(want));
	aes256_init(&c, key);
	aes256_encrypt_block(&c, pt, ct);
	assert_memory_equal(ct, want, 16);
	aes256_encrypt_block(&c, pt, pt);	/* in place */
	assert_memory_equal(pt, want, 16);
	aes256_wipe(&c);
	assert_true(all_zero((const uint8_t *)&c, sizeof(c)));
}

/* Raw AES-256 blocks (single and four-wide) against OpenSSL ECB. */
static void test_aes_vs_openssl_ecb(void **state)
{
	uint8_t key[32], in[64], ours[64], ref[64];
	struct aes256_ctx c;
	int i, outl;

	(void)state;
	for (i = 0; i < 200; i++) {
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

		rng_fill(key, sizeof(key));
		rng_fill(in, sizeof(in));
		assert_int_equal(EVP_EncryptInit_ex(x, EVP_aes_256_ecb(), NULL,
						    key, NULL), 1);
		EVP_CIPHER_CTX_set_padding(x, 0);
		assert_int_equal(EVP_EncryptUpdate(x, ref, &outl, in, 64), 1);
		assert_int_equal(outl, 64);
		EVP_CIPHER_CTX_free(x);

		aes256_init(&c, key);
		aes256_encrypt_blocks4(&c, in, ours);
		assert_memory_equal(ours, ref, 64);
		aes256_encrypt_block(&c, in + 32, ours);
		assert_memory_equal(ours, ref + 32, 16);
	}
}

/* ---- GCM known answers: McGrew & Viega, "The Galois/Counter Mode of
 * Operation (GCM)", Appendix B, test cases 13-18 (AES-256). ---- */

struct gcm_kat {
	const char *key, *iv, *aad, *pt, *ct, *tag, *h;
};

#define KEY_FEFFE "feffe9928665731c6d6a8f9467308308" \
		  "feffe9928665731c6d6a8f9467308308"
#define PT_60 "d9313225f88406e5a55909c5aff5269a" \
	      "86a7a9531534f7da2e4c303d8a318a72" \
	      "1c3c0c95956809532fcf0e2449a6b525" \
	      "b16aedf5aa0de657ba637b39"
#define AAD_20 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define CT_60 "522dc1f099567d07f47f37a32a84427d" \
	      "643a8cdcbfe5c0c97598a2bd2555d1aa" \
	      "8cb08e48590dbb3da7b08b1056828838" \
	      "c5f61e6393ba7a0abcc9f662"

static const struct gcm_kat tc13 = {
	.key = "00000000000000000000000000000000"
	       "00000000000000000000000000000000",
	.iv = "000000000000000000000000",
	.aad = "", .pt = "", .ct = "",
	.tag = "530f8afbc74536b9a963b4f1c4cb738b",
	.h = "dc95c078a2408989ad48a21492842087",
};

static const struct gcm_kat tc14 = {
	.key = "00000000000000000000000000000000"
	       "00000000000000000000000000000000",
	.iv = "000000000000000000000000",
	.aad = "",
	.pt = "00000000000000000000000000000000",
	.ct = "cea7403d4d606b6e074ec5d3baf39d18",
	.tag = "d0d1c8a799996bf0265b98b5d48ab919",
	.h = "dc95c078a2408989ad48a21492842087",
};

static const struct gcm_kat tc15 = {
	.key = KEY_FEFFE,
	.iv = "cafebabefacedbaddecaf888",
	.aad = "",
	.pt = PT_60 "1aafd255",
	.ct = CT_60 "898015ad",
	.tag = "b094dac5d93471bdec1a502270e3cc6c",
	.h = "acbef20579b4b8ebce889bac8732dad7",
};

static const struct gcm_kat tc16 = {
	.key = KEY_FEFFE,
	.iv = "cafebabefacedbaddecaf888",
	.aad = AAD_20,
	.pt = PT_60,
	.ct = CT_60,
	.tag = "76fc6ece0f4e1768cddf8853bb2d551b",
	.h = "acbef20579b4b8ebce889bac8732dad7",
};

/* 64-bit IV: J0 comes from GHASH (SP 800-38D 7.1 step 2). */
static const struct gcm_kat tc17 = {
	.key = KEY_FEFFE,
	.iv = "cafebabefacedbad",
	.aad = AAD_20,
	.pt = PT_60,
	.ct = "c3762df1ca787d32ae47c13bf19844cb"
	      "af1ae14d0b976afac52ff7d79bba9de0"
	      "feb582d33934a4f0954cc2363bc73f78"
	      "62ac430e64abe499f47c9b1f",
	.tag = "3a337dbf46a792c45e454913fe2ea8f2",
	.h = "acbef20579b4b8ebce889bac8732dad7",
};

/* 480-bit IV. */
static const struct gcm_kat tc18 = {
	.key = KEY_FEFFE,
	.iv = "9313225df88406e555909c5aff5269aa"
	      "6a7a9538534f7da1e4c303d2a318a728"
	      "c3c0c95156809539fcf0e2429a6b5254"
	      "16aedbf5a0de6a57a637b39b",
	.aad = AAD_20,
	.pt = PT_60,
	.ct = "5a8def2f0c9e53f1f75d7853659e2a20"
	      "eeb2b22aafde6419a058ab4f6f746bf4"
	      "0fc0c3b780f244452da3ebf1c5d82cde"
	      "a2418997200ef82e44ae7e3f",
	.tag = "a44a8266ee1c8eb0c8b5d4cf5ae9f19a",
	.h = "acbef20579b4b8ebce889bac8732dad7",
};

static void run_kat(const struct gcm_kat *k)
{
	uint8_t key[32], iv[64], aad[32], pt[64], ct[64], tag[16], h[16];
	uint8_t out[64], otag[16];
	size_t ivlen, aadlen, len;
	struct gcm_ctx g;

	assert_int_equal(unhex(k->key, key, sizeof(key)), 32);
	ivlen = unhex(k->iv, iv, sizeof(iv));
	aadlen = unhex(k->aad, aad, sizeof(aad));
	len = unhex(k->pt, pt, sizeof(pt));
	assert_int_equal(unhex(k->ct, ct, sizeof(ct)), len);
	assert_int_equal(unhex(k->tag, tag, sizeof(tag)), 16);
	assert_int_equal(unhex(k->h, h, sizeof(h)), 16);

	gcm_init(&g, key);
	assert_memory_equal(g.h, h, 16);

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(gcm_seal(&g, iv, ivlen, aad, aadlen, pt, len, out,
				  otag), 0);
	if (len)
		assert_memory_equal(out, ct, len);
	assert_memory_equal(otag, tag, 16);

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(gcm_open(&g, iv, ivlen, aad, aadlen, ct, len, tag,
				  out), 0);
	if (len)
		assert_memory_equal(out, pt, len);
	gcm_wipe(&g);
}

static void test_gcm_tc13(void **state) { (void)state; run_kat(&tc13); }
static void test_gcm_tc14(void **state) { (void)state; run_kat(&tc14); }
static void test_gcm_tc15(void **state) { (void)state; run_kat(&tc15); }
static void test_gcm_tc16(void **state) { (void)state; run_kat(&tc16); }
static void test_gcm_tc17(void **state) { (void)state; run_kat(&tc17); }
static void test_gcm_tc18(void **state) { (void)state; run_kat(&tc18); }

/* ---- differential against OpenSSL ---- */

#define DIFF_ROUNDS 3000
#define MAX_PT 300
#define MAX_AAD 100

/* Mostly 96-bit IVs, the rest of other lengths including 1 and > 16. */
static size_t pick_ivlen(int i)
{
	static const size_t odd[] = { 1, 8, 11, 13, 16, 17, 32, 60, 64 };

	if (i % 3)
		return 12;
	if (i % 2)
		return odd[rng_below(sizeof(odd) / sizeof(odd[0]))];
	return 1 + rng_below(64);
}

/* Our seal gives the same ciphertext and tag as OpenSSL's. */
static void test_diff_seal_vs_openssl(void **state)
{
	uint8_t key[32], iv[64], aad[MAX_AAD], pt[MAX_PT];
	uint8_t ct[MAX_PT + 16], ref[MAX_PT + 16], tag[16], rtag[16];
	struct gcm_ctx g;
	int i;

	(void)state;
	for (i = 0; i < DIFF_ROUNDS; i++) {
		size_t ivlen = pick_ivlen(i);
		size_t aadlen = rng_below(MAX_AAD + 1);
		size_t len = rng_below(MAX_PT + 1);

		rng_fill(key, sizeof(key));
		rng_fill(iv, ivlen);
		rng_fill(aad, aadlen);
		rng_fill(pt, len);
		gcm_init(&g, key);
		assert_int_equal(gcm_seal(&g, iv, ivlen, aad, aadlen, pt, len,
					  ct, tag), 0);
		ossl_seal(key, iv, ivlen, aad, aadlen, pt, len, ref, rtag);
		if (len)
			assert_memory_equal(ct, ref, len);
		assert_memory_equal(tag, rtag, 16);
	}
	gcm_wipe(&g);
}

/* OpenSSL decrypts and authenticates what we seal; we open what it seals. */
static void test_diff_openssl_opens_ours(void **state)
{
	uint8_t key[32], iv[64], aad[MAX_AAD], pt[MAX_PT];
	uint8_t ct[MAX_PT + 16], back[MAX_PT + 16], tag[16];
	struct gcm_ctx g;
	int i;

	(void)state;
	for (i = 0; i < DIFF_ROUNDS; i++) {
		size_t ivlen = pick_ivlen(i);
		size_t aadlen = rng_below(MAX_AAD + 1);
		size_t len = rng_below(MAX_PT + 1);

		rng_fill(key, sizeof(key));
		rng_fill(iv, ivlen);
		rng_fill(aad, aadlen);
		rng_fill(pt, len);
		gcm_init(&g, key);

		assert_int_equal(gcm_seal(&g, iv, ivlen, aad, aadlen, pt, len,
					  ct, tag), 0);
		memset(back, 0, sizeof(back));
		assert_true(ossl_open(key, iv, ivlen, aad, aadlen, ct, len,
				      tag, back));
		if (len)
			assert_memory_equal(back, pt, len);

		ossl_seal(key, iv, ivlen, aad, aadlen, pt, len, ct, tag);
		memset(back, 0, sizeof(back));
		assert_int_equal(gcm_open(&g, iv, ivlen, aad, aadlen, ct, len,
					  tag, back), 0);
		if (len)
			assert_memory_equal(back, pt, len);
	}
	gcm_wipe(&g);
}

/* Long messages: crosses the 4 KiB chunking inside gcm_seal. */
static void test_diff_long_messages(void **state)
{
	static uint8_t pt[20000], ct[20016], ref[20016], back[20016];
	static const size_t lens[] = { 4095, 4096, 4097, 8191, 12345, 20000 };
	uint8_t key[32], iv[16], aad[40], tag[16], rtag[16];
	struct gcm_ctx g;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], ivlen = i % 2 ? 16 : 12;

		rng_fill(key, sizeof(key));
		rng_fill(iv, sizeof(iv));
		rng_fill(aad, sizeof(aad));
		rng_fill(pt, len);
		gcm_init(&g, key);
		assert_int_equal(gcm_seal(&g, iv, ivlen, aad, sizeof(aad), pt,
					  len, ct, tag), 0);
		ossl_seal(key, iv, ivlen, aad, sizeof(aad), pt, len, ref, rtag);
		assert_memory_equal(ct, ref, len);
		assert_memory_equal(tag, rtag, 16);
		assert_int_equal(gcm_open(&g, iv, ivlen, aad, sizeof(aad), ct,
					  len, tag, back), 0);
		assert_memory_equal(back, pt, len);
	}
	gcm_wipe(&g);
}

/* ---- rejection ---- */

struct sealed {
	struct gcm_ctx g;
	uint8_t iv[60], aad[20], pt[60], ct[60], tag[16];
	size_t ivlen;
};

static void make_sealed(struct sealed *s, size_t ivlen)
{
	uint8_t key[32];

	rng_fill(key, sizeof(key));
	rng_fill(s->iv, sizeof(s->iv));
	rng_fill(s->aad, sizeof(s->aad));
	rng_fill(s->pt, sizeof(s->pt));
	s->ivlen = ivlen;
	gcm_init(&s->g, key);
	assert_int_equal(gcm_seal(&s->g, s->iv, ivlen, s->aad, sizeof(s->aad),
				  s->pt, sizeof(s->pt), s->ct, s->tag), 0);
}

/* gcm_open must fail and leave pt all zero. */
static void expect_reject(const struct sealed *s, const uint8_t *iv,
			  const uint8_t *aad, const uint8_t *ct,
			  const uint8_t *tag)
{
	uint8_t pt[60];

	memset(pt, 0x5a, sizeof(pt));
	assert_int_equal(gcm_open(&s->g, iv, s->ivlen, aad, sizeof(s->aad), ct,
				  sizeof(pt), tag, pt), -1);
	assert_true(all_zero(pt, sizeof(pt)));
}

static void test_reject_tag_bitflip(void **state)
{
	struct sealed s;
	uint8_t t[16];
	size_t b;

	(void)state;
	make_sealed(&s, 12);
	for (b = 0; b < 8 * sizeof(t); b++) {
		memcpy(t, s.tag, sizeof(t));
		t[b / 8] ^= (uint8_t)(1u << (b % 8));
		expect_reject(&s, s.iv, s.aad, s.ct, t);
	}
	gcm_wipe(&s.g);
}

static void test_reject_ct_bitflip(void **state)
{
	struct sealed s;
	uint8_t c[60];
	size_t b;

	(void)state;
	make_sealed(&s, 12);
	for (b = 0; b < 8 * sizeof(c); b++) {
		memcpy(c, s.ct, sizeof(c));
		c[b / 8] ^= (uint8_t)(1u << (b % 8));
		expect_reject(&s, s.iv, s.aad, c, s.tag);
	}
	gcm_wipe(&s.g);
}

static void test_reject_aad_bitflip(void **state)
{
	struct sealed s;
	uint8_t a[20];
	size_t b;

	(void)state;
	make_sealed(&s, 12);
	for (b = 0; b < 8 * sizeof(a); b++) {
		memcpy(a, s.aad, sizeof(a));
		a[b / 8] ^= (uint8_t)(1u << (b % 8));
		expect_reject(&s, s.iv, a, s.ct, s.tag);
	}
	gcm_wipe(&s.g);
}

/* Both IV paths: 96-bit (direct J0) and 480-bit (GHASHed J0). */
static void test_reject_iv_bitflip(void **state)
{
	static const size_t ivlens[] = { 12, 60 };
	struct sealed s;
	uint8_t v[60];
	size_t b, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		make_sealed(&s, ivlens[k]);
		for (b = 0; b < 8 * s.ivlen; b++) {
			memcpy(v, s.iv, sizeof(v));
			v[b / 8] ^= (uint8_t)(1u << (b % 8));
			expect_reject(&s, v, s.aad, s.ct, s.tag);
		}
		gcm_wipe(&s.g);
	}
}

/* The untampered message still opens (guards the rejection tests). */
static void test_accept_untampered(void **state)
{
	struct sealed s;
	uint8_t pt[60];

	(void)state;
	make_sealed(&s, 12);
	assert_int_equal(gcm_open(&s.g, s.iv, s.ivlen, s.aad, sizeof(s.aad),
				  s.ct, sizeof(s.ct), s.tag, pt), 0);
	assert_memory_equal(pt, s.pt, sizeof(pt));
	gcm_wipe(&s.g);
}

/* ---- in place ---- */

static void test_in_place(void **state)
{
	uint8_t key[32], iv[12], aad[17], pt[200], buf[200], ct[200];
	uint8_t tag[16], tag2[16];
	struct gcm_ctx g;
	size_t len;

	(void)state;
	rng_fill(key, sizeof(key));
	rng_fill(iv, sizeof(iv));
	rng_fill(aad, sizeof(aad));
	gcm_init(&g, key);
	for (len = 0; len <= sizeof(pt); len += 37) {
		rng_fill(pt, len);
		assert_int_equal(gcm_seal(&g, iv, sizeof(iv), aad, sizeof(aad),
					  pt, len, ct, tag), 0);
		memcpy(buf, pt, len);
		assert_int_equal(gcm_seal(&g, iv, sizeof(iv), aad, sizeof(aad),
					  buf, len, buf, tag2), 0);
		assert_memory_equal(buf, ct, len);
		assert_memory_equal(tag2, tag, 16);
		assert_int_equal(gcm_open(&g, iv, sizeof(iv), aad, sizeof(aad),
					  buf, len, tag, buf), 0);
		assert_memory_equal(buf, pt, len);
	}
	/* A failed in-place open zeroes the buffer. */
	len = 100;
	assert_int_equal(gcm_seal(&g, iv, sizeof(iv), aad, sizeof(aad), pt,
				  len, buf, tag), 0);
	tag[0] ^= 1;
	assert_int_equal(gcm_open(&g, iv, sizeof(iv), aad, sizeof(aad), buf,
				  len, tag, buf), -1);
	assert_true(all_zero(buf, len));
	gcm_wipe(&g);
}

/* ---- limits and wiping ---- */

static void test_length_limits(void **state)
{
	uint8_t key[32] = { 1 }, iv[12] = { 2 }, buf[32], tag[16];
	struct gcm_ctx g;

	(void)state;
	gcm_init(&g, key);
	/* SP 800-38D 5.2.1.1: len(P) <= 2^39 - 256 bits; nothing touched. */
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(gcm_seal(&g, iv, 12, NULL, 0, buf, GCM_MAX_LEN + 1,
				  buf, tag), -1);
	assert_int_equal(gcm_open(&g, iv, 12, NULL, 0, buf, GCM_MAX_LEN + 1,
				  tag, buf), -1);
	assert_int_equal(buf[0], 0x77);
	/* An empty IV is not allowed (len(IV) >= 1). */
	assert_int_equal(gcm_seal(&g, iv, 0, NULL, 0, buf, sizeof(buf), buf,
				  tag), -1);
	assert_int_equal(gcm_open(&g, iv, 0, NULL, 0, buf, sizeof(buf), tag,
				  buf), -1);
	assert_true(all_zero(buf, sizeof(buf)));
	/* Empty everything else is fine. */
	assert_int_equal(gcm_seal(&g, iv, 12, NULL, 0, NULL, 0, NULL, tag), 0);
	assert_int_equal(gcm_open(&g, iv, 12, NULL, 0, NULL, 0, tag, NULL), 0);
	gcm_wipe(&g);
	assert_true(all_zero((const uint8_t *)&g, sizeof(g)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips197_c3),
		cmocka_unit_test(test_aes_vs_openssl_ecb),
		cmocka_unit_test(test_gcm_tc13),
		cmocka_unit_test(test_gcm_tc14),
		cmocka_unit_test(test_gcm_tc15),
		cmocka_unit_test(test_gcm_tc16),
		cmocka_unit_test(test_gcm_tc17),
		cmocka_unit_test(test_gcm_tc18),
		cmocka_unit_test(test_diff_seal_vs_openssl),
		cmocka_unit_test(test_diff_openssl_opens_ours),
		cmocka_unit_test(test_diff_long_messages),
		cmocka_unit_test(test_reject_tag_bitflip),
		cmocka_unit_test(test_reject_ct_bitflip),
		cmocka_unit_test(test_reject_aad_bitflip),
		cmocka_unit_test(test_reject_iv_bitflip),
		cmocka_unit_test(test_accept_untampered),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_length_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
