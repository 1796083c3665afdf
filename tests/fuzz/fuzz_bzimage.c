/* libFuzzer harness: the bzImage setup-header check (hypervisor/core/
 * linux_hdr.c). Input: the start of a kernel file; its length is the input's
 * (at least 4 KiB: shorter inputs are padded with zeros to a length the
 * first bytes choose, so that every length path is reached). Checks what
 * linux_prepare() relies on after a 0 return. */
#include <string.h>
#include "fuzz.h"
#include "linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linux_kernel lk;
	const char *why = NULL;
	size_t len = size;
	u8 *k;
	int err;

	/* Small inputs stand for a file of 4 KiB + (first byte * 512). */
	if (size < LINUX_HDR_MIN_FILE)
		len = LINUX_HDR_MIN_FILE + (size ? data[0] : 0) * 512ul;
	k = calloc(1, len);
	memcpy(k, data, size < len ? size : len);
	err = linux_parse_header(k, len, &lk, &why);
	if (err) {
		FUZZ_CHECK(err == -EINVAL && why && *why);
	} else {
		FUZZ_CHECK(!why);
		/* linux_prepare copies setup_sects..hdr_end into boot_params and
		 * code_size bytes from setup_size to load. */
		FUZZ_CHECK(lk.hdr_end > 0x1f1 && lk.hdr_end <= lk.setup_size);
		FUZZ_CHECK(lk.setup_size < len && lk.setup_size + lk.code_size == len);
		FUZZ_CHECK(lk.code_size <= lk.init_size);
		FUZZ_CHECK(lk.load + lk.init_size >= lk.load);
	}
	free(k);
	return 0;
}
