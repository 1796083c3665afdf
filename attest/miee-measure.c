/* miee-measure: recompute an MIEE's measurement (include/hv/miee.h,
 * version 3) on the verifier's side, with OpenSSL, from what `miee-run
 * --dump DIR` writes: DIR/manifest (max_pages, regions in the order added,
 * the initial state) and the page contents DIR/image.bin (file offset ==
 * MIEE address).
 *
 * Usage: miee-measure [-v] DIR [EXPECTED-HEX]
 *        miee-measure --libos FILE --program FILE ...   (miee-measure-libos.c)
 * Prints the SHA-256 in hex; with EXPECTED-HEX, exits 1 unless it matches.
 * -v lists each page. Independent of hypervisor/core/miee_meas.c (the
 * encoder the hypervisor and miee-run share) on purpose: it
 * parses the manifest and applies the definition itself. A manifest the
 * hypervisor would refuse (flags, W^X, range, a page twice, too many pages)
 * is refused here too: it describes no MIEE. */
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

static void update(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	if (EVP_DigestUpdate(ctx, p, n) != 1)
		die("SHA-256 failed");
}

/* The hypervisor's rules for one page's flags (HC_MIEE_ADD, docs/miee.md). */
static void check_flags(int r, uint32_t f)
{
	const uint32_t wx_ok = MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_MEASURED | MIEE_P_WX;

	if (f & ~MIEE_P_ALL)
		die("region %d: unknown flag bits 0x%x", r, f & ~MIEE_P_ALL);
	if (!(f & MIEE_P_R))
		die("region %d: every page is readable (flags 0x%x)", r, f);
	if ((f & MIEE_P_SHARED) && (f & (MIEE_P_MEASURED | MIEE_P_X | MIEE_P_WX)))
		die("region %d: a shared page is never measured nor executable", r);
	if ((((f & MIEE_P_W) && (f & MIEE_P_X)) || (f & MIEE_P_WX)) && (f & wx_ok) != wx_ok)
		die("region %d: W^X: writable and executable only measured with MIEE_P_WX (flags 0x%x)",
		    r, f);
}

int measure_libos(int argc, char **argv);

int main(int argc, char **argv)
{
	struct region rg[MAX_REGIONS];
	int nrg = 0, have_init = 0, verbose = 0, line = 0, r, i, ai = 1;
	uint64_t size = 0, max_pages = 0, npages = 0, init[10] = { 0 };
	static const char *const init_names[10] = {
		"rip", "rsp", "cr3", "gdt_base", "idt_base", "gdt_limit", "idt_limit", "cs", "ds", "arg",
	};
	char path[4096], buf[1024], image_name[256] = "", hex[65];
	unsigned char *img, *seen, hdr[13], ib[56], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *f;
	long got;

	if (argc > 1 && !strncmp(argv[1], "--", 2) && strcmp(argv[1], "--help"))
		return measure_libos(argc, argv);
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
		} else if (!strcmp(key, "max_pages")) {
			max_pages = num(strtok_r(NULL, " \t\n", &save), "max_pages", line);
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
	if (!max_pages || max_pages > MIEE_MAX_PAGES)
		die("manifest: a max_pages line (1..%u) is required", MIEE_MAX_PAGES);
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

	/* The definition: tag, max_pages; every page in the order added, its
	 * contents if measured; the page count and the initial state. */
	seen = calloc(1, max_pages);
	ctx = EVP_MD_CTX_new();
	if (!seen || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die("OpenSSL SHA-256 unavailable");
	update(ctx, "MIEE-MEASURE/v3", 16);	/* 15 characters and the zero */
	put_le(hdr, max_pages, 4);
	update(ctx, hdr, 4);
	for (r = 0; r < nrg; r++) {
		uint64_t k;

		check_flags(r, rg[r].flags);
		if (rg[r].offset % PG || !rg[r].npages || rg[r].npages > max_pages ||
		    rg[r].offset / PG > max_pages - rg[r].npages)
			die("region %d: outside the MIEE's range [0, 0x%" PRIx64 ")", r, max_pages * PG);
		if ((rg[r].flags & MIEE_P_MEASURED) &&
		    (rg[r].npages > size / PG || rg[r].offset > size - rg[r].npages * PG))
			die("region %d: measured, but outside %s", r, image_name);
		npages += rg[r].npages;
		if (npages > max_pages)
			die("region %d: more than max_pages = %" PRIu64 " pages", r, max_pages);
		for (k = 0; k < rg[r].npages; k++) {
			uint64_t off = rg[r].offset + k * PG;

			if (seen[off / PG]++)
				die("region %d: page 0x%" PRIx64 " added twice", r, off);
			hdr[0] = 'P';
			put_le(hdr + 1, off, 8);
			put_le(hdr + 9, rg[r].flags, 4);
			update(ctx, hdr, 13);
			if (rg[r].flags & MIEE_P_MEASURED)
				update(ctx, img + off, PG);
			if (verbose)
				printf("page 0x%06" PRIx64 " flags 0x%02x%s\n", off, rg[r].flags,
				       rg[r].flags & MIEE_P_MEASURED ? " contents" : "");
		}
	}
	if (!npages)
		die("manifest: no region: an MIEE has at least one page");
	/* 'I', the page count, struct miee_init: five u64, four u16, one u64 =
	 * 56 bytes LE. */
	hdr[0] = 'I';
	put_le(hdr + 1, npages, 4);
	update(ctx, hdr, 5);
	for (i = 0; i < 5; i++)
		put_le(ib + 8 * i, init[i], 8);
	for (i = 0; i < 4; i++)
		put_le(ib + 40 + 2 * i, init[5 + i], 2);
	put_le(ib + 48, init[9], 8);
	update(ctx, ib, sizeof(ib));
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		die("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	free(img);
	free(seen);

	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	printf("%s\n", hex);
	if (argc - ai == 2 && strcasecmp(argv[ai + 1], hex)) {
		fprintf(stderr, "miee-measure: MISMATCH: expected %s\n", argv[ai + 1]);
		return 1;
	}
	return 0;
}
