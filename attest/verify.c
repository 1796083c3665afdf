/* attest/verify: the remote verifier (docs/attestation.md). Host side,
 * OpenSSL. It believes nothing the guest says unless a check below covers
 * it: the EK by its certificate chain, the AK by credential activation
 * against that EK, the PCRs by the AK's quote over its own nonce, the uTPM
 * key by PCR 19, the PAL by the uTPM quote over a nonce derived from it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "evidence.h"

#define EXIT_ATTESTED 0
#define EXIT_NOT_ATTESTED 1
#define EXIT_USAGE 2
#define EXIT_INPUT 3

static const char *me = "verify";

/* ---- options and reference values */
static struct {
	const char *agent, *evidence, *ek_ca, *ek_chain, *save_evidence, *save_ak, *previous;
	const char *ref17, *ref18, *refpal, *ak_name;
	uint8_t nonce[32];
	int have_nonce, json, timeout;
	const char *verifier_id;
} opt = { .timeout = 120, .verifier_id = "twoway-hv attest/verify 1" };

static uint8_t ref17[32], ref18[32], refpal[32], trusted_ak[34];

/* ---- the report */
enum sub { SUB_HV, SUB_PAL };
enum tv { TV_ID, TV_HW, TV_EXE, TV_CONF, TV_N };
static const char *const tv_name[TV_N] = { "instance-identity", "hardware", "executables",
					   "configuration" };

struct check {
	char name[96], got[160], want[160];
	int ok;		/* 1 ok, 0 FAIL, -1 not applicable (said so) */
	enum sub sub;
	enum tv tv;
};
static struct check checks[64];
static int nchecks, quiet;

static void hexs(char *out, size_t max, const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 < max; i++)
		k += (size_t)snprintf(out + k, max - k, "%02x", p[i]);
	if (k + 3 >= max && max > 4)
		strcpy(out + max - 4, "...");
	if (!n && max)
		out[0] = 0;
}

static struct check *check(enum sub sub, enum tv tv, int ok, const char *name, const char *got,
			   const char *want)
{
	struct check *c = &checks[nchecks < 63 ? nchecks++ : 63];

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->got, sizeof(c->got), "%s", got ? got : "");
	snprintf(c->want, sizeof(c->want), "%s", want ? want : "");
	c->ok = ok;
	c->sub = sub;
	c->tv = tv;
	return c;
}

static void check_bytes(enum sub sub, enum tv tv, const char *name, const uint8_t *got,
			size_t gn, const uint8_t *want, size_t wn)
{
	char g[160], w[160];

	hexs(g, sizeof(g), got, gn);
	hexs(w, sizeof(w), want, wn);
	if (!gn)
		strcpy(g, "(empty)");
	check(sub, tv, gn == wn && !memcmp(got, want, gn), name, g, w);
}

static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", me);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static _Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", me);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

/* ---- crypto helpers (OpenSSL) */
static void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		die(EXIT_INPUT, "SHA-256 failed");
}

/* An uncompressed P-256 point as an EVP_PKEY (SubjectPublicKeyInfo DER). */
static EVP_PKEY *p256_key(const uint8_t x[32], const uint8_t y[32])
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
static int ecdsa_ok(EVP_PKEY *key, const uint8_t *m, size_t mn, const struct tpm_sig_ecdsa *s)
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
static int make_credential(EVP_PKEY *ek, const uint8_t akname[34], const uint8_t secret[32],
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

/* ---- reading inputs */
static int unhex_exact(const char *h, uint8_t *out, size_t n)
{
	if (strlen(h) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", h[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", h[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		die(EXIT_INPUT, "cannot open %s: %s", path, strerror(errno));
	buf = malloc(max + 1);
	if (!buf)
		die(EXIT_INPUT, "out of memory");
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max)
		die(EXIT_INPUT, "%s is larger than %zu bytes", path, max);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* A reference value: 64 hex digits, given as such or in a file (one line). */
static void ref_value(const char *what, const char *arg, uint8_t *out, size_t n)
{
	char buf[160];
	size_t len;

	if (strlen(arg) == 2 * n && !unhex_exact(arg, out, n))
		return;
	char *f = read_file(arg, 4096, &len);
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(f, "\r\n"), f);
	free(f);
	if (unhex_exact(buf, out, n))
		die(EXIT_INPUT, "%s (%s): not %zu hex digits", what, arg, 2 * n);
}

/* ---- the transport: one TCP connection, one line per request and answer */
struct conn {
	int fd;
	char buf[EV_MAX_JSON + 2];
	size_t have;
	time_t deadline;
};

static int conn_open(struct conn *c, const char *hostport, time_t deadline)
{
	char host[128];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct pollfd pfd;
	int err = 0;
	socklen_t el = sizeof(err);

	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host))
		die(EXIT_USAGE, "--agent wants HOST:PORT");
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		die(EXIT_INPUT, "cannot resolve %s", hostport);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->have = 0;
	c->deadline = deadline;
	if (c->fd < 0)
		die(EXIT_INPUT, "socket: %s", strerror(errno));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		goto fail;
	pfd.fd = c->fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, 5000) != 1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err)
		goto fail;
	freeaddrinfo(ai);
	return 0;
fail:
	freeaddrinfo(ai);
	close(c->fd);
	c->fd = -1;
	return -1;
}

static int conn_send(struct conn *c, const char *line)
{
	size_t n = strlen(line), off = 0;

	while (off < n) {
		ssize_t w = send(c->fd, line + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { c->fd, POLLOUT, 0 };
			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* One answer line (without the newline) into c->buf; -1 on EOF, timeout,
 * or a line longer than EV_MAX_JSON. */
static int conn_line(struct conn *c, size_t *len)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		if (nl) {
			*len = (size_t)(nl - c->buf);
			*nl = 0;
			return 0;
		}
		if (c->have >= sizeof(c->buf) - 1)
			return -1;
		long left = (long)(c->deadline - time(NULL));
		if (left <= 0)
			return -1;
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(left > 30 ? 30000 : left * 1000)) <= 0)
			return -1;
		ssize_t r = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

static void conn_consume(struct conn *c, size_t len)
{
	memmove(c->buf, c->buf + len + 1, c->have - len - 1);
	c->have -= len + 1;
}

/* Request, answer parsed as a message of FORMAT with FIELDS. 0, -1 transport, -2 bad answer. */
static int ask(struct conn *c, const char *req, const char *format, unsigned fields,
	       struct evidence *ev, char *err, size_t errlen, char **raw)
{
	size_t len;

	if (conn_send(c, req) || conn_line(c, &len)) {
		snprintf(err, errlen, "no answer to '%.*s'", (int)strcspn(req, " \n"), req);
		return -1;
	}
	int rc = ev_parse_message(c->buf, len, format, fields, ev, err, errlen) ? -2 : 0;
	if (raw)
		*raw = strndup(c->buf, len);
	conn_consume(c, len);
	return rc;
}

/* ---- the checks */
static X509_STORE *ca_store;
static STACK_OF(X509) *chain;	/* --ek-chain: untrusted intermediates */

static X509 *ek_cert_checks(const struct evidence *ev, EVP_PKEY **ekkey)
{
	const uint8_t *p = ev->f[EVF_EK_CERT].b;
	X509 *cert = d2i_X509(NULL, &p, (long)ev->f[EVF_EK_CERT].n);
	char got[160], err[160];
	struct tpm_public pub;

	*ekkey = NULL;
	if (!cert || p != ev->f[EVF_EK_CERT].b + ev->f[EVF_EK_CERT].n) {
		check(SUB_HV, TV_ID, 0, "EK certificate chain", "not one DER X.509 certificate",
		      "a certificate that chains to --ek-ca");
		X509_free(cert);
		ERR_clear_error();
		return NULL;
	}
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = ctx && X509_STORE_CTX_init(ctx, ca_store, cert, chain) == 1 &&
		 X509_verify_cert(ctx) == 1;
	X509_NAME_oneline(X509_get_issuer_name(cert), got, sizeof(got));
	if (!ok && ctx)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), ": %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	check(SUB_HV, TV_ID, ok, "EK certificate chain", got, "chains to a CA of --ek-ca");
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();

	/* The EK public area the agent reports must be the certified key, and
	 * a standard EK (TCG EK Credential Profile, template L-1): MakeCredential
	 * depends on its nameAlg and symmetric definition. */
	EVP_PKEY *key = X509_get0_pubkey(cert);
	BIGNUM *nc = NULL, *ec = NULL;
	ok = 0;
	if (tpm_parse_public(ev->f[EVF_EK_PUB].b, ev->f[EVF_EK_PUB].n, &pub, sha256, err,
			     sizeof(err))) {
		snprintf(got, sizeof(got), "%s", err);
	} else if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
		   !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &nc) ||
		   !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &ec)) {
		snprintf(got, sizeof(got), "the certificate's key is not RSA");
	} else {
		uint8_t n[512];
		int nl = BN_bn2bin(nc, n);
		uint32_t e = pub.rsa_exp ? pub.rsa_exp : 65537;
		int same = pub.type == TPM_ALG_RSA && (size_t)nl == pub.unique_len &&
			   !memcmp(n, pub.unique, pub.unique_len) && BN_is_word(ec, e);
		int std = pub.rsa_bits == 2048 && pub.sym_alg == TPM_ALG_AES && pub.sym_bits == 128 &&
			  pub.sym_mode == TPM_ALG_CFB && pub.scheme == TPM_ALG_NULL &&
			  (pub.attrs & (TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_RESTRICTED |
					TPMA_DECRYPT)) ==
				  (TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_RESTRICTED | TPMA_DECRYPT) &&
			  !(pub.attrs & TPMA_SIGN);
		ok = same && std;
		snprintf(got, sizeof(got), "%s; %s (attrs %08x)",
			 same ? "same RSA key as the certificate" : "NOT the certificate's key",
			 std ? "standard EK" : "NOT a standard RSA-2048 AES-128-CFB EK", pub.attrs);
		if (ok)
			*ekkey = key;
	}
	check(SUB_HV, TV_ID, ok, "EK public key matches the certificate", got,
	      "the certificate's RSA key as a restricted decryption EK");
	BN_free(nc);
	BN_free(ec);
	ERR_clear_error();
	return cert;
}

static int ak_checks(const struct evidence *ev, struct tpm_public *ak)
{
	char got[160], err[160];
	const uint32_t need = TPMA_FIXEDTPM | TPMA_FIXEDPARENT | TPMA_SENSITIVEDATAORIGIN |
			      TPMA_RESTRICTED | TPMA_SIGN;
	int ok;

	if (tpm_parse_public(ev->f[EVF_AK_PUB].b, ev->f[EVF_AK_PUB].n, ak, sha256, err,
			     sizeof(err))) {
		check(SUB_HV, TV_ID, 0, "AK attributes", err, "a TPM2B_PUBLIC");
		return -1;
	}
	ok = ak->type == TPM_ALG_ECC && ak->curve == TPM_ECC_NIST_P256 &&
	     ak->scheme == TPM_ALG_ECDSA && ak->scheme_hash == TPM_ALG_SHA256 &&
	     (ak->attrs & need) == need && !(ak->attrs & TPMA_DECRYPT) && ak->unique_len == 32 &&
	     ak->y_len == 32;
	snprintf(got, sizeof(got), "type %04x curve %04x scheme %04x/%04x attrs %08x", ak->type,
		 ak->curve, ak->scheme, ak->scheme_hash, ak->attrs);
	check(SUB_HV, TV_ID, ok, "AK attributes", got,
	      "ECC P-256 ECDSA-SHA256, fixedTPM fixedParent sensitiveDataOrigin restricted sign, "
	      "not decrypt");
	return ok ? 0 : -1;
}

/* The hardware quote and its PCRs; *a gets the parsed attest (for the clock). */
static int quote_checks(const struct evidence *ev, const struct tpm_public *ak, int ak_ok,
			const uint8_t nonce[32], struct tpm_attest *a)
{
	struct tpm_sig_ecdsa sig;
	char err[160], got[160];
	uint8_t d[32], cat[96];
	int parsed;

	parsed = !tpm_parse_attest(ev->f[EVF_QUOTE].b, ev->f[EVF_QUOTE].n, a, err, sizeof(err));
	if (!parsed) {
		check(SUB_HV, TV_HW, 0, "TPM quote structure", err, "a TPMS_ATTEST quote");
		memset(a, 0, sizeof(*a));
	}
	if (tpm_parse_sig_ecdsa(ev->f[EVF_QUOTE_SIG].b, ev->f[EVF_QUOTE_SIG].n, &sig, err,
				sizeof(err))) {
		check(SUB_HV, TV_HW, 0, "TPM quote signature (AK, ECDSA P-256)", err,
		      "a TPMT_SIGNATURE");
	} else {
		EVP_PKEY *k = ak_ok ? p256_key(ak->unique, ak->y) : NULL;
		int ok = k && sig.hash == TPM_ALG_SHA256 &&
			 ecdsa_ok(k, ev->f[EVF_QUOTE].b, ev->f[EVF_QUOTE].n, &sig);
		check(SUB_HV, TV_HW, ok, "TPM quote signature (AK, ECDSA P-256)",
		      ok ? "valid" : k ? "INVALID" : "no usable AK", "valid over the attest bytes");
		EVP_PKEY_free(k);
	}
	if (!parsed)
		return -1;
	snprintf(got, sizeof(got), "magic %08x type %04x", a->magic, a->type);
	check(SUB_HV, TV_HW, a->magic == TPM_GENERATED && a->type == TPM_ST_ATTEST_QUOTE,
	      "TPM quote magic and type", got, "magic ff544347 type 8018");
	/* qualifiedSigner: QN(AK) = nameAlg || H(QN(endorsement hierarchy) || Name(AK)),
	 * the hierarchy's QN being its handle 4000000b (Part 1, "Qualified Name"). */
	if (ak_ok) {
		uint8_t qin[4 + 34], qn[34] = { 0, TPM_ALG_SHA256 };
		memcpy(qin, "\x40\x00\x00\x0b", 4);
		memcpy(qin + 4, ak->name, 34);
		sha256(qin, sizeof(qin), qn + 2);
		check_bytes(SUB_HV, TV_HW, "TPM quote signer = the AK under the endorsement hierarchy",
			    a->signer, a->signer_len, qn, sizeof(qn));
	}
	check_bytes(SUB_HV, TV_HW, "TPM quote extraData = our nonce", a->extra, a->extra_len, nonce,
		    32);
	int selok = a->nsel == 1 && a->sel[0].hash == TPM_ALG_SHA256 && a->sel[0].size == 3 &&
		    !memcmp(a->sel[0].bits, "\x00\x00\x0e", 3);
	if (a->nsel >= 1)
		snprintf(got, sizeof(got), "%u selection(s), first: hash %04x bitmap %02x%02x%02x%02x/%u",
			 a->nsel, a->sel[0].hash, a->sel[0].bits[0], a->sel[0].bits[1],
			 a->sel[0].bits[2], a->sel[0].bits[3], a->sel[0].size);
	else
		snprintf(got, sizeof(got), "no selection");
	check(SUB_HV, TV_HW, selok, "TPM quote pcrSelect = sha256 {17,18,19}", got,
	      "1 selection, hash 000b bitmap 00000e/3");
	memcpy(cat, ev->f[EVF_PCR17].b, 32);
	memcpy(cat + 32, ev->f[EVF_PCR18].b, 32);
	memcpy(cat + 64, ev->f[EVF_PCR19].b, 32);
	sha256(cat, sizeof(cat), d);
	check_bytes(SUB_HV, TV_HW, "TPM quote pcrDigest = H(reported PCR 17 || 18 || 19)",
		    a->digest, a->digest_len, d, 32);
	snprintf(got, sizeof(got), "safe %u", a->safe);
	check(SUB_HV, TV_HW, a->safe == 1, "TPM clock safe", got, "safe 1");
	return 0;
}

static void pcr_checks(const struct evidence *ev)
{
	static const uint8_t ff[32] = { [0 ... 31] = 0xff };
	uint8_t z[64] = { 0 }, want19[32];

	if (!memcmp(ev->f[EVF_PCR17].b, ff, 32))
		check(SUB_HV, TV_EXE, 0, "PCR 17 = the built hypervisor (DRTM)",
		      "ff..ff: no DRTM event in this boot", opt.ref17 ? "the reference" : "");
	else if (!opt.ref17)
		check(SUB_HV, TV_EXE, 0, "PCR 17 = the built hypervisor (DRTM)",
		      "no reference given", "--ref-pcr17");
	else
		check_bytes(SUB_HV, TV_EXE, "PCR 17 = the built hypervisor (DRTM)",
			    ev->f[EVF_PCR17].b, 32, ref17, 32);
	if (!opt.ref18)
		check(SUB_HV, TV_CONF, 0, "PCR 18 = the reference launch parameters",
		      "no reference given", "--ref-pcr18 (attest/launch-ref)");
	else
		check_bytes(SUB_HV, TV_CONF, "PCR 18 = the reference launch parameters",
			    ev->f[EVF_PCR18].b, 32, ref18, 32);
	sha256(ev->f[EVF_UTPM_PUB].b, 65, z + 32);
	sha256(z, 64, want19);
	check_bytes(SUB_PAL, TV_ID, "PCR 19 = H(0^32 || H(uTPM key)): the key of this launch",
		    ev->f[EVF_PCR19].b, 32, want19, 32);
}

static void utpm_checks(const struct evidence *ev, const uint8_t nonce[32], const uint8_t akname[34])
{
	struct tpm_attest a;
	struct tpm_sig_ecdsa sig;
	char err[160], got[160];
	const uint8_t *pub = ev->f[EVF_UTPM_PUB].b;
	uint8_t tp[88], name[34] = { 0, TPM_ALG_SHA256 }, want[32], cat[66];
	EVP_PKEY *k = NULL;

	if (tpm_parse_attest(ev->f[EVF_UTPM_QUOTE].b, ev->f[EVF_UTPM_QUOTE].n, &a, err, sizeof(err))) {
		check(SUB_PAL, TV_HW, 0, "uTPM quote structure", err, "a TPMS_ATTEST quote");
		return;
	}
	if (tpm_parse_sig_ecdsa(ev->f[EVF_UTPM_SIG].b, ev->f[EVF_UTPM_SIG].n, &sig, err,
				sizeof(err))) {
		check(SUB_PAL, TV_HW, 0, "uTPM quote signature (uTPM key)", err, "a TPMT_SIGNATURE");
	} else {
		k = pub[0] == 4 ? p256_key(pub + 1, pub + 33) : NULL;
		int ok = k && sig.hash == TPM_ALG_SHA256 &&
			 ecdsa_ok(k, ev->f[EVF_UTPM_QUOTE].b, ev->f[EVF_UTPM_QUOTE].n, &sig);
		check(SUB_PAL, TV_HW, ok, "uTPM quote signature (uTPM key)",
		      ok ? "valid" : k ? "INVALID" : "not a P-256 point", "valid over the attest bytes");
		EVP_PKEY_free(k);
	}
	snprintf(got, sizeof(got), "magic %08x type %04x", a.magic, a.type);
	check(SUB_PAL, TV_HW, a.magic == TPM_GENERATED && a.type == TPM_ST_ATTEST_QUOTE,
	      "uTPM quote magic and type", got, "magic ff544347 type 8018");
	/* The uTPM key's TPMT_PUBLIC (docs/utpm.md) and its Name. */
	memcpy(tp, "\x00\x23\x00\x0b\x00\x05\x00\x72\x00\x00\x00\x10\x00\x18\x00\x0b\x00\x03"
		   "\x00\x10\x00\x20", 22);
	memcpy(tp + 22, pub + 1, 32);
	tp[54] = 0;
	tp[55] = 32;
	memcpy(tp + 56, pub + 33, 32);
	sha256(tp, sizeof(tp), name + 2);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote signer = the uTPM key's name", a.signer,
		    a.signer_len, name, sizeof(name));
	memcpy(cat, nonce, 32);
	memcpy(cat + 32, akname, 34);
	sha256(cat, sizeof(cat), want);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote extraData = H(nonce || AK name)", a.extra,
		    a.extra_len, want, 32);
	int selok = a.nsel == 1 && a.sel[0].hash == TPM_ALG_SHA256 && a.sel[0].size == 3 &&
		    !memcmp(a.sel[0].bits, "\x03\x00\x00", 3);
	snprintf(got, sizeof(got), "%u selection(s), hash %04x bitmap %02x%02x%02x", a.nsel,
		 a.nsel ? a.sel[0].hash : 0, a.sel[0].bits[0], a.sel[0].bits[1], a.sel[0].bits[2]);
	check(SUB_PAL, TV_HW, selok, "uTPM quote pcrSelect = sha256 {0,1}", got,
	      "1 selection, hash 000b bitmap 030000");
	memcpy(cat, ev->f[EVF_UPCR0].b, 32);
	memcpy(cat + 32, ev->f[EVF_UPCR1].b, 32);
	sha256(cat, 64, want);
	check_bytes(SUB_PAL, TV_HW, "uTPM quote pcrDigest = H(reported uPCR 0 || 1)", a.digest,
		    a.digest_len, want, 32);
	if (!opt.refpal)
		check(SUB_PAL, TV_EXE, 0, "uPCR 0 = the reference PAL measurement",
		      "no reference given", "--ref-pal");
	else
		check_bytes(SUB_PAL, TV_EXE, "uPCR 0 = the reference PAL measurement",
			    ev->f[EVF_UPCR0].b, 32, refpal, 32);
}

/* Everything one piece of evidence must pass, given the nonce we chose.
 * Returns the parsed attest for the clock comparison. */
static void evidence_checks(const struct evidence *ev, const uint8_t nonce[32],
			    struct tpm_attest *a, EVP_PKEY **ekkey, X509 **cert, struct tpm_public *ak,
			    int *ak_ok)
{
	*cert = ek_cert_checks(ev, ekkey);
	*ak_ok = !ak_checks(ev, ak);
	quote_checks(ev, ak, *ak_ok, nonce, a);
	pcr_checks(ev);
	utpm_checks(ev, nonce, *ak_ok ? ak->name : (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
								    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
}

static void clock_check(const struct tpm_attest *a1, const struct tpm_attest *a2, const char *how)
{
	char got[160];
	int ok = a2->reset_count == a1->reset_count && a2->restart_count >= a1->restart_count &&
		 (a2->restart_count != a1->restart_count || a2->clock >= a1->clock);

	snprintf(got, sizeof(got), "reset %u->%u restart %u->%u clock %llu->%llu (%s)",
		 a1->reset_count, a2->reset_count, a1->restart_count, a2->restart_count,
		 (unsigned long long)a1->clock, (unsigned long long)a2->clock, how);
	check(SUB_HV, TV_HW, ok, "TPM clock: same boot, counts and clock not going back", got,
	      "resetCount equal, restartCount and clock not smaller");
}

/* ---- output */
static const char *status_of(enum sub s)
{
	int fail = 0, na = 0;

	for (int i = 0; i < nchecks; i++) {
		/* The PAL's evidence means something only through the hypervisor's. */
		if (checks[i].sub != s && !(s == SUB_PAL && checks[i].sub == SUB_HV))
			continue;
		fail |= checks[i].ok == 0;
		na |= checks[i].ok < 0;
	}
	return fail ? "contraindicated" : na ? "warning" : "affirming";
}

static int tv_value(enum sub s, enum tv t)
{
	int any = 0, fail = 0;

	for (int i = 0; i < nchecks; i++)
		if (checks[i].sub == s && checks[i].tv == t) {
			any = 1;
			fail |= checks[i].ok == 0;
		}
	/* AR4SI tiers: 2 affirming, 96 contraindicated, 0 no claim. */
	return !any ? 0 : fail ? 96 : 2;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_ear(FILE *f)
{
	static const char *const subname[] = { "hypervisor", "pal" };

	fprintf(f, "{\"eat_profile\":\"tag:github.com,2023:veraison/ear\",\"iat\":%lld,"
		   "\"ear.verifier-id\":{\"developer\":\"twoway-hv\",\"build\":",
		(long long)time(NULL));
	json_str(f, opt.verifier_id);
	fprintf(f, "},\"submods\":{");
	for (int s = 0; s < 2; s++) {
		fprintf(f, "%s\"%s\":{\"ear.status\":\"%s\",\"ear.trustworthiness-vector\":{",
			s ? "," : "", subname[s], status_of((enum sub)s));
		int first = 1;
		for (int t = 0; t < TV_N; t++) {
			int v = tv_value((enum sub)s, (enum tv)t);
			if (!v)
				continue;
			fprintf(f, "%s\"%s\":%d", first ? "" : ",", tv_name[t], v);
			first = 0;
		}
		fprintf(f, "},\"ear.appraisal-policy-id\":\"twoway-hv/attestation-v1\","
			   "\"twoway.checks\":[");
		first = 1;
		for (int i = 0; i < nchecks; i++) {
			if ((int)checks[i].sub != s)
				continue;
			fprintf(f, "%s{\"check\":", first ? "" : ",");
			json_str(f, checks[i].name);
			fprintf(f, ",\"result\":\"%s\",\"got\":",
				checks[i].ok > 0 ? "ok" : checks[i].ok ? "n/a" : "FAIL");
			json_str(f, checks[i].got);
			fprintf(f, ",\"expected\":");
			json_str(f, checks[i].want);
			fprintf(f, "}");
			first = 0;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "}}\n");
}

static int report(void)
{
	int bad = 0;
	FILE *f = opt.json ? stderr : stdout;

	for (int i = 0; i < nchecks; i++) {
		const struct check *c = &checks[i];
		bad |= c->ok == 0;
		if (quiet)
			continue;
		fprintf(f, "  %-4s  %s\n", c->ok > 0 ? "ok" : c->ok ? "n/a" : "FAIL", c->name);
		if (c->ok <= 0 || c->got[0])
			fprintf(f, "          got      %s\n", c->got);
		if (c->ok <= 0 && c->want[0])
			fprintf(f, "          expected %s\n", c->want);
	}
	fprintf(f, "%s: hypervisor: %s, pal: %s\n", me, status_of(SUB_HV), status_of(SUB_PAL));
	fprintf(f, "%s: %s\n", me,
		bad ? "NOT attested"
		    : "ATTESTED: the built PAL runs in an MIEE of the built hypervisor, launched by "
		      "DRTM on a TPM certified by --ek-ca");
	if (opt.json)
		print_ear(stdout);
	return bad ? EXIT_NOT_ATTESTED : EXIT_ATTESTED;
}

static void save(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", data) < 0 || fclose(f))
		die(EXIT_INPUT, "cannot write %s", path);
}

/* ---- the two modes */
static int online(void)
{
	time_t deadline = time(NULL) + opt.timeout;
	struct conn c = { .fd = -1 };
	struct evidence hello, ans, ev1, ev2;
	char err[200], req[EV_MAX_JSON], *raw1 = NULL, *raw2 = NULL;
	uint8_t n1[32], n2[32], secret[32], blob[128], seed[512];
	size_t bl, sl = sizeof(seed);
	int rc, attempt = 0;

	/* Connect; the port may be forwarded before the agent listens, so an
	 * attempt counts only when "hello" gets an answer. */
	for (;;) {
		attempt++;
		if (!conn_open(&c, opt.agent, deadline)) {
			rc = ask(&c, "hello\n", "twoway-agent-hello", EV_HELLO_FIELDS, &hello, err,
				 sizeof(err), NULL);
			if (rc == 0)
				break;
			if (rc == -2)
				die(EXIT_INPUT, "agent %s: bad hello: %s", opt.agent, err);
			close(c.fd);
		}
		if (time(NULL) >= deadline)
			die(EXIT_INPUT, "agent %s: no answer within %d s (%d attempts)", opt.agent,
			    opt.timeout, attempt);
		sleep(1);
	}
	if (!quiet)
		msg("agent %s answered (attempt %d)", opt.agent, attempt);

	/* Credential activation: the AK must live in the TPM that holds the
	 * certified EK. The secret is fresh and never shown to anyone else. */
	EVP_PKEY *ekkey = NULL;
	struct tpm_public ak;
	int aok;
	nchecks = 0;
	X509 *cert = ek_cert_checks(&hello, &ekkey);
	aok = !ak_checks(&hello, &ak);
	nchecks = 0;	/* reported below with the evidence */
	if (!ekkey || !aok) {
		check(SUB_HV, TV_ID, 0, "AK activated by the certified EK",
		      "not attempted: no certified EK or no valid AK", "ActivateCredential returns our secret");
	} else if (RAND_bytes(secret, 32) != 1 ||
		   make_credential(ekkey, ak.name, secret, blob, &bl, seed, &sl)) {
		die(EXIT_INPUT, "MakeCredential failed (OpenSSL)");
	} else {
		char b[300], s[1100];
		hexs(b, sizeof(b), blob, bl);
		hexs(s, sizeof(s), seed, sl);
		snprintf(req, sizeof(req), "activate %s %s\n", b, s);
		rc = ask(&c, req, "", 1u << EVF_ACTIVATED, &ans, err, sizeof(err), NULL);
		if (rc == -1)
			die(EXIT_INPUT, "agent %s: %s", opt.agent, err);
		int ok = rc == 0 && ans.f[EVF_ACTIVATED].n == 32 &&
			 !CRYPTO_memcmp(ans.f[EVF_ACTIVATED].b, secret, 32);
		check(SUB_HV, TV_ID, ok, "AK activated by the certified EK",
		      ok ? "the TPM returned our secret" : rc ? err : "another secret",
		      "ActivateCredential returns our secret");
		if (ok && opt.save_ak) {
			char h[80];
			hexs(h, sizeof(h), ak.name, 34);
			save(opt.save_ak, h);
		}
	}
	X509_free(cert);
	struct check act = checks[0];

	/* Two quotes, each with its own fresh nonce. */
	if (RAND_bytes(n1, 32) != 1 || RAND_bytes(n2, 32) != 1 || !memcmp(n1, n2, 32))
		die(EXIT_INPUT, "RAND_bytes failed");
	for (int q = 0; q < 2; q++) {
		char h[80];
		hexs(h, sizeof(h), q ? n2 : n1, 32);
		snprintf(req, sizeof(req), "quote %s\n", h);
		rc = ask(&c, req, "twoway-evidence", EV_EVIDENCE_FIELDS, q ? &ev2 : &ev1, err,
			 sizeof(err), q ? &raw2 : &raw1);
		if (rc)
			die(EXIT_INPUT, "agent %s: evidence %d: %s", opt.agent, q + 1, err);
		if (!quiet)
			msg("nonce %d %s", q + 1, h);
	}
	conn_send(&c, "bye\n");
	close(c.fd);
	if (opt.save_evidence)
		save(opt.save_evidence, raw1);

	/* The second evidence: all checks, silently; then the first, reported. */
	struct tpm_attest a1, a2;
	X509 *c1, *c2;
	EVP_PKEY *k;
	struct tpm_public ak1, ak2;
	int ok1, ok2, bad2 = 0;
	nchecks = 0;
	evidence_checks(&ev2, n2, &a2, &k, &c2, &ak2, &ok2);
	X509_free(c2);
	for (int i = 0; i < nchecks; i++)
		bad2 |= checks[i].ok == 0;
	nchecks = 0;
	checks[nchecks++] = act;
	evidence_checks(&ev1, n1, &a1, &k, &c1, &ak1, &ok1);
	X509_free(c1);
	check_bytes(SUB_HV, TV_ID, "the quoting AK is the activated AK", ak1.name, 34, ak.name, 34);
	int same = ev2.f[EVF_AK_PUB].n == ev1.f[EVF_AK_PUB].n &&
		   !memcmp(ev2.f[EVF_AK_PUB].b, ev1.f[EVF_AK_PUB].b, ev1.f[EVF_AK_PUB].n);
	check(SUB_HV, TV_HW, !bad2 && same, "second attestation (new nonce): every check",
	      bad2 ? "a check failed" : same ? "all ok, same AK" : "another AK", "all ok, same AK");
	clock_check(&a1, &a2, "two quotes in this session");
	free(raw1);
	free(raw2);
	return report();
}

static int offline(void)
{
	struct evidence ev, prev;
	char err[200];
	size_t len;
	char *s = read_file(opt.evidence, EV_MAX_JSON + 2, &len);
	struct tpm_attest a, pa;
	X509 *cert;
	EVP_PKEY *k;
	struct tpm_public ak;
	int aok;

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (ev_parse_message(s, len, "twoway-evidence", EV_EVIDENCE_FIELDS, &ev, err, sizeof(err)))
		die(EXIT_INPUT, "%s: not valid evidence: %s", opt.evidence, err);
	free(s);
	if (!opt.have_nonce)
		die(EXIT_USAGE, "--evidence needs --nonce HEX (the nonce this verifier chose)");
	nchecks = 0;
	evidence_checks(&ev, opt.nonce, &a, &k, &cert, &ak, &aok);
	X509_free(cert);
	if (!opt.ak_name)
		check(SUB_HV, TV_ID, 0, "AK activated by the certified EK",
		      "no activation record offline", "--ak-name from an online run (--save-ak)");
	else
		check_bytes(SUB_HV, TV_ID, "AK activated by the certified EK (--ak-name record)",
			    ak.name, aok ? 34 : 0, trusted_ak, 34);
	if (opt.previous) {
		s = read_file(opt.previous, EV_MAX_JSON + 2, &len);
		while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
			len--;
		if (ev_parse_message(s, len, "twoway-evidence", EV_EVIDENCE_FIELDS, &prev, err,
				     sizeof(err)) ||
		    tpm_parse_attest(prev.f[EVF_QUOTE].b, prev.f[EVF_QUOTE].n, &pa, err, sizeof(err)))
			die(EXIT_INPUT, "%s: not valid evidence: %s", opt.previous, err);
		free(s);
		clock_check(&pa, &a, "--previous, then --evidence");
	} else {
		check(SUB_HV, TV_HW, -1, "TPM clock: same boot, counts and clock not going back",
		      "one attestation only", "--previous EVIDENCE of the same boot");
	}
	return report();
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: attest/verify --agent HOST:PORT --ek-ca FILE [references] [options]\n"
		"       attest/verify --evidence FILE --nonce HEX --ek-ca FILE [references] [options]\n"
		"Checks a hardware TPM quote (AK certified through the EK and credential activation)\n"
		"over PCRs 17, 18, 19 and the PAL's uTPM quote against reference values.\n"
		"  --agent HOST:PORT     challenge-response with attest-agent: fresh nonces, two quotes\n"
		"  --timeout S           give up on the agent after S seconds (default 120)\n"
		"  --evidence FILE       offline: evidence saved earlier (--save-evidence)\n"
		"  --nonce HEX           offline: the 32-byte nonce this verifier chose for it\n"
		"  --ak-name HEX|FILE    offline: the AK name an online run activated (--save-ak)\n"
		"  --previous FILE       offline: earlier evidence of the same boot (clock check)\n"
		"  --ek-ca FILE          PEM file of the trusted EK root CA(s) (required)\n"
		"  --ek-chain FILE       PEM file of intermediate CAs (untrusted, used to build the chain)\n"
		"  --ref-pcr17 HEX|FILE  expected PCR 17 (build/hv/hv.pcr17, attest/hv-refvalue)\n"
		"  --ref-pcr18 HEX|FILE  expected PCR 18 (attest/launch-ref)\n"
		"  --ref-pal HEX|FILE    expected uPCR 0 (build/attest/miee-pal.measurement)\n"
		"  --save-evidence FILE  online: write the first evidence there\n"
		"  --save-ak FILE        online: write the activated AK's name there\n"
		"  --json                print an EAR (RATS attestation result) on stdout; the\n"
		"                        human report goes to stderr\n"
		"  -q, --quiet           only the verdict lines\n"
		"Exit status: 0 attested, 1 not attested (a check failed), 2 usage,\n"
		"3 input or transport error (unreadable or malformed evidence, no agent).\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "agent", 1, 0, 'a' }, { "evidence", 1, 0, 'e' }, { "nonce", 1, 0, 'n' },
		{ "ek-ca", 1, 0, 'c' }, { "ek-chain", 1, 0, 'C' }, { "ref-pcr17", 1, 0, '7' }, { "ref-pcr18", 1, 0, '8' },
		{ "ref-pal", 1, 0, 'p' }, { "save-evidence", 1, 0, 's' }, { "save-ak", 1, 0, 'k' },
		{ "ak-name", 1, 0, 'A' }, { "previous", 1, 0, 'P' }, { "json", 0, 0, 'j' },
		{ "timeout", 1, 0, 't' }, { "quiet", 0, 0, 'q' }, { "help", 0, 0, 'h' }, { 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		switch (c) {
		case 'a': opt.agent = optarg; break;
		case 'e': opt.evidence = optarg; break;
		case 'n':
			if (unhex_exact(optarg, opt.nonce, 32))
				die(EXIT_USAGE, "--nonce wants 64 hex digits");
			opt.have_nonce = 1;
			break;
		case 'c': opt.ek_ca = optarg; break;
		case 'C': opt.ek_chain = optarg; break;
		case '7': opt.ref17 = optarg; break;
		case '8': opt.ref18 = optarg; break;
		case 'p': opt.refpal = optarg; break;
		case 's': opt.save_evidence = optarg; break;
		case 'k': opt.save_ak = optarg; break;
		case 'A': opt.ak_name = optarg; break;
		case 'P': opt.previous = optarg; break;
		case 'j': opt.json = 1; break;
		case 'q': quiet = 1; break;
		case 't':
			opt.timeout = atoi(optarg);
			if (opt.timeout <= 0)
				die(EXIT_USAGE, "--timeout wants a positive number of seconds");
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc || !!opt.agent == !!opt.evidence) {
		usage(stderr);
		die(EXIT_USAGE, "give exactly one of --agent and --evidence");
	}
	if (opt.agent && (opt.have_nonce || opt.ak_name || opt.previous))
		die(EXIT_USAGE, "--nonce, --ak-name and --previous are for --evidence; --agent picks "
				"its own nonces");
	if (!opt.ek_ca)
		die(EXIT_USAGE, "--ek-ca FILE is required: the EK certificate's trust anchors");
	ca_store = X509_STORE_new();
	if (!ca_store || X509_STORE_load_file(ca_store, opt.ek_ca) != 1)
		die(EXIT_INPUT, "--ek-ca %s: no PEM certificates could be loaded", opt.ek_ca);
	if (opt.ek_chain) {
		STACK_OF(X509_INFO) *inf = NULL;
		BIO *b = BIO_new_file(opt.ek_chain, "r");
		chain = sk_X509_new_null();
		if (b)
			inf = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
		BIO_free(b);
		for (int i = 0; inf && i < sk_X509_INFO_num(inf); i++) {
			X509_INFO *xi = sk_X509_INFO_value(inf, i);
			if (xi->x509 && sk_X509_push(chain, xi->x509))
				xi->x509 = NULL;
		}
		sk_X509_INFO_pop_free(inf, X509_INFO_free);
		if (!chain || !sk_X509_num(chain))
			die(EXIT_INPUT, "--ek-chain %s: no PEM certificates could be loaded", opt.ek_chain);
	}
	if (opt.ref17)
		ref_value("--ref-pcr17", opt.ref17, ref17, 32);
	if (opt.ref18)
		ref_value("--ref-pcr18", opt.ref18, ref18, 32);
	if (opt.refpal)
		ref_value("--ref-pal", opt.refpal, refpal, 32);
	if (opt.ak_name)
		ref_value("--ak-name", opt.ak_name, trusted_ak, 34);
	int rc = opt.agent ? online() : offline();
	X509_STORE_free(ca_store);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}
