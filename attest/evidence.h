/* Evidence of the attestation agent, as the verifier parses it
 * (docs/attestation.md, "Evidence format"). Host side, pure code: no I/O,
 * no allocation; also the libFuzzer target (tests/fuzz/fuzz_evidence.c). */
#ifndef ATTEST_EVIDENCE_H
#define ATTEST_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#define EV_VERSION 1
#define EV_MAX_JSON 65536

/* One hex field of a message: its key, bounds and where it goes. */
enum ev_field {
	EVF_EK_CERT, EVF_EK_PUB, EVF_AK_PUB, EVF_QUOTE, EVF_QUOTE_SIG,
	EVF_PCR17, EVF_PCR18, EVF_PCR19,
	EVF_UTPM_QUOTE, EVF_UTPM_SIG, EVF_UTPM_PUB, EVF_UPCR0, EVF_UPCR1,
	EVF_ACTIVATED, EVF_N
};

struct ev_bytes {
	uint8_t b[4096];
	size_t n;
};

struct evidence {
	char format[40];	/* "twoway-evidence", "twoway-agent-hello", "" (an answer) */
	long version;		/* -1 when absent */
	char error[160];	/* an agent's {"error": ...}, else "" */
	unsigned have;		/* bit f: field f present */
	struct ev_bytes f[EVF_N];
};

/* Field sets the messages must have (exactly: no other field is accepted). */
#define EV_HELLO_FIELDS ((1u << EVF_EK_CERT) | (1u << EVF_EK_PUB) | (1u << EVF_AK_PUB))
#define EV_EVIDENCE_FIELDS (EV_HELLO_FIELDS | (1u << EVF_QUOTE) | (1u << EVF_QUOTE_SIG) | \
	(1u << EVF_PCR17) | (1u << EVF_PCR18) | (1u << EVF_PCR19) | (1u << EVF_UTPM_QUOTE) | \
	(1u << EVF_UTPM_SIG) | (1u << EVF_UTPM_PUB) | (1u << EVF_UPCR0) | (1u << EVF_UPCR1))

const char *ev_field_name(enum ev_field f);

/* Parse one JSON object: only string and non-negative integer values, no
 * escapes, no nesting, no duplicate or unknown keys; hex fields decoded and
 * held to their sizes. 0, or -1 with a message in err (ev then holds
 * nothing usable). */
int ev_parse_json(const char *s, size_t len, struct evidence *ev, char *err, size_t errlen);

/* ev_parse_json, then the message's format, version and exact field set. */
int ev_parse_message(const char *s, size_t len, const char *format, unsigned fields,
		     struct evidence *ev, char *err, size_t errlen);

/* TPM 2.0 structures (Part 2), parsed strictly: every length bounded, the
 * buffer consumed exactly. */
struct tpm_public {
	uint16_t type, name_alg;
	uint32_t attrs;
	size_t policy_len;
	uint16_t sym_alg, sym_bits, sym_mode;
	uint16_t scheme, scheme_hash;
	uint16_t rsa_bits;
	uint32_t rsa_exp;
	uint16_t curve, kdf;
	uint8_t unique[512];	/* RSA modulus, or ECC x */
	size_t unique_len;
	uint8_t y[66];
	size_t y_len;
	uint8_t name[34];	/* 000b || SHA-256(TPMT_PUBLIC) */
};

struct tpm_attest {
	uint32_t magic;
	uint16_t type;
	uint8_t signer[68];
	size_t signer_len;
	uint8_t extra[64];
	size_t extra_len;
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint8_t safe;
	uint64_t firmware;
	uint32_t nsel;
	struct { uint16_t hash; uint8_t size; uint8_t bits[4]; } sel[4];
	uint8_t digest[64];
	size_t digest_len;
};

struct tpm_sig_ecdsa {
	uint16_t alg, hash;
	uint8_t r[66], s[66];
	size_t r_len, s_len;
};

#define TPM_ALG_RSA 0x0001
#define TPM_ALG_SHA256 0x000b
#define TPM_ALG_NULL 0x0010
#define TPM_ALG_ECDSA 0x0018
#define TPM_ALG_ECC 0x0023
#define TPM_ALG_AES 0x0006
#define TPM_ALG_CFB 0x0043
#define TPM_ECC_NIST_P256 0x0003
#define TPM_GENERATED 0xff544347u
#define TPM_ST_ATTEST_QUOTE 0x8018

#define TPMA_FIXEDTPM (1u << 1)
#define TPMA_FIXEDPARENT (1u << 4)
#define TPMA_SENSITIVEDATAORIGIN (1u << 5)
#define TPMA_USERWITHAUTH (1u << 6)
#define TPMA_ADMINWITHPOLICY (1u << 7)
#define TPMA_RESTRICTED (1u << 16)
#define TPMA_DECRYPT (1u << 17)
#define TPMA_SIGN (1u << 18)

/* A TPM2B_PUBLIC (size first). The name is computed with the caller's
 * SHA-256 (so this file needs no crypto library). */
typedef void (*ev_sha256_fn)(const uint8_t *p, size_t n, uint8_t out[32]);
int tpm_parse_public(const uint8_t *p, size_t n, struct tpm_public *pub, ev_sha256_fn sha,
		     char *err, size_t errlen);
/* A TPMS_ATTEST of type quote. */
int tpm_parse_attest(const uint8_t *p, size_t n, struct tpm_attest *a, char *err, size_t errlen);
/* A TPMT_SIGNATURE with an ECDSA signature. */
int tpm_parse_sig_ecdsa(const uint8_t *p, size_t n, struct tpm_sig_ecdsa *s, char *err,
			size_t errlen);

#endif
