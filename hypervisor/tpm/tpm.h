/* The hypervisor's TPM 2.0 driver as the core sees it: probe, localities,
 * raw transmit and the few commands used. Root mode only, polled, one caller
 * at a time. Return values: 0 or -E*, TPM response codes in *tpm_rc (see
 * the convention in tpm/tpm_cmd.h). */
#ifndef HV_TPM_H
#define HV_TPM_H

#include "types.h"
#include "tpm/tpm_cmd.h"

#define TPM_LOCALITY_NONE (-1)
/* TSC rate assumed until tpm_set_tsc_khz(): above any real TSC, so that no
 * wait is ever shorter than the specification asks (only longer). */
#define TPM_TSC_KHZ_FALLBACK 6000000ull

struct tpm {
	volatile u8 *regs;	/* locality 0's window; NULL until probed */
	u64 mmio_base;		/* physical address (TPM_TIS_BASE) */
	u64 tsc_khz;		/* TSC ticks per millisecond, for every wait */
	int locality;		/* locality we hold, or TPM_LOCALITY_NONE */
	u32 did_vid;		/* TPM_DID_VID_0: vendor ID in the low 16 bits */
	u8 rid;			/* TPM_RID_0 */
	u8 intf_type;		/* TPM_INTERFACE_ID_0.InterfaceType */
	bool five_localities;	/* localities 1-4 implemented */
};

/*
 * Find a FIFO/TIS TPM at mmio_base (normally TPM_TIS_BASE). -ENODEV: nothing
 * there (floating bus, DID_VID 0 or all ones, tpmRegValidSts never set);
 * -ENOSYS: a TPM with the CRB interface (t->intf_type says so), which this
 * driver does not speak. Call it before the OS runs: it relinquishes any
 * locality the firmware left active so that ours can be granted.
 */
int tpm_probe(struct tpm *t, u64 mmio_base);
/* The core's TSC calibration (after tpm_probe); 0 keeps the fallback. */
void tpm_set_tsc_khz(struct tpm *t, u64 tsc_khz);

/* PTP "Locality": requestUse, then wait TIMEOUT_A for activeLocality.
 * Releases a different locality we hold first. -ETIMEDOUT if another
 * locality keeps the TPM (our request is withdrawn), -EINVAL for loc > 4 or
 * a TPM that only implements locality 0. */
int tpm_request_locality(struct tpm *t, unsigned int loc);
void tpm_release_locality(struct tpm *t);

/*
 * Send one command (len == its commandSize) at the held locality and read
 * the response into rsp[rsp_max]; *rsp_len = its responseSize. Checks only
 * the framing (10 <= responseSize <= rsp_max, no bytes beyond it), not the
 * response code. Every wait is bounded (docs/tpm.md). -EINVAL without a
 * held locality, -EBUSY if it was taken from us, -ENOSPC if the response
 * does not fit, -EPROTO on a FIFO protocol violation, -ETIMEDOUT, -ENODEV if
 * the registers read all ones.
 */
int tpm_transmit(struct tpm *t, const u8 *cmd, size_t len, u8 *rsp,
		 size_t rsp_max, size_t *rsp_len);

/* TPM2_Startup(TPM_SU_CLEAR); TPM_RC_INITIALIZE (already started by the
 * firmware, the usual case) counts as success. */
int tpm_startup_clear(struct tpm *t, u32 *tpm_rc);
/* PCR n (0-23) of the SHA-256 bank. PCRs 17-22 need locality >= 2 to be
 * extended and read all ones until a DRTM resets them. */
int tpm_pcr_extend_sha256(struct tpm *t, unsigned int pcr,
			  const u8 digest[32], u32 *tpm_rc);
int tpm_pcr_read_sha256(struct tpm *t, unsigned int pcr, u8 out[32],
			u32 *tpm_rc);
/* len bytes from the TPM's RNG, in as many commands as its short answers
 * need; buf is zeroed on failure. */
int tpm_get_random(struct tpm *t, u8 *buf, size_t len, u32 *tpm_rc);

/*
 * The long-term uTPM storage secret (docs/tpm.md "Long-term secret"), at
 * locality 2 after PCRs 17 and 18 hold their final values for this launch:
 * the NV index of the policy PolicyPCR(17, 18 = pcr17, pcr18) +
 * PolicyLocality(2) (tpm_lt_nv_index) is read under that policy; if it does
 * not exist it is defined (owner hierarchy, empty owner password) and if it
 * was never written, fresh is written into it (*created = true); then the
 * index is read-locked (TPM2_NV_ReadLock) until the next TPM2_Startup(CLEAR).
 * secret is zeroed unless 0 is returned (also when the lock failed). -EEXIST: an index with other attributes,
 * size or policy sits at that handle (left alone). nonce: nonceCaller of the
 * policy session (any bytes; no HMAC is involved).
 */
int tpm_lt_secret(struct tpm *t, const u8 pcr17[TPM_SHA256_SIZE],
		  const u8 pcr18[TPM_SHA256_SIZE],
		  const u8 fresh[TPM_LT_SECRET_SIZE],
		  const u8 nonce[TPM_NONCE_SIZE], u8 secret[TPM_LT_SECRET_SIZE],
		  u32 *index, bool *created, u32 *tpm_rc);
/* TPM2_FlushContext of a session handle. */
int tpm_flush_session(struct tpm *t, u32 session, u32 *tpm_rc);

#endif
