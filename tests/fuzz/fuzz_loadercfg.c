/* libFuzzer harness: \hv\loader.cfg parsing (hypervisor/efi/cfg.c). Input:
 * the file's bytes (the loader refuses a file with a NUL before its end, so
 * the harness does too). Checks: every refusal says why; a success has the
 * required keys, absolute paths, terminated strings that fit. */
#include <string.h>
#include "fuzz.h"
#include "loader.h"
#include "efi_support.h"

static void check_str(const char *s, int path)
{
	size_t n = strnlen(s, BOOTINFO_CMDLINE);

	FUZZ_CHECK(n < BOOTINFO_CMDLINE);
	if (path)
		FUZZ_CHECK(n >= 2 && (s[0] == '\\' || s[0] == '/'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ldr_cfg cfg;
	char *text;
	EFI_STATUS st;

	if (memchr(data, 0, size))
		return 0;	/* read_config: "is not a text file" */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;		/* file_to_pool terminates what it reads */
	efi_messages = 0;
	st = cfg_parse(text, size, &cfg);
	if (EFI_ERROR(st)) {
		FUZZ_CHECK(efi_messages == 1);
		FUZZ_CHECK(st == EFI_INVALID_PARAMETER || st == EFI_NOT_FOUND);
	} else {
		FUZZ_CHECK(efi_messages == 0);
		check_str(cfg.hv, 1);
		check_str(cfg.kernel, 1);
		check_str(cfg.initrd, cfg.initrd[0] != 0);
		check_str(cfg.cmdline, 0);
		check_str(cfg.hv_cmdline, 0);
		FUZZ_CHECK(strlen(KERNEL_WORD) + 1 + strlen(cfg.cmdline) < BOOTINFO_CMDLINE);
	}
	free(text);
	return 0;
}
