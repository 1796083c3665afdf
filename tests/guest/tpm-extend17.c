/* emulators: qemu */
/* tpm-extend17.c: in-guest test (runs in the Linux guest) that the OS cannot set the DRTM PCR
 * (17), the hypervisor's PCR (18, launch parameters) nor the uTPM root-key PCR (19):
 * TPM2_PCR_Extend and TPM2_PCR_Reset of each via /dev/tpm0 (locality 0) must be refused
 * with exactly TPM_RC_LOCALITY. */
/*
 * Exit status: 0 all refused with TPM_RC_LOCALITY and PCRs 17-19 unchanged, 1 the
 * TPM accepted one of them or refused it for another reason (a malformed command
 * is no proof of the locality rule), a PCR changed, or there is no /dev/tpm0;
 * 2 I/O error.
 * PC Client PCR rules (TCG PC Client Platform TPM Profile, PCR attributes):
 * PCRs 17/18 reset only from locality 4 and extend from localities 2-4, PCR 19
 * extends from 2-3 and resets from 4, so libtpms answers TPM_RC_LOCALITY (0x907)
 * at locality 0 to all six commands. Command layouts:
 * TPM 2.0 Part 3, TPM2_PCR_Extend (22.2) and TPM2_PCR_Reset (22.8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TPM_ST_SESSIONS 0x8002
#define TPM_CC_PCR_RESET 0x13d
#define TPM_CC_PCR_EXTEND 0x182
#define TPM_RS_PW 0x40000009
#define TPM_ALG_SHA256 0x000b
#define TPM_RC_LOCALITY 0x907
static unsigned int pcr_nr;

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return 4;
}

/* Header plus PCR handle plus an empty password session; returns length. */
static size_t start_cmd(uint8_t *b, uint32_t cc)
{
	size_t n = 0;

	n += put16(b + n, TPM_ST_SESSIONS);
	n += put32(b + n, 0); /* size, patched by finish_cmd() */
	n += put32(b + n, cc);
	n += put32(b + n, pcr_nr);
	n += put32(b + n, 9); /* authorizationSize */
	n += put32(b + n, TPM_RS_PW);
	n += put16(b + n, 0); /* nonceCaller */
	b[n++] = 0;           /* sessionAttributes */
	n += put16(b + n, 0); /* hmac (empty password) */
	return n;
}

static void finish_cmd(uint8_t *b, size_t n)
{
	put32(b + 2, (uint32_t)n);
}

/* Send one command; returns the response code or -1 on I/O error. */
static long transact(const char *what, const uint8_t *cmd, size_t len)
{
	uint8_t rsp[4096];
	ssize_t n;
	long rc;
	int fd = open("/dev/tpm0", O_RDWR);

	if (fd < 0) {
		printf("tpm-extend17: open /dev/tpm0: %s\n", strerror(errno));
		return -1;
	}
	n = write(fd, cmd, len);
	if (n != (ssize_t)len) {
		printf("tpm-extend17: %s: write: %s\n", what, n < 0 ? strerror(errno) : "short");
		close(fd);
		return -1;
	}
	n = read(fd, rsp, sizeof(rsp));
	close(fd);
	if (n < 10) {
		printf("tpm-extend17: %s: read: %s\n", what, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	rc = (long)((uint32_t)rsp[6] << 24 | (uint32_t)rsp[7] << 16 | (uint32_t)rsp[8] << 8 | rsp[9]);
	printf("tpm-extend17: %s of PCR %d at locality 0 -> rc 0x%lx%s\n", what, pcr_nr, rc,
	       rc == TPM_RC_LOCALITY ? " (TPM_RC_LOCALITY)" : "");
	return rc;
}

static int read_pcr17(char *buf, size_t len)
{
	char path[64];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/tpm/tpm0/pcr-sha256/%u", pcr_nr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

static int check_pcr(unsigned int pcr)
{
	uint8_t cmd[128];
	char before[128] = "", after[128] = "";
	long rc_ext, rc_reset;
	size_t n;
	int fail = 0;

	pcr_nr = pcr;
	read_pcr17(before, sizeof(before));

	n = start_cmd(cmd, TPM_CC_PCR_EXTEND);
	n += put32(cmd + n, 1); /* TPML_DIGEST_VALUES.count */
	n += put16(cmd + n, TPM_ALG_SHA256);
	memset(cmd + n, 0x5a, 32);
	n += 32;
	finish_cmd(cmd, n);
	rc_ext = transact("TPM2_PCR_Extend", cmd, n);

	n = start_cmd(cmd, TPM_CC_PCR_RESET);
	finish_cmd(cmd, n);
	rc_reset = transact("TPM2_PCR_Reset", cmd, n);

	if (rc_ext < 0 || rc_reset < 0)
		return 2;
	if (rc_ext != TPM_RC_LOCALITY || rc_reset != TPM_RC_LOCALITY) {
		printf("tpm-extend17: PCR %u: want rc 0x%x (TPM_RC_LOCALITY) for both\n", pcr,
		       TPM_RC_LOCALITY);
		fail = 1;
	}
	if (read_pcr17(after, sizeof(after)) == 0) {
		printf("tpm-extend17: PCR %u before %.64s, after %.64s\n", pcr, before, after);
		if (strcmp(before, after))
			fail = 1;
	} else {
		fail = 1;
	}
	printf("tpm-extend17: PCR %u: %s\n", pcr, fail ? "FAIL: not refused for its locality, or changed" :
	       "refused with TPM_RC_LOCALITY, as required");
	return fail;
}

int main(void)
{
	int r17, r18, r19;

	/* This test only runs where the platform has a TPM (QEMU + swtpm). */
	if (access("/dev/tpm0", F_OK) != 0) {
		printf("tpm-extend17: FAIL: no /dev/tpm0 on a platform that has a TPM\n");
		return 1;
	}
	r17 = check_pcr(17);
	r18 = check_pcr(18);
	r19 = check_pcr(19);
	return r17 ? r17 : r18 ? r18 : r19;
}
