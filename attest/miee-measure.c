/* miee-measure: recompute an MIEE's measurement (include/hv/miee.h) on the
 * verifier's side, with OpenSSL, from what `miee-run --dump DIR` writes:
 * DIR/manifest (regions in the order added, the initial state) and the page
 * contents DIR/image.bin (file offset == MIEE address).
 *
 * Usage: miee-measure [-v] DIR [EXPECTED-HEX]
 * Prints the SHA-256 in hex; with EXPECTED-HEX, exits 1 unless it matches.
 * -v lists each measured page. Independent of tools/miee-image.h on purpose:
 * it parses the manifest and applies the definition itself. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hv/miee.h"

#define PG 4096u
#define MAX_REGIONS 64

struct region {
	uint64_t offset;
	uint64_t npages;
	uint32_t flags;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("miee-measure: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t num(const char *s, const char *what, int line)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s ? s : "", &end, 0);
	if (!s || errno || !*s || *end || *s == '-')
		die("manifest line %d: bad %s '%s'", line, what, s ? s : "(missing)");
	return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	struct region rg[MAX_REGIONS];
	int nrg = 0, have_init = 0, verbose = 0, line = 0, r, i, ai = 1;
	uint64_t size = 0, init[10] = { 0 };
	static const char *const init_names[10] = {
		"rip", "rsp", "cr3", "gdt_base", "idt_base", "gdt_limit", "idt_limit", "cs", "ds", "arg",
	};
	char path[4096], buf[1024], image_name[256] = "", hex[65];
	unsigned char *img, hdr[12], ib[56], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *f;
	long got;

	if (ai < argc && !strcmp(argv[ai], "-v")) {
		verbose = 1;
		ai++;
	}
	if (argc - ai < 1 || argc - ai > 2) {
		fprintf(stderr, "usage: miee-measure [-v] DIR [EXPECTED-HEX]\n");
		return 2;
	}

	snprintf(path, sizeof(path), "%s/manifest", argv[ai]);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		char *key, *save = NULL;

		line++;
		key = strtok_r(buf, " \t\n", &save);
		if (!key || key[0] == '#')
			continue;
		if (!strcmp(key, "image")) {
			char *v = strtok_r(NULL, " \t\n", &save);

			if (!v || strlen(v) >= sizeof(image_name) || strchr(v, '/'))
				die("manifest line %d: bad image name", line);
			strcpy(image_name, v);
		} else if (!strcmp(key, "size")) {
			size = num(strtok_r(NULL, " \t\n", &save), "size", line);
		} else if (!strcmp(key, "region")) {
			if (nrg == MAX_REGIONS)
				die("manifest line %d: too many regions", line);
			rg[nrg].offset = num(strtok_r(NULL, " \t\n", &save), "offset", line);
			rg[nrg].npages = num(strtok_r(NULL, " \t\n", &save), "page count", line);
			rg[nrg].flags = (uint32_t)num(strtok_r(NULL, " \t\n", &save), "flags", line);
			nrg++;
		} else if (!strcmp(key, "init")) {
			char *k;

			while ((k = strtok_r(NULL, " \t\n", &save))) {
				for (i = 0; i < 10 && strcmp(k, init_names[i]); i++)
					;
				if (i == 10)
					die("manifest line %d: unknown init field '%s'", line, k);
				init[i] = num(strtok_r(NULL, " \t\n", &save), k, line);
				have_init |= 1 << i;
			}
		} else {
			die("manifest line %d: unknown key '%s'", line, key);
		}
	}
	fclose(f);
	if (!image_name[0] || !size || size % PG || size > (uint64_t)MIEE_MAX_PAGES * PG)
		die("manifest: image and a page-aligned size up to %u pages are required",
		    MIEE_MAX_PAGES);
	if (have_init != (1 << 10) - 1)
		die("manifest: the init line must give all ten fields");
	for (i = 5; i < 9; i++)
		if (init[i] > 0xffff)
			die("manifest: init %s does not fit 16 bits", init_names[i]);

	/* The page contents. */
	img = calloc(1, size);
	if (!img)
		die("out of memory");
	snprintf(path, sizeof(path), "%s/%s", argv[ai], image_name);
	f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	got = (long)fread(img, 1, size, f);
	if (got != (long)size || fgetc(f) != EOF)
		die("%s: expected exactly %" PRIu64 " bytes", path, size);
	fclose(f);

	/* The definition: measured pages in the order added, then the state. */
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die("OpenSSL SHA-256 unavailable");
	for (r = 0; r < nrg; r++) {
		uint64_t k;

		if (rg[r].flags & ~MIEE_P_ALL)
			die("region %d: unknown flag bits 0x%x", r, rg[r].flags);
		if ((rg[r].flags & MIEE_P_SHARED) &&
		    (rg[r].flags & (MIEE_P_MEASURED | MIEE_P_X)))
			die("region %d: a shared page is never measured nor executable", r);
		if (rg[r].offset % PG || rg[r].npages > size / PG ||
		    rg[r].offset > size - rg[r].npages * PG)
			die("region %d: outside [0, 0x%" PRIx64 ")", r, size);
		if (!(rg[r].flags & MIEE_P_MEASURED))
			continue;
		for (k = 0; k < rg[r].npages; k++) {
			uint64_t off = rg[r].offset + k * PG;

			put_le(hdr, off, 8);
			put_le(hdr + 8, rg[r].flags, 4);
			if (EVP_DigestUpdate(ctx, hdr, sizeof(hdr)) != 1 ||
			    EVP_DigestUpdate(ctx, img + off, PG) != 1)
				die("SHA-256 failed");
			if (verbose)
				printf("page 0x%06" PRIx64 " flags 0x%02x\n", off, rg[r].flags);
		}
	}
	/* struct miee_init: five u64, four u16, one u64 = 56 bytes LE. */
	for (i = 0; i < 5; i++)
		put_le(ib + 8 * i, init[i], 8);
	for (i = 0; i < 4; i++)
		put_le(ib + 40 + 2 * i, init[5 + i], 2);
	put_le(ib + 48, init[9], 8);
	if (EVP_DigestUpdate(ctx, ib, sizeof(ib)) != 1 || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen != 32)
		die("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	free(img);

	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	printf("%s\n", hex);
	if (argc - ai == 2 && strcasecmp(argv[ai + 1], hex)) {
		fprintf(stderr, "miee-measure: MISMATCH: expected %s\n", argv[ai + 1]);
		return 1;
	}
	return 0;
}
