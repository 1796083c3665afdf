/* attest/verify's own header: what its files share (the options and
 * reference values, the check records, the transport, the crypto). Not an
 * interface for anything else. Host side, OpenSSL. */
#ifndef ATTEST_VERIFY_H
#define ATTEST_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "evidence.h"

#define EXIT_ATTESTED 0
#define EXIT_NOT_ATTESTED 1
#define EXIT_USAGE 2
#define EXIT_INPUT 3

/* ---- options and reference values (verify.c) */
struct verify_opt {
	const char *agent, *evidence, *ek_ca, *ek_chain, *save_evidence, *save_ak, *previous;
	const char *ref17, *ref18, *refpal, *ak_name;
	uint8_t nonce[32];
	int have_nonce, json, timeout;
	const char *verifier_id;
};
extern struct verify_opt opt;
extern int quiet;			/* -q: only the verdict lines */
extern const char *me;			/* the name messages start with */
extern uint8_t ref17[32], ref18[32], refpal[32], trusted_ak[34];

void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The whole file, NUL-terminated, at most max bytes (else die). */
char *read_file(const char *path, size_t max, size_t *len);
/* data and a newline into path (else die). */
void save(const char *path, const char *data);

/* ---- the check records (verify-report.c) */
enum sub { SUB_HV, SUB_PAL };
enum tv { TV_ID, TV_HW, TV_EXE, TV_CONF, TV_N };

struct check {
	char name[96], got[160], want[160];
	int ok;		/* 1 ok, 0 FAIL, -1 not applicable (said so) */
	enum sub sub;
	enum tv tv;
};
extern struct check checks[64];
extern int nchecks;

/* n bytes as hex into out (cut with "..." to fit max). */
void hexs(char *out, size_t max, const uint8_t *p, size_t n);
struct check *check(enum sub sub, enum tv tv, int ok, const char *name, const char *got,
		    const char *want);
void check_bytes(enum sub sub, enum tv tv, const char *name, const uint8_t *got, size_t gn,
		 const uint8_t *want, size_t wn);
/* Prints the checks and the verdict (and the EAR with --json); the exit status. */
int report(void);

/* ---- crypto (verify-crypto.c) */
void sha256(const uint8_t *p, size_t n, uint8_t out[32]);
EVP_PKEY *p256_key(const uint8_t x[32], const uint8_t y[32]);
int ecdsa_ok(EVP_PKEY *key, const uint8_t *m, size_t mn, const struct tpm_sig_ecdsa *s);
int make_credential(EVP_PKEY *ek, const uint8_t akname[34], const uint8_t secret[32],
		    uint8_t *blob, size_t *blob_len, uint8_t *encseed, size_t *seed_len);

/* ---- the transport (verify-conn.c) */
struct conn {
	int fd;
	char buf[EV_MAX_JSON + 2];
	size_t have;
	time_t deadline;
};
int conn_open(struct conn *c, const char *hostport, time_t deadline);
int conn_send(struct conn *c, const char *line);
int ask(struct conn *c, const char *req, const char *format, unsigned fields,
	struct evidence *ev, char *err, size_t errlen, char **raw);

/* ---- the checks (verify-checks.c) */
extern X509_STORE *ca_store;		/* --ek-ca */
extern STACK_OF(X509) *chain;		/* --ek-chain: untrusted intermediates */

X509 *ek_cert_checks(const struct evidence *ev, EVP_PKEY **ekkey);
int ak_checks(const struct evidence *ev, struct tpm_public *ak);
void evidence_checks(const struct evidence *ev, const uint8_t nonce[32], struct tpm_attest *a,
		     EVP_PKEY **ekkey, X509 **cert, struct tpm_public *ak, int *ak_ok);
void clock_check(const struct tpm_attest *a1, const struct tpm_attest *a2, const char *how);

/* ---- the two modes (verify-session.c) */
int online(void);
int offline(void);

#endif
