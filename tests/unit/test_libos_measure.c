/* Host unit test: the libOS MIEE's measurement as miee-run computes it
 * (tools/miee-run/libos-layout.c) equals what attest/miee-measure
 * recomputes from the files alone with OpenSSL, for the dynamic and the
 * premapped layouts; changing one byte of the libOS image, of the program,
 * of the manifest or of an argument changes it (on both sides alike). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/miee-run/libos-layout.c"
#include "miee-run/image.h"	/* miee_hex */

#define MEMORY (1u << 20)

static unsigned char libos[3 * 4096 + 100], program[20000], manifest[300];
static char dir[64];

/* A small but well-formed libOS image: 3 text pages, 2 data pages. */
static void make_inputs(void)
{
	struct libos_image_hdr h;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.magic = LIBOS_IMAGE_MAGIC;
	h.text_pages = 3;
	h.data_pages = 2;
	h.entry = LIBOS_OFF_IMAGE + 0x100;
	h.stack_top = LIBOS_OFF_IMAGE + 5 * 4096;
	h.gdt = LIBOS_OFF_IMAGE + 3 * 4096;
	h.idt = LIBOS_OFF_IMAGE + 4 * 4096;
	h.gdt_limit = 63;
	h.idt_limit = 4095;
	h.cs = 8;
	h.ds = 16;
	h.file_size = sizeof(libos);
	for (i = 0; i < sizeof(libos); i++)
		libos[i] = (unsigned char)(i * 7);
	memcpy(libos, &h, sizeof(h));
	for (i = 0; i < sizeof(program); i++)
		program[i] = (unsigned char)(i * 13 + 1);
	for (i = 0; i < sizeof(manifest); i++)
		manifest[i] = (unsigned char)('a' + i % 26);
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static const char *const argv0[] = { "/bin/prog", "one", "two" };
static unsigned threads = 1;	/* boot.threads of both sides (--threads N) */

/* The runner's value, in hex. */
static void runner(int premapped, int with_manifest, const char *const *argv, char hex[65])
{
	struct ll_input in = {
		.libos = libos, .libos_len = sizeof(libos),
		.program = program, .program_len = sizeof(program),
		.manifest = with_manifest ? manifest : NULL,
		.manifest_len = with_manifest ? sizeof(manifest) : 0,
		.argv = argv, .argc = 3, .memory = MEMORY, .premapped = premapped,
		.threads = threads,
	};
	struct ll_layout l;
	unsigned char *buf, md[32];
	char err[128];

	assert_int_equal(ll_plan(&in, &l, err, sizeof(err)), 0);
	assert_int_equal(l.boot.mem_limit, MEMORY);
	assert_int_equal(l.boot.threads, threads);
	buf = calloc(l.max_pages, 4096);
	assert_non_null(buf);
	ll_fill(&in, &l, buf);
	ll_measure(&l, buf, md);
	free(buf);
	miee_hex(md, 32, hex);
}

/* attest/miee-measure's value, in hex. */
static void verifier(int premapped, int with_manifest, const char *const *argv, char hex[65])
{
	const char *b = getenv("B") ? getenv("B") : "build";
	char cmd[1024];
	FILE *p;

	write_file("libos.bin", libos, sizeof(libos));
	write_file("prog", program, sizeof(program));
	write_file("manifest", manifest, sizeof(manifest));
	/* argv[0] is the --program string: use the same one. */
	snprintf(cmd, sizeof(cmd), "%s/attest/miee-measure --libos %s/libos.bin --program %s "
		 "%s%s%s --memory %u %s --threads %u -- '%s' '%s'", b, dir, argv[0],
		 with_manifest ? "--manifest " : "", with_manifest ? dir : "",
		 with_manifest ? "/manifest" : "", MEMORY, premapped ? "--premapped" : "", threads, argv[1],
		 argv[2]);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(hex, 65, p));
	assert_int_equal(pclose(p), 0);
	assert_int_equal(strlen(hex), 64);
}

static char prog_path[96];

static void agree(int premapped, int with_manifest, const char *const *argv, char out[65])
{
	char v[65];

	runner(premapped, with_manifest, argv, out);
	verifier(premapped, with_manifest, argv, v);
	assert_string_equal(out, v);
}

static void test_agree_and_change(void **st)
{
	const char *argv[3] = { prog_path, "one", "two" };
	const char *argv2[3] = { prog_path, "one", "twp" };
	char base[65], m[65], x[65];

	(void)st;
	agree(0, 1, argv, base);
	agree(1, 1, argv, m);
	assert_string_not_equal(base, m);	/* premapped is another MIEE */
	agree(0, 0, argv, m);
	assert_string_not_equal(base, m);	/* no manifest */

	libos[2 * 4096 + 5] ^= 1;		/* a text byte of the libOS */
	agree(0, 1, argv, x);
	assert_string_not_equal(base, x);
	libos[2 * 4096 + 5] ^= 1;
	libos[3 * 4096 + 50] ^= 1;		/* a data byte */
	agree(0, 1, argv, x);
	assert_string_not_equal(base, x);
	libos[3 * 4096 + 50] ^= 1;
	program[sizeof(program) - 1] ^= 1;	/* the program's last byte */
	agree(0, 1, argv, x);
	assert_string_not_equal(base, x);
	program[sizeof(program) - 1] ^= 1;
	manifest[0] ^= 1;
	agree(0, 1, argv, x);
	assert_string_not_equal(base, x);
	manifest[0] ^= 1;
	agree(0, 1, argv2, x);			/* one argument byte */
	assert_string_not_equal(base, x);
	agree(0, 1, argv, x);			/* and back */
	assert_string_equal(base, x);
	threads = 4;				/* the thread slots are measured */
	agree(0, 1, argv, x);
	assert_string_not_equal(base, x);
	threads = 16;
	agree(0, 1, argv, m);
	assert_string_not_equal(x, m);
	threads = 1;
}

static void test_bad_images(void **st)
{
	struct ll_input in = {
		.libos = libos, .libos_len = sizeof(libos), .program = program,
		.program_len = sizeof(program), .argv = argv0, .argc = 3, .memory = MEMORY,
	};
	struct ll_layout l;
	char err[128];

	(void)st;
	in.libos_len = sizeof(libos) - 1;	/* file_size disagrees */
	assert_int_equal(ll_plan(&in, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file_size"));
	in.libos_len = sizeof(libos);
	libos[0] ^= 1;
	assert_int_equal(ll_plan(&in, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	libos[0] ^= 1;
	in.memory = 2ull << 30;			/* beyond the 1 GiB range */
	assert_int_equal(ll_plan(&in, &l, err, sizeof(err)), -1);
	in.memory = MEMORY;
	assert_int_equal(ll_plan(&in, &l, err, sizeof(err)), 0);
}

static int setup(void **st)
{
	(void)st;
	make_inputs();
	snprintf(dir, sizeof(dir), "/tmp/test_libos_measure.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(prog_path, sizeof(prog_path), "%s/prog", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree_and_change),
		cmocka_unit_test(test_bad_images),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
