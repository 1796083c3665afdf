/* TPM 2.0 command marshaling and defensive response parsing (TPM 2.0
 * Library Parts 1-3). No hardware access: hypervisor root mode and host tests. */
#include "platform.h"
#include "tpm/tpm_cmd.h"

/* ---- marshaling (all TPM integers are big-endian: Part 1 "Marshaling") */

void tpm_buf_init(struct tpm_buf *b, u8 *data, size_t cap)
{
	b->data = data;
	b->cap = data ? cap : 0;
	b->len = 0;
	b->err = 0;
}

static bool tpm_buf_room(struct tpm_buf *b, size_t n)
{
	if (b->err)
		return false;
	if (n > b->cap - b->len) {
		b->err = -ENOSPC;
		return false;
	}
	return true;
}

void tpm_put_u8(struct tpm_buf *b, u8 v)
{
	if (tpm_buf_room(b, 1))
		b->data[b->len++] = v;
}

void tpm_put_u16(struct tpm_buf *b, u16 v)
{
	if (!tpm_buf_room(b, 2))
		return;
	b->data[b->len++] = (u8)(v >> 8);
	b->data[b->len++] = (u8)v;
}

void tpm_put_u32(struct tpm_buf *b, u32 v)
{
	if (!tpm_buf_room(b, 4))
		return;
	b->data[b->len++] = (u8)(v >> 24);
	b->data[b->len++] = (u8)(v >> 16);
	b->data[b->len++] = (u8)(v >> 8);
	b->data[b->len++] = (u8)v;
}

void tpm_put_buf(struct tpm_buf *b, const void *p, size_t n)
{
	if (!n || !tpm_buf_room(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void tpm_put_tpm2b(struct tpm_buf *b, const void *p, u16 n)
{
	tpm_put_u16(b, n);
	tpm_put_buf(b, p, n);
}

size_t tpm_put_open16(struct tpm_buf *b)
{
	size_t mark = b->len;

	tpm_put_u16(b, 0);
	return mark;
}

void tpm_put_close16(struct tpm_buf *b, size_t mark)
{
	size_t n;

	if (b->err)
		return;
	n = b->len - mark - 2;
	if (n > 0xffff) {
		b->err = -ENOSPC;
		return;
	}
	b->data[mark] = (u8)(n >> 8);
	b->data[mark + 1] = (u8)n;
}

size_t tpm_put_open32(struct tpm_buf *b)
{
	size_t mark = b->len;

	tpm_put_u32(b, 0);
	return mark;
}

void tpm_put_close32(struct tpm_buf *b, size_t mark)
{
	size_t n;

	if (b->err)
		return;
	n = b->len - mark - 4;
	b->data[mark] = (u8)(n >> 24);
	b->data[mark + 1] = (u8)(n >> 16);
	b->data[mark + 2] = (u8)(n >> 8);
	b->data[mark + 3] = (u8)n;
}

void tpm_cmd_begin(struct tpm_buf *b, u8 *data, size_t cap, u16 tag, u32 cc)
{
	tpm_buf_init(b, data, cap);
	tpm_put_u16(b, tag);
	tpm_put_u32(b, 0);		/* commandSize, patched by tpm_cmd_end */
	tpm_put_u32(b, cc);
}

/*
 * Part 1 "Password Authorizations": a TPMS_AUTH_COMMAND with sessionHandle
 * TPM_RS_PW, an empty nonceCaller and the authValue in the hmac field.
 * continueSession is set as TSS2 does; the TPM ignores it for TPM_RS_PW.
 */
void tpm_put_pw_session(struct tpm_buf *b, const u8 *auth, u16 auth_len)
{
	size_t mark = tpm_put_open32(b);	/* authorizationSize */

	tpm_put_u32(b, TPM_RS_PW);
	tpm_put_u16(b, 0);			/* nonceCaller: empty */
	tpm_put_u8(b, TPMA_SESSION_CONTINUE);
	tpm_put_tpm2b(b, auth, auth_len);
	tpm_put_close32(b, mark);
}

int tpm_cmd_end(struct tpm_buf *b, size_t *len)
{
	if (!b->err && b->len < TPM_HEADER_SIZE)
		b->err = -EINVAL;
	if (b->err)
		return b->err;
	b->data[2] = (u8)(b->len >> 24);
	b->data[3] = (u8)(b->len >> 16);
	b->data[4] = (u8)(b->len >> 8);
	b->data[5] = (u8)b->len;
	*len = b->len;
	return 0;
}

/* ---- unmarshaling: every read is bounded by the bytes left */

void tpm_rd_init(struct tpm_rd *r, const u8 *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->off = 0;
}

size_t tpm_rd_left(const struct tpm_rd *r)
{
	return r->len - r->off;
}

int tpm_get_u8(struct tpm_rd *r, u8 *v)
{
	if (tpm_rd_left(r) < 1)
		return -EPROTO;
	*v = r->data[r->off++];
	return 0;
}

int tpm_get_u16(struct tpm_rd *r, u16 *v)
{
	if (tpm_rd_left(r) < 2)
		return -EPROTO;
	*v = tpm_be16(r->data + r->off);
	r->off += 2;
	return 0;
}

int tpm_get_u32(struct tpm_rd *r, u32 *v)
{
	if (tpm_rd_left(r) < 4)
		return -EPROTO;
	*v = tpm_be32(r->data + r->off);
	r->off += 4;
	return 0;
}

int tpm_get_buf(struct tpm_rd *r, void *out, size_t n)
{
	if (tpm_rd_left(r) < n)
		return -EPROTO;
	if (n)
		memcpy(out, r->data + r->off, n);
	r->off += n;
	return 0;
}

int tpm_get_tpm2b(struct tpm_rd *r, const u8 **p, u16 *n, u16 max)
{
	size_t save = r->off;
	u16 size;

	if (tpm_get_u16(r, &size))
		return -EPROTO;
	if (size > max || size > tpm_rd_left(r)) {
		r->off = save;
		return -EPROTO;
	}
	*p = r->data + r->off;
	*n = size;
	r->off += size;
	return 0;
}

/* The nonce and hmac are TPM2B_NONCE / TPM2B_AUTH: at most sizeof(TPMU_HA). */
int tpm_get_auth_rsp(struct tpm_rd *r, struct tpm_auth_rsp *a)
{
	if (tpm_get_tpm2b(r, &a->nonce, &a->nonce_len, TPM_RANDOM_MAX) ||
	    tpm_get_u8(r, &a->attrs) ||
	    tpm_get_tpm2b(r, &a->hmac, &a->hmac_len, TPM_RANDOM_MAX))
		return -EPROTO;
	return 0;
}

/* ---- response framing */

int tpm_rsp_frame_size(const u8 *hdr, size_t rsp_max, size_t *size)
{
	u32 n = tpm_be32(hdr + 2);

	if (n < TPM_HEADER_SIZE)
		return -EPROTO;
	if (n > rsp_max)
		return -ENOSPC;
	*size = n;
	return 0;
}

int tpm_rsp_open(struct tpm_rsp *rsp, const u8 *buf, size_t len, u16 tag,
		 u32 *handles, unsigned int nhandles, u32 *rc)
{
	struct tpm_rd r;
	u32 size, code, psize;
	u16 t;

	*rc = 0;
	tpm_rd_init(&rsp->par, NULL, 0);
	tpm_rd_init(&rsp->auth, NULL, 0);
	if (!buf || len < TPM_HEADER_SIZE)
		return -EPROTO;
	tpm_rd_init(&r, buf, len);
	tpm_get_u16(&r, &t);
	tpm_get_u32(&r, &size);
	tpm_get_u32(&r, &code);
	if (size != len)
		return -EPROTO;
	rsp->tag = t;

	/* Part 1: a failing command is answered by the header alone, tagged
	 * TPM_ST_NO_SESSIONS (TPM_ST_RSP_COMMAND from a TPM 1.2 or for a
	 * bad tag). Nothing after the header is looked at. */
	if (code != TPM_RC_SUCCESS) {
		if (t != TPM_ST_NO_SESSIONS && t != TPM_ST_RSP_COMMAND)
			return -EPROTO;
		*rc = code;
		return -EIO;
	}
	if (t != tag)
		return -EPROTO;

	for (unsigned int i = 0; i < nhandles; i++)
		if (tpm_get_u32(&r, &handles[i]))
			return -EPROTO;

	if (t == TPM_ST_SESSIONS) {
		if (tpm_get_u32(&r, &psize) || psize > tpm_rd_left(&r))
			return -EPROTO;
		tpm_rd_init(&rsp->par, buf + r.off, psize);
		tpm_rd_init(&rsp->auth, buf + r.off + psize,
			    tpm_rd_left(&r) - psize);
	} else {
		tpm_rd_init(&rsp->par, buf + r.off, tpm_rd_left(&r));
	}
	return 0;
}

int tpm_rsp_close(struct tpm_rsp *rsp, unsigned int npw)
{
	struct tpm_auth_rsp a;

	if (tpm_rd_left(&rsp->par))
		return -EPROTO;			/* trailing parameter bytes */
	if (rsp->tag != TPM_ST_SESSIONS)
		return npw ? -EPROTO : 0;
	if (!npw)
		return -EPROTO;			/* sessions tag without sessions */
	for (unsigned int i = 0; i < npw; i++) {
		if (tpm_get_auth_rsp(&rsp->auth, &a))
			return -EPROTO;
		/* A password session answers with an empty nonce and hmac. */
		if (a.nonce_len || a.hmac_len)
			return -EPROTO;
	}
	return tpm_rd_left(&rsp->auth) ? -EPROTO : 0;
}

u32 tpm_cmd_duration_ms(const u8 *cmd, size_t len)
{
	if (len < TPM_HEADER_SIZE)
		return TPM_DURATION_DEFAULT_MS;
	switch (tpm_be32(cmd + 6)) {
	case TPM_CC_CREATE_PRIMARY:
	case TPM_CC_CREATE:
	case TPM_CC_CREATE_LOADED:
		return TPM_DURATION_KEYGEN_MS;
	default:
		return TPM_DURATION_DEFAULT_MS;
	}
}

/* Part 2 §6.6: warnings meaning "not now, try the same command again". */
bool tpm_rc_is_retry(u32 rc)
{
	return rc == TPM_RC_RETRY || rc == TPM_RC_YIELDED ||
	       rc == TPM_RC_TESTING;
}

/* ---- commands */

/* Part 3 §9.3 TPM2_Startup: startupType. */
int tpm_cmd_startup(u8 *buf, size_t cap, u16 type, size_t *len)
{
	struct tpm_buf b;

	if (type != TPM_SU_CLEAR && type != TPM_SU_STATE)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_STARTUP);
	tpm_put_u16(&b, type);
	return tpm_cmd_end(&b, len);
}

/*
 * Part 3 §22.2 TPM2_PCR_Extend: handle area {pcrHandle, the PCR index
 * (TPM_HT_PCR handles are 0..23)}, authorization area {password session,
 * empty auth: PCRs have an empty authValue}, parameters TPML_DIGEST_VALUES
 * {count = 1, TPMT_HA {TPM_ALG_SHA256, 32 bytes}}. 65 bytes in all.
 */
int tpm_cmd_pcr_extend_sha256(u8 *buf, size_t cap, unsigned int pcr,
			      const u8 digest[TPM_SHA256_SIZE], size_t *len)
{
	struct tpm_buf b;

	if (pcr >= TPM_PCR_COUNT || !digest)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_SESSIONS, TPM_CC_PCR_EXTEND);
	tpm_put_u32(&b, pcr);
	tpm_put_pw_session(&b, NULL, 0);
	tpm_put_u32(&b, 1);
	tpm_put_u16(&b, TPM_ALG_SHA256);
	tpm_put_buf(&b, digest, TPM_SHA256_SIZE);
	return tpm_cmd_end(&b, len);
}

/* TPMS_PCR_SELECTION bitmap for one PCR (Part 2 "TPMS_PCR_SELECTION"):
 * PCR n is bit n % 8 of pcrSelect[n / 8]. */
static void tpm_pcr_bitmap(unsigned int pcr, u8 sel[TPM_PCR_SELECT_SIZE])
{
	memset(sel, 0, TPM_PCR_SELECT_SIZE);
	sel[pcr / 8] = (u8)(1u << (pcr % 8));
}

/* Part 3 §22.4 TPM2_PCR_Read: TPML_PCR_SELECTION {count = 1,
 * {TPM_ALG_SHA256, sizeofSelect = 3, bitmap}}. 20 bytes in all. */
int tpm_cmd_pcr_read_sha256(u8 *buf, size_t cap, unsigned int pcr, size_t *len)
{
	struct tpm_buf b;
	u8 sel[TPM_PCR_SELECT_SIZE];

	if (pcr >= TPM_PCR_COUNT)
		return -EINVAL;
	tpm_pcr_bitmap(pcr, sel);
	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_PCR_READ);
	tpm_put_u32(&b, 1);
	tpm_put_u16(&b, TPM_ALG_SHA256);
	tpm_put_u8(&b, TPM_PCR_SELECT_SIZE);
	tpm_put_buf(&b, sel, TPM_PCR_SELECT_SIZE);
	return tpm_cmd_end(&b, len);
}

/* Part 3 §16.1 TPM2_GetRandom: bytesRequested. */
int tpm_cmd_get_random(u8 *buf, size_t cap, u16 bytes, size_t *len)
{
	struct tpm_buf b;

	if (!bytes)
		return -EINVAL;
	tpm_cmd_begin(&b, buf, cap, TPM_ST_NO_SESSIONS, TPM_CC_GET_RANDOM);
	tpm_put_u16(&b, bytes);
	return tpm_cmd_end(&b, len);
}

/* ---- responses */

int tpm_rsp_startup(const u8 *rsp, size_t len, u32 *rc)
{
	struct tpm_rsp r;
	int err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, NULL, 0, rc);

	return err ? err : tpm_rsp_close(&r, 0);
}

/* Part 3 §22.2: no handles, no parameters (parameterSize 0), one password
 * session in the auth area. */
int tpm_rsp_pcr_extend(const u8 *rsp, size_t len, u32 *rc)
{
	struct tpm_rsp r;
	int err = tpm_rsp_open(&r, rsp, len, TPM_ST_SESSIONS, NULL, 0, rc);

	return err ? err : tpm_rsp_close(&r, 1);
}

/*
 * Part 3 §22.4: pcrUpdateCounter, pcrSelectionOut (TPML_PCR_SELECTION),
 * pcrValues (TPML_DIGEST). The selection must echo ours exactly and the
 * digest list hold one 32-byte digest. A TPM without a SHA-256 bank echoes
 * the selection with our bit cleared and returns no digest: -ENOENT.
 */
int tpm_rsp_pcr_read_sha256(const u8 *rsp, size_t len, unsigned int pcr,
			    u8 digest[TPM_SHA256_SIZE], u32 *update_counter,
			    u32 *rc)
{
	u8 want[TPM_PCR_SELECT_SIZE], got[TPM_PCR_SELECT_SIZE];
	struct tpm_rsp r;
	u32 counter, nsel, ndig;
	const u8 *d;
	bool match;
	u16 alg, dlen;
	u8 sizeof_select;
	int err;

	memset(digest, 0, TPM_SHA256_SIZE);
	*rc = 0;
	if (pcr >= TPM_PCR_COUNT)
		return -EINVAL;
	tpm_pcr_bitmap(pcr, want);
	err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, NULL, 0, rc);
	if (err)
		return err;

	if (tpm_get_u32(&r.par, &counter) || tpm_get_u32(&r.par, &nsel))
		return -EPROTO;
	if (nsel != 1)
		return -EPROTO;
	if (tpm_get_u16(&r.par, &alg) || tpm_get_u8(&r.par, &sizeof_select))
		return -EPROTO;
	if (sizeof_select != TPM_PCR_SELECT_SIZE || alg != TPM_ALG_SHA256)
		return -EPROTO;
	if (tpm_get_buf(&r.par, got, TPM_PCR_SELECT_SIZE))
		return -EPROTO;
	match = !memcmp(got, want, TPM_PCR_SELECT_SIZE);

	if (tpm_get_u32(&r.par, &ndig))
		return -EPROTO;
	if (!match) {
		static const u8 none[TPM_PCR_SELECT_SIZE];

		/* Bank absent: empty selection, no digests, nothing after. */
		if (ndig || memcmp(got, none, TPM_PCR_SELECT_SIZE))
			return -EPROTO;
		err = tpm_rsp_close(&r, 0);
		return err ? err : -ENOENT;
	}
	if (ndig != 1)
		return -EPROTO;
	if (tpm_get_tpm2b(&r.par, &d, &dlen, TPM_RANDOM_MAX) ||
	    dlen != TPM_SHA256_SIZE)
		return -EPROTO;
	err = tpm_rsp_close(&r, 0);
	if (err)
		return err;
	memcpy(digest, d, TPM_SHA256_SIZE);
	if (update_counter)
		*update_counter = counter;
	return 0;
}

/* Part 3 §16.1: randomBytes (TPM2B_DIGEST), possibly shorter than asked,
 * never longer; an empty answer is refused so that callers always progress. */
int tpm_rsp_get_random(const u8 *rsp, size_t len, u16 asked, u8 *out,
		       size_t *got, u32 *rc)
{
	struct tpm_rsp r;
	const u8 *p;
	u16 n;
	int err;

	*got = 0;
	err = tpm_rsp_open(&r, rsp, len, TPM_ST_NO_SESSIONS, NULL, 0, rc);
	if (err)
		return err;
	if (tpm_get_tpm2b(&r.par, &p, &n, TPM_RANDOM_MAX) || !n || n > asked)
		return -EPROTO;
	err = tpm_rsp_close(&r, 0);
	if (err)
		return err;
	memcpy(out, p, n);
	*got = n;
	return 0;
}
