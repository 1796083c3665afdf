/* TPM 2.0 FIFO (TIS) transport at 0xFED40000 and the commands built on it
 * (TCG PC Client Platform TPM Profile, "FIFO Interface"). Root mode, polled,
 * every wait bounded by the TSC. */
#include "platform.h"
#include "tpm/tis_io.h"
#include "tpm/tpm.h"
#include "tpm/tpm_tis.h"
#include "crypto/util.h"

#define TPM_RETRIES 4			/* after TPM_RC_RETRY/YIELDED/TESTING */
#define TPM_RETRY_DELAY_MS 20		/* doubled each time: 300 ms at most */
#define TPM_SMALL_BUF 128		/* our commands and responses fit */

/* ---- register access: byte-wide FIFO, 32-bit STS/ID reads, 8-bit writes */

static volatile u8 *tpm_reg(const struct tpm *t, unsigned int loc, u32 off)
{
	return t->regs + loc * TPM_TIS_LOCALITY_SIZE + off;
}

static u8 tpm_rd8(const struct tpm *t, unsigned int loc, u32 off)
{
	return tis_io_rd8(tpm_reg(t, loc, off));
}

static u32 tpm_rd32(const struct tpm *t, unsigned int loc, u32 off)
{
	return tis_io_rd32(tpm_reg(t, loc, off));
}

static void tpm_wr8(const struct tpm *t, unsigned int loc, u32 off, u8 v)
{
	tis_io_wr8(tpm_reg(t, loc, off), v);
}

/* ---- time */

static u64 tpm_deadline(const struct tpm *t, u32 ms)
{
	return tis_io_tsc() + (u64)ms * t->tsc_khz;
}

static bool tpm_expired(u64 deadline)
{
	return (s64)(tis_io_tsc() - deadline) > 0;
}

static void tpm_delay_ms(const struct tpm *t, u32 ms)
{
	u64 end = tpm_deadline(t, ms);

	while (!tpm_expired(end))
		__asm__ __volatile__("pause");
}

/* Poll TPM_ACCESS_loc until (v & mask) == want, for at most ms. A floating
 * bus reads 0xff, which has the reserved bit set: no device. */
static int tpm_wait_access(const struct tpm *t, unsigned int loc, u8 mask,
			   u8 want, u32 ms)
{
	u64 end = tpm_deadline(t, ms);
	u8 v;

	for (;;) {
		v = tpm_rd8(t, loc, TPM_ACCESS);
		if (v & TPM_ACCESS_RESERVED)
			return -ENODEV;
		if ((v & mask) == want)
			return 0;
		if (tpm_expired(end))
			return -ETIMEDOUT;
		__asm__ __volatile__("pause");
	}
}

/* Poll TPM_STS_x of our locality until (v & mask) == want, for at most ms.
 * The top nibble is reserved: all ones means the TPM (or our locality) is
 * gone. */
static int tpm_wait_sts(const struct tpm *t, u32 mask, u32 want, u32 ms,
			u32 *sts)
{
	u64 end = tpm_deadline(t, ms);
	u32 v;

	for (;;) {
		v = tpm_rd32(t, t->locality, TPM_STS);
		if (v == 0xffffffff)
			return -ENODEV;
		if ((v & mask) == want) {
			if (sts)
				*sts = v;
			return 0;
		}
		if (tpm_expired(end))
			return -ETIMEDOUT;
		__asm__ __volatile__("pause");
	}
}

static u32 tpm_burst(u32 sts)
{
	return (sts >> TPM_STS_BURST_SHIFT) & TPM_STS_BURST_MASK;
}

/* Wait for burstCount > 0. The PTP bounds this by TIMEOUT_D; real TPM 2.0
 * parts exceed 30 ms, so we allow TIMEOUT_A (only a failing TPM waits it). */
static int tpm_wait_burst(const struct tpm *t, u32 *burst)
{
	u64 end = tpm_deadline(t, TPM_TIMEOUT_A_MS);
	u32 v;

	for (;;) {
		v = tpm_rd32(t, t->locality, TPM_STS);
		if (v == 0xffffffff)
			return -ENODEV;
		if (tpm_burst(v)) {
			*burst = tpm_burst(v);
			return 0;
		}
		if (tpm_expired(end))
			return -ETIMEDOUT;
		__asm__ __volatile__("pause");
	}
}

/* ---- probe and localities */

void tpm_set_tsc_khz(struct tpm *t, u64 tsc_khz)
{
	if (tsc_khz)
		t->tsc_khz = tsc_khz;
}

int tpm_probe(struct tpm *t, u64 mmio_base)
{
	unsigned int nloc;
	u32 id;
	u8 v;
	int err;

	memset(t, 0, sizeof(*t));
	t->locality = TPM_LOCALITY_NONE;
	t->tsc_khz = TPM_TSC_KHZ_FALLBACK;
	if (!mmio_base || (mmio_base & (TPM_TIS_LOCALITY_SIZE - 1)))
		return -EINVAL;
	t->mmio_base = mmio_base;
	t->regs = phys_to_virt(mmio_base);

	/* DID_VID reads the same from any locality, held or not. */
	t->did_vid = tpm_rd32(t, 0, TPM_DID_VID);
	if (t->did_vid == 0 || t->did_vid == 0xffffffff)
		goto none;

	id = tpm_rd32(t, 0, TPM_INTERFACE_ID);
	t->intf_type = id & TPM_INTF_TYPE_MASK;
	if (t->intf_type == TPM_INTF_TYPE_CRB) {
		t->regs = NULL;
		return -ENOSYS;
	}
	if (t->intf_type == TPM_INTF_TYPE_TIS)
		t->five_localities = true;	/* TIS 1.3 always has five */
	else if (t->intf_type == TPM_INTF_TYPE_FIFO)
		t->five_localities = id & TPM_INTF_CAP_LOCALITY;
	else
		goto none;

	err = tpm_wait_access(t, 0, TPM_ACCESS_VALID, TPM_ACCESS_VALID,
			      TPM_TIMEOUT_A_MS);
	if (err)
		goto none;
	t->rid = tpm_rd8(t, 0, TPM_RID);

	/* Firmware commonly leaves locality 0 active; nobody else runs yet,
	 * so give it back (PTP "Locality": write activeLocality = relinquish). */
	nloc = t->five_localities ? TPM_TIS_LOCALITIES : 1;
	for (unsigned int loc = 0; loc < nloc; loc++) {
		v = tpm_rd8(t, loc, TPM_ACCESS);
		if (!(v & TPM_ACCESS_RESERVED) && (v & TPM_ACCESS_VALID) &&
		    (v & TPM_ACCESS_ACTIVE))
			tpm_wr8(t, loc, TPM_ACCESS, TPM_ACCESS_ACTIVE);
	}
	return 0;

none:
	t->regs = NULL;
	return -ENODEV;
}

void tpm_release_locality(struct tpm *t)
{
	if (!t->regs || t->locality == TPM_LOCALITY_NONE)
		return;
	tpm_wr8(t, t->locality, TPM_ACCESS, TPM_ACCESS_ACTIVE);
	t->locality = TPM_LOCALITY_NONE;
}

static bool tpm_locality_held(const struct tpm *t)
{
	u8 v = tpm_rd8(t, t->locality, TPM_ACCESS);

	return !(v & TPM_ACCESS_RESERVED) &&
	       (v & (TPM_ACCESS_VALID | TPM_ACCESS_ACTIVE)) ==
		       (TPM_ACCESS_VALID | TPM_ACCESS_ACTIVE);
}

int tpm_request_locality(struct tpm *t, unsigned int loc)
{
	const u8 ok = TPM_ACCESS_VALID | TPM_ACCESS_ACTIVE;
	int err;

	if (!t->regs)
		return -ENODEV;
	if (loc >= TPM_TIS_LOCALITIES || (loc && !t->five_localities))
		return -EINVAL;
	if (t->locality == (int)loc && tpm_locality_held(t))
		return 0;
	tpm_release_locality(t);

	tpm_wr8(t, loc, TPM_ACCESS, TPM_ACCESS_REQUEST_USE);
	err = tpm_wait_access(t, loc, ok, ok, TPM_TIMEOUT_A_MS);
	if (err) {
		/* Withdraw the pending request (relinquish clears it). */
		tpm_wr8(t, loc, TPM_ACCESS, TPM_ACCESS_ACTIVE);
		return err;
	}
	t->locality = (int)loc;
	return 0;
}

/* ---- FIFO command/response (PTP "FIFO Interface": command send, command
 * execution, response read) */

/* Idle -> Ready: write commandReady, wait TIMEOUT_B for it to read back. */
static int tpm_fifo_ready(const struct tpm *t)
{
	if (tpm_rd32(t, t->locality, TPM_STS) & TPM_STS_COMMAND_READY)
		return 0;
	tpm_wr8(t, t->locality, TPM_STS, TPM_STS_COMMAND_READY);
	return tpm_wait_sts(t, TPM_STS_COMMAND_READY, TPM_STS_COMMAND_READY,
			    TPM_TIMEOUT_B_MS, NULL);
}

/* Expect (valid once stsValid is set, TIMEOUT_C) must equal want. */
static int tpm_fifo_expect(const struct tpm *t, bool want)
{
	u32 sts;
	int err;

	err = tpm_wait_sts(t, TPM_STS_VALID, TPM_STS_VALID, TPM_TIMEOUT_C_MS,
			   &sts);
	if (err)
		return err;
	return !!(sts & TPM_STS_EXPECT) == want ? 0 : -EPROTO;
}

/* Write the command in bursts of at most burstCount bytes. All but the last
 * byte first, with Expect still set after each burst; then the last byte,
 * after which Expect must clear (the TPM saw exactly commandSize bytes). */
static int tpm_fifo_send(const struct tpm *t, const u8 *cmd, size_t len)
{
	size_t off = 0, n;
	u32 burst;
	int err;

	while (off < len - 1) {
		err = tpm_wait_burst(t, &burst);
		if (err)
			return err;
		n = len - 1 - off;
		if (n > burst)
			n = burst;
		for (size_t i = 0; i < n; i++)
			tpm_wr8(t, t->locality, TPM_DATA_FIFO, cmd[off + i]);
		off += n;
		err = tpm_fifo_expect(t, true);
		if (err)
			return err;
	}
	err = tpm_wait_burst(t, &burst);
	if (err)
		return err;
	tpm_wr8(t, t->locality, TPM_DATA_FIFO, cmd[len - 1]);
	return tpm_fifo_expect(t, false);
}

/* Read n response bytes: each burst needs stsValid and dataAvail (TIMEOUT_C),
 * then takes at most burstCount bytes. */
static int tpm_fifo_read(const struct tpm *t, u8 *buf, size_t n)
{
	const u32 avail = TPM_STS_VALID | TPM_STS_DATA_AVAIL;
	size_t got = 0, k;
	u32 sts, burst;
	int err;

	while (got < n) {
		err = tpm_wait_sts(t, avail, avail, TPM_TIMEOUT_C_MS, &sts);
		if (err)
			return err;
		burst = tpm_burst(sts);
		if (!burst) {
			err = tpm_wait_burst(t, &burst);
			if (err)
				return err;
		}
		k = n - got;
		if (k > burst)
			k = burst;
		for (size_t i = 0; i < k; i++)
			buf[got + i] = tpm_rd8(t, t->locality, TPM_DATA_FIFO);
		got += k;
	}
	return 0;
}

/* Header first (its responseSize says how much follows and must fit), then
 * the rest; afterwards dataAvail must be clear: no bytes beyond the size. */
static int tpm_fifo_recv(const struct tpm *t, u8 *rsp, size_t rsp_max,
			 size_t *rsp_len)
{
	size_t size;
	u32 sts;
	int err;

	err = tpm_fifo_read(t, rsp, TPM_HEADER_SIZE);
	if (err)
		return err;
	err = tpm_rsp_frame_size(rsp, rsp_max, &size);
	if (err)
		return err;
	err = tpm_fifo_read(t, rsp + TPM_HEADER_SIZE, size - TPM_HEADER_SIZE);
	if (err)
		return err;
	err = tpm_wait_sts(t, TPM_STS_VALID, TPM_STS_VALID, TPM_TIMEOUT_C_MS,
			   &sts);
	if (err)
		return err;
	if (sts & TPM_STS_DATA_AVAIL)
		return -EPROTO;
	*rsp_len = size;
	return 0;
}

int tpm_transmit(struct tpm *t, const u8 *cmd, size_t len, u8 *rsp,
		 size_t rsp_max, size_t *rsp_len)
{
	const u32 done = TPM_STS_VALID | TPM_STS_DATA_AVAIL;
	int err;

	*rsp_len = 0;
	if (!t->regs || t->locality == TPM_LOCALITY_NONE || !cmd || !rsp)
		return -EINVAL;
	if (len < TPM_HEADER_SIZE || len > TPM_BUF_SIZE ||
	    tpm_be32(cmd + 2) != len || rsp_max < TPM_HEADER_SIZE)
		return -EINVAL;
	if (!tpm_locality_held(t))
		return -EBUSY;

	err = tpm_fifo_ready(t);
	if (!err)
		err = tpm_fifo_send(t, cmd, len);
	if (!err) {
		tpm_wr8(t, t->locality, TPM_STS, TPM_STS_GO);
		err = tpm_wait_sts(t, done, done, tpm_cmd_duration_ms(cmd, len),
				   NULL);
		/* Still executing: commandCancel (TPM 2.0 STS bit 24). */
		if (err == -ETIMEDOUT)
			tpm_wr8(t, t->locality, TPM_STS_BYTE3,
				TPM_STS3_COMMAND_CANCEL);
	}
	if (!err)
		err = tpm_fifo_recv(t, rsp, rsp_max, rsp_len);
	/* Done with the response, or abandoning the command: back to Idle. */
	tpm_wr8(t, t->locality, TPM_STS, TPM_STS_COMMAND_READY);
	if (err)
		*rsp_len = 0;
	return err;
}

/* ---- commands */

/* Transmit, and send again (after 20, 40, 80, 160 ms) while the TPM answers
 * with a warning that asks for it. The response code is left to the parser. */
static int tpm_call(struct tpm *t, const u8 *cmd, size_t len, u8 *rsp,
		    size_t rsp_max, size_t *rsp_len)
{
	u32 delay = TPM_RETRY_DELAY_MS;
	int err;

	for (unsigned int i = 0;; i++) {
		err = tpm_transmit(t, cmd, len, rsp, rsp_max, rsp_len);
		if (err || i == TPM_RETRIES ||
		    !tpm_rc_is_retry(tpm_be32(rsp + 6)))
			return err;
		tpm_delay_ms(t, delay);
		delay *= 2;
	}
}

int tpm_startup_clear(struct tpm *t, u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen;
	int err;

	*tpm_rc = 0;
	err = tpm_cmd_startup(cmd, sizeof(cmd), TPM_SU_CLEAR, &clen);
	if (!err)
		err = tpm_call(t, cmd, clen, rsp, sizeof(rsp), &rlen);
	if (!err)
		err = tpm_rsp_startup(rsp, rlen, tpm_rc);
	if (err == -EIO && *tpm_rc == TPM_RC_INITIALIZE) {
		*tpm_rc = 0;
		err = 0;
	}
	return err;
}

int tpm_pcr_extend_sha256(struct tpm *t, unsigned int pcr,
			  const u8 digest[32], u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen;
	int err;

	*tpm_rc = 0;
	err = tpm_cmd_pcr_extend_sha256(cmd, sizeof(cmd), pcr, digest, &clen);
	if (!err)
		err = tpm_call(t, cmd, clen, rsp, sizeof(rsp), &rlen);
	if (!err)
		err = tpm_rsp_pcr_extend(rsp, rlen, tpm_rc);
	return err;
}

int tpm_pcr_read_sha256(struct tpm *t, unsigned int pcr, u8 out[32],
			u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen;
	int err;

	*tpm_rc = 0;
	memset(out, 0, TPM_SHA256_SIZE);
	err = tpm_cmd_pcr_read_sha256(cmd, sizeof(cmd), pcr, &clen);
	if (!err)
		err = tpm_call(t, cmd, clen, rsp, sizeof(rsp), &rlen);
	if (!err)
		err = tpm_rsp_pcr_read_sha256(rsp, rlen, pcr, out, NULL,
					      tpm_rc);
	return err;
}

/* Each answer carries 1..asked bytes (tpm_rsp_get_random refuses 0), so the
 * loop ends after at most len commands. */
int tpm_get_random(struct tpm *t, u8 *buf, size_t len, u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen, got, done = 0;
	u16 ask;
	int err = 0;

	*tpm_rc = 0;
	while (done < len) {
		ask = len - done > TPM_RANDOM_MAX ? TPM_RANDOM_MAX :
						    (u16)(len - done);
		err = tpm_cmd_get_random(cmd, sizeof(cmd), ask, &clen);
		if (!err)
			err = tpm_call(t, cmd, clen, rsp, sizeof(rsp), &rlen);
		if (!err)
			err = tpm_rsp_get_random(rsp, rlen, ask, buf + done,
						 &got, tpm_rc);
		if (err)
			break;
		done += got;
	}
	memset(rsp, 0, sizeof(rsp));
	if (err)
		memset(buf, 0, len);
	return err;
}

/* One short command: build (done by the caller), exchange, parse. */
#define TPM_LT_CALL(build, parse)                                             \
	do {                                                                  \
		err = (build);                                                \
		if (!err)                                                     \
			err = tpm_call(t, cmd, clen, rsp, sizeof(rsp), &rlen); \
		if (!err)                                                     \
			err = (parse);                                        \
	} while (0)

/* A policy session satisfied for the long-term index: StartAuthSession,
 * PolicyPCR(17, 18), PolicyLocality(2). The session is flushed on failure. */
static int tpm_lt_session(struct tpm *t, const u8 nonce[TPM_NONCE_SIZE],
			  u32 *session, u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen;
	u32 rc2;
	int err;

	TPM_LT_CALL(tpm_cmd_start_policy_session(cmd, sizeof(cmd), nonce, &clen),
		    tpm_rsp_start_auth_session(rsp, rlen, session, tpm_rc));
	if (err)
		return err;
	TPM_LT_CALL(tpm_cmd_policy_pcr_17_18(cmd, sizeof(cmd), *session, &clen),
		    tpm_rsp_empty(rsp, rlen, tpm_rc));
	if (!err)
		TPM_LT_CALL(tpm_cmd_policy_locality2(cmd, sizeof(cmd), *session,
						     &clen),
			    tpm_rsp_empty(rsp, rlen, tpm_rc));
	if (err)
		tpm_flush_session(t, *session, &rc2);
	return err;
}

int tpm_flush_session(struct tpm *t, u32 session, u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF];
	size_t clen, rlen;
	int err;

	*tpm_rc = 0;
	TPM_LT_CALL(tpm_cmd_flush_context(cmd, sizeof(cmd), session, &clen),
		    tpm_rsp_empty(rsp, rlen, tpm_rc));
	return err;
}

int tpm_lt_secret(struct tpm *t, const u8 pcr17[TPM_SHA256_SIZE],
		  const u8 pcr18[TPM_SHA256_SIZE],
		  const u8 fresh[TPM_LT_SECRET_SIZE],
		  const u8 nonce[TPM_NONCE_SIZE], u8 secret[TPM_LT_SECRET_SIZE],
		  u32 *index, bool *created, u32 *tpm_rc)
{
	u8 cmd[TPM_SMALL_BUF], rsp[TPM_SMALL_BUF], policy[TPM_SHA256_SIZE];
	struct tpm_nv_public pub;
	size_t clen, rlen;
	u32 session, rc2;
	int err;

	*tpm_rc = 0;
	*created = false;
	memset(secret, 0, TPM_LT_SECRET_SIZE);
	tpm_lt_policy(pcr17, pcr18, policy);
	*index = tpm_lt_nv_index(policy);

	TPM_LT_CALL(tpm_cmd_nv_read_public(cmd, sizeof(cmd), *index, &clen),
		    tpm_rsp_nv_read_public(rsp, rlen, *index, &pub, tpm_rc));
	if (err == -EIO && *tpm_rc == (TPM_RC_HANDLE | TPM_RC_1)) {
		/* Not there: this build's first launch. */
		TPM_LT_CALL(tpm_cmd_nv_define_lt(cmd, sizeof(cmd), *index,
						 policy, &clen),
			    tpm_rsp_nv_define(rsp, rlen, tpm_rc));
		if (err)
			return err;
		pub.attrs = TPM_LT_NV_ATTRS;
		pub.size = TPM_LT_SECRET_SIZE;
		memcpy(pub.policy, policy, sizeof(policy));
	} else if (err) {
		return err;
	}
	/* Someone else's index at our handle (another policy, other
	 * attributes or size): left alone, no long-term secret. */
	if ((pub.attrs & ~TPMA_NV_WRITTEN) != TPM_LT_NV_ATTRS ||
	    pub.size != TPM_LT_SECRET_SIZE ||
	    memcmp(pub.policy, policy, sizeof(policy)))
		return -EEXIST;

	err = tpm_lt_session(t, nonce, &session, tpm_rc);
	if (err)
		return err;
	if (pub.attrs & TPMA_NV_WRITTEN) {
		TPM_LT_CALL(tpm_cmd_nv_read_lt(cmd, sizeof(cmd), *index,
					       session, nonce, &clen),
			    tpm_rsp_nv_read_lt(rsp, rlen, secret, tpm_rc));
	} else {
		TPM_LT_CALL(tpm_cmd_nv_write_lt(cmd, sizeof(cmd), *index,
						session, nonce, fresh, &clen),
			    tpm_rsp_nv_write(rsp, rlen, tpm_rc));
		if (!err) {
			memcpy(secret, fresh, TPM_LT_SECRET_SIZE);
			*created = true;
		}
	}
	/* continueSession was clear: after a success the TPM has flushed the
	 * session; after a failure it is still there. */
	if (err)
		tpm_flush_session(t, session, &rc2);
	/* The secret passed through both buffers (crypto_wipe: not optimised
	 * away like a memset of a dying array). */
	crypto_wipe(cmd, sizeof(cmd));
	crypto_wipe(rsp, sizeof(rsp));
	/* Nothing reads it again this boot, whatever talks to locality 2
	 * later: NV_ReadLock (TPMA_NV_READ_STCLEAR) until the next
	 * TPM2_Startup(CLEAR). Fail closed: no lock, no secret. */
	if (!err)
		err = tpm_lt_session(t, nonce, &session, tpm_rc);
	if (!err) {
		TPM_LT_CALL(tpm_cmd_nv_read_lock_lt(cmd, sizeof(cmd), *index,
						    session, nonce, &clen),
			    tpm_rsp_nv_read_lock(rsp, rlen, tpm_rc));
		if (err)
			tpm_flush_session(t, session, &rc2);
	}
	/* ...and the TPM says so. */
	if (!err)
		TPM_LT_CALL(tpm_cmd_nv_read_public(cmd, sizeof(cmd), *index, &clen),
			    tpm_rsp_nv_read_public(rsp, rlen, *index, &pub,
						   tpm_rc));
	if (!err && !(pub.attrs & TPMA_NV_READLOCKED))
		err = -EPROTO;
	if (err) {
		crypto_wipe(secret, TPM_LT_SECRET_SIZE);
		*created = false;
	}
	return err;
}
