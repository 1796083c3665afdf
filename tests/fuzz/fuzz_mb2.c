/* libFuzzer harness: the multiboot2 information parser (hypervisor/boot/
 * mb2_parse.c). Input: the information structure (the first u32 is its
 * total_size). Checks: no read outside it, counts within bounds, strings
 * terminated, nothing recorded on error. */
#include <string.h>
#include "fuzz.h"
#include "boot/mb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bootinfo bi;
	const char *why = NULL;
	u8 *info = malloc(size ? size : 1);
	int err;

	memcpy(info, data, size);
	memset(&bi, 0, sizeof(bi));
	err = mb2_parse(info, size, &bi, &why);
	if (err) {
		FUZZ_CHECK(err == -EINVAL || err == -E2BIG);
		FUZZ_CHECK(why && *why);
		FUZZ_CHECK(bi.n_mods == 0 && bi.n_mem == 0);
	} else {
		FUZZ_CHECK(!why);
		FUZZ_CHECK(bi.n_mods <= BOOTINFO_MAX_MODS && bi.n_mem <= BOOTINFO_MAX_MEM);
		FUZZ_CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)));
		for (u32 i = 0; i < bi.n_mods; i++)
			FUZZ_CHECK(memchr(bi.mods[i].string, 0, sizeof(bi.mods[i].string)));
	}
	free(info);
	return 0;
}
