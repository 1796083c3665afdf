/* TPM 2.0 marshaling and strict parsing for the long-term uTPM secret: an NV
 * index under PolicyPCR(17, 18) + PolicyLocality(2) (docs/tpm.md "Long-term
 * secret"). No hardware access: hypervisor root mode and host tests. */
#include "platform.h"
#include "tpm/tpm_cmd.h"
#include "crypto/sha256.h"

/* TPML_PCR_SELECTION {count 1, {SHA-256, 3, PCRs 17 and 18}} as marshaled
 * into both the PolicyPCR command and its policy digest update. */
static const u8 tpm_sel_17_18[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x06,
};

void tpm_lt_policy(const u8 pcr17[TPM_SHA256_SIZE],
		   const u8 pcr18[TPM_SHA256_SIZE], u8 policy[TPM_SHA256_SIZE])
{
	static const u8 cc_pcr[4] = { 0x00, 0x00, 0x01, 0x7f };
	static const u8 cc_loc[4] = { 0x00, 0x00, 0x01, 0x6f };
	u8 d[TPM_SHA256_SIZE], pcrs[TPM_SHA256_SIZE], loc = TPMA_LOCALITY_TWO;
	struct sha256_ctx c;

	/* pcrDigest: the selected PCRs concatenated in index order. */
	sha256_init(&c);
	sha256_update(&c, pcr17, TPM_SHA256_SIZE);
	sha256_update(&c, pcr18, TPM_SHA256_SIZE);
	sha256_final(&c, pcrs);

	memset(d, 0, sizeof(d));
	sha256_init(&c);
	sha256_update(&c, d, sizeof(d));
	sha256_update(&c, cc_pcr, sizeof(cc_pcr));
	sha256_update(&c, tpm_sel_17_18, sizeof(tpm_sel_17_18));
	sha256_update(&c, pcrs, sizeof(pcrs));
	sha256_final(&c, d);

	sha256_init(&c);
	sha256_update(&c, d, sizeof(d));
	sha256_update(&c, cc_loc, sizeof(cc_loc));
	sha256_update(&c, &loc, 1);
	sha256_final(&c, policy);
}

u32 tpm_lt_nv_index(const u8 policy[TPM_SHA256_SIZE])
{
	return TPM_LT_NV_BASE | tpm_be16(policy);
}

int tpm_cmd_start_policy_session(u8 *buf, size_t cap,
				 const u8 nonce[TPM_NONCE_SIZE], size_t *len)
{
	struct tpm_buf b;

	if (!nonce)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS,
		      TPM_CC_START_AUTH_SESSION);
	tpm_put_u32(&b, TPM_RH_NULL);		/* tpmKey: unsalted */
	tpm_put_u32(&b, TPM_RH_NULL);		/* bind: unbound */
	tpm_put_tpm2b(&b, nonce, TPM_NONCE_SIZE);	/* nonceCaller */
	tpm_put_u16(&b, 0);			/* encryptedSalt: empty */
	tpm_put_u8(&b, TPM_SE_POLICY);		/* sessionType */
	tpm_put_u16(&b, TPM_ALG_NULL);		/* symmetric: TPMT_SYM_DEF */
	tpm_put_u16(&b, TPM_ALG_SHA256);	/* authHash */
	return tpm_cmd_end(&b, len);
}

int tpm_cmd_policy_pcr_17_18(u8 *buf, size_t cap, u32 session, size_t *len)
{
	struct tpm_buf b;

	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_POLICY_PCR);
	tpm_put_u32(&b, session);		/* policySession */
	tpm_put_u16(&b, 0);			/* pcrDigest: empty */
	tpm_put_buf(&b, tpm_sel_17_18, sizeof(tpm_sel_17_18));
	return tpm_cmd_end(&b, len);
}

int tpm_cmd_policy_locality2(u8 *buf, size_t cap, u32 session, size_t *len)
{
	struct tpm_buf b;

	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS,
		      TPM_CC_POLICY_LOCALITY);
	tpm_put_u32(&b, session);
	tpm_put_u8(&b, TPMA_LOCALITY_TWO);
	return tpm_cmd_end(&b, len);
}

/* The handle to flush is a parameter, not in the handle area. */
int tpm_cmd_flush_context(u8 *buf, size_t cap, u32 handle, size_t *len)
{
	struct tpm_buf b;

	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_FLUSH_CONTEXT);
	tpm_put_u32(&b, handle);
	return tpm_cmd_end(&b, len);
}

int tpm_cmd_nv_read_public(u8 *buf, size_t cap, u32 index, size_t *len)
{
	struct tpm_buf b;

	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_NV_READ_PUBLIC);
	tpm_put_u32(&b, index);
	return tpm_cmd_end(&b, len);
}

/* TPMS_NV_PUBLIC (Part 2 §13.5) of the index we define. */
static void tpm_put_lt_nv_public(struct tpm_buf *b, u32 index,
				 const u8 policy[TPM_SHA256_SIZE])
{
	tpm_put_u32(b, index);
	tpm_put_u16(b, TPM_ALG_SHA256);		/* nameAlg */
	tpm_put_u32(b, TPM_LT_NV_ATTRS);
	tpm_put_tpm2b(b, policy, TPM_SHA256_SIZE);	/* authPolicy */
	tpm_put_u16(b, TPM_LT_SECRET_SIZE);	/* dataSize */
}

int tpm_cmd_nv_define_lt(u8 *buf, size_t cap, u32 index,
			 const u8 policy[TPM_SHA256_SIZE], size_t *len)
{
	struct tpm_buf b;
	size_t mark;

	if (!policy)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_SESSIONS, TPM_CC_NV_DEFINE_SPACE);
	tpm_put_u32(&b, TPM_RH_OWNER);		/* authHandle */
	tpm_put_pw_session(&b, NULL, 0);	/* the owner's (empty) password */
	tpm_put_u16(&b, 0);			/* auth: empty; never used */
	mark = tpm_put_open16(&b);		/* publicInfo: TPM2B_NV_PUBLIC */
	tpm_put_lt_nv_public(&b, index, policy);
	tpm_put_close16(&b, mark);
	return tpm_cmd_end(&b, len);
}

/*
 * A policy session in the authorization area (Part 1 "Policy
 * Authorization"): sessionHandle, nonceCaller, attributes (continueSession
 * clear), hmac empty: the policy has neither PolicyAuthValue nor
 * PolicyPassword, so no HMAC is computed or checked.
 */
static void tpm_put_policy_session(struct tpm_buf *b, u32 session,
				   const u8 nonce[TPM_NONCE_SIZE])
{
	size_t mark = tpm_put_open32(b);	/* authorizationSize */

	tpm_put_u32(b, session);
	tpm_put_tpm2b(b, nonce, TPM_NONCE_SIZE);
	tpm_put_u8(b, 0);
	tpm_put_u16(b, 0);
	tpm_put_close32(b, mark);
}

int tpm_cmd_nv_write_lt(u8 *buf, size_t cap, u32 index, u32 session,
			const u8 nonce[TPM_NONCE_SIZE],
			const u8 data[TPM_LT_SECRET_SIZE], size_t *len)
{
	struct tpm_buf b;

	if (!nonce || !data)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_SESSIONS, TPM_CC_NV_WRITE);
	tpm_put_u32(&b, index);			/* authHandle: the index */
	tpm_put_u32(&b, index);			/* nvIndex */
	tpm_put_policy_session(&b, session, nonce);
	tpm_put_tpm2b(&b, data, TPM_LT_SECRET_SIZE);	/* data */
	tpm_put_u16(&b, 0);			/* offset */
	return tpm_cmd_end(&b, len);
}

int tpm_cmd_nv_read_lt(u8 *buf, size_t cap, u32 index, u32 session,
		       const u8 nonce[TPM_NONCE_SIZE], size_t *len)
{
	struct tpm_buf b;

	if (!nonce)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_SESSIONS, TPM_CC_NV_READ);
	tpm_put_u32(&b, index);			/* authHandle: the index */
	tpm_put_u32(&b, index);			/* nvIndex */
	tpm_put_policy_session(&b, session, nonce);
	tpm_put_u16(&b, TPM_LT_SECRET_SIZE);	/* size */
	tpm_put_u16(&b, 0);			/* offset */
	return tpm_cmd_end(&b, len);
}

int tpm_cmd_nv_read_lock_lt(u8 *buf, size_t cap, u32 index, u32 session,
			    const u8 nonce[TPM_NONCE_SIZE], size_t *len)
{
	struct tpm_buf b;

	if (!nonce)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_SESSIONS, TPM_CC_NV_READ_LOCK);
	tpm_put_u32(&b, index);			/* authHandle: the index */
	tpm_put_u32(&b, index);			/* nvIndex */
	tpm_put_policy_session(&b, session, nonce);
	return tpm_cmd_end(&b, len);
}

int tpm_rsp_start_auth_session(const u8 *rsp, size_t len, u32 *session,
			       u32 *rc)
{
	struct tpm_rsp r;
	const u8 *nonce;
	u32 h = 0;
	u16 n;
	int err;

	*session = 0;
	err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, &h, 1, rc);
	if (err)
		return err;
	if (h >> 24 != TPM_HT_POLICY_SESSION)
		return -EPROTO;
	/* Part 3 §11.1: nonceTPM is as long as an authHash digest. */
	if (tpm_get_tpm2b(&r.par, &nonce, &n, TPM_RANDOM_MAX) ||
	    n != TPM_NONCE_SIZE)
		return -EPROTO;
	err = tpm_rsp_close(&r, 0);
	if (!err)
		*session = h;
	return err;
}

int tpm_rsp_empty(const u8 *rsp, size_t len, u32 *rc)
{
	struct tpm_rsp r;
	int err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, NULL, 0, rc);

	return err ? err : tpm_rsp_close(&r, 0);
}

int tpm_rsp_nv_read_public(const u8 *rsp, size_t len, u32 index,
			   struct tpm_nv_public *pub, u32 *rc)
{
	u8 name[TPM_NAME_SIZE];
	const u8 *area, *pol, *nm;
	struct tpm_nv_public p;
	struct tpm_rsp r;
	struct tpm_rd a;
	u16 n, alg, an, nn;
	int err;

	memset(pub, 0, sizeof(*pub));
	err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, NULL, 0, rc);
	if (err)
		return err;
	if (tpm_get_tpm2b(&r.par, &area, &an, TPM_BUF_SIZE) ||
	    an != TPM_LT_NV_PUBLIC_SIZE)
		return -EPROTO;
	tpm_rd_init(&a, area, an);
	if (tpm_get_u32(&a, &p.index) || tpm_get_u16(&a, &alg) ||
	    tpm_get_u32(&a, &p.attrs) ||
	    tpm_get_tpm2b(&a, &pol, &n, TPM_RANDOM_MAX) ||
	    n != TPM_SHA256_SIZE || tpm_get_u16(&a, &p.size) ||
	    tpm_rd_left(&a))
		return -EPROTO;
	if (p.index != index || alg != TPM_ALG_SHA256)
		return -EPROTO;
	memcpy(p.policy, pol, TPM_SHA256_SIZE);
	/* nvName = nameAlg || H(TPMS_NV_PUBLIC) (Part 1 "Names"). */
	if (tpm_get_tpm2b(&r.par, &nm, &nn, TPM_RANDOM_MAX) ||
	    nn != TPM_NAME_SIZE)
		return -EPROTO;
	name[0] = TPM_ALG_SHA256 >> 8;
	name[1] = TPM_ALG_SHA256 & 0xff;
	sha256(area, an, name + 2);
	if (memcmp(name, nm, TPM_NAME_SIZE))
		return -EPROTO;
	err = tpm_rsp_close(&r, 0);
	if (!err)
		*pub = p;
	return err;
}

int tpm_rsp_nv_define(const u8 *rsp, size_t len, u32 *rc)
{
	struct tpm_rsp r;
	int err = tpm_rsp_open(&r, rsp, len, TPM_ST_SESSIONS, NULL, 0, rc);

	return err ? err : tpm_rsp_close(&r, 1);
}

/* After the parameters: exactly one TPMS_AUTH_RESPONSE of a policy session,
 * a fresh nonceTPM and an empty hmac (no authValue in the policy). */
static int tpm_rsp_close_policy(struct tpm_rsp *rsp)
{
	struct tpm_auth_rsp a;

	if (tpm_rd_left(&rsp->par) || rsp->tag != TPM_ST_SESSIONS)
		return -EPROTO;
	if (tpm_get_auth_rsp(&rsp->auth, &a) ||
	    a.nonce_len != TPM_NONCE_SIZE || a.hmac_len)
		return -EPROTO;
	return tpm_rd_left(&rsp->auth) ? -EPROTO : 0;
}

int tpm_rsp_nv_write(const u8 *rsp, size_t len, u32 *rc)
{
	struct tpm_rsp r;
	int err = tpm_rsp_open(&r, rsp, len, TPM_ST_SESSIONS, NULL, 0, rc);

	return err ? err : tpm_rsp_close_policy(&r);
}

int tpm_rsp_nv_read_lock(const u8 *rsp, size_t len, u32 *rc)
{
	return tpm_rsp_nv_write(rsp, len, rc);
}

int tpm_rsp_nv_read_lt(const u8 *rsp, size_t len,
		       u8 data[TPM_LT_SECRET_SIZE], u32 *rc)
{
	struct tpm_rsp r;
	const u8 *p;
	u16 n;
	int err;

	memset(data, 0, TPM_LT_SECRET_SIZE);
	err = tpm_rsp_open(&r, rsp, len, TPM_ST_SESSIONS, NULL, 0, rc);
	if (err)
		return err;
	if (tpm_get_tpm2b(&r.par, &p, &n, TPM_BUF_SIZE) ||
	    n != TPM_LT_SECRET_SIZE)
		return -EPROTO;
	err = tpm_rsp_close_policy(&r);
	if (!err)
		memcpy(data, p, TPM_LT_SECRET_SIZE);
	return err;
}
