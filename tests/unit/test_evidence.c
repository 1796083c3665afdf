/* Unit tests for attest/evidence.c, the verifier's parser of the agent's
 * messages and of the TPM structures in them (docs/attestation.md): each
 * rule of the strict JSON layer, the field set and bounds, and the TPM
 * structure parsers on real swtpm structures, every truncation, trailing
 * bytes and out-of-bounds lengths. The parser is one file with no
 * dependencies, so it is compiled into this test directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../attest/evidence.c"
#include "crypto/sha256.h"

/* An AK TPM2B_PUBLIC and a quote TPMS_ATTEST from a real run (swtpm 0.7.1,
 * attest-agent). */
static const char AK_PUB[] =
	"00580023000b00050072000000100018000b000300100020f4efecf0bf105356dcbdb4a663890e61"
	"93a01b38a2872fe3508add9ca16366640020d150c79aa3c17259c4fdf42dee7f797c04e317716cb1"
	"1dadeb6c74da84ac83bb";
static const char SIG[] =
	"0018000b0020" "1111111111111111111111111111111111111111111111111111111111111111"
	"0020" "2222222222222222222222222222222222222222222222222222222222222222";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void sha(const uint8_t *p, size_t n, uint8_t out[32])
{
	sha256(p, n, out);
}

/* 32 zero bytes in hex */
#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"

static struct evidence ev;
static char err[200];

static int parse(const char *s)
{
	return ev_parse_json(s, strlen(s), &ev, err, sizeof(err));
}

static void test_json_rules(void **state)
{
	(void)state;
	assert_int_equal(parse("{}"), 0);
	assert_int_equal(parse(" {\"format\":\"x\",\"version\":1} \n"), 0);
	assert_string_equal(ev.format, "x");
	assert_int_equal(ev.version, 1);
	assert_int_equal(parse("{\"pcr17\":\"" "00112233445566778899aabbccddeeff"
			       "00112233445566778899AABBCCDDEEFF\"}"), 0);
	assert_int_equal(ev.f[EVF_PCR17].n, 32);
	assert_int_equal(ev.f[EVF_PCR17].b[31], 0xff);
	/* each rule, broken */
	const char *bad[] = {
		"", " ", "[]", "{", "}", "{\"format\":\"x\"", "{\"format\":\"x\",}",
		"{\"format\":\"x\"} x", "{\"format\":\"x\"}{}", "{\"format\" \"x\"}",
		"{format:\"x\"}", "{\"format\":x}", "{\"format\":\"a\\\"b\"}",
		"{\"format\":\"a\nb\"}", "{\"format\":{\"a\":1}}", "{\"format\":[1]}",
		"{\"version\":-1}", "{\"version\":1.5}", "{\"version\":1234567890}",
		"{\"format\":\"x\",\"format\":\"x\"}", "{\"version\":1,\"version\":1}",
		"{\"pcr17\":\"" Z64 "\",\"pcr17\":\"" Z64 "\"}", "{\"extra\":\"00\"}",
		"{\"pcr17\":\"0\"}", "{\"pcr17\":\"zz" "00000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"pcr17\":\"00\"}", "{\"pcr17\":1}", "{\"format\":\"\"}",
		"{\"utpm_pub\":\"04\"}", "{\"format\":\"0123456789012345678901234567890123456789\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (parse(bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0]);
	}
	/* too long as a whole */
	char *big = malloc(EV_MAX_JSON + 2);
	memset(big, ' ', EV_MAX_JSON + 1);
	big[0] = '{';
	big[EV_MAX_JSON] = '}';
	assert_int_equal(ev_parse_json(big, EV_MAX_JSON + 1, &ev, err, sizeof(err)), -1);
	assert_int_equal(ev_parse_json(big, EV_MAX_JSON, &ev, err, sizeof(err)), -1);
	big[EV_MAX_JSON - 1] = '}';
	assert_int_equal(ev_parse_json(big, EV_MAX_JSON, &ev, err, sizeof(err)), 0);
	free(big);
}

static void test_message(void **state)
{
	char buf[4096];
	(void)state;
	snprintf(buf, sizeof(buf), "{\"format\":\"twoway-agent-hello\",\"version\":1,\"ek_cert\":\"30\","
		 "\"ek_pub\":\"0000\",\"ak_pub\":\"%s\"}", AK_PUB);
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-agent-hello", EV_HELLO_FIELDS, &ev,
					  err, sizeof(err)), 0);
	/* as evidence: wrong format */
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-evidence", EV_HELLO_FIELDS, &ev,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "format"));
	assert_int_equal(ev.have, 0);	/* nothing left behind */
	/* a field missing */
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-agent-hello",
					  EV_HELLO_FIELDS | (1u << EVF_QUOTE), &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"quote\" missing"));
	/* a field not allowed here */
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-agent-hello", 1u << EVF_EK_CERT,
					  &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not allowed"));
	/* another version */
	snprintf(buf, sizeof(buf), "{\"format\":\"twoway-agent-hello\",\"version\":2}");
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-agent-hello", 0, &ev, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "version 2"));
	/* no version */
	snprintf(buf, sizeof(buf), "{\"format\":\"twoway-agent-hello\"}");
	assert_int_equal(ev_parse_message(buf, strlen(buf), "twoway-agent-hello", 0, &ev, err,
					  sizeof(err)), -1);
	/* an agent error is reported as such */
	snprintf(buf, sizeof(buf), "{\"error\":\"Quote: 0x1d5\"}");
	assert_int_equal(ev_parse_message(buf, strlen(buf), "", 1u << EVF_ACTIVATED, &ev, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, "Quote: 0x1d5"));
	snprintf(buf, sizeof(buf), "{\"activated\":\"%064x\"}", 7);
	assert_int_equal(ev_parse_message(buf, strlen(buf), "", 1u << EVF_ACTIVATED, &ev, err,
					  sizeof(err)), 0);
	assert_int_equal(ev.f[EVF_ACTIVATED].n, 32);
}

static void test_public(void **state)
{
	uint8_t b[200], want[32];
	struct tpm_public p;
	size_t n = unhex(AK_PUB, b);
	(void)state;
	assert_int_equal(tpm_parse_public(b, n, &p, sha, err, sizeof(err)), 0);
	assert_int_equal(p.type, TPM_ALG_ECC);
	assert_int_equal(p.attrs, 0x00050072);
	assert_int_equal(p.curve, TPM_ECC_NIST_P256);
	assert_int_equal(p.scheme, TPM_ALG_ECDSA);
	assert_int_equal(p.unique_len, 32);
	assert_int_equal(p.y_len, 32);
	sha256(b + 2, n - 2, want);
	assert_memory_equal(p.name + 2, want, 32);
	/* every truncation, with the size field adjusted or not */
	for (size_t k = 0; k < n; k++) {
		uint8_t c[200];
		memcpy(c, b, k);
		assert_int_equal(tpm_parse_public(c, k, &p, sha, err, sizeof(err)), -1);
		if (k >= 2) {
			c[0] = (uint8_t)((k - 2) >> 8);
			c[1] = (uint8_t)(k - 2);
			assert_int_equal(tpm_parse_public(c, k, &p, sha, err, sizeof(err)), -1);
		}
	}
	/* a trailing byte inside the size */
	b[n] = 0;
	b[1]++;
	assert_int_equal(tpm_parse_public(b, n + 1, &p, sha, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "left over"));
	b[1]--;
	/* x longer than its bound */
	b[0x16] = 0x01;
	assert_int_equal(tpm_parse_public(b, n, &p, sha, err, sizeof(err)), -1);
	b[0x16] = 0x00;
	/* another name algorithm */
	b[5] = 0x0c;
	assert_int_equal(tpm_parse_public(b, n, &p, sha, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nameAlg"));
}

static void test_attest_and_sig(void **state)
{
	/* a quote made like the uTPM's (docs/utpm.md): 113 + 32 bytes */
	uint8_t a[145] = { 0xff, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x22, 0x00, 0x0b };
	struct tpm_attest t;
	struct tpm_sig_ecdsa s;
	uint8_t sb[80];
	size_t sn = unhex(SIG, sb);
	(void)state;
	a[42] = 0;
	a[43] = 32;
	memcpy(a + 69 + 32, "\x00\x00\x00\x01\x00\x0b\x03\x03\x00\x00\x00\x20", 12);
	a[60 + 32] = 1;
	assert_int_equal(tpm_parse_attest(a, sizeof(a), &t, err, sizeof(err)), 0);
	assert_int_equal(t.signer_len, 34);
	assert_int_equal(t.extra_len, 32);
	assert_int_equal(t.nsel, 1);
	assert_int_equal(t.sel[0].bits[0], 3);
	assert_int_equal(t.safe, 1);
	assert_int_equal(t.digest_len, 32);
	for (size_t k = 0; k < sizeof(a); k++)
		assert_int_equal(tpm_parse_attest(a, k, &t, err, sizeof(err)), -1);
	uint8_t longer[146];
	memcpy(longer, a, sizeof(a));
	longer[145] = 0;
	assert_int_equal(tpm_parse_attest(longer, sizeof(longer), &t, err, sizeof(err)), -1);
	a[5] = 0x17;	/* TPM_ST_ATTEST_CERTIFY */
	assert_int_equal(tpm_parse_attest(a, sizeof(a), &t, err, sizeof(err)), -1);
	a[5] = 0x18;
	a[43] = 65;	/* extraData beyond 64 */
	assert_int_equal(tpm_parse_attest(a, sizeof(a), &t, err, sizeof(err)), -1);
	a[43] = 32;
	a[69 + 32 + 3] = 5;	/* 5 selections */
	assert_int_equal(tpm_parse_attest(a, sizeof(a), &t, err, sizeof(err)), -1);
	a[69 + 32 + 3] = 1;
	a[69 + 32 + 6] = 5;	/* sizeofSelect 5 */
	assert_int_equal(tpm_parse_attest(a, sizeof(a), &t, err, sizeof(err)), -1);

	assert_int_equal(tpm_parse_sig_ecdsa(sb, sn, &s, err, sizeof(err)), 0);
	assert_int_equal(s.r_len, 32);
	assert_int_equal(s.s[0], 0x22);
	for (size_t k = 0; k < sn; k++)
		assert_int_equal(tpm_parse_sig_ecdsa(sb, k, &s, err, sizeof(err)), -1);
	sb[1] = 0x14;	/* RSASSA */
	assert_int_equal(tpm_parse_sig_ecdsa(sb, sn, &s, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_rules),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_attest_and_sig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
