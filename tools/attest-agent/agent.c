/* attest-agent: the evidence collector in the guest (docs/attestation.md).
 * Guest user space, on tpm2-tss ESAPI (dynamically linked: Debian ships
 * libtss2 as shared libraries only; guest/mkinitramfs copies them in).
 *
 * Usage: attest-agent [--port N] [--sessions N] [--tcti-swtpm HOST:PORT]
 *                     [--runner PATH] [--pal-variant]
 *
 * It listens on TCP (default port 7000, all addresses) and answers, one line
 * per request, one JSON line per answer:
 *   hello                      -> {"format":"twoway-agent-hello","version":1,
 *                                  "ek_cert":..,"ek_pub":..,"ak_pub":..}
 *   activate CREDBLOB SECRET   -> {"activated":"<hex>"}    (TPM2_ActivateCredential)
 *   quote NONCE                -> the evidence (format twoway-evidence, version 1)
 *   bye                        -> closes the connection; a session ends
 * --sessions N: exit after N sessions that ended with bye (default: never).
 * Errors are {"error":"..."}. Nothing the agent says is trusted by the
 * verifier; it only gathers what the TPM and the uTPM signed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "attest/hex.h"
#include "crypto/sha256.h"

#define EK_HANDLE 0x81010001u		/* swtpm_setup's persistent RSA EK (TCG EK profile) */
#define EK_CERT_NV 0x01c00002u		/* RSA 2048 EK certificate (TCG EK Credential Profile 2.3) */
#define LINE_MAX_BYTES 8192
#define EVIDENCE_VERSION 1

static ESYS_CONTEXT *ectx;
static ESYS_TR ek = ESYS_TR_NONE, ak = ESYS_TR_NONE;
static TPM2B_PUBLIC *ek_pub, *ak_pub;
static unsigned char ek_cert[4096];
static size_t ek_cert_len;
static const char *runner = "miee-run";
static int pal_variant;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("attest-agent: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* A growing output string for one answer line. */
struct out {
	char *s;
	size_t len, cap;
};

static void out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if ((size_t)n < o->cap - o->len)
			break;
		o->cap = 2 * o->cap + (size_t)n + 64;
		o->s = realloc(o->s, o->cap);
		if (!o->s)
			die("out of memory");
	}
	o->len += (size_t)n;
}

static void out_hex(struct out *o, const char *key, const unsigned char *p, size_t n)
{
	out_add(o, "%s\"%s\":\"", o->len > 1 ? "," : "", key);
	for (size_t i = 0; i < n; i++)
		out_add(o, "%02x", p[i]);
	out_add(o, "\"");
}

/* Decode exactly strlen(h)/2 bytes into out (at most max); -1 on bad hex. */
static long unhex(const char *h, unsigned char *out, size_t max)
{
	size_t n = strlen(h);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int b = hex_byte(h + 2 * i);

		if (b < 0)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (long)(n / 2);
}

static int marshal_public(const TPM2B_PUBLIC *p, unsigned char *buf, size_t max, size_t *len)
{
	*len = 0;
	return Tss2_MU_TPM2B_PUBLIC_Marshal(p, buf, max, len) ? -1 : 0;
}

static void tpm_setup(const char *swtpm)
{
	TSS2_TCTI_CONTEXT *tcti;
	size_t sz = 0;
	TSS2_RC rc;
	char conf[128];

	if (swtpm) {
		const char *colon = strrchr(swtpm, ':');
		if (!colon || colon - swtpm > 60 || strlen(colon) > 6)
			die("--tcti-swtpm wants HOST:PORT");
		snprintf(conf, sizeof(conf), "host=%.*s,port=%s", (int)(colon - swtpm), swtpm,
			 colon + 1);
		rc = Tss2_Tcti_Swtpm_Init(NULL, &sz, conf);
		tcti = calloc(1, sz);
		if (!tcti || (rc = Tss2_Tcti_Swtpm_Init(tcti, &sz, conf)))
			die("swtpm TCTI (%s): 0x%x", conf, rc);
	} else {
		/* The kernel's resource manager: transient objects we leave are flushed. */
		const char *dev = access("/dev/tpmrm0", R_OK | W_OK) == 0 ? "/dev/tpmrm0" : "/dev/tpm0";
		rc = Tss2_Tcti_Device_Init(NULL, &sz, dev);
		tcti = calloc(1, sz);
		if (!tcti || (rc = Tss2_Tcti_Device_Init(tcti, &sz, dev)))
			die("device TCTI %s: 0x%x", dev, rc);
	}
	rc = Esys_Initialize(&ectx, tcti, NULL);
	if (rc)
		die("Esys_Initialize: 0x%x", rc);
}

/* The EK: the persistent key swtpm_setup (or a manufacturer) made, and its
 * certificate from NV. */
static void load_ek(void)
{
	TPM2B_NV_PUBLIC *nvpub = NULL;
	ESYS_TR nv;
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(ectx, EK_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek);
	if (rc)
		die("no EK at persistent handle 0x%x (provision with swtpm_setup --create-ek-cert): 0x%x",
		    EK_HANDLE, rc);
	rc = Esys_ReadPublic(ectx, ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ek_pub, NULL, NULL);
	if (rc)
		die("ReadPublic(EK): 0x%x", rc);
	rc = Esys_TR_FromTPMPublic(ectx, EK_CERT_NV, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (rc)
		die("no EK certificate in NV index 0x%x: 0x%x", EK_CERT_NV, rc);
	rc = Esys_NV_ReadPublic(ectx, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nvpub, NULL);
	if (rc)
		die("NV_ReadPublic(0x%x): 0x%x", EK_CERT_NV, rc);
	size_t total = nvpub->nvPublic.dataSize;
	free(nvpub);
	if (total == 0 || total > sizeof(ek_cert))
		die("EK certificate index holds %zu bytes", total);
	while (ek_cert_len < total) {
		TPM2B_MAX_NV_BUFFER *chunk = NULL;
		UINT16 n = total - ek_cert_len > 512 ? 512 : (UINT16)(total - ek_cert_len);
		rc = Esys_NV_Read(ectx, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
				  (UINT16)ek_cert_len, &chunk);
		if (rc || chunk->size != n)
			die("NV_Read(0x%x, %zu): 0x%x", EK_CERT_NV, ek_cert_len, rc);
		memcpy(ek_cert + ek_cert_len, chunk->buffer, n);
		ek_cert_len += n;
		free(chunk);
	}
	Esys_TR_Close(ectx, &nv);
}

/* The AK: a primary key of the endorsement hierarchy, so the same template
 * gives the same key in every boot of this TPM (created or, in effect,
 * reloaded). Restricted signing key: it signs only TPM-generated
 * structures (TPMS_ATTEST starting with TPM_GENERATED_VALUE). */
static void load_ak(void)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT,
			.parameters.eccDetail = {
				.symmetric.algorithm = TPM2_ALG_NULL,
				.scheme = { .scheme = TPM2_ALG_ECDSA,
					    .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
		},
	};
	TSS2_RC rc;

	rc = Esys_CreatePrimary(ectx, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &tmpl, &outside, &none, &ak, &ak_pub, NULL, NULL,
				NULL);
	if (rc)
		die("CreatePrimary(AK under the endorsement hierarchy): 0x%x", rc);
}

static void answer_error(struct out *o, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '?';
	o->len = 0;
	out_add(o, "{\"error\":\"%s\"}", msg);
}

static void do_hello(struct out *o)
{
	unsigned char buf[1024];
	size_t n;

	out_add(o, "{\"format\":\"twoway-agent-hello\",\"version\":%d", EVIDENCE_VERSION);
	out_hex(o, "ek_cert", ek_cert, ek_cert_len);
	if (marshal_public(ek_pub, buf, sizeof(buf), &n))
		return answer_error(o, "cannot marshal the EK public area");
	out_hex(o, "ek_pub", buf, n);
	if (marshal_public(ak_pub, buf, sizeof(buf), &n))
		return answer_error(o, "cannot marshal the AK public area");
	out_hex(o, "ak_pub", buf, n);
	out_add(o, "}");
}

/* TPM2_ActivateCredential: the EK's policy is PolicySecret(endorsement)
 * (TCG EK Credential Profile, default EK template), so a policy session. */
static void do_activate(struct out *o, const char *blob_hex, const char *secret_hex)
{
	TPM2B_ID_OBJECT blob = { 0 };
	TPM2B_ENCRYPTED_SECRET secret = { 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST *cert = NULL;
	ESYS_TR sess = ESYS_TR_NONE;
	long n;
	TSS2_RC rc;

	n = unhex(blob_hex, blob.credential, sizeof(blob.credential));
	if (n < 0)
		return answer_error(o, "bad credential blob");
	blob.size = (UINT16)n;
	n = unhex(secret_hex, secret.secret, sizeof(secret.secret));
	if (n < 0)
		return answer_error(o, "bad encrypted secret");
	secret.size = (UINT16)n;
	rc = Esys_StartAuthSession(ectx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &sess);
	if (rc)
		return answer_error(o, "StartAuthSession: 0x%x", rc);
	rc = Esys_PolicySecret(ectx, ESYS_TR_RH_ENDORSEMENT, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
	if (!rc)
		rc = Esys_ActivateCredential(ectx, ak, ek, ESYS_TR_PASSWORD, sess, ESYS_TR_NONE,
					     &blob, &secret, &cert);
	Esys_FlushContext(ectx, sess);
	if (rc)
		return answer_error(o, "ActivateCredential: 0x%x", rc);
	out_add(o, "{");
	out_hex(o, "activated", cert->buffer, cert->size);
	out_add(o, "}");
	free(cert);
}

/* The PAL's uTPM quote: miee-run quote with NONCE' = SHA-256(nonce || AK name). */
static int pal_quote(struct out *o, const unsigned char nonce[32])
{
	static const char *const fields[] = { "attest", "sig", "pubkey", "upcr0", "upcr1" };
	static const char *const keys[] = { "utpm_quote", "utpm_sig", "utpm_pub", "upcr0", "upcr1" };
	unsigned char name[2 + 32], unonce[32], buf[1024];
	char hex[65], line[2048];
	int fd[2], st, found = 0;
	size_t n = 0;
	struct sha256_ctx s;

	name[0] = 0;
	name[1] = TPM2_ALG_SHA256;
	if (marshal_public(ak_pub, buf, sizeof(buf), &n) || n < 2)
		return -1;
	/* Name = nameAlg || H(TPMT_PUBLIC): the TPM2B's size field skipped. */
	sha256_init(&s);
	sha256_update(&s, buf + 2, n - 2);
	sha256_final(&s, name + 2);
	sha256_init(&s);
	sha256_update(&s, nonce, 32);
	sha256_update(&s, name, sizeof(name));
	sha256_final(&s, unonce);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", unonce[i]);
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		if (pal_variant)
			execlp(runner, runner, "--variant", "quote", hex, (char *)NULL);
		else
			execlp(runner, runner, "quote", hex, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			char pfx[64];
			snprintf(pfx, sizeof(pfx), "miee-run: utpm %s ", fields[i]);
			if (!strncmp(line, pfx, strlen(pfx)) && !(found & (1 << i))) {
				long len = unhex(line + strlen(pfx), buf, sizeof(buf));
				if (len < 0)
					continue;
				out_hex(o, keys[i], buf, (size_t)len);
				found |= 1 << i;
			}
		}
	}
	if (f)
		fclose(f);
	waitpid(pid, &st, 0);
	/* The runner exits non-zero when its own checks disagree (e.g. a PAL
	 * variant): the verifier decides, so only missing fields are an error. */
	return found == 0x1f ? 0 : -1;
}

static void do_quote(struct out *o, const char *nonce_hex)
{
	TPM2B_DATA qd = { 0 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections = { { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3,
				     .pcrSelect = { 0x00, 0x00, 0x0e } } },	/* 17, 18, 19 */
	};
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPML_DIGEST *vals = NULL;
	unsigned char buf[1024];
	size_t n = 0;
	long nl;
	TSS2_RC rc;

	nl = unhex(nonce_hex, qd.buffer, sizeof(qd.buffer));
	if (nl != 32)
		return answer_error(o, "the nonce must be 32 bytes of hex");
	qd.size = 32;
	rc = Esys_Quote(ectx, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qd, &scheme, &sel,
			&quoted, &sig);
	if (rc)
		return answer_error(o, "Quote: 0x%x", rc);
	rc = Esys_PCR_Read(ectx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL, NULL, &vals);
	if (rc || vals->count != 3) {
		free(quoted);
		free(sig);
		free(vals);
		return answer_error(o, "PCR_Read(17,18,19): 0x%x", rc);
	}
	out_add(o, "{\"format\":\"twoway-evidence\",\"version\":%d", EVIDENCE_VERSION);
	out_hex(o, "ek_cert", ek_cert, ek_cert_len);
	if (!marshal_public(ek_pub, buf, sizeof(buf), &n))
		out_hex(o, "ek_pub", buf, n);
	if (!marshal_public(ak_pub, buf, sizeof(buf), &n))
		out_hex(o, "ak_pub", buf, n);
	out_hex(o, "quote", quoted->attestationData, quoted->size);
	n = 0;
	if (!Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof(buf), &n))
		out_hex(o, "quote_sig", buf, n);
	out_hex(o, "pcr17", vals->digests[0].buffer, vals->digests[0].size);
	out_hex(o, "pcr18", vals->digests[1].buffer, vals->digests[1].size);
	out_hex(o, "pcr19", vals->digests[2].buffer, vals->digests[2].size);
	free(quoted);
	free(sig);
	free(vals);
	if (pal_quote(o, qd.buffer))
		fprintf(stderr, "attest-agent: the PAL's uTPM quote is missing (%s quote failed)\n",
			runner);
	out_add(o, "}");
}

/* One connection; 1 when the verifier ended it with "bye". */
static int serve(int c)
{
	static char line[LINE_MAX_BYTES + 2];
	FILE *in = fdopen(c, "r");
	struct out o = { 0 };

	int done = 0;

	if (!in)
		return 0;
	while (fgets(line, sizeof(line), in)) {
		char *w[3] = { 0 };
		int nw = 0;

		if (!strchr(line, '\n'))
			break;		/* too long: drop the connection */
		line[strcspn(line, "\r\n")] = 0;
		for (char *t = strtok(line, " "); t && nw < 3; t = strtok(NULL, " "))
			w[nw++] = t;
		o.len = 0;
		out_add(&o, "");
		if (nw == 1 && !strcmp(w[0], "hello"))
			do_hello(&o);
		else if (nw == 3 && !strcmp(w[0], "activate"))
			do_activate(&o, w[1], w[2]);
		else if (nw == 2 && !strcmp(w[0], "quote"))
			do_quote(&o, w[1]);
		else if (nw == 1 && !strcmp(w[0], "bye")) {
			done = 1;
			break;
		}
		else
			answer_error(&o, "unknown request");
		out_add(&o, "\n");
		if (write(c, o.s, o.len) != (ssize_t)o.len)
			break;
	}
	free(o.s);
	fclose(in);
	return done;
}

int main(int argc, char **argv)
{
	int port = 7000, conns = 0, one = 1;
	const char *swtpm = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sessions") && i + 1 < argc)
			conns = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tcti-swtpm") && i + 1 < argc)
			swtpm = argv[++i];
		else if (!strcmp(argv[i], "--runner") && i + 1 < argc)
			runner = argv[++i];
		else if (!strcmp(argv[i], "--pal-variant"))
			pal_variant = 1;
		else {
			fprintf(stderr, "usage: attest-agent [--port N] [--sessions N] "
				"[--tcti-swtpm HOST:PORT] [--runner PATH] [--pal-variant]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535)
		die("bad port");
	signal(SIGPIPE, SIG_IGN);
	tpm_setup(swtpm);
	load_ek();
	load_ak();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4))
		die("cannot listen on port %d: %s", port, strerror(errno));
	printf("attest-agent: listening on port %d\n", port);
	fflush(stdout);
	/* Only sessions the verifier ended count: QEMU's user-mode network may
	 * hand us a connection whose host side already gave up. */
	for (int served = 0; !conns || served < conns;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		served += serve(c);
	}
	Esys_FlushContext(ectx, ak);
	Esys_Finalize(&ectx);
	return 0;
}
