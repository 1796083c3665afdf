/* attest/verify: the two modes. Online, a challenge-response session with
 * attest-agent (credential activation, then two quotes over fresh
 * nonces); offline, evidence saved earlier with the nonce chosen for it.
 * Host side, OpenSSL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "verify.h"

int online(void)
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

int offline(void)
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
