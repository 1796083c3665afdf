/* UEFI loader: parsing of \hv\loader.cfg into struct ldr_cfg. Pure text
 * handling (its only output is lerror()): runs under UEFI boot services and
 * in tests/fuzz/fuzz_loadercfg. */
#include <stddef.h>
#include "loader.h"

static const struct cfg_key {
	const char *name;
	size_t off;			/* of its string in struct ldr_cfg */
	int required;
	int path;
} cfg_keys[] = {
	{ "hypervisor", offsetof(struct ldr_cfg, hv), 1, 1 },
	{ "kernel", offsetof(struct ldr_cfg, kernel), 1, 1 },
	{ "initrd", offsetof(struct ldr_cfg, initrd), 0, 1 },
	{ "cmdline", offsetof(struct ldr_cfg, cmdline), 0, 0 },
	{ "hv_cmdline", offsetof(struct ldr_cfg, hv_cmdline), 0, 0 },
};
#define NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

/* Both strings NUL-terminated; reads no byte past either's end. */
static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Lines "key=value"; blank lines and lines starting with '#' are skipped;
 * spaces around keys and values are dropped. Unknown keys are errors. */
EFI_STATUS cfg_parse(char *text, u64 size, struct ldr_cfg *cfg)
{
	unsigned line = 0, seen = 0;
	char *p = text, *end = text + size;

	memset(cfg, 0, sizeof(*cfg));
	while (p < end) {
		char *eol = p, *key, *val, *e;
		const struct cfg_key *k = NULL;
		UINTN vlen;
		char *dst;

		line++;
		while (eol < end && *eol != '\n')
			eol++;
		e = eol;
		if (e > p && e[-1] == '\r')
			e--;
		while (p < e && is_space(*p))
			p++;
		while (e > p && is_space(e[-1]))
			e--;
		key = p;
		if (p == e || *p == '#')
			goto next;
		for (char *c = p; c < e; c++) {
			if ((u8)*c < 0x20 && *c != '\t') {
				lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: control character", line);
				return EFI_INVALID_PARAMETER;
			}
		}
		while (p < e && *p != '=')
			p++;
		if (p == e) {
			lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: no '=' (want key=value)", line);
			return EFI_INVALID_PARAMETER;
		}
		val = p + 1;
		while (p > key && is_space(p[-1]))
			p--;
		*p = 0;
		while (val < e && is_space(*val))
			val++;
		vlen = (UINTN)(e - val);
		for (unsigned i = 0; i < NKEYS; i++)
			if (str_eq(key, cfg_keys[i].name))
				k = &cfg_keys[i];
		if (!k) {
			lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: unknown key '%s'", line, key);
			return EFI_INVALID_PARAMETER;
		}
		if (seen & (1u << (k - cfg_keys))) {
			lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: '%s' given twice", line, key);
			return EFI_INVALID_PARAMETER;
		}
		if (vlen >= BOOTINFO_CMDLINE) {
			lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: '%s' longer than %u bytes",
			       line, key, BOOTINFO_CMDLINE - 1);
			return EFI_INVALID_PARAMETER;
		}
		if (k->path && (vlen < 2 || (val[0] != '\\' && val[0] != '/'))) {
			lerror(EFI_INVALID_PARAMETER, CFG_PATH " line %u: '%s' wants an absolute "
			       "path on this volume, like \\hv\\file", line, key);
			return EFI_INVALID_PARAMETER;
		}
		dst = (char *)cfg + k->off;
		memcpy(dst, val, vlen);
		dst[vlen] = 0;
		seen |= 1u << (k - cfg_keys);
next:
		p = eol + 1;
	}
	for (unsigned i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].required && !(seen & (1u << i))) {
			lerror(EFI_NOT_FOUND, CFG_PATH ": no '%s=' line", cfg_keys[i].name);
			return EFI_NOT_FOUND;
		}
	}
	if (strlen(KERNEL_WORD) + 1 + strlen(cfg->cmdline) >= BOOTINFO_CMDLINE) {
		lerror(EFI_INVALID_PARAMETER, CFG_PATH ": cmdline longer than %u bytes",
		       (unsigned)(BOOTINFO_CMDLINE - 2 - strlen(KERNEL_WORD)));
		return EFI_INVALID_PARAMETER;
	}
	return EFI_SUCCESS;
}
