/* libFuzzer harness: the TPM FIFO (TIS) driver's state machine
 * (hypervisor/tpm/tpm_tis.c) against a scripted fake register file. Input:
 * byte 0 picks the locality and the command, the rest is what the TPM's
 * registers read, in order (a 32-bit read takes four bytes); once it runs
 * out every register reads all ones (the TPM is gone). Each register read
 * advances the fake clock by 1 ms, each clock read by 0.1 ms, so every
 * wait ends. Checks: the bytes
 * written to the FIFO are a prefix of the command sent, a successful
 * transmit returns a well-framed response, and the return convention. */
#include <string.h>
#include "fuzz.h"
#include "tpm/tpm.h"
#include "tpm/tpm_tis.h"

static const u8 *script;
static size_t script_len, script_off;
static u64 fake_tsc;
static u8 fifo_in[TPM_BUF_SIZE];
static size_t fifo_n;
static bool fifo_overflow;

/* The harness translates nothing: TPM_TIS_BASE is never dereferenced. */
void *phys_to_virt(u64 pa)
{
	return (void *)pa;
}

static u8 next(void)
{
	fake_tsc += TPM_TSC_KHZ_FALLBACK;	/* 1 ms at the fallback rate */
	return script_off < script_len ? script[script_off++] : 0xff;
}

u8 tis_io_rd8(volatile u8 *reg)
{
	(void)reg;
	return next();
}

u32 tis_io_rd32(volatile u8 *reg)
{
	u32 v = next();

	(void)reg;
	v |= (u32)next() << 8;
	v |= (u32)next() << 16;
	return v | (u32)next() << 24;
}

void tis_io_wr8(volatile u8 *reg, u8 v)
{
	u64 off = ((u64)(uintptr_t)reg - TPM_TIS_BASE) % TPM_TIS_LOCALITY_SIZE;

	FUZZ_CHECK((u64)(uintptr_t)reg >= TPM_TIS_BASE &&
		   (u64)(uintptr_t)reg < TPM_TIS_BASE + TPM_TIS_SIZE);
	if (off == TPM_DATA_FIFO) {
		if (fifo_n < sizeof(fifo_in))
			fifo_in[fifo_n++] = v;
		else
			fifo_overflow = true;
	}
}

/* Time passes while the driver waits without reading (tpm_delay_ms). */
u64 tis_io_tsc(void)
{
	fake_tsc += TPM_TSC_KHZ_FALLBACK / 10;
	return fake_tsc;
}

static void check(int err, u32 rc)
{
	FUZZ_CHECK(err <= 0);
	FUZZ_CHECK((err == -EIO) == (rc != 0));
	FUZZ_CHECK(!fifo_overflow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u8 digest[32] = { 1, 2, 3 };
	struct tpm t;
	u8 out[200], cmd[128], rsp[TPM_BUF_SIZE];
	size_t clen, rlen;
	u32 rc = 0;
	u8 sel;
	int err;

	if (size < 1)
		return 0;
	sel = data[0];
	script = data + 1;
	script_len = size - 1;
	script_off = 0;
	fake_tsc = 0;
	fifo_n = 0;
	fifo_overflow = false;

	err = tpm_probe(&t, TPM_TIS_BASE);
	FUZZ_CHECK(err == 0 || err == -ENODEV || err == -ENOSYS);
	if (err) {
		FUZZ_CHECK(!t.regs);
		return 0;
	}
	err = tpm_request_locality(&t, sel % 5);
	FUZZ_CHECK(err == 0 || err == -ETIMEDOUT || err == -ENODEV || err == -EINVAL);
	if (err) {
		FUZZ_CHECK(t.locality == TPM_LOCALITY_NONE);
		return 0;
	}
	FUZZ_CHECK(t.locality == (int)(sel % 5));
	fifo_n = 0;
	switch ((sel / 5) % 5) {
	case 0:
		err = tpm_startup_clear(&t, &rc);
		check(err, rc);
		FUZZ_CHECK(!tpm_cmd_startup(cmd, sizeof(cmd), TPM_SU_CLEAR, &clen));
		break;
	case 1:
		err = tpm_pcr_extend_sha256(&t, 17, digest, &rc);
		check(err, rc);
		FUZZ_CHECK(!tpm_cmd_pcr_extend_sha256(cmd, sizeof(cmd), 17, digest, &clen));
		break;
	case 2:
		err = tpm_pcr_read_sha256(&t, 17, out, &rc);
		check(err, rc);
		FUZZ_CHECK(!tpm_cmd_pcr_read_sha256(cmd, sizeof(cmd), 17, &clen));
		break;
	case 3:
		err = tpm_get_random(&t, out, sizeof(out), &rc);
		check(err, rc);
		clen = 0;	/* several commands: not compared */
		break;
	default:
		FUZZ_CHECK(!tpm_cmd_startup(cmd, sizeof(cmd), TPM_SU_STATE, &clen));
		err = tpm_transmit(&t, cmd, clen, rsp, sel & 0x80 ? sizeof(rsp) : 12, &rlen);
		FUZZ_CHECK(err <= 0 && !fifo_overflow);
		if (!err) {
			FUZZ_CHECK(rlen >= TPM_HEADER_SIZE && rlen <= (sel & 0x80 ? sizeof(rsp) : 12));
			FUZZ_CHECK(tpm_be32(rsp + 2) == rlen);
		} else {
			FUZZ_CHECK(rlen == 0);
		}
		break;
	}
	/* What reached the FIFO is (the start of) the command, possibly sent
	 * again after a retry warning. */
	if (clen)
		for (size_t i = 0; i < fifo_n; i++)
			FUZZ_CHECK(fifo_in[i] == cmd[i % clen]);
	tpm_release_locality(&t);
	FUZZ_CHECK(t.locality == TPM_LOCALITY_NONE);
	return 0;
}
