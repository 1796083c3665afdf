/* attest/verify: the crypto it needs, with OpenSSL: SHA-256, P-256 keys
 * and ECDSA, and TPM2_MakeCredential (with KDFa) for credential
 * activation. Host side. */
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "verify.h"

void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		die(EXIT_INPUT, "SHA-256 failed");
}

/* An uncompressed P-256 point as an EVP_PKEY (SubjectPublicKeyInfo DER). */
EVP_PKEY *p256_key(const uint8_t x[32], const uint8_t y[32])
{
	static const uint8_t hdr[] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
				       0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
				       0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04 };
	uint8_t der[sizeof(hdr) + 64];
	const uint8_t *p = der;

	memcpy(der, hdr, sizeof(hdr));
	memcpy(der + sizeof(hdr), x, 32);
	memcpy(der + sizeof(hdr) + 32, y, 32);
	return d2i_PUBKEY(NULL, &p, sizeof(der));
}

/* ECDSA-SHA256 over msg with the TPM signature's r and s. 1 good, 0 bad. */
int ecdsa_ok(EVP_PKEY *key, const uint8_t *m, size_t mn, const struct tpm_sig_ecdsa *s)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(s->r, (int)s->r_len, NULL), *ss = BN_bin2bn(s->s, (int)s->s_len, NULL);
	uint8_t *der = NULL;
	int dn, ok = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!es || !r || !ss || !ctx || !ECDSA_SIG_set0(es, r, ss)) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	dn = i2d_ECDSA_SIG(es, &der);
	if (dn > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, der, (size_t)dn, m, mn) == 1)
		ok = 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* KDFa (TPM 2.0 Part 1, 11.4.10.2) with HMAC-SHA256. */
static void kdfa(const uint8_t *key, size_t kn, const char *label, const uint8_t *u, size_t un,
		 uint8_t *out, size_t bits)
{
	uint8_t in[256], mac[32];
	size_t ln = strlen(label) + 1, done = 0, bytes = bits / 8;
	unsigned int ml;

	for (uint32_t i = 1; done < bytes; i++) {
		size_t k = 0;
		in[k++] = (uint8_t)(i >> 24); in[k++] = (uint8_t)(i >> 16);
		in[k++] = (uint8_t)(i >> 8); in[k++] = (uint8_t)i;
		memcpy(in + k, label, ln); k += ln;
		if (un)
			memcpy(in + k, u, un);
		k += un;
		in[k++] = (uint8_t)(bits >> 24); in[k++] = (uint8_t)(bits >> 16);
		in[k++] = (uint8_t)(bits >> 8); in[k++] = (uint8_t)bits;
		HMAC(EVP_sha256(), key, (int)kn, in, k, mac, &ml);
		size_t take = bytes - done < 32 ? bytes - done : 32;
		memcpy(out + done, mac, take);
		done += take;
	}
}

/* TPM2_MakeCredential done by the verifier (Part 1, 24 "Credential
 * Protection"; Part 3, 12.6): a seed RSA-OAEP-encrypted to the EK with
 * label "IDENTITY", the secret encrypted under KDFa(seed, "STORAGE", AK
 * name) with AES-128-CFB (the EK's symmetric definition), an HMAC under
 * KDFa(seed, "INTEGRITY") over it and the AK name. */
int make_credential(EVP_PKEY *ek, const uint8_t akname[34], const uint8_t secret[32],
			   uint8_t *blob, size_t *blob_len, uint8_t *encseed, size_t *seed_len)
{
	uint8_t seed[32], sym[16], hkey[32], iv[16] = { 0 }, plain[34], mac[32], in[128];
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(ek, NULL);
	EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
	char *label = OPENSSL_strdup("IDENTITY");
	unsigned int ml;
	int n = 0, rc = -1;

	if (!pc || !cc || !label || RAND_bytes(seed, sizeof(seed)) != 1)
		goto out;
	if (EVP_PKEY_encrypt_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(pc, label, 9) != 1)
		goto out;
	label = NULL;	/* owned by pc now */
	if (EVP_PKEY_encrypt(pc, encseed, seed_len, seed, sizeof(seed)) != 1)
		goto out;
	kdfa(seed, 32, "STORAGE", akname, 34, sym, 128);
	kdfa(seed, 32, "INTEGRITY", NULL, 0, hkey, 256);
	plain[0] = 0;
	plain[1] = 32;
	memcpy(plain + 2, secret, 32);
	/* blob = TPM2B(outerHMAC) || encIdentity */
	blob[0] = 0;
	blob[1] = 32;
	if (EVP_EncryptInit_ex(cc, EVP_aes_128_cfb128(), NULL, sym, iv) != 1 ||
	    EVP_EncryptUpdate(cc, blob + 34, &n, plain, sizeof(plain)) != 1 || n != sizeof(plain))
		goto out;
	memcpy(in, blob + 34, sizeof(plain));
	memcpy(in + sizeof(plain), akname, 34);
	HMAC(EVP_sha256(), hkey, 32, in, sizeof(plain) + 34, mac, &ml);
	memcpy(blob + 2, mac, 32);
	*blob_len = 34 + sizeof(plain);
	rc = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(pc);
	EVP_CIPHER_CTX_free(cc);
	ERR_clear_error();
	return rc;
}
