/* libFuzzer harness: the sealed-blob parser (utpm_unseal in hypervisor/utpm/
 * utpm.c). Input byte 0: 0 = the rest is the blob itself; 1 = the rest is
 * XORed onto a valid blob sealed (in the initializer) by this PAL to
 * uPCRs 0 and 3, so mutations reach the policy and tag checks with the
 * other fields intact; 2 = as 1, with uPCR 3 extended first. Checks: only
 * the untouched blob with unchanged uPCRs unseals, to the sealed bytes; no
 * other answer writes plaintext. */
#include <string.h>
#include "fuzz.h"
#include "utpm/utpm.h"

static struct utpm_root root;
static struct utpm pal, pal_ext;
static u8 blob[UTPM_SEAL_OVERHEAD + 48];
static const u8 secret[48] = "the plaintext sealed to uPCRs 0 and 3, 48 bytes";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	u8 seed[64], m[32], d[32];
	size_t n;

	(void)argc;
	(void)argv;
	memset(seed, 0x11, sizeof(seed));
	memset(m, 0x22, sizeof(m));
	memset(d, 0x33, sizeof(d));
	if (utpm_root_init(&root, seed) || utpm_init(&pal, &root, m) ||
	    utpm_seal(&pal, &root, 0x9, secret, sizeof(secret), blob, sizeof(blob), &n) ||
	    n != sizeof(blob))
		abort();
	pal_ext = pal;
	if (utpm_pcr_extend(&pal_ext, 3, d))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 out[UTPM_SEAL_MAX + 1];
	static const u8 zero[sizeof(out)];
	const struct utpm *u = &pal;
	size_t len, out_len = 12345;
	bool pristine = false;
	u8 *b;
	int err;

	if (size < 1)
		return 0;
	if (data[0] == 0) {
		len = size - 1;
		b = malloc(len ? len : 1);
		memcpy(b, data + 1, len);
		pristine = len == sizeof(blob) && !memcmp(b, blob, len);
	} else {
		len = sizeof(blob);
		b = malloc(len);
		memcpy(b, blob, len);
		pristine = true;
		for (size_t i = 1; i < size && i - 1 < len; i++) {
			b[i - 1] ^= data[i];
			pristine &= !data[i];
		}
		if (data[0] == 2) {
			u = &pal_ext;
			pristine = false;
		}
	}
	memset(out, 0, sizeof(out));
	err = utpm_unseal(u, &root, b, len, out, sizeof(out), &out_len);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -EPERM || err == -EBADMSG);
	if (pristine) {
		FUZZ_CHECK(err == 0 && out_len == sizeof(secret));
		FUZZ_CHECK(!memcmp(out, secret, sizeof(secret)));
	} else {
		/* Anything else: modified (GCM must catch it) or wrong uPCRs. */
		FUZZ_CHECK(err != 0);
		FUZZ_CHECK(out_len == 12345);
		FUZZ_CHECK(!memcmp(out, zero, sizeof(out)));
	}
	free(b);
	return 0;
}
