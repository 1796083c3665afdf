/* libFuzzer harness: the TPM 2.0 response parsers of hypervisor/tpm/tpm_cmd.c.
 * Input: one selector byte (which parser: low 3 bits; PCR index, bytes asked
 * or, for 6, which long-term-secret parser: the upper bits), then the
 * response. Checks the return convention of tpm_cmd.h on every answer. */
#include <string.h>
#include "fuzz.h"
#include "tpm/tpm_cmd.h"

static void check_rc(int err, u32 rc)
{
	/* *rc != 0 exactly when the TPM refused (-EIO). */
	FUZZ_CHECK((err == -EIO) == (rc != 0));
	FUZZ_CHECK(err == 0 || err == -EIO || err == -EPROTO || err == -ENOENT ||
		   err == -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 digest[TPM_SHA256_SIZE], out[TPM_RANDOM_MAX], sel;
	u8 *rsp;
	size_t len, got;
	u32 rc = 0xdeadbeef, counter = 0, handle;
	int err;

	if (size < 1)
		return 0;
	sel = data[0];
	len = size - 1;
	/* A heap copy of exactly len bytes: ASan sees any read past it. */
	rsp = malloc(len ? len : 1);
	memcpy(rsp, data + 1, len);
	switch (sel & 7) {
	case 0:
		err = tpm_rsp_startup(rsp, len, &rc);
		check_rc(err, rc);
		break;
	case 1:
		err = tpm_rsp_pcr_extend(rsp, len, &rc);
		check_rc(err, rc);
		break;
	case 2: {
		unsigned pcr = (sel >> 3) % (TPM_PCR_COUNT + 2);

		memset(digest, 0xa5, sizeof(digest));
		err = tpm_rsp_pcr_read_sha256(rsp, len, pcr, digest, &counter, &rc);
		check_rc(err, rc);
		if (err) {
			static const u8 zero[TPM_SHA256_SIZE];

			FUZZ_CHECK(!memcmp(digest, zero, sizeof(zero)));
		}
		FUZZ_CHECK(pcr < TPM_PCR_COUNT || err == -EINVAL);
		break;
	}
	case 3: {
		u16 asked = (u16)((sel >> 3) % TPM_RANDOM_MAX + 1);

		err = tpm_rsp_get_random(rsp, len, asked, out, &got, &rc);
		check_rc(err, rc);
		FUZZ_CHECK(err ? got == 0 : got >= 1 && got <= asked);
		break;
	}
	case 4: {
		struct tpm_rsp r;

		err = tpm_rsp_open(&r, rsp, len, (sel & 8) ? TPM_ST_SESSIONS :
						      TPM_ST_NO_SESSIONS, &handle, (sel >> 4) & 1, &rc);
		check_rc(err, rc);
		if (!err) {
			/* The areas lie inside the response. */
			FUZZ_CHECK(r.par.len <= len && r.auth.len <= len);
			err = tpm_rsp_close(&r, (sel >> 5) & 3);
			FUZZ_CHECK(err == 0 || err == -EPROTO);
		}
		break;
	}
	case 5: {
		size_t fsize = 0;

		if (len >= TPM_HEADER_SIZE) {
			err = tpm_rsp_frame_size(rsp, sel, &fsize);
			FUZZ_CHECK(err || (fsize >= TPM_HEADER_SIZE && fsize <= sel));
		}
		break;
	}
	case 6: {
		/* The long-term secret's parsers (tpm_cmd.h "sealing to PCRs
		 * 17 and 18"), chosen by the selector's upper bits. */
		static const u8 zero[TPM_LT_SECRET_SIZE];
		struct tpm_nv_public pub;
		u8 secret[TPM_LT_SECRET_SIZE];
		u32 session = 0xdeadbeef;

		switch ((sel >> 3) % 6) {
		case 0:
			err = tpm_rsp_start_auth_session(rsp, len, &session, &rc);
			check_rc(err, rc);
			FUZZ_CHECK(err ? session == 0 : session >> 24 == TPM_HT_POLICY_SESSION);
			break;
		case 1:
			err = tpm_rsp_empty(rsp, len, &rc);
			check_rc(err, rc);
			break;
		case 2:
			memset(&pub, 0xa5, sizeof(pub));
			err = tpm_rsp_nv_read_public(rsp, len, TPM_LT_NV_BASE | (sel & 0x80), &pub, &rc);
			check_rc(err, rc);
			if (err)
				FUZZ_CHECK(pub.index == 0 && pub.attrs == 0 && pub.size == 0);
			else
				FUZZ_CHECK(pub.index == (TPM_LT_NV_BASE | (sel & 0x80)));
			break;
		case 3:
			err = tpm_rsp_nv_define(rsp, len, &rc);
			check_rc(err, rc);
			break;
		case 4:
			err = tpm_rsp_nv_write(rsp, len, &rc);
			check_rc(err, rc);
			break;
		default:
			memset(secret, 0xa5, sizeof(secret));
			err = tpm_rsp_nv_read_lt(rsp, len, secret, &rc);
			check_rc(err, rc);
			if (err)
				FUZZ_CHECK(!memcmp(secret, zero, sizeof(zero)));
			break;
		}
		break;
	}
	default: {
		struct tpm_rd r;
		const u8 *p;
		u16 n;

		/* The cursor alone: a chain of TPM2B reads. */
		tpm_rd_init(&r, rsp, len);
		while (!tpm_get_tpm2b(&r, &p, &n, (u16)(sel << 4)))
			FUZZ_CHECK(p >= rsp && p + n <= rsp + len && n <= (u16)(sel << 4));
		FUZZ_CHECK(r.off <= len);
		break;
	}
	}
	free(rsp);
	return 0;
}
