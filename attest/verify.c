/* attest/verify: the remote verifier (docs/attestation.md). Host side,
 * OpenSSL. It believes nothing the guest says unless a check covers it
 * (verify-checks.c): the EK by its certificate chain, the AK by credential
 * activation against that EK, the PCRs by the AK's quote over its own
 * nonce, the uTPM key by PCR 19, the PAL by the uTPM quote over a nonce
 * derived from it. This file: the options, the inputs they name, main.
 * The rest: verify-session.c (online and offline), verify-conn.c (the
 * transport), verify-crypto.c, verify-report.c (human report and EAR);
 * verify.h holds what they share. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "hex.h"
#include "verify.h"

const char *me = "verify";

struct verify_opt opt = { .timeout = 120, .verifier_id = "twoway-hv attest/verify 1" };
int quiet;
uint8_t ref17[32], ref18[32], refpal[32], trusted_ak[34];

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", me);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

_Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

/* ---- the inputs the options name */
static int unhex_exact(const char *h, uint8_t *out, size_t n)
{
	if (strlen(h) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = hex_byte(h + 2 * i);
		if (v < 0)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

char *read_file(const char *path, size_t max, size_t *len)
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

void save(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", data) < 0 || fclose(f))
		die(EXIT_INPUT, "cannot write %s", path);
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
