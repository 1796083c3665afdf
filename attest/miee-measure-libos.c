/* miee-measure's libOS mode: the measurement of the MIEE that `miee-run
 * -- PROGRAM ARGS...` builds, recomputed with OpenSSL from the files alone
 * (the layout of include/hv/libos.h, docs/libos.md "Measurement"),
 * independently of tools/miee-run/libos-layout.c.
 *
 * Usage: miee-measure --libos FILE --program FILE [--manifest FILE]
 *                     [--memory BYTES] [--premapped] [--argv0 STRING]
 *                     [--expect HEX] [-- ARGS...]
 * argv[0] of the program is the --program string itself (miee-run passes
 * PROGRAM as given), or --argv0 when the file lies elsewhere here than on
 * the machine that ran it; ARGS follow. --memory is the dynamic memory in bytes
 * (miee-run prints it); by default the same rule as the runner's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hv/libos.h"
#include "hv/miee.h"

#define PG 4096ull
#define UP(x) (((x) + PG - 1) / PG * PG)

struct blob {
	unsigned char *p;
	uint64_t n;
};

static void lfail(const char *msg, const char *arg)
{
	fprintf(stderr, "miee-measure: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static struct blob load(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		lfail(strerror(errno), path);
	b.n = (uint64_t)n;
	b.p = malloc(b.n ? b.n : 1);
	if (!b.p || fread(b.p, 1, b.n, f) != b.n)
		lfail("cannot read", path);
	fclose(f);
	return b;
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static EVP_MD_CTX *ctx;
static uint64_t npages;

static void upd(const void *p, size_t n)
{
	if (EVP_DigestUpdate(ctx, p, n) != 1)
		lfail("SHA-256 failed", NULL);
}

/* Pages [off, off + n * 4096) with flags, contents from src (zero past
 * its end) when measured. */
static void pages(uint64_t off, uint64_t n, uint32_t flags, const unsigned char *src, uint64_t len)
{
	unsigned char rec[13], pg[PG];
	uint64_t k;

	for (k = 0; k < n; k++) {
		rec[0] = MIEE_MEAS_PAGE;
		put(rec + 1, off + k * PG, 8);
		put(rec + 9, flags, 4);
		upd(rec, 13);
		if (flags & MIEE_P_MEASURED) {
			memset(pg, 0, PG);
			if (k * PG < len)
				memcpy(pg, src + k * PG, len - k * PG < PG ? len - k * PG : PG);
			upd(pg, PG);
		}
	}
	npages += n;
}

int measure_libos(int argc, char **argv);
int measure_libos(int argc, char **argv)
{
	const char *libos = NULL, *program = NULL, *manifest = NULL, *expect = NULL, *argv0 = NULL;
	uint64_t memory = 0, off, prog_off, man_off = 0, args_off, dyn_off, max_pages, range;
	struct blob img, prog, man = { NULL, 0 };
	unsigned char *args, pt[5 * PG], boot[PG], rec[5], ib[56], md[32];
	uint64_t args_len = 8, tp, dp, entry, stack, gdt, idt;
	unsigned gl, il, cs, ds, mdlen = 0;
	int premapped = 0, i, a0 = 0, nargs = 0;
	unsigned long threads = 1;
	char hex[65];
	unsigned char *q;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			a0 = i + 1;
			nargs = argc - a0;
			break;
		} else if (!strcmp(argv[i], "--premapped")) {
			premapped = 1;
		} else if (i + 1 < argc && !strcmp(argv[i], "--libos")) {
			libos = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--program")) {
			program = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--manifest")) {
			manifest = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--argv0")) {
			argv0 = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--expect")) {
			expect = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--threads")) {
			char *end;

			threads = strtoul(argv[++i], &end, 10);
			if (*end || threads < 1 || threads > MIEE_SLOTS_MAX)
				lfail("--threads wants 1..16", argv[i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "--memory")) {
			char *end;

			memory = strtoull(argv[++i], &end, 0);
			if (*end || !memory || memory % PG)
				lfail("--memory wants a page multiple in bytes", argv[i]);
		} else {
			lfail("unknown argument", argv[i]);
		}
	}
	if (!libos || !program)
		lfail("--libos and --program are required", NULL);
	if (!argv0)
		argv0 = program;
	img = load(libos);
	prog = load(program);
	if (manifest)
		man = load(manifest);
	if (!prog.n)
		lfail("empty program", program);

	/* The image header (80 bytes) as the runner checks it. */
	if (img.n < 80 || le(img.p, 8) != LIBOS_IMAGE_MAGIC)
		lfail("not a libOS image", libos);
	tp = le(img.p + 8, 4);
	dp = le(img.p + 12, 4);
	entry = le(img.p + 16, 8);
	stack = le(img.p + 24, 8);
	gdt = le(img.p + 32, 8);
	idt = le(img.p + 40, 8);
	gl = (unsigned)le(img.p + 48, 2);
	il = (unsigned)le(img.p + 50, 2);
	cs = (unsigned)le(img.p + 52, 2);
	ds = (unsigned)le(img.p + 54, 2);
	if (!tp || !dp || (tp + dp) * PG > LIBOS_IMAGE_MAX || le(img.p + 56, 8) != img.n ||
	    img.n > (tp + dp) * PG)
		lfail("libOS image header inconsistent with the file", libos);

	/* The argument blob: argc, envc = 0, the strings. */
	args_len += strlen(argv0) + 1;
	for (i = 0; i < nargs; i++)
		args_len += strlen(argv[a0 + i]) + 1;
	args = calloc(1, args_len);
	if (!args)
		lfail("out of memory", NULL);
	put(args, (uint64_t)nargs + 1, 4);
	q = args + 8;
	memcpy(q, argv0, strlen(argv0) + 1);
	q += strlen(argv0) + 1;
	for (i = 0; i < nargs; i++) {
		memcpy(q, argv[a0 + i], strlen(argv[a0 + i]) + 1);
		q += strlen(argv[a0 + i]) + 1;
	}

	/* Placement: files from 8 MiB, each page-aligned, then dynamic memory. */
	prog_off = LIBOS_OFF_FILES;
	off = prog_off + UP(prog.n);
	if (man.n) {
		man_off = off;
		off += UP(man.n);
	}
	args_off = off;
	dyn_off = args_off + UP(args_len);
	range = (uint64_t)(MIEE_MAX_PAGES < LIBOS_MAX_PAGES ? MIEE_MAX_PAGES : LIBOS_MAX_PAGES) * PG;
	if (dyn_off >= range)
		lfail("the files do not fit the MIEE's range", NULL);
	if (!memory)
		memory = range - dyn_off < (64ull << 20) ? range - dyn_off : 64ull << 20;
	if (memory > range - dyn_off)
		lfail("--memory beyond the MIEE's range", NULL);
	max_pages = (dyn_off + memory) / PG;

	/* Page tables (PML4, low PDPT/PD, direct-map PDPT/PD). */
	memset(pt, 0, sizeof(pt));
	put(pt + 0x0000, 0x1000 | 7, 8);
	put(pt + 0x0800, 0x3000 | 3 | 1ull << 63, 8);
	put(pt + 0x1000, 0x2000 | 7, 8);
	put(pt + 0x2000, 0x000000 | 0x83, 8);
	put(pt + 0x2008, 0x200000 | 0x83, 8);
	put(pt + 0x3000, 0x4000 | 3 | 1ull << 63, 8);
	for (i = 0; i < 512; i++)
		put(pt + 0x4000 + 8 * i, ((uint64_t)i << 21) | 0x83 | 1ull << 63, 8);

	/* The boot page, field by field (struct libos_boot). */
	memset(boot, 0, sizeof(boot));
	put(boot + 0, LIBOS_BOOT_MAGIC, 8);
	put(boot + 8, LIBOS_BOOT_VERSION, 4);
	put(boot + 12, premapped ? LIBOS_BF_PREMAPPED : 0, 4);
	put(boot + 16, max_pages, 8);
	put(boot + 24, LIBOS_OFF_IMAGE, 8);
	put(boot + 32, (tp + dp) * PG, 8);
	put(boot + 40, LIBOS_OFF_SHARED, 8);
	put(boot + 48, LIBOS_SHARED_SIZE, 8);
	put(boot + 56, prog_off, 8);
	put(boot + 64, prog.n, 8);
	put(boot + 72, man_off, 8);
	put(boot + 80, man.n, 8);
	put(boot + 88, args_off, 8);
	put(boot + 96, args_len, 8);
	put(boot + 104, dyn_off, 8);
	put(boot + 112, memory, 8);
	put(boot + 120, threads, 4);	/* boot.threads */

	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		lfail("OpenSSL SHA-256 unavailable", NULL);
	upd(MIEE_MEAS_TAG, MIEE_MEAS_TAG_LEN);
	put(rec, max_pages, 4);
	upd(rec, 4);
	pages(0, 5, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, pt, sizeof(pt));
	pages(LIBOS_OFF_BOOT, 1, MIEE_P_R | MIEE_P_MEASURED, boot, sizeof(boot));
	pages(LIBOS_OFF_IMAGE, tp, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, img.p,
	      img.n < tp * PG ? img.n : tp * PG);
	pages(LIBOS_OFF_IMAGE + tp * PG, dp, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, img.p + tp * PG,
	      img.n > tp * PG ? img.n - tp * PG : 0);
	pages(LIBOS_OFF_SHARED, LIBOS_SHARED_SIZE / PG, MIEE_P_SHARED | MIEE_P_R | MIEE_P_W, NULL, 0);
	pages(prog_off, UP(prog.n) / PG, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, prog.p, prog.n);
	if (man.n)
		pages(man_off, UP(man.n) / PG, MIEE_P_R | MIEE_P_MEASURED, man.p, man.n);
	pages(args_off, UP(args_len) / PG, MIEE_P_R | MIEE_P_MEASURED, args, args_len);
	if (premapped)
		pages(dyn_off, memory / PG, MIEE_P_R | MIEE_P_W, NULL, 0);
	rec[0] = MIEE_MEAS_INIT;
	put(rec + 1, npages, 4);
	upd(rec, 5);
	put(ib + 0, entry, 8);
	put(ib + 8, stack, 8);
	put(ib + 16, LIBOS_OFF_PML4, 8);
	put(ib + 24, gdt, 8);
	put(ib + 32, idt, 8);
	put(ib + 40, gl, 2);
	put(ib + 42, il, 2);
	put(ib + 44, cs, 2);
	put(ib + 46, ds, 2);
	put(ib + 48, LIBOS_OFF_BOOT, 8);
	upd(ib, 56);
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		lfail("SHA-256 failed", NULL);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	printf("%s\n", hex);
	if (expect && strcasecmp(expect, hex)) {
		fprintf(stderr, "miee-measure: MISMATCH: expected %s\n", expect);
		return 1;
	}
	return 0;
}
