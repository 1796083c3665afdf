/* Unit tests for hypervisor/crypto/sha256.c: FIPS 180-4 example vectors and
 * differential checks against OpenSSL's EVP SHA-256. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/testrng.h"

#include <openssl/evp.h>

#include "crypto/sha256.h"

TEST_RNG_DEFINE(0x5a5a0123456789abull)

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

static void check_digest(const void *msg, size_t n, const char *hex)
{
	uint8_t want[32], got[32];

	unhex(hex, want, sizeof(want));
	sha256(msg, n, got);
	assert_memory_equal(got, want, sizeof(want));
}

static void ossl_sha256(const void *msg, size_t n, uint8_t out[32])
{
	unsigned int olen = 0;

	assert_int_equal(EVP_Digest(msg, n, out, &olen, EVP_sha256(), NULL), 1);
	assert_int_equal(olen, 32);
}

/* FIPS 180-4 example (NIST CSRC "SHA256.pdf"): one-block message "abc". */
static void test_sha256_abc(void **state)
{
	(void)state;
	check_digest("abc", 3,
		     "ba7816bf8f01cfea414140de5dae2223"
		     "b00361a396177a9cb410ff61f20015ad");
}

/* FIPS 180-4 example: the 448-bit two-block message. */
static void test_sha256_448bit(void **state)
{
	static const char msg[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	assert_int_equal(strlen(msg), 56);
	check_digest(msg, 56,
		     "248d6a61d20638b8e5c026930c3e6039"
		     "a33ce45964ff2167f6ecedd419db06c1");
}

/* NIST example: one million repetitions of 'a', in one call and in
 * uneven pieces. */
static void test_sha256_million_a(void **state)
{
	static const char want_hex[] =
		"cdc76e5c9914fb9281a1c7e284d73e67"
		"f1809a48a497200e046d39ccc7112cd0";
	uint8_t want[32], got[32];
	struct sha256_ctx c;
	uint8_t *buf;
	size_t off, step;

	(void)state;
	buf = malloc(1000000);
	assert_non_null(buf);
	memset(buf, 'a', 1000000);
	check_digest(buf, 1000000, want_hex);

	unhex(want_hex, want, sizeof(want));
	sha256_init(&c);
	for (off = 0; off < 1000000; off += step) {
		step = 1 + rng_below(1000);
		if (step > 1000000 - off)
			step = 1000000 - off;
		sha256_update(&c, buf + off, step);
	}
	sha256_final(&c, got);
	assert_memory_equal(got, want, sizeof(want));
	free(buf);
}

/* The empty message (FIPS 180-4 padding alone); NULL is allowed with n = 0. */
static void test_sha256_empty(void **state)
{
	static const char want[] =
		"e3b0c44298fc1c149afbf4c8996fb924"
		"27ae41e4649b934ca495991b7852b855";

	(void)state;
	check_digest("", 0, want);
	check_digest(NULL, 0, want);
}

/* Every length 0..300 (covers the 55/56/63/64/65 padding boundaries), plus
 * thousands of random messages, one-shot against OpenSSL. */
static void test_sha256_vs_openssl_oneshot(void **state)
{
	uint8_t msg[320], got[32], want[32];
	size_t n;
	int i;

	(void)state;
	for (n = 0; n <= 300; n++) {
		rng_fill(msg, n);
		sha256(msg, n, got);
		ossl_sha256(msg, n, want);
		assert_memory_equal(got, want, 32);
	}
	for (i = 0; i < 5000; i++) {
		n = rng_below(301);
		rng_fill(msg, n);
		sha256(msg, n, got);
		ossl_sha256(msg, n, want);
		assert_memory_equal(got, want, 32);
	}
}

/* Lengths straddling one and two block boundaries, explicitly. */
static void test_sha256_block_boundaries(void **state)
{
	static const size_t lens[] = {
		55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 191, 192,
		193,
	};
	uint8_t msg[200], got[32], want[32];
	size_t i;
	int fill;

	(void)state;
	for (fill = 0; fill < 3; fill++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			if (fill == 2)
				rng_fill(msg, lens[i]);
			else
				memset(msg, fill ? 0xff : 0x00, lens[i]);
			sha256(msg, lens[i], got);
			ossl_sha256(msg, lens[i], want);
			assert_memory_equal(got, want, 32);
		}
	}
}

/* The same messages fed in pieces split at random points, including empty
 * pieces, must give the one-shot digest. */
static void test_sha256_incremental_random_splits(void **state)
{
	uint8_t msg[600], got[32], want[32];
	struct sha256_ctx c;
	size_t n, off, step;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		n = rng_below(sizeof(msg) + 1);
		rng_fill(msg, n);
		ossl_sha256(msg, n, want);

		sha256_init(&c);
		for (off = 0; off < n; off += step) {
			/* A quarter of the pieces are tiny or empty. */
			if (rng_below(4) == 0)
				step = rng_below(3);
			else
				step = rng_below(n - off + 1);
			if (step > n - off)
				step = n - off;
			sha256_update(&c, msg + off, step);
		}
		sha256_final(&c, got);
		assert_memory_equal(got, want, 32);
	}
}

/* Byte-at-a-time updates exercise the partial-block buffer on every call. */
static void test_sha256_byte_at_a_time(void **state)
{
	uint8_t msg[300], got[32], want[32];
	struct sha256_ctx c;
	size_t n, i;

	(void)state;
	for (n = 0; n <= sizeof(msg); n += 7) {
		rng_fill(msg, n);
		ossl_sha256(msg, n, want);
		sha256_init(&c);
		for (i = 0; i < n; i++)
			sha256_update(&c, msg + i, 1);
		sha256_final(&c, got);
		assert_memory_equal(got, want, 32);
	}
}

/* Larger random inputs (many whole blocks in one update call). */
static void test_sha256_vs_openssl_large(void **state)
{
	enum { MAXN = 1 << 17 };
	uint8_t got[32], want[32];
	uint8_t *msg;
	size_t n;
	int i;

	(void)state;
	msg = malloc(MAXN);
	assert_non_null(msg);
	for (i = 0; i < 40; i++) {
		n = rng_below(MAXN + 1);
		rng_fill(msg, n);
		sha256(msg, n, got);
		ossl_sha256(msg, n, want);
		assert_memory_equal(got, want, 32);
	}
	free(msg);
}

/* final() wipes the context: the chaining value is secret for HMAC keys. */
static void test_sha256_final_wipes_ctx(void **state)
{
	static const struct sha256_ctx zero;
	struct sha256_ctx c;
	uint8_t out[32];

	(void)state;
	sha256_init(&c);
	sha256_update(&c, "secret key material", 19);
	sha256_final(&c, out);
	assert_memory_equal(&c, &zero, sizeof(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_abc),
		cmocka_unit_test(test_sha256_448bit),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256_empty),
		cmocka_unit_test(test_sha256_vs_openssl_oneshot),
		cmocka_unit_test(test_sha256_block_boundaries),
		cmocka_unit_test(test_sha256_incremental_random_splits),
		cmocka_unit_test(test_sha256_byte_at_a_time),
		cmocka_unit_test(test_sha256_vs_openssl_large),
		cmocka_unit_test(test_sha256_final_wipes_ctx),
	};

	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
