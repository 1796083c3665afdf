/* Host unit tests for the libOS's ELF parser (libos/elf.c): a static
 * non-PIE and a static-PIE are accepted with the right segments, entry
 * and AT_PHDR; every malformed header is refused with a reason; the real
 * /bin/busybox of the build host is accepted when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../libos/elf.h"

#define UMIN 0x400000ull
#define UMAX 0x00007ffffffff000ull
#define FILE_SIZE 0x6000u

static unsigned char img[FILE_SIZE];

static void put(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned char *ph(int i)
{
	return img + 64 + 56 * i;
}

static void set_ph(int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
		   uint64_t filesz, uint64_t memsz)
{
	unsigned char *p = ph(i);

	put(p, type, 4);
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, vaddr, 8);
	put(p + 24, vaddr, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, 0x1000, 8);
}

/* Like busybox-static: R (headers), R|X text, R rodata, R|W data + bss. */
static void build(uint16_t type, uint64_t base)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2;
	img[5] = 1;
	img[6] = 1;
	put(img + 16, type, 2);
	put(img + 18, 62, 2);
	put(img + 20, 1, 4);
	put(img + 24, base + 0x1010, 8);	/* entry in text */
	put(img + 32, 64, 8);			/* phoff */
	put(img + 52, 64, 2);
	put(img + 54, 56, 2);
	put(img + 56, 5, 2);
	set_ph(0, 1, 4, 0, base, 0x400, 0x400);
	set_ph(1, 1, 5, 0x1000, base + 0x1000, 0x1000, 0x1000);
	set_ph(2, 1, 4, 0x2000, base + 0x2000, 0x800, 0x800);
	set_ph(3, 1, 6, 0x3100, base + 0x4100, 0x1000, 0x3000);
	set_ph(4, 0x6474e551, 6, 0, 0, 0, 0);	/* PT_GNU_STACK RW */
}

static int parse(struct elf_info *e, const char **why)
{
	*why = NULL;
	return elf_parse(img, sizeof(img), UMIN, UMAX, e, why);
}

/* The image must be refused, with a reason that contains `what`. */
static void refused(const char *what)
{
	struct elf_info e;
	const char *why;

	assert_int_equal(parse(&e, &why), -1);
	assert_non_null(why);
	if (!strstr(why, what)) {
		print_error("reason '%s' lacks '%s'\n", why, what);
		fail();
	}
}

static void test_static_exec(void **st)
{
	struct elf_info e;
	const char *why;

	(void)st;
	build(2, 0x400000);
	assert_int_equal(parse(&e, &why), 0);
	assert_int_equal(e.pie, 0);
	assert_int_equal(e.nseg, 4);
	assert_int_equal(e.entry, 0x401010);
	assert_int_equal(e.phdr, 0x400040);
	assert_int_equal(e.phnum, 5);
	assert_int_equal(e.lo, 0x400000);
	assert_int_equal(e.hi, 0x408000);
	assert_int_equal(e.seg[1].prot, ELF_R | ELF_X);
	assert_int_equal(e.seg[3].prot, ELF_R | ELF_W);
	assert_int_equal(e.seg[3].memsz, 0x3000);
}

static void test_static_pie(void **st)
{
	struct elf_info e;
	const char *why;

	(void)st;
	build(3, 0);
	assert_int_equal(parse(&e, &why), 0);
	assert_int_equal(e.pie, 1);
	assert_int_equal(e.lo, 0);
	assert_int_equal(e.entry, 0x1010);
	/* Below LIBOS_USER_MIN is fine for a PIE: the loader adds a bias. */
}

static void test_phdr_entry(void **st)
{
	struct elf_info e;
	const char *why;

	(void)st;
	build(2, 0x400000);
	set_ph(4, 6, 4, 64, 0x400040, 56 * 5, 56 * 5);	/* PT_PHDR replaces GNU_STACK */
	assert_int_equal(parse(&e, &why), 0);
	assert_int_equal(e.phdr, 0x400040);
}

static void test_header_checks(void **st)
{
	(void)st;
	build(2, 0x400000);
	img[0] = 0;
	refused("magic");
	build(2, 0x400000);
	img[4] = 1;
	refused("ELF64");
	build(2, 0x400000);
	put(img + 18, 3, 2);
	refused("x86-64");
	build(1, 0x400000);
	refused("ET_EXEC");
	build(2, 0x400000);
	put(img + 54, 32, 2);
	refused("e_phentsize");
	build(2, 0x400000);
	put(img + 56, 0, 2);
	refused("e_phnum");
	build(2, 0x400000);
	put(img + 32, FILE_SIZE - 100, 8);
	refused("beyond the end");
	build(2, 0x400000);
	put(img + 32, ~0ull - 10, 8);
	refused("beyond the end");
	build(2, 0x400000);
	put(img + 32, 65, 8);
	refused("aligned");
}

static void test_short_file(void **st)
{
	struct elf_info e;
	const char *why = NULL;

	(void)st;
	build(2, 0x400000);
	assert_int_equal(elf_parse(img, 63, UMIN, UMAX, &e, &why), -1);
	assert_non_null(strstr(why, "shorter"));
	/* Headers fit, but text's file range does not. */
	assert_int_equal(elf_parse(img, 0x1800, UMIN, UMAX, &e, &why), -1);
	assert_non_null(strstr(why, "file range"));
}

static void test_segment_checks(void **st)
{
	(void)st;
	build(2, 0x400000);
	set_ph(3, 1, 6, 0x3100, 0x404100, 0x4000, 0x3000);
	refused("p_filesz > p_memsz");
	build(2, 0x400000);
	set_ph(2, 1, 4, 0x2800, 0x401800, 0x800, 0x800);	/* shares text's last page */
	refused("overlap");
	build(2, 0x400000);
	set_ph(1, 1, 5, 0x1000, 0x405000, 0x1000, 0x1000);	/* after the next one */
	refused("overlap");
	build(2, 0x400000);
	set_ph(3, 1, 6, 0x3100, 0xfffffffffffff100ull, 0x10, 0x1000);
	refused("overflows");
	build(2, 0x400000);
	set_ph(3, 1, 6, 0x3100, 0x404200, 0x10, 0x10);
	refused("modulo");
	build(2, 0x400000);
	set_ph(1, 1, 7, 0x1000, 0x401000, 0x1000, 0x1000);
	refused("W^X");
	build(2, 0x400000);
	set_ph(1, 1, 5, 0x1000, 0x401000, 0x1000, 0x2000);
	refused("executable PT_LOAD");
	build(2, 0x400000);
	set_ph(1, 1, 5 | 8, 0x1000, 0x401000, 0x1000, 0x1000);
	refused("p_flags");
	build(2, 0x400000);
	put(ph(1) + 48, 0x1800, 8);
	refused("power of two");
	build(2, 0x400000);
	set_ph(4, 3, 4, 0x200, 0x400200, 0x10, 0x10);
	refused("PT_INTERP");
	build(2, 0x400000);
	set_ph(4, 0x6474e551, 7, 0, 0, 0, 0);
	refused("executable stack");
}

static void test_placement_checks(void **st)
{
	(void)st;
	build(2, 0x200000);		/* below LIBOS_USER_MIN */
	refused("outside the program's address range");
	build(2, 0x400000);
	set_ph(3, 1, 6, 0x3100, 0x7ffffffff100ull, 0x10, 0x1000);
	refused("outside the program's address range");
	build(2, 0x400000);
	put(img + 24, 0x402010, 8);	/* in rodata: not executable */
	refused("entry point");
	build(2, 0x400000);
	put(img + 24, 0x300000, 8);
	refused("entry point");
	build(2, 0x400000);
	set_ph(0, 1, 4, 0x400, 0x400400, 0x10, 0x10);	/* headers now in no segment */
	refused("program headers");
	build(3, 0);
	set_ph(3, 1, 6, 0x3100, 0x20000000100ull, 0x10, 0x1000);	/* a PIE spanning 2 TiB */
	refused("span");
}

static void test_too_many_loads(void **st)
{
	int i;

	(void)st;
	build(2, 0x400000);
	put(img + 56, 20, 2);
	for (i = 0; i < 20; i++)
		set_ph(i, 1, 5, 0x1000, 0x401000 + 0x1000ull * i, 0x10, 0x10);
	refused("16 PT_LOAD");
}

/* The build host's own busybox-static (the program the guest tests run). */
static void test_busybox(void **st)
{
	FILE *f = fopen("/bin/busybox", "rb");
	unsigned char *buf;
	long n;
	struct elf_info e;
	const char *why = NULL;

	(void)st;
	if (!f)
		skip();
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (buf[16] != 2 || elf_parse(buf, (uint64_t)n, UMIN, UMAX, &e, &why)) {
		/* A dynamic busybox (no busybox-static) is refused, as it must be. */
		assert_int_equal(elf_parse(buf, (uint64_t)n, UMIN, UMAX, &e, &why), -1);
		free(buf);
		skip();
	}
	assert_true(e.nseg >= 2);
	assert_true(e.phdr >= e.lo && e.phdr < e.hi);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_exec),
		cmocka_unit_test(test_static_pie),
		cmocka_unit_test(test_phdr_entry),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_short_file),
		cmocka_unit_test(test_segment_checks),
		cmocka_unit_test(test_placement_checks),
		cmocka_unit_test(test_too_many_loads),
		cmocka_unit_test(test_busybox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
