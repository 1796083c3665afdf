/* libFuzzer target: the verifier's evidence parser (attest/evidence.c).
 * Every input goes through the JSON layer as evidence, as an agent hello
 * and as an activation answer; whatever parses then goes through the TPM
 * structure parsers, as the verifier would feed them. Build and run:
 * make fuzz-evidence (attest/fuzz.mk). */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../attest/evidence.h"

static void sha(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct evidence ev;
	struct tpm_public pub;
	struct tpm_attest a;
	struct tpm_sig_ecdsa s;
	char err[200];

	if (!ev_parse_message((const char *)data, size, "twoway-evidence", EV_EVIDENCE_FIELDS, &ev,
			      err, sizeof(err))) {
		tpm_parse_public(ev.f[EVF_EK_PUB].b, ev.f[EVF_EK_PUB].n, &pub, sha, err, sizeof(err));
		tpm_parse_public(ev.f[EVF_AK_PUB].b, ev.f[EVF_AK_PUB].n, &pub, sha, err, sizeof(err));
		tpm_parse_attest(ev.f[EVF_QUOTE].b, ev.f[EVF_QUOTE].n, &a, err, sizeof(err));
		tpm_parse_attest(ev.f[EVF_UTPM_QUOTE].b, ev.f[EVF_UTPM_QUOTE].n, &a, err, sizeof(err));
		tpm_parse_sig_ecdsa(ev.f[EVF_QUOTE_SIG].b, ev.f[EVF_QUOTE_SIG].n, &s, err, sizeof(err));
		tpm_parse_sig_ecdsa(ev.f[EVF_UTPM_SIG].b, ev.f[EVF_UTPM_SIG].n, &s, err, sizeof(err));
	}
	ev_parse_message((const char *)data, size, "twoway-agent-hello", EV_HELLO_FIELDS, &ev, err,
			 sizeof(err));
	ev_parse_message((const char *)data, size, "", 1u << EVF_ACTIVATED, &ev, err, sizeof(err));
	/* The raw bytes as TPM structures too: the parsers see hostile
	 * bytes directly, not only well-formed hex. */
	tpm_parse_public(data, size, &pub, sha, err, sizeof(err));
	tpm_parse_attest(data, size, &a, err, sizeof(err));
	tpm_parse_sig_ecdsa(data, size, &s, err, sizeof(err));
	return 0;
}
