/* emulators: qemu */
/* tpm-longterm-os.c: in-guest attack test: the OS (locality 0, /dev/tpm0) cannot read or
 * overwrite the hypervisor's long-term uTPM secret (docs/utpm.md "Long-term sealing").
 * It finds the NV indices the hypervisor uses (TPM2_GetCapability of the handles from
 * 0x01480000, then TPM2_NV_ReadPublic: written, with at least the attributes POLICYWRITE |
 * POLICYREAD | NO_DA) and, for each, tries:
 *   1. TPM2_NV_Read with an empty password          -> refused (the index has no auth read);
 *   2. TPM2_NV_Read under PolicyPCR(17, 18) alone    -> refused (policy digest differs);
 *   3. TPM2_NV_Read under PolicyPCR + PolicyLocality(2), the index's real policy, sent
 *      from locality 0                               -> refused;
 *   4. TPM2_NV_Write of 32 known bytes under that policy -> refused.
 * For the index of this launch (PCRs 17 and 18 match its policy) 3 and 4 can only fail
 * for the locality: TPM_RC_LOCALITY. Indices of other builds (a kept TPM state) fail
 * PolicyPCR first (TPM_RC_POLICY_FAIL). So: exit status 0 when every attempt was refused
 * and 3 and 4 were refused with TPM_RC_LOCALITY for at least one index (this launch's:
 * the locality alone kept the OS out); 1 an attempt accepted, or no index refused for the
 * locality (the hypervisor of a DRTM launch creates one); 2 I/O error or no /dev/tpm0.
 * Layouts: TPM 2.0 Part 3 (GetCapability 30.2, NV_ReadPublic 31.6, NV_Read 31.10,
 * NV_Write 31.7, StartAuthSession 11.1, PolicyPCR 23.7, PolicyLocality 23.13). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LT_BASE 0x01480000u
#define LT_ATTRS 0x02080008u
#define NV_WRITTEN 0x20000000u
#define RC_LOCALITY 0x907u

static uint8_t rsp[4096];
static size_t rsp_len;
static unsigned int locality_refusals;	/* attempts 3 and 4 refused with TPM_RC_LOCALITY */

static size_t put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; return 2; }
static size_t put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); return 4; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* One command; the response in rsp[]. Returns its response code, or -1. */
static long transact(uint8_t *cmd, size_t len)
{
	int fd = open("/dev/tpm0", O_RDWR);
	ssize_t n;

	put32(cmd + 2, (uint32_t)len);
	if (fd < 0) {
		printf("tpm-longterm-os: open /dev/tpm0: %s\n", strerror(errno));
		return -1;
	}
	n = write(fd, cmd, len);
	if (n == (ssize_t)len)
		n = read(fd, rsp, sizeof(rsp));
	else
		n = -1;
	close(fd);
	if (n < 10) {
		printf("tpm-longterm-os: TPM I/O failed\n");
		return -1;
	}
	rsp_len = (size_t)n;
	return (long)get32(rsp + 6);
}

static size_t hdr(uint8_t *b, uint16_t tag, uint32_t cc)
{
	put16(b, tag);
	put32(b + 2, 0);
	put32(b + 6, cc);
	return 10;
}

/* A policy session with PolicyPCR(17, 18) and, if loc2, PolicyLocality(2). */
static long policy_session(int loc2, uint32_t *h)
{
	static const uint8_t sel[] = { 0, 0, 0, 1, 0x00, 0x0b, 3, 0, 0, 0x06 };
	uint8_t c[128];
	size_t n = hdr(c, 0x8001, 0x176);
	long rc;

	n += put32(c + n, 0x40000007);	/* tpmKey: none */
	n += put32(c + n, 0x40000007);	/* bind: none */
	n += put16(c + n, 32);
	memset(c + n, 0x42, 32);
	n += 32;
	n += put16(c + n, 0);		/* no salt */
	c[n++] = 1;			/* TPM_SE_POLICY */
	n += put16(c + n, 0x0010);	/* symmetric NULL */
	n += put16(c + n, 0x000b);	/* SHA-256 */
	rc = transact(c, n);
	if (rc || rsp_len < 14)
		return rc ? rc : -1;
	*h = get32(rsp + 10);
	n = hdr(c, 0x8001, 0x17f);
	n += put32(c + n, *h);
	n += put16(c + n, 0);		/* pcrDigest: the current values */
	memcpy(c + n, sel, sizeof(sel));
	n += sizeof(sel);
	rc = transact(c, n);
	if (rc || !loc2)
		return rc;
	n = hdr(c, 0x8001, 0x16f);
	n += put32(c + n, *h);
	c[n++] = 0x04;			/* TPM_LOC_TWO */
	return transact(c, n);
}

static void flush(uint32_t h)
{
	uint8_t c[16];
	size_t n = hdr(c, 0x8001, 0x165);

	n += put32(c + n, h);
	transact(c, n);
}

/* NV_Read (write == 0) or NV_Write of 32 bytes, authorized by session h
 * (TPM_RS_PW: an empty password). */
static long nv_access(uint32_t index, uint32_t h, int write)
{
	uint8_t c[160];
	size_t n = hdr(c, 0x8002, write ? 0x137 : 0x14e);

	n += put32(c + n, index);
	n += put32(c + n, index);
	if (h == 0x40000009) {
		n += put32(c + n, 9);
		n += put32(c + n, h);
		n += put16(c + n, 0);
		c[n++] = 0;
		n += put16(c + n, 0);
	} else {
		n += put32(c + n, 4 + 2 + 32 + 1 + 2);
		n += put32(c + n, h);
		n += put16(c + n, 32);
		memset(c + n, 0x43, 32);
		n += 32;
		c[n++] = 0;
		n += put16(c + n, 0);
	}
	if (write) {
		n += put16(c + n, 32);
		memset(c + n, 0x0e, 32);	/* a secret the OS would know */
		n += 32;
	} else {
		n += put16(c + n, 32);
	}
	n += put16(c + n, 0);		/* offset */
	return transact(c, n);
}

/* One attempt: prints it; 0 if refused. */
static int attempt(uint32_t index, const char *what, int policy, int loc2, int write)
{
	uint32_t h = 0x40000009;
	long rc = 0;
	int bad;

	if (policy) {
		rc = policy_session(loc2, &h);
		if (rc) {
			printf("tpm-longterm-os: %x: %s: building the policy session failed (rc 0x%lx)\n",
			       index, what, rc);
			if (h != 0x40000009)
				flush(h);
			return 1;
		}
	}
	rc = nv_access(index, h, write);
	if (policy)
		flush(h);
	if (rc < 0)
		return 2;
	bad = rc == 0;
	if (loc2 && rc == RC_LOCALITY)
		locality_refusals++;
	printf("tpm-longterm-os: %x: %s at locality 0 -> rc 0x%lx: %s\n", index, what, rc,
	       bad ? "ACCEPTED" : rc == RC_LOCALITY ? "refused (TPM_RC_LOCALITY)" : "refused");
	return bad;
}

int main(void)
{
	uint8_t c[64];
	uint32_t idx[64], count, i, found = 0;
	size_t n;
	long rc;
	int fail = 0;

	if (access("/dev/tpm0", F_OK) != 0) {
		printf("tpm-longterm-os: FAIL: no /dev/tpm0\n");
		return 2;
	}
	/* TPM2_GetCapability(TPM_CAP_HANDLES, LT_BASE, 64) */
	n = hdr(c, 0x8001, 0x17a);
	n += put32(c + n, 1);
	n += put32(c + n, LT_BASE);
	n += put32(c + n, 64);
	rc = transact(c, n);
	if (rc || rsp_len < 19) {
		printf("tpm-longterm-os: FAIL: GetCapability rc 0x%lx\n", rc);
		return 2;
	}
	count = get32(rsp + 15);
	if (count > 64 || rsp_len < 19 + 4 * (size_t)count) {
		printf("tpm-longterm-os: FAIL: malformed GetCapability answer\n");
		return 2;
	}
	for (i = 0; i < count; i++)
		idx[i] = get32(rsp + 19 + 4 * i);
	for (i = 0; i < count; i++) {
		uint32_t attrs;

		if ((idx[i] & 0xffff0000u) != LT_BASE)
			continue;
		n = hdr(c, 0x8001, 0x169);
		n += put32(c + n, idx[i]);
		/* nvPublic: size 2, index 4, nameAlg 2, attributes 4, authPolicy 2 + 32, dataSize 2 */
		if (transact(c, n) || rsp_len < 10 + 2 + 4 + 2 + 4 + 34 + 2)
			continue;
		attrs = get32(rsp + 18);
		printf("tpm-longterm-os: NV index %x: attributes %08x, %u bytes\n", idx[i], attrs,
		       (unsigned)(rsp[56] << 8 | rsp[57]));
		/* Any written index with at least the hypervisor's attributes
		 * (more, e.g. AUTHREAD, would be a weaker one to attack). */
		if ((attrs & LT_ATTRS) != LT_ATTRS || !(attrs & NV_WRITTEN))
			continue;
		found++;
		fail |= attempt(idx[i], "NV_Read with the empty password", 0, 0, 0);
		fail |= attempt(idx[i], "NV_Read under PolicyPCR(17,18) alone", 1, 0, 0);
		fail |= attempt(idx[i], "NV_Read under PolicyPCR + PolicyLocality(2)", 1, 1, 0);
		fail |= attempt(idx[i], "NV_Write under PolicyPCR + PolicyLocality(2)", 1, 1, 1);
	}
	if (!found || locality_refusals < 2) {
		printf("tpm-longterm-os: FAIL: no long-term NV index of this launch found (%u indices, "
		       "%u refusals for the locality alone)\n", found, locality_refusals);
		return 1;
	}
	printf("tpm-longterm-os: %s (%u index(es))\n", fail ? "FAIL: an attempt was not refused as "
	       "it must be" : "every read and write from locality 0 refused", found);
	return fail ? 1 : 0;
}
