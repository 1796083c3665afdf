/* Unit tests for the micro-TPM core (hypervisor/utpm/utpm.c): uPCRs, quote
 * format checked field by field, by OpenSSL and by tpm2-tools'
 * tpm2_checkquote, and seal/unseal binding. Host only (cmocka, -lcrypto). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "crypto/drbg.h"
#include "hv/hypercall.h"
#include "utpm/utpm.h"

/* ---- helpers */

static void fill(uint8_t *p, size_t n, uint8_t base)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i * 7);
}

static void seed_of(uint8_t seed[64], uint8_t base)
{
	fill(seed, 64, base);
}

static void new_root(struct utpm_root *root, uint8_t base)
{
	uint8_t seed[64];

	seed_of(seed, base);
	assert_int_equal(utpm_root_init(root, seed), 0);
}

static void new_pal(struct utpm *u, const struct utpm_root *root,
		    uint8_t base)
{
	uint8_t m[32];

	fill(m, sizeof(m), base);
	assert_int_equal(utpm_init(u, root, m), 0);
}

static void ossl_sha256(const void *d, size_t n, uint8_t out[32])
{
	assert_non_null(SHA256(d, n, out));
}

static void ossl_extend(uint8_t pcr[32], const uint8_t digest[32])
{
	uint8_t buf[64];

	memcpy(buf, pcr, 32);
	memcpy(buf + 32, digest, 32);
	ossl_sha256(buf, sizeof(buf), pcr);
}

static EVP_PKEY *ossl_pub(const uint8_t pub[65])
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM *pa;

	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(b,
			 OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(b,
			 OSSL_PKEY_PARAM_PUB_KEY, pub, 65), 1);
	pa = OSSL_PARAM_BLD_to_param(b);
	assert_non_null(pa);
	assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
	assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, pa), 1);
	OSSL_PARAM_free(pa);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	return k;
}

/* 1 if OpenSSL accepts the TPMT_SIGNATURE's r, s over SHA-256(msg). */
static int ossl_verify_tpmt(const uint8_t pub[65], const uint8_t *msg,
			    size_t len, const uint8_t sig[UTPM_SIG_SIZE])
{
	EVP_PKEY *k = ossl_pub(pub);
	ECDSA_SIG *es = ECDSA_SIG_new();
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int dlen, ok;

	assert_non_null(es);
	assert_non_null(mc);
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig + 6, 32, NULL),
					BN_bin2bn(sig + 40, 32, NULL)), 1);
	dlen = i2d_ECDSA_SIG(es, &der);
	assert_true(dlen > 0);
	assert_int_equal(EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, k),
			 1);
	ok = EVP_DigestVerify(mc, der, (size_t)dlen, msg, len);
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	ECDSA_SIG_free(es);
	EVP_PKEY_free(k);
	return ok == 1;
}

/* Big-endian reader that fails the test on overrun. */
struct rd {
	const uint8_t *p;
	size_t n, off;
};

static const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *q;

	assert_true(r->off + n <= r->n);
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint64_t rd_be(struct rd *r, size_t n)
{
	const uint8_t *q = rd_bytes(r, n);
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | q[i];
	return v;
}

/* ---- root */

static void test_root_init(void **state)
{
	struct utpm_root a, b, c;
	uint8_t seed[64], pa[65], pb[65], pc[65];

	(void)state;
	new_root(&a, 1);
	new_root(&b, 1);
	new_root(&c, 2);
	assert_int_equal(utpm_pubkey(&a, pa), 0);
	assert_int_equal(utpm_pubkey(&b, pb), 0);
	assert_int_equal(utpm_pubkey(&c, pc), 0);
	/* Deterministic in the seed, different for another seed. */
	assert_memory_equal(pa, pb, 65);
	assert_memory_equal(a.seal_secret, b.seal_secret, 32);
	assert_memory_not_equal(pa, pc, 65);
	assert_memory_not_equal(a.seal_secret, c.seal_secret, 32);
	assert_memory_not_equal(a.priv, a.seal_secret, 32);
	/* A point OpenSSL accepts. */
	EVP_PKEY_free(ossl_pub(pa));
	assert_true(a.clock == 0 && a.reset_count == 0 && a.seal_counter == 0);

	seed_of(seed, 1);
	assert_int_equal(utpm_root_init(NULL, seed), -EINVAL);
	assert_int_equal(utpm_root_init(&c, NULL), -EINVAL);
	assert_int_equal(utpm_pubkey(&a, NULL), -EINVAL);
}

static void test_root_clock(void **state)
{
	struct utpm_root root;

	(void)state;
	new_root(&root, 3);
	assert_int_equal(utpm_root_set_clock(&root, 1000), 0);
	assert_int_equal(utpm_root_set_clock(&root, 1000), 0);
	assert_int_equal(utpm_root_set_clock(&root, 999), -EINVAL);
	assert_true(root.clock == 1000);
	assert_int_equal(utpm_root_set_clock(&root, UINT64_MAX), 0);
	assert_int_equal(utpm_root_set_clock(NULL, 1), -EINVAL);
}

static void test_root_wipe(void **state)
{
	struct utpm_root root, zero;
	struct utpm u;
	uint8_t m[32] = { 0 }, pub[65];

	(void)state;
	new_root(&root, 4);
	new_pal(&u, &root, 9);
	utpm_root_wipe(&root);
	utpm_wipe(&u);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&root, &zero, sizeof(root));
	/* Everything refuses a wiped (or never initialised) object. */
	assert_int_equal(utpm_pubkey(&root, pub), -EINVAL);
	assert_int_equal(utpm_init(&u, &root, m), -EINVAL);
	assert_int_equal(utpm_pcr_read(&u, 1, m), -EINVAL);
	assert_int_equal(utpm_pcr_extend(&u, 1, m), -EINVAL);
}

/* ---- uPCRs */

static void test_pcr_extend_chain(void **state)
{
	/* SHA-256 of 64 zero bytes: extending a zero PCR with a zero digest. */
	static const uint8_t z64[32] = {
		0xf5, 0xa5, 0xfd, 0x42, 0xd1, 0x6a, 0x20, 0x30,
		0x27, 0x98, 0xef, 0x6e, 0xd3, 0x09, 0x97, 0x9b,
		0x43, 0x00, 0x3d, 0x23, 0x20, 0xd9, 0xf0, 0xe8,
		0xea, 0x98, 0x31, 0xa9, 0x27, 0x59, 0xfb, 0x4b,
	};
	struct utpm_root root;
	struct utpm u;
	uint8_t zero[32] = { 0 }, d[32], want[32], got[32], m[32];
	uint32_t i;
	int k;

	(void)state;
	new_root(&root, 5);
	fill(m, 32, 0x40);
	assert_int_equal(utpm_init(&u, &root, m), 0);

	/* Fresh: uPCR 0 = measurement (not extended), the rest zero. */
	assert_int_equal(utpm_pcr_read(&u, 0, got), 0);
	assert_memory_equal(got, m, 32);
	for (i = 1; i < UTPM_NPCR; i++) {
		assert_int_equal(utpm_pcr_read(&u, i, got), 0);
		assert_memory_equal(got, zero, 32);
	}

	assert_int_equal(utpm_pcr_extend(&u, 1, zero), 0);
	assert_int_equal(utpm_pcr_read(&u, 1, got), 0);
	assert_memory_equal(got, z64, 32);

	/* A chain on uPCR 7 against OpenSSL. */
	memset(want, 0, sizeof(want));
	for (k = 0; k < 10; k++) {
		fill(d, 32, (uint8_t)(k * 13));
		ossl_extend(want, d);
		assert_int_equal(utpm_pcr_extend(&u, 7, d), 0);
	}
	assert_int_equal(utpm_pcr_read(&u, 7, got), 0);
	assert_memory_equal(got, want, 32);

	/* Others untouched. */
	for (i = 2; i < 7; i++) {
		assert_int_equal(utpm_pcr_read(&u, i, got), 0);
		assert_memory_equal(got, zero, 32);
	}
}

static void test_pcr0_immutable(void **state)
{
	struct utpm_root root;
	struct utpm u;
	uint8_t m[32], d[32], got[32];

	(void)state;
	new_root(&root, 6);
	fill(m, 32, 0x11);
	fill(d, 32, 0x22);
	assert_int_equal(utpm_init(&u, &root, m), 0);
	assert_int_equal(utpm_pcr_extend(&u, 0, d), -EPERM);
	assert_int_equal(utpm_pcr_read(&u, 0, got), 0);
	assert_memory_equal(got, m, 32);
}

static void test_pcr_bounds(void **state)
{
	struct utpm_root root;
	struct utpm u, before;
	uint8_t d[32] = { 1 }, got[32];

	(void)state;
	new_root(&root, 7);
	new_pal(&u, &root, 1);
	before = u;
	assert_int_equal(utpm_pcr_read(&u, UTPM_NPCR, got), -EINVAL);
	assert_int_equal(utpm_pcr_read(&u, UINT32_MAX, got), -EINVAL);
	assert_int_equal(utpm_pcr_extend(&u, UTPM_NPCR, d), -EINVAL);
	assert_int_equal(utpm_pcr_extend(&u, UINT32_MAX, d), -EINVAL);
	assert_int_equal(utpm_pcr_extend(&u, 1, NULL), -EINVAL);
	assert_int_equal(utpm_pcr_read(&u, 1, NULL), -EINVAL);
	assert_int_equal(utpm_pcr_read(NULL, 1, got), -EINVAL);
	assert_int_equal(utpm_pcr_extend(NULL, 1, d), -EINVAL);
	assert_int_equal(utpm_init(&u, &root, NULL), -EINVAL);
	assert_int_equal(utpm_init(&u, NULL, d), -EINVAL);
	assert_memory_equal(&u, &before, sizeof(u));
}

static void test_get_random(void **state)
{
	struct utpm_root root;
	struct utpm u;
	struct drbg_ctx d1, d2;
	uint8_t e[32], a[UTPM_RANDOM_MAX + 1], b[UTPM_RANDOM_MAX];

	(void)state;
	new_root(&root, 8);
	new_pal(&u, &root, 1);
	fill(e, 32, 3);
	assert_int_equal(drbg_instantiate(&d1, e, 32, NULL, 0, NULL, 0), 0);
	assert_int_equal(drbg_instantiate(&d2, e, 32, NULL, 0, NULL, 0), 0);
	/* It is the caller's DRBG output, as many bytes as asked. */
	memset(a, 0, sizeof(a));
	assert_int_equal(utpm_get_random(&u, &d1, a, UTPM_RANDOM_MAX), 0);
	assert_int_equal(drbg_generate(&d2, b, UTPM_RANDOM_MAX, NULL, 0), 0);
	assert_memory_equal(a, b, UTPM_RANDOM_MAX);
	assert_int_equal(a[UTPM_RANDOM_MAX], 0);

	assert_int_equal(utpm_get_random(&u, &d1, a, 0), 0);
	assert_int_equal(utpm_get_random(&u, &d1, NULL, 0), 0);
	assert_int_equal(utpm_get_random(&u, &d1, a, UTPM_RANDOM_MAX + 1),
			 -EINVAL);
	assert_int_equal(utpm_get_random(&u, &d1, NULL, 1), -EINVAL);
	assert_int_equal(utpm_get_random(&u, NULL, a, 1), -EINVAL);
	drbg_wipe(&d1);
	assert_int_equal(utpm_get_random(&u, &d1, a, 1), -EIO);
	drbg_wipe(&d2);
}

/* ---- quote */

struct quote {
	struct utpm_root root;
	struct utpm u;
	uint8_t nonce[32];
	uint8_t attest[UTPM_ATTEST_MAX];
	uint8_t sig[UTPM_SIG_SIZE];
	size_t alen, slen;
};

#define QUOTE_MASK 0x25u	/* uPCRs 0, 2, 5 */

static void make_quote(struct quote *q)
{
	uint8_t d[32];

	new_root(&q->root, 0x30);
	new_pal(&q->u, &q->root, 0x50);
	fill(d, 32, 0x60);
	assert_int_equal(utpm_pcr_extend(&q->u, 2, d), 0);
	fill(d, 32, 0x61);
	assert_int_equal(utpm_pcr_extend(&q->u, 5, d), 0);
	assert_int_equal(utpm_pcr_extend(&q->u, 6, d), 0);
	assert_int_equal(utpm_root_set_clock(&q->root, 0x0102030405060708ull),
			 0);
	fill(q->nonce, sizeof(q->nonce), 0x77);
	assert_int_equal(utpm_quote(&q->u, &q->root, QUOTE_MASK, q->nonce,
				    sizeof(q->nonce), q->attest,
				    sizeof(q->attest), &q->alen, q->sig,
				    sizeof(q->sig), &q->slen), 0);
	assert_int_equal(q->alen, UTPM_ATTEST_FIXED + sizeof(q->nonce));
	assert_int_equal(q->slen, UTPM_SIG_SIZE);
}

static void test_quote_structure(void **state)
{
	struct quote q;
	struct rd r;
	uint8_t pub2b[UTPM_PUBLIC2B_SIZE], name[32], cat[3 * 32], want[32];
	size_t plen;

	(void)state;
	make_quote(&q);
	r = (struct rd){ q.attest, q.alen, 0 };

	/* TPMS_ATTEST */
	assert_true(rd_be(&r, 4) == 0xff544347);	/* TPM_GENERATED_VALUE */
	assert_true(rd_be(&r, 2) == 0x8018);		/* TPM_ST_ATTEST_QUOTE */
	/* qualifiedSigner: sha256 name of the key's TPMT_PUBLIC */
	assert_int_equal(utpm_public(&q.root, pub2b, sizeof(pub2b), &plen), 0);
	assert_int_equal(plen, UTPM_PUBLIC2B_SIZE);
	assert_true((pub2b[0] << 8 | pub2b[1]) == UTPM_PUBLIC_SIZE);
	ossl_sha256(pub2b + 2, UTPM_PUBLIC_SIZE, name);
	assert_true(rd_be(&r, 2) == 34);
	assert_true(rd_be(&r, 2) == 0x000b);
	assert_memory_equal(rd_bytes(&r, 32), name, 32);
	/* extraData */
	assert_true(rd_be(&r, 2) == sizeof(q.nonce));
	assert_memory_equal(rd_bytes(&r, sizeof(q.nonce)), q.nonce,
			    sizeof(q.nonce));
	/* clockInfo */
	assert_true(rd_be(&r, 8) == 0x0102030405060708ull);
	assert_true(rd_be(&r, 4) == 0);			/* resetCount */
	assert_true(rd_be(&r, 4) == 0);			/* restartCount */
	assert_true(rd_be(&r, 1) == 1);			/* safe */
	/* firmwareVersion */
	assert_true(rd_be(&r, 8) == (HV_VERSION_MAJOR << 16 | HV_VERSION_MINOR));
	/* TPMS_QUOTE_INFO.pcrSelect */
	assert_true(rd_be(&r, 4) == 1);			/* count */
	assert_true(rd_be(&r, 2) == 0x000b);		/* hash */
	assert_true(rd_be(&r, 1) == 3);			/* sizeofSelect */
	assert_true(rd_be(&r, 1) == QUOTE_MASK);
	assert_true(rd_be(&r, 1) == 0);
	assert_true(rd_be(&r, 1) == 0);
	/* pcrDigest = SHA-256(uPCR0 || uPCR2 || uPCR5) */
	assert_int_equal(utpm_pcr_read(&q.u, 0, cat), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 2, cat + 32), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 5, cat + 64), 0);
	ossl_sha256(cat, sizeof(cat), want);
	assert_true(rd_be(&r, 2) == 32);
	assert_memory_equal(rd_bytes(&r, 32), want, 32);
	assert_int_equal(r.off, q.alen);

	/* TPMT_SIGNATURE */
	r = (struct rd){ q.sig, q.slen, 0 };
	assert_true(rd_be(&r, 2) == 0x0018);		/* TPM_ALG_ECDSA */
	assert_true(rd_be(&r, 2) == 0x000b);		/* TPM_ALG_SHA256 */
	assert_true(rd_be(&r, 2) == 32);
	rd_bytes(&r, 32);
	assert_true(rd_be(&r, 2) == 32);
	rd_bytes(&r, 32);
	assert_int_equal(r.off, q.slen);
	assert_true(q.u.quotes == 1);
}

static void test_quote_public_area(void **state)
{
	struct quote q;
	struct rd r;
	uint8_t pub2b[UTPM_PUBLIC2B_SIZE], pub[65];
	size_t plen;

	(void)state;
	make_quote(&q);
	assert_int_equal(utpm_pubkey(&q.root, pub), 0);
	assert_int_equal(utpm_public(&q.root, pub2b, sizeof(pub2b), &plen), 0);
	r = (struct rd){ pub2b, plen, 0 };
	assert_true(rd_be(&r, 2) == UTPM_PUBLIC_SIZE);
	assert_true(rd_be(&r, 2) == 0x0023);		/* TPM_ALG_ECC */
	assert_true(rd_be(&r, 2) == 0x000b);		/* nameAlg */
	assert_true(rd_be(&r, 4) == 0x00050072);	/* AK attributes */
	assert_true(rd_be(&r, 2) == 0);			/* authPolicy */
	assert_true(rd_be(&r, 2) == 0x0010);		/* symmetric NULL */
	assert_true(rd_be(&r, 2) == 0x0018);		/* ECDSA */
	assert_true(rd_be(&r, 2) == 0x000b);		/*   SHA-256 */
	assert_true(rd_be(&r, 2) == 0x0003);		/* NIST P-256 */
	assert_true(rd_be(&r, 2) == 0x0010);		/* kdf NULL */
	assert_true(rd_be(&r, 2) == 32);
	assert_memory_equal(rd_bytes(&r, 32), pub + 1, 32);
	assert_true(rd_be(&r, 2) == 32);
	assert_memory_equal(rd_bytes(&r, 32), pub + 33, 32);
	assert_int_equal(r.off, plen);

	assert_int_equal(utpm_public(&q.root, pub2b, plen - 1, &plen), -ENOSPC);
	assert_int_equal(plen, UTPM_PUBLIC2B_SIZE);
}

static void test_quote_openssl_verifies(void **state)
{
	struct quote q;
	uint8_t pub[65];
	size_t i;

	(void)state;
	make_quote(&q);
	assert_int_equal(utpm_pubkey(&q.root, pub), 0);
	assert_true(ossl_verify_tpmt(pub, q.attest, q.alen, q.sig));
	for (i = 0; i < q.alen; i += 9) {
		q.attest[i] ^= 0x01;
		assert_false(ossl_verify_tpmt(pub, q.attest, q.alen, q.sig));
		q.attest[i] ^= 0x01;
	}
	/* Another root's key does not verify it. */
	{
		struct utpm_root other;

		new_root(&other, 0x31);
		assert_int_equal(utpm_pubkey(&other, pub), 0);
		assert_false(ossl_verify_tpmt(pub, q.attest, q.alen, q.sig));
	}
}

/* ---- tpm2_checkquote, the outside oracle */

/* A scratch directory per test, removed by the teardown even when the
 * test fails. */
static int tmpdir_setup(void **state)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/utpm-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (const char *)*state);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *dir, const char *name, const void *d,
		       size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void write_pem(const char *dir, const uint8_t pub[65])
{
	char path[256];
	EVP_PKEY *k = ossl_pub(pub);
	FILE *f;

	snprintf(path, sizeof(path), "%s/key.pem", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	assert_int_equal(fclose(f), 0);
	EVP_PKEY_free(k);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/*
 * Run tpm2_checkquote in dir with the given arguments and fail the test,
 * showing its output (dir/log), unless it accepts (want_ok) or rejects
 * (!want_ok) the quote; what is being checked is named by what.
 */
static void checkquote(const char *dir, const char *args, int want_ok,
		       const char *what)
{
	char cmd[1024], line[256];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && tpm2_checkquote %s >log 2>&1", dir, args);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	if ((WEXITSTATUS(st) == 0) == !!want_ok)
		return;
	snprintf(cmd, sizeof(cmd), "%s/log", dir);
	f = fopen(cmd, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			print_error("  | %s", line);
		fclose(f);
	}
	fail_msg("tpm2_checkquote %s %s (exit %d): %s", args,
		 want_ok ? "rejected" : "accepted", WEXITSTATUS(st), what);
}

static void test_tpm2_checkquote(void **state)
{
	const char *dir = *state;
	struct quote q;
	char args[512], nhex[129];
	char bad[129], what[64];
	uint8_t pub[65], pcrs[3 * 32], pub2b[UTPM_PUBLIC2B_SIZE], sig[72];
	/* One byte in each field: magic, type, name, nonce, clock,
	 * restartCount, firmwareVersion, selection bitmap, pcrDigest. */
	static const size_t flip[] = { 0, 5, 20, 50, 80, 90, 100, 108, 140 };
	size_t plen, i;
	const char *common = "-u key.pem -m quote.msg -s quote.sig -g sha256";

	if (system("command -v tpm2_checkquote >/dev/null 2>&1") != 0)
		fail_msg("tpm2_checkquote (tpm2-tools) is not installed: "
			 "`make deps` or apt-get install tpm2-tools");

	make_quote(&q);
	assert_int_equal(utpm_pubkey(&q.root, pub), 0);
	write_pem(dir, pub);
	assert_int_equal(utpm_public(&q.root, pub2b, sizeof(pub2b), &plen), 0);
	write_file(dir, "key.pub", pub2b, plen);
	write_file(dir, "quote.msg", q.attest, q.alen);
	write_file(dir, "quote.sig", q.sig, q.slen);
	assert_int_equal(utpm_pcr_read(&q.u, 0, pcrs), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 2, pcrs + 32), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 5, pcrs + 64), 0);
	write_file(dir, "pcrs.bin", pcrs, sizeof(pcrs));
	hex(nhex, q.nonce, sizeof(q.nonce));

	/* Accepted: signature + nonce; then with the PCR values too; and
	 * with the key in TSS format (our TPM2B_PUBLIC) instead of PEM. */
	snprintf(args, sizeof(args), "%s -q %s", common, nhex);
	checkquote(dir, args, 1, "good quote, PEM key");
	snprintf(args, sizeof(args), "%s -q %s -f pcrs.bin -l sha256:0,2,5",
		 common, nhex);
	checkquote(dir, args, 1, "good quote and PCR values");
	snprintf(args, sizeof(args),
		 "-u key.pub -m quote.msg -s quote.sig -g sha256 -q %s "
		 "-f pcrs.bin -l sha256:0,2,5", nhex);
	checkquote(dir, args, 1, "good quote, TPM2B_PUBLIC key");

	/* Wrong nonce. */
	memcpy(bad, nhex, sizeof(bad));
	bad[7] = bad[7] == '0' ? '1' : '0';
	snprintf(args, sizeof(args), "%s -q %s", common, bad);
	checkquote(dir, args, 0, "wrong nonce");
	snprintf(args, sizeof(args), "%s", common);
	checkquote(dir, args, 0, "no nonce");

	/* Wrong PCR value. */
	pcrs[40] ^= 1;
	write_file(dir, "pcrs.bin", pcrs, sizeof(pcrs));
	snprintf(args, sizeof(args), "%s -q %s -f pcrs.bin -l sha256:0,2,5",
		 common, nhex);
	checkquote(dir, args, 0, "wrong uPCR 2 value");
	pcrs[40] ^= 1;
	write_file(dir, "pcrs.bin", pcrs, sizeof(pcrs));

	/* One flipped byte of the message. */
	snprintf(args, sizeof(args), "%s -q %s", common, nhex);
	for (i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
		assert_true(flip[i] < q.alen);
		q.attest[flip[i]] ^= 0x04;
		write_file(dir, "quote.msg", q.attest, q.alen);
		snprintf(what, sizeof(what), "message byte %zu flipped",
			 flip[i]);
		checkquote(dir, args, 0, what);
		q.attest[flip[i]] ^= 0x04;
	}
	write_file(dir, "quote.msg", q.attest, q.alen);
	checkquote(dir, args, 1, "message restored");

	/* One flipped byte of the signature's s. */
	memcpy(sig, q.sig, sizeof(sig));
	sig[60] ^= 0x01;
	write_file(dir, "quote.sig", sig, sizeof(sig));
	checkquote(dir, args, 0, "signature byte flipped");
}

/* Output of `tpm2_print -t type file` (tpm2-tools' own unmarshaler). */
static void tpm2_print(const char *dir, const char *type, const char *file,
		       char *out, size_t max)
{
	char cmd[512];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s' && tpm2_print -t %s %s 2>&1", dir,
		 type, file);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, max - 1, f);
	out[n] = 0;
	if (pclose(f) != 0)
		fail_msg("tpm2_print -t %s failed:\n%s", type, out);
}

static void expect_line(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("expected \"%s\" in:\n%s", line, text);
}

static void test_tpm2_print_decodes(void **state)
{
	const char *dir = *state;
	struct quote q;
	char text[4096], line[256];
	char h[2 * UTPM_NAME_SIZE + 1];
	uint8_t pub2b[UTPM_PUBLIC2B_SIZE], name[UTPM_NAME_SIZE], pub[65];
	uint8_t cat[3 * 32], digest[32];
	size_t plen;

	if (system("command -v tpm2_print >/dev/null 2>&1") != 0)
		fail_msg("tpm2_print (tpm2-tools) is not installed: "
			 "`make deps` or apt-get install tpm2-tools");
	make_quote(&q);
	write_file(dir, "quote.msg", q.attest, q.alen);
	assert_int_equal(utpm_public(&q.root, pub2b, sizeof(pub2b), &plen), 0);
	write_file(dir, "key.pub", pub2b, plen);

	tpm2_print(dir, "TPMS_ATTEST", "quote.msg", text, sizeof(text));
	expect_line(text, "magic: ff544347\n");
	expect_line(text, "type: 8018\n");
	name[0] = 0x00;
	name[1] = 0x0b;
	ossl_sha256(pub2b + 2, UTPM_PUBLIC_SIZE, name + 2);
	hex(h, name, sizeof(name));
	snprintf(line, sizeof(line), "qualifiedSigner: %s\n", h);
	expect_line(text, line);
	hex(h, q.nonce, sizeof(q.nonce));
	snprintf(line, sizeof(line), "extraData: %s\n", h);
	expect_line(text, line);
	snprintf(line, sizeof(line), "clock: %llu\n", 0x0102030405060708ull);
	expect_line(text, line);
	expect_line(text, "safe: 1\n");
	expect_line(text, "count: 1\n");
	expect_line(text, "hash: 11 (sha256)\n");
	expect_line(text, "sizeofSelect: 3\n");
	expect_line(text, "pcrSelect: 250000\n");
	assert_int_equal(utpm_pcr_read(&q.u, 0, cat), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 2, cat + 32), 0);
	assert_int_equal(utpm_pcr_read(&q.u, 5, cat + 64), 0);
	ossl_sha256(cat, sizeof(cat), digest);
	hex(h, digest, sizeof(digest));
	snprintf(line, sizeof(line), "pcrDigest: %s\n", h);
	expect_line(text, line);

	tpm2_print(dir, "TPM2B_PUBLIC", "key.pub", text, sizeof(text));
	expect_line(text, "fixedtpm|fixedparent|sensitivedataorigin|"
		    "userwithauth|restricted|sign");
	expect_line(text, "value: NIST p256");
	expect_line(text, "value: ecdsa");
	assert_int_equal(utpm_pubkey(&q.root, pub), 0);
	hex(h, pub + 1, 32);
	snprintf(line, sizeof(line), "x: %s", h);
	expect_line(text, line);
	hex(h, pub + 33, 32);
	snprintf(line, sizeof(line), "y: %s", h);
	expect_line(text, line);
}

static void test_quote_bad_args(void **state)
{
	struct quote q;
	uint8_t nonce[UTPM_NONCE_MAX + 1] = { 0 }, big[512];
	uint8_t a[UTPM_ATTEST_MAX], s[UTPM_SIG_SIZE];
	size_t alen = 0, slen = 0;

	(void)state;
	make_quote(&q);
	/* uPCR 0 missing, uPCR 8 selected. */
	assert_int_equal(utpm_quote(&q.u, &q.root, 0x02, nonce, 4, a,
				    sizeof(a), &alen, s, sizeof(s), &slen),
			 -EINVAL);
	assert_int_equal(utpm_quote(&q.u, &q.root, 0x101, nonce, 4, a,
				    sizeof(a), &alen, s, sizeof(s), &slen),
			 -EINVAL);
	/* Nonce bounds: 64 ok, 65 refused, 0 ok, NULL with length refused. */
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, UTPM_NONCE_MAX, a,
				    sizeof(a), &alen, s, sizeof(s), &slen), 0);
	assert_int_equal(alen, UTPM_ATTEST_MAX);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce,
				    UTPM_NONCE_MAX + 1, big, sizeof(big),
				    &alen, s, sizeof(s), &slen), -EINVAL);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, NULL, 0, a, sizeof(a),
				    &alen, s, sizeof(s), &slen), 0);
	assert_int_equal(alen, UTPM_ATTEST_FIXED);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, NULL, 4, a, sizeof(a),
				    &alen, s, sizeof(s), &slen), -EINVAL);
	/* Short outputs: -ENOSPC with the sizes needed. */
	alen = slen = 0;
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, a,
				    UTPM_ATTEST_FIXED + 7, &alen, s, sizeof(s),
				    &slen), -ENOSPC);
	assert_int_equal(alen, UTPM_ATTEST_FIXED + 8);
	assert_int_equal(slen, UTPM_SIG_SIZE);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, a, sizeof(a),
				    &alen, s, UTPM_SIG_SIZE - 1, &slen),
			 -ENOSPC);
	/* NULL outputs, overlapping buffers. */
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, NULL,
				    sizeof(a), &alen, s, sizeof(s), &slen),
			 -EINVAL);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, a, sizeof(a),
				    &alen, s, sizeof(s), NULL), -EINVAL);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, big,
				    sizeof(big), &alen, big + 100, 72, &slen),
			 -EINVAL);
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, big + 10, 8, big,
				    200, &alen, s, sizeof(s), &slen), -EINVAL);
	assert_int_equal(utpm_quote(NULL, &q.root, 1, nonce, 8, a, sizeof(a),
				    &alen, s, sizeof(s), &slen), -EINVAL);
	assert_int_equal(utpm_quote(&q.u, NULL, 1, nonce, 8, a, sizeof(a),
				    &alen, s, sizeof(s), &slen), -EINVAL);
	/* Adjacent (not overlapping) is fine. */
	assert_int_equal(utpm_quote(&q.u, &q.root, 1, nonce, 8, big,
				    UTPM_ATTEST_FIXED + 8, &alen,
				    big + UTPM_ATTEST_FIXED + 8,
				    UTPM_SIG_SIZE, &slen), 0);
	assert_true(q.u.quotes == 4);
}

/* ---- seal / unseal */

static void test_seal_roundtrip(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, UTPM_SEAL_MAX };
	struct utpm_root root;
	struct utpm u;
	static uint8_t data[UTPM_SEAL_MAX], out[UTPM_SEAL_MAX];
	static uint8_t blob[UTPM_BLOB_MAX], blob2[UTPM_BLOB_MAX];
	size_t i, blen, blen2, olen;
	uint8_t d[32];

	(void)state;
	new_root(&root, 0x40);
	new_pal(&u, &root, 0x41);
	fill(d, 32, 1);
	assert_int_equal(utpm_pcr_extend(&u, 3, d), 0);
	fill(data, sizeof(data), 0x99);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(utpm_seal(&u, &root, 0x09, data, sizes[i],
					   blob, sizeof(blob), &blen), 0);
		assert_int_equal(blen, sizes[i] + UTPM_SEAL_OVERHEAD);
		/* Header: version 1, mask, policy, IV from the counter. */
		assert_true(blob[3] == 1 && blob[7] == 0x09);
		assert_true(blob[UTPM_SEAL_HDR_SIZE - 1] == i + 1);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(utpm_unseal(&u, &root, blob, blen, out,
					     sizeof(out), &olen), 0);
		assert_int_equal(olen, sizes[i]);
		assert_memory_equal(out, data, sizes[i]);
	}
	assert_true(root.seal_counter == i);
	/* Exact-size output buffer is enough; NULL data with length 0. */
	assert_int_equal(utpm_seal(&u, &root, 0, data, 17, blob, sizeof(blob),
				   &blen), 0);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, 17, &olen), 0);
	assert_int_equal(utpm_seal(&u, &root, 0, NULL, 0, blob, sizeof(blob),
				   &blen), 0);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, NULL, 0, &olen), 0);
	assert_int_equal(olen, 0);
	/* Sealing twice gives different blobs (fresh IV). */
	assert_int_equal(utpm_seal(&u, &root, 1, data, 32, blob, sizeof(blob),
				   &blen), 0);
	assert_int_equal(utpm_seal(&u, &root, 1, data, 32, blob2,
				   sizeof(blob2), &blen2), 0);
	assert_int_equal(blen, blen2);
	assert_memory_not_equal(blob + UTPM_SEAL_HDR_SIZE,
				blob2 + UTPM_SEAL_HDR_SIZE, 32);
}

static void test_unseal_pcr_changed(void **state)
{
	struct utpm_root root;
	struct utpm u;
	uint8_t data[40], out[40], blob[40 + UTPM_SEAL_OVERHEAD], d[32];
	size_t blen, olen;

	(void)state;
	new_root(&root, 0x42);
	new_pal(&u, &root, 0x43);
	fill(data, sizeof(data), 5);
	fill(d, 32, 6);
	assert_int_equal(utpm_pcr_extend(&u, 2, d), 0);
	/* Sealed to uPCRs 1 and 2. */
	assert_int_equal(utpm_seal(&u, &root, 0x06, data, sizeof(data), blob,
				   sizeof(blob), &blen), 0);
	/* An unselected uPCR may change. */
	assert_int_equal(utpm_pcr_extend(&u, 4, d), 0);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     &olen), 0);
	assert_memory_equal(out, data, sizeof(data));
	/* A selected one may not. */
	assert_int_equal(utpm_pcr_extend(&u, 1, d), 0);
	memset(out, 0, sizeof(out));
	olen = 12345;
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     &olen), -EPERM);
	assert_int_equal(olen, 12345);
	assert_memory_not_equal(out, data, sizeof(data));
}

static void test_unseal_other_identity(void **state)
{
	struct utpm_root root, other_root;
	struct utpm a, b, a2;
	uint8_t data[40], out[40], blob[40 + UTPM_SEAL_OVERHEAD], zero[40];
	size_t blen, olen;

	(void)state;
	memset(zero, 0, sizeof(zero));
	new_root(&root, 0x44);
	new_root(&other_root, 0x45);
	new_pal(&a, &root, 0x10);
	new_pal(&b, &root, 0x20);	/* another measurement, same uPCRs 1-7 */
	fill(data, sizeof(data), 5);

	/* Mask without uPCR 0: the policy matches for B, the key does not. */
	assert_int_equal(utpm_seal(&a, &root, 0xfe, data, sizeof(data), blob,
				   sizeof(blob), &blen), 0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(utpm_unseal(&b, &root, blob, blen, out, sizeof(out),
				     &olen), -EBADMSG);
	assert_memory_equal(out, zero, sizeof(out));
	/* With uPCR 0 selected, the policy already differs. */
	assert_int_equal(utpm_seal(&a, &root, 0x01, data, sizeof(data), blob,
				   sizeof(blob), &blen), 0);
	assert_int_equal(utpm_unseal(&b, &root, blob, blen, out, sizeof(out),
				     &olen), -EPERM);
	/* Same PAL under another launch's root. */
	new_pal(&a2, &other_root, 0x10);
	assert_int_equal(utpm_unseal(&a2, &other_root, blob, blen, out,
				     sizeof(out), &olen), -EBADMSG);
	/* A second instance of the same PAL in this launch can: sealing binds
	 * to the measurement, not the instance. */
	new_pal(&b, &root, 0x10);
	assert_int_equal(utpm_unseal(&b, &root, blob, blen, out, sizeof(out),
				     &olen), 0);
	assert_memory_equal(out, data, sizeof(data));
}

static void test_unseal_every_byte_modified(void **state)
{
	struct utpm_root root;
	struct utpm u;
	uint8_t data[20], out[20], blob[20 + UTPM_SEAL_OVERHEAD], zero[20];
	uint8_t b2[sizeof(blob) + 1], out2[sizeof(out) + 1], fives[20];
	size_t blen, olen, i;
	unsigned int x;
	int err;

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(fives, 0x5a, sizeof(fives));
	new_root(&root, 0x46);
	new_pal(&u, &root, 0x47);
	fill(data, sizeof(data), 9);
	assert_int_equal(utpm_seal(&u, &root, 0x03, data, sizeof(data), blob,
				   sizeof(blob), &blen), 0);
	assert_int_equal(blen, sizeof(blob));
	for (i = 0; i < blen; i++) {
		for (x = 1; x < 256; x++) {
			blob[i] ^= (uint8_t)x;
			memset(out, 0x5a, sizeof(out));
			err = utpm_unseal(&u, &root, blob, blen, out,
					  sizeof(out), &olen);
			if (err != -EINVAL && err != -EPERM && err != -EBADMSG)
				fail_msg("byte %zu ^ %#x: unseal returned %d",
					 i, x, err);
			/* Nothing decrypted reaches out: gcm_open zeroes it,
			 * the earlier checks do not touch it. */
			assert_memory_equal(out, err == -EBADMSG ? zero : fives,
					    sizeof(out));
			blob[i] ^= (uint8_t)x;
		}
	}
	/* Truncated or extended. */
	assert_int_equal(utpm_unseal(&u, &root, blob, blen - 1, out,
				     sizeof(out), &olen), -EBADMSG);
	memcpy(b2, blob, blen);
	b2[blen] = 0;
	assert_int_equal(utpm_unseal(&u, &root, b2, blen + 1, out2,
				     sizeof(out2), &olen), -EBADMSG);
	/* And the original still opens. */
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     &olen), 0);
	assert_memory_equal(out, data, sizeof(data));
}

/* ---- long-term sealing (docs/utpm.md "Long-term sealing") */

/* Launches A and B of one build share the long-term secret S (the hardware
 * TPM gives it back); C is another build with S'. */
static void test_seal_longterm_across_launches(void **state)
{
	struct utpm_root a, b, c, none;
	struct utpm ua, ub, uc, other, un;
	uint8_t s1[32], s2[32], data[40], out[40], zero[40], fives[40];
	uint8_t blob[40 + UTPM_SEAL_LT_OVERHEAD], v1[40 + UTPM_SEAL_OVERHEAD];
	uint8_t hkey[32], info[12 + 32], iv[12], ct[40], tag[16];
	size_t blen, v1len, olen, i;
	unsigned int x;
	int err;

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(fives, 0x5a, sizeof(fives));
	fill(s1, 32, 0x61);
	fill(s2, 32, 0x62);
	fill(data, sizeof(data), 0x63);
	new_root(&a, 0x50);
	new_root(&b, 0x51);
	new_root(&c, 0x52);
	new_root(&none, 0x53);
	assert_int_equal(utpm_root_set_longterm(&a, s1), 0);
	assert_int_equal(utpm_root_set_longterm(&b, s1), 0);
	assert_int_equal(utpm_root_set_longterm(&c, s2), 0);
	assert_int_equal(utpm_root_set_longterm(NULL, s1), -EINVAL);
	assert_int_equal(utpm_root_set_longterm(&a, NULL), -EINVAL);
	/* Every launch its own salt. */
	assert_memory_not_equal(a.lt_salt, b.lt_salt, UTPM_SEAL_SALT_SIZE);
	new_pal(&ua, &a, 0x70);
	new_pal(&ub, &b, 0x70);
	new_pal(&uc, &c, 0x70);
	new_pal(&un, &none, 0x70);
	new_pal(&other, &b, 0x71);

	assert_int_equal(utpm_seal(&ua, &a, 0x03 | UTPM_SEAL_LONGTERM, data, sizeof(data), blob,
				   sizeof(blob), &blen), 0);
	assert_int_equal(blen, sizeof(data) + UTPM_SEAL_LT_OVERHEAD);
	/* Header: version 2, mask without the flag, policy, salt, IV. */
	assert_memory_equal(blob, "\0\0\0\2\0\0\0\3", 8);
	assert_memory_equal(blob + 40, a.lt_salt, UTPM_SEAL_SALT_SIZE);
	assert_true(blob[UTPM_SEAL_LT_HDR_SIZE - 1] == 1);
	/* The key is HKDF-SHA-256(salt, S, "utpm-seal-lt" || uPCR 0), computed
	 * here with OpenSSL's HKDF and GCM: the blob is what docs/utpm.md says. */
	memcpy(info, "utpm-seal-lt", 12);
	memcpy(info + 12, ua.pcr[0], 32);
	{
		EVP_PKEY_CTX *k = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
		EVP_CIPHER_CTX *g = EVP_CIPHER_CTX_new();
		size_t klen = 32;
		int n;

		assert_true(k && g);
		assert_int_equal(EVP_PKEY_derive_init(k), 1);
		assert_int_equal(EVP_PKEY_CTX_set_hkdf_md(k, EVP_sha256()), 1);
		assert_int_equal(EVP_PKEY_CTX_set1_hkdf_salt(k, a.lt_salt, 16), 1);
		assert_int_equal(EVP_PKEY_CTX_set1_hkdf_key(k, s1, 32), 1);
		assert_int_equal(EVP_PKEY_CTX_add1_hkdf_info(k, info, sizeof(info)), 1);
		assert_int_equal(EVP_PKEY_derive(k, hkey, &klen), 1);
		memcpy(iv, blob + 56, 12);
		assert_int_equal(EVP_EncryptInit_ex(g, EVP_aes_256_gcm(), NULL, hkey, iv), 1);
		assert_int_equal(EVP_EncryptUpdate(g, NULL, &n, blob, UTPM_SEAL_LT_HDR_SIZE), 1);
		assert_int_equal(EVP_EncryptUpdate(g, ct, &n, data, sizeof(data)), 1);
		assert_int_equal(EVP_EncryptFinal_ex(g, ct + n, &n), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(g, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
		assert_memory_equal(blob + UTPM_SEAL_LT_HDR_SIZE, ct, sizeof(ct));
		assert_memory_equal(blob + UTPM_SEAL_LT_HDR_SIZE + sizeof(data), tag, 16);
		EVP_PKEY_CTX_free(k);
		EVP_CIPHER_CTX_free(g);
	}

	/* The next launch of the same build: opens, same bytes. */
	memset(out, 0, sizeof(out));
	assert_int_equal(utpm_unseal(&ub, &b, blob, blen, out, sizeof(out), &olen), 0);
	assert_int_equal(olen, sizeof(data));
	assert_memory_equal(out, data, sizeof(data));
	/* Another build (another long-term secret): refused, nothing out. */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(utpm_unseal(&uc, &c, blob, blen, out, sizeof(out), &olen), -EBADMSG);
	assert_memory_equal(out, zero, sizeof(out));
	/* A launch without the long-term secret: refused before any crypto. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(utpm_unseal(&un, &none, blob, blen, out, sizeof(out), &olen), -EPERM);
	assert_memory_equal(out, fives, sizeof(out));
	assert_int_equal(utpm_seal(&un, &none, 1 | UTPM_SEAL_LONGTERM, data, 8, blob,
				   sizeof(blob), &olen), -EPERM);
	assert_true(none.seal_counter == 0);
	/* Another PAL: its uPCR 0 differs (policy first, -EPERM). */
	assert_int_equal(utpm_unseal(&other, &b, blob, blen, out, sizeof(out), &olen), -EPERM);
	/* A per-launch blob does not survive the reboot. */
	assert_int_equal(utpm_seal(&ua, &a, 0x03, data, sizeof(data), v1, sizeof(v1), &v1len), 0);
	assert_int_equal(utpm_unseal(&ua, &a, v1, v1len, out, sizeof(out), &olen), 0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(utpm_unseal(&ub, &b, v1, v1len, out, sizeof(out), &olen), -EBADMSG);
	assert_memory_equal(out, zero, sizeof(out));
	/* A version 1 blob relabelled version 2 (and the reverse): refused. */
	v1[3] = 2;
	assert_int_not_equal(utpm_unseal(&ua, &a, v1, v1len, out, sizeof(out), &olen), 0);
	v1[3] = 1;
	blob[3] = 1;
	assert_int_not_equal(utpm_unseal(&ub, &b, blob, blen, out, sizeof(out), &olen), 0);
	blob[3] = 2;
	/* Short output: the size needed. */
	assert_int_equal(utpm_unseal(&ub, &b, blob, blen, out, sizeof(out) - 1, &olen), -ENOSPC);
	assert_int_equal(olen, sizeof(data));

	/* Every byte changed every way: refused, out untouched or zeroed. */
	for (i = 0; i < blen; i++) {
		for (x = 1; x < 256; x++) {
			blob[i] ^= (uint8_t)x;
			memset(out, 0x5a, sizeof(out));
			err = utpm_unseal(&ub, &b, blob, blen, out, sizeof(out), &olen);
			/* -ENOSPC: version 1 makes the same bytes 16 bytes more data. */
			if (err != -EINVAL && err != -EPERM && err != -EBADMSG && err != -ENOSPC)
				fail_msg("byte %zu ^ %#x: unseal returned %d", i, x, err);
			assert_memory_equal(out, err == -EBADMSG ? zero : fives, sizeof(out));
			blob[i] ^= (uint8_t)x;
		}
	}
	assert_int_equal(utpm_unseal(&ub, &b, blob, blen - 1, out, sizeof(out), &olen), -EBADMSG);
	assert_int_equal(utpm_unseal(&ub, &b, blob, blen, out, sizeof(out), &olen), 0);
	assert_memory_equal(out, data, sizeof(data));
	/* The largest long-term blob fits UTPM_BLOB_MAX. */
	{
		static uint8_t big[UTPM_SEAL_MAX], bigblob[UTPM_BLOB_MAX], bigout[UTPM_SEAL_MAX];

		assert_int_equal(utpm_seal(&ua, &a, UTPM_SEAL_LONGTERM, big, sizeof(big), bigblob,
					   sizeof(bigblob), &olen), 0);
		assert_int_equal(olen, UTPM_BLOB_MAX);
		assert_int_equal(utpm_unseal(&ub, &b, bigblob, olen, bigout, sizeof(bigout),
					     &olen), 0);
	}
}

static void test_seal_bad_args(void **state)
{
	struct utpm_root root;
	struct utpm u;
	static uint8_t data[UTPM_SEAL_MAX + 1], blob[UTPM_BLOB_MAX + 1];
	static uint8_t out[UTPM_SEAL_MAX + 1];
	size_t blen = 0, olen = 0;

	(void)state;
	new_root(&root, 0x48);
	new_pal(&u, &root, 0x49);
	/* Oversize data, bad mask, NULLs. */
	assert_int_equal(utpm_seal(&u, &root, 1, data, UTPM_SEAL_MAX + 1, blob,
				   sizeof(blob), &blen), -EINVAL);
	assert_int_equal(utpm_seal(&u, &root, 0x100, data, 8, blob,
				   sizeof(blob), &blen), -EINVAL);
	assert_int_equal(utpm_seal(&u, &root, 1, NULL, 8, blob, sizeof(blob),
				   &blen), -EINVAL);
	assert_int_equal(utpm_seal(&u, &root, 1, data, 8, NULL, sizeof(blob),
				   &blen), -EINVAL);
	assert_int_equal(utpm_seal(&u, &root, 1, data, 8, blob, sizeof(blob),
				   NULL), -EINVAL);
	assert_int_equal(utpm_seal(NULL, &root, 1, data, 8, blob, sizeof(blob),
				   &blen), -EINVAL);
	/* Overlap of data and blob. */
	assert_int_equal(utpm_seal(&u, &root, 1, blob + 10, 8, blob,
				   sizeof(blob), &blen), -EINVAL);
	/* Short blob buffer: size needed. */
	assert_int_equal(utpm_seal(&u, &root, 1, data, 8, blob,
				   8 + UTPM_SEAL_OVERHEAD - 1, &blen), -ENOSPC);
	assert_int_equal(blen, 8 + UTPM_SEAL_OVERHEAD);
	assert_true(root.seal_counter == 0);

	/* IV counter exhausted. */
	root.seal_counter = UINT64_MAX;
	assert_int_equal(utpm_seal(&u, &root, 1, data, 8, blob, sizeof(blob),
				   &blen), -ERANGE);
	root.seal_counter = 0;

	assert_int_equal(utpm_seal(&u, &root, 1, data, 8, blob, sizeof(blob),
				   &blen), 0);
	/* Unseal: short output (size needed), blob too short or too long,
	 * NULLs, overlap. */
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, 7, &olen),
			 -ENOSPC);
	assert_int_equal(olen, 8);
	assert_int_equal(utpm_unseal(&u, &root, blob, UTPM_SEAL_OVERHEAD - 1,
				     out, sizeof(out), &olen), -EINVAL);
	assert_int_equal(utpm_unseal(&u, &root, blob, UTPM_BLOB_MAX + 1, out,
				     sizeof(out), &olen), -EINVAL);
	assert_int_equal(utpm_unseal(&u, &root, NULL, blen, out, sizeof(out),
				     &olen), -EINVAL);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, NULL, sizeof(out),
				     &olen), -EINVAL);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     NULL), -EINVAL);
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, blob + 4, 8,
				     &olen), -EINVAL);
	assert_int_equal(utpm_unseal(&u, NULL, blob, blen, out, sizeof(out),
				     &olen), -EINVAL);
	/* Unknown version. */
	blob[3] = 2;
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     &olen), -EINVAL);
	blob[3] = 1;
	assert_int_equal(utpm_unseal(&u, &root, blob, blen, out, sizeof(out),
				     &olen), 0);
	assert_int_equal(olen, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_init),
		cmocka_unit_test(test_root_clock),
		cmocka_unit_test(test_root_wipe),
		cmocka_unit_test(test_pcr_extend_chain),
		cmocka_unit_test(test_pcr0_immutable),
		cmocka_unit_test(test_pcr_bounds),
		cmocka_unit_test(test_get_random),
		cmocka_unit_test(test_quote_structure),
		cmocka_unit_test(test_quote_public_area),
		cmocka_unit_test(test_quote_openssl_verifies),
		cmocka_unit_test_setup_teardown(test_tpm2_checkquote,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_tpm2_print_decodes,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_quote_bad_args),
		cmocka_unit_test(test_seal_roundtrip),
		cmocka_unit_test(test_unseal_pcr_changed),
		cmocka_unit_test(test_unseal_other_identity),
		cmocka_unit_test(test_unseal_every_byte_modified),
		cmocka_unit_test(test_seal_bad_args),
		cmocka_unit_test(test_seal_longterm_across_launches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
