/* TPM 2.0 command marshaling and response parsing (TPM 2.0 Library Parts 1-3).
 * Pure byte handling with no hardware access: runs in the hypervisor (root
 * mode, any context) and in host unit tests. */
#ifndef HV_TPM_CMD_H
#define HV_TPM_CMD_H

#include "types.h"
#include "errno.h"

/* errno.h lacks these two; the values are Linux's. */
#ifndef ENODEV
#define ENODEV 19
#endif
#ifndef EPROTO
#define EPROTO 71
#endif

/*
 * Return convention of every function here and in tpm.h:
 *   0         success, and the TPM answered TPM_RC_SUCCESS;
 *   -EIO      the TPM answered with a non-zero response code: *rc holds it
 *             (e.g. TPM_RC_LOCALITY); this is the only case with *rc != 0;
 *   -EPROTO   malformed response (framing, a length, a count, a tag, a
 *             mismatching echo, trailing bytes) or FIFO protocol violation;
 *   -ENOENT   PCR_Read: the TPM has no SHA-256 value for that PCR (the bank
 *             is not allocated: it cleared our selection bit);
 *   -EINVAL   bad argument from the caller;
 *   -ENOSPC   a buffer is too small for the command or the response;
 *   -ETIMEDOUT, -ENODEV, -EBUSY  transport only (tpm.h).
 * So `if (err)` alone is a complete check, and `*rc != 0` tells "the TPM
 * refused" apart from "we could not talk to it".
 */

/* tag, size, code (Part 1 "Command/Response Structure") */
#define TPM_HEADER_SIZE 10
/* Largest command or response handled: PC Client TPMs report
 * TPM_PT_MAX_COMMAND_SIZE / TPM_PT_MAX_RESPONSE_SIZE of at most this. */
#define TPM_BUF_SIZE 4096

/* TPM_ST (Part 2 §6.9); TPM_ST_RSP_COMMAND is what a TPM 1.2 answers. */
#define TPM_ST_RSP_COMMAND 0x00c4
#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS 0x8002

/* TPM_CC (Part 2 §6.5.2) */
#define TPM_CC_NV_DEFINE_SPACE 0x0000012a
#define TPM_CC_CREATE_PRIMARY 0x00000131
#define TPM_CC_STARTUP 0x00000144
#define TPM_CC_NV_WRITE 0x00000137
#define TPM_CC_NV_READ 0x0000014e
#define TPM_CC_NV_READ_LOCK 0x0000014f
#define TPM_CC_CREATE 0x00000153
#define TPM_CC_FLUSH_CONTEXT 0x00000165
#define TPM_CC_NV_READ_PUBLIC 0x00000169
#define TPM_CC_POLICY_LOCALITY 0x0000016f
#define TPM_CC_START_AUTH_SESSION 0x00000176
#define TPM_CC_GET_RANDOM 0x0000017b
#define TPM_CC_PCR_READ 0x0000017e
#define TPM_CC_POLICY_PCR 0x0000017f
#define TPM_CC_PCR_EXTEND 0x00000182
#define TPM_CC_CREATE_LOADED 0x00000191

/* TPM_RC (Part 2 §6.6) */
#define TPM_RC_SUCCESS 0x000
#define TPM_RC_INITIALIZE 0x100		/* TPM2_Startup already done */
#define TPM_RC_HANDLE 0x08b		/* format 1: bad handle (| TPM_RC_1 etc.) */
#define TPM_RC_1 0x100			/* format 1: the first handle/parameter */
#define TPM_RC_LOCALITY 0x907		/* command not allowed from this locality */
#define TPM_RC_YIELDED 0x908
#define TPM_RC_TESTING 0x90a
#define TPM_RC_RETRY 0x922

#define TPM_RS_PW 0x40000009		/* password session handle (Part 2 §7.4) */
#define TPM_RH_OWNER 0x40000001		/* TPM_RH (Part 2 §7.4) */
#define TPM_RH_NULL 0x40000007
#define TPM_HT_POLICY_SESSION 0x03	/* TPM_HT (Part 2 §7.2): handle >> 24 */
#define TPM_SE_POLICY 0x01		/* TPM_SE (Part 2 §6.11) */
#define TPM_ALG_NULL 0x0010
#define TPM_ALG_SHA256 0x000b		/* TPM_ALG_ID (Part 2 §6.3) */
#define TPM_SU_CLEAR 0x0000		/* TPM_SU (Part 2 §6.8) */
#define TPM_SU_STATE 0x0001
#define TPMA_SESSION_CONTINUE 0x01	/* TPMA_SESSION.continueSession */

#define TPM_PCR_COUNT 24		/* PC Client: PCRs 0-23 */
#define TPM_PCR_SELECT_SIZE 3		/* sizeofSelect covering 24 PCRs */
#define TPM_SHA256_SIZE 32
#define TPM_RANDOM_MAX 64		/* TPM2B_DIGEST bound: sizeof(TPMU_HA) <= 64 */
#define TPM_NONCE_SIZE 32		/* our nonceCaller; nonceTPM = digest size */
#define TPM_NAME_SIZE (2 + TPM_SHA256_SIZE)	/* nameAlg || digest */

/* How long the TPM may take to execute a command (tpmGo to dataAvail). The
 * PTP gives no per-command figures: short commands get TIMEOUT_B, key
 * generation 30 s. */
#define TPM_DURATION_DEFAULT_MS 2000
#define TPM_DURATION_KEYGEN_MS 30000

static inline u16 tpm_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 tpm_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/*
 * Marshaling buffer. Writes past the end are dropped and set a sticky err
 * (-ENOSPC), checked once at the end (tpm_cmd_end), so builders need not
 * test every put.
 */
struct tpm_buf {
	u8 *data;
	size_t cap;
	size_t len;
	int err;
};

void tpm_buf_init(struct tpm_buf *b, u8 *data, size_t cap);
void tpm_put_u8(struct tpm_buf *b, u8 v);
void tpm_put_u16(struct tpm_buf *b, u16 v);
void tpm_put_u32(struct tpm_buf *b, u32 v);
void tpm_put_buf(struct tpm_buf *b, const void *p, size_t n);
/* TPM2B: u16 size then the bytes (Part 2 §10.4 "Sized Buffers") */
void tpm_put_tpm2b(struct tpm_buf *b, const void *p, u16 n);
/* A size field filled in later: open returns its offset; close writes the
 * number of bytes put since (TPM2B_PUBLIC and friends, authorizationSize). */
size_t tpm_put_open16(struct tpm_buf *b);
void tpm_put_close16(struct tpm_buf *b, size_t mark);
size_t tpm_put_open32(struct tpm_buf *b);
void tpm_put_close32(struct tpm_buf *b, size_t mark);

/* Command header (Part 1 "Command/Response Structure"): tag,
 * commandSize (patched by tpm_cmd_end), commandCode. */
void tpm_cmd_begin(struct tpm_buf *b, u8 *data, size_t cap, u16 tag, u32 cc);
/* Authorization area with one password session (Part 1 "Password
 * Authorizations"): authorizationSize, TPM_RS_PW, empty nonce,
 * continueSession, hmac = the password (empty for PCRs). */
void tpm_put_pw_session(struct tpm_buf *b, const u8 *auth, u16 auth_len);
/* Patch commandSize; returns b->err or 0 and the length in *len. */
int tpm_cmd_end(struct tpm_buf *b, size_t *len);

/* Unmarshaling cursor: every get checks the bytes left and returns -EPROTO
 * on underflow, leaving the output untouched. */
struct tpm_rd {
	const u8 *data;
	size_t len;
	size_t off;
};

void tpm_rd_init(struct tpm_rd *r, const u8 *data, size_t len);
size_t tpm_rd_left(const struct tpm_rd *r);
int tpm_get_u8(struct tpm_rd *r, u8 *v);
int tpm_get_u16(struct tpm_rd *r, u16 *v);
int tpm_get_u32(struct tpm_rd *r, u32 *v);
int tpm_get_buf(struct tpm_rd *r, void *out, size_t n);
/* TPM2B with size <= max: *p points into the response (no copy). */
int tpm_get_tpm2b(struct tpm_rd *r, const u8 **p, u16 *n, u16 max);

/* One TPMS_AUTH_RESPONSE (Part 2 "Authorization Structures"): nonceTPM,
 * sessionAttributes, hmac. */
struct tpm_auth_rsp {
	const u8 *nonce;
	u16 nonce_len;
	u8 attrs;
	const u8 *hmac;
	u16 hmac_len;
};

int tpm_get_auth_rsp(struct tpm_rd *r, struct tpm_auth_rsp *a);

/*
 * A response split into its areas (Part 1 "Command/Response Structure"):
 * header | handles | [parameterSize] | parameters | [auth area].
 * tpm_rsp_open() checks the header: len >= 10, responseSize == len, then
 * rc != 0: tag TPM_ST_NO_SESSIONS (or TPM_ST_RSP_COMMAND) -> -EIO with *rc,
 * nothing else is parsed; rc == 0: tag == the one expected, nhandles handles
 * read into handles[], and for TPM_ST_SESSIONS parameterSize <= the bytes
 * left. tpm_rsp_close() then requires the parameters to be fully consumed
 * and the auth area to hold exactly npw empty password responses.
 */
struct tpm_rsp {
	u16 tag;
	struct tpm_rd par;	/* parameter area */
	struct tpm_rd auth;	/* response auth area (empty without sessions) */
};

int tpm_rsp_open(struct tpm_rsp *rsp, const u8 *buf, size_t len, u16 tag,
		 u32 *handles, unsigned int nhandles, u32 *rc);
int tpm_rsp_close(struct tpm_rsp *rsp, unsigned int npw);

/* Transport helper: the responseSize in a received 10-byte header, checked:
 * -EPROTO if < 10, -ENOSPC if > rsp_max. */
int tpm_rsp_frame_size(const u8 *hdr, size_t rsp_max, size_t *size);
/* Execution time allowed for the command in cmd (tag, size, code...). */
u32 tpm_cmd_duration_ms(const u8 *cmd, size_t len);
/* Warnings after which the same command may simply be sent again. */
bool tpm_rc_is_retry(u32 rc);

/* Builders: write the command into buf[cap], its length into *len. */
int tpm_cmd_startup(u8 *buf, size_t cap, u16 type, size_t *len);
int tpm_cmd_pcr_extend_sha256(u8 *buf, size_t cap, unsigned int pcr,
			      const u8 digest[TPM_SHA256_SIZE], size_t *len);
int tpm_cmd_pcr_read_sha256(u8 *buf, size_t cap, unsigned int pcr, size_t *len);
int tpm_cmd_get_random(u8 *buf, size_t cap, u16 bytes, size_t *len);

/* Parsers for the responses to the above. */
int tpm_rsp_startup(const u8 *rsp, size_t len, u32 *rc);
int tpm_rsp_pcr_extend(const u8 *rsp, size_t len, u32 *rc);
/* digest is zeroed unless 0 is returned; update_counter may be NULL. */
int tpm_rsp_pcr_read_sha256(const u8 *rsp, size_t len, unsigned int pcr,
			    u8 digest[TPM_SHA256_SIZE], u32 *update_counter,
			    u32 *rc);
/* 1 <= *got <= asked bytes copied to out (out has room for asked). */
int tpm_rsp_get_random(const u8 *rsp, size_t len, u16 asked, u8 *out,
		       size_t *got, u32 *rc);

/* ---- sealing to PCRs 17 and 18 at locality 2 (docs/tpm.md "Long-term
 * secret"): an NV index readable and writable only under
 * PolicyPCR(17, 18) + PolicyLocality(2). */

/* TPMA_NV (Part 2 §13.4): POLICYWRITE, POLICYREAD, NO_DA, READ_STCLEAR (so
 * TPM2_NV_ReadLock can close it until the next TPM2_Startup(CLEAR));
 * TPM_NT_ORDINARY. */
#define TPMA_NV_POLICYWRITE 0x00000008u
#define TPMA_NV_POLICYREAD 0x00080000u
#define TPMA_NV_NO_DA 0x02000000u
#define TPMA_NV_READLOCKED 0x10000000u
#define TPMA_NV_WRITTEN 0x20000000u
#define TPMA_NV_READ_STCLEAR 0x80000000u
#define TPM_LT_NV_ATTRS (TPMA_NV_POLICYWRITE | TPMA_NV_POLICYREAD | TPMA_NV_NO_DA | \
			 TPMA_NV_READ_STCLEAR)
#define TPM_LT_SECRET_SIZE 32
#define TPMA_LOCALITY_TWO 0x04		/* TPMA_LOCALITY (Part 2 §8.5): TPM_LOC_TWO */
/* TPMS_NV_PUBLIC as we define it: index 4, nameAlg 2, attributes 4,
 * authPolicy 2 + 32, dataSize 2. */
#define TPM_LT_NV_PUBLIC_SIZE (4 + 2 + 4 + 2 + TPM_SHA256_SIZE + 2)

/* The index's public area, checked against what we would define. */
struct tpm_nv_public {
	u32 index;
	u32 attrs;
	u8 policy[TPM_SHA256_SIZE];
	u16 size;
};

/* Trial policy, computed without the TPM (Part 3 §23.7, §23.13):
 * d0 = 0^32; d1 = H(d0 || TPM_CC_PolicyPCR || sel{sha256: 17, 18} ||
 * H(pcr17 || pcr18)); policy = H(d1 || TPM_CC_PolicyLocality || 0x04). */
void tpm_lt_policy(const u8 pcr17[TPM_SHA256_SIZE],
		   const u8 pcr18[TPM_SHA256_SIZE], u8 policy[TPM_SHA256_SIZE]);
/* The NV index for a policy: TPM_LT_NV_BASE | its first two bytes (one
 * index per hypervisor build and launch parameters). */
#define TPM_LT_NV_BASE 0x01480000u
u32 tpm_lt_nv_index(const u8 policy[TPM_SHA256_SIZE]);

/* Part 3 §11.1 TPM2_StartAuthSession: unsalted, unbound policy session,
 * symmetric NULL, authHash SHA-256, nonceCaller of TPM_NONCE_SIZE bytes. */
int tpm_cmd_start_policy_session(u8 *buf, size_t cap,
				 const u8 nonce[TPM_NONCE_SIZE], size_t *len);
/* Part 3 §23.7 TPM2_PolicyPCR with an empty pcrDigest (the TPM takes the
 * current values) over PCRs 17 and 18 of the SHA-256 bank. */
int tpm_cmd_policy_pcr_17_18(u8 *buf, size_t cap, u32 session, size_t *len);
/* Part 3 §23.13 TPM2_PolicyLocality(TPM_LOC_TWO). */
int tpm_cmd_policy_locality2(u8 *buf, size_t cap, u32 session, size_t *len);
/* Part 3 §28.2 TPM2_FlushContext. */
int tpm_cmd_flush_context(u8 *buf, size_t cap, u32 handle, size_t *len);
/* Part 3 §31.6 TPM2_NV_ReadPublic. */
int tpm_cmd_nv_read_public(u8 *buf, size_t cap, u32 index, size_t *len);
/* Part 3 §31.3 TPM2_NV_DefineSpace under TPM_RH_OWNER with an empty owner
 * password: empty auth, TPM_LT_NV_ATTRS, policy, TPM_LT_SECRET_SIZE bytes. */
int tpm_cmd_nv_define_lt(u8 *buf, size_t cap, u32 index,
			 const u8 policy[TPM_SHA256_SIZE], size_t *len);
/* Part 3 §31.7 / §31.10 TPM2_NV_Write / TPM2_NV_Read of the whole index
 * (offset 0, TPM_LT_SECRET_SIZE bytes), authorized by the policy session
 * (continueSession clear: the TPM flushes it after a success). */
int tpm_cmd_nv_write_lt(u8 *buf, size_t cap, u32 index, u32 session,
			const u8 nonce[TPM_NONCE_SIZE],
			const u8 data[TPM_LT_SECRET_SIZE], size_t *len);
int tpm_cmd_nv_read_lt(u8 *buf, size_t cap, u32 index, u32 session,
		       const u8 nonce[TPM_NONCE_SIZE], size_t *len);
/* Part 3 §31.11 TPM2_NV_ReadLock, authorized like NV_Read: no more reads
 * until the next TPM2_Startup(CLEAR), i.e. the next boot. */
int tpm_cmd_nv_read_lock_lt(u8 *buf, size_t cap, u32 index, u32 session,
			    const u8 nonce[TPM_NONCE_SIZE], size_t *len);

/* A policy session handle (TPM_HT_POLICY_SESSION) and a nonceTPM of
 * TPM_NONCE_SIZE bytes, nothing more. */
int tpm_rsp_start_auth_session(const u8 *rsp, size_t len, u32 *session,
			       u32 *rc);
/* PolicyPCR, PolicyLocality, FlushContext: the header alone. */
int tpm_rsp_empty(const u8 *rsp, size_t len, u32 *rc);
/* NV_ReadPublic: a TPMS_NV_PUBLIC of exactly our shape (nameAlg SHA-256, a
 * 32-byte authPolicy) for the index asked, and nvName equal to
 * SHA-256 of it. Any other shape is -EPROTO; pub is zeroed unless 0. */
int tpm_rsp_nv_read_public(const u8 *rsp, size_t len, u32 index,
			   struct tpm_nv_public *pub, u32 *rc);
/* NV_DefineSpace: no parameters, one password session. */
int tpm_rsp_nv_define(const u8 *rsp, size_t len, u32 *rc);
/* NV_Write: no parameters; NV_Read: exactly TPM_LT_SECRET_SIZE bytes into
 * data (zeroed unless 0). Both: one policy-session response (nonceTPM of
 * TPM_NONCE_SIZE bytes, empty hmac). */
int tpm_rsp_nv_write(const u8 *rsp, size_t len, u32 *rc);
/* NV_ReadLock: as NV_Write. */
int tpm_rsp_nv_read_lock(const u8 *rsp, size_t len, u32 *rc);
int tpm_rsp_nv_read_lt(const u8 *rsp, size_t len,
		       u8 data[TPM_LT_SECRET_SIZE], u32 *rc);

#endif
