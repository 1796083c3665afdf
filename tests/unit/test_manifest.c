/* The manifest parser (tools/miee-run/manifest.c): a full manifest, every
 * refusal with its line number and reason, nothing partial kept, the
 * flags' shorthands, and every truncation of a valid manifest. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "miee-run/manifest.h"

static const char full[] =
	"miee-manifest 1\n"
	"# a comment, then an empty line\n"
	"\n"
	"program /bin/busybox\n"
	"arg busybox\n"
	"arg sha256sum\n"
	"arg /data/file with spaces\n"
	"arg \n"
	"env PATH=/bin\n"
	"env LANG=C.UTF-8=x\n"
	"memory 256M\n"
	"threads 4\n"
	"file ro /data\n"
	"file rw /scratch\n"
	"file create /scratch/out\n"
	"connect 127.0.0.1 8080\n"
	"connect 10.0.0.0/8 1000-2000\n"
	"connect ::1 *\n"
	"bind 9000\n"
	"bind 0\n"
	"limit fds 64\n"
	"limit fsize 1G\n"
	"limit calls 100000\n"
	"policy enforce\n";

static int all_zero(const struct manifest *m)
{
	static const struct manifest z;

	return !memcmp(m, &z, sizeof(z));
}

static void test_full(void **state)
{
	struct manifest m;
	struct manifest_error e;

	(void)state;
	assert_int_equal(manifest_parse(full, sizeof(full) - 1, &m, &e), 0);
	assert_string_equal(m.program, "/bin/busybox");
	assert_int_equal(m.argc, 4);
	assert_string_equal(m.argv[0], "busybox");
	assert_string_equal(m.argv[2], "/data/file with spaces");
	assert_string_equal(m.argv[3], "");
	assert_int_equal(m.envc, 2);
	assert_string_equal(m.env[1], "LANG=C.UTF-8=x");
	assert_int_equal(m.memory, 256ull << 20);
	assert_int_equal(m.threads, 4);
	assert_int_equal(m.nfiles, 3);
	assert_string_equal(m.files[0].path, "/data");
	assert_int_equal(m.files[0].right, FILE_RO);
	assert_int_equal(m.files[1].right, FILE_RW);
	assert_int_equal(m.files[2].right, FILE_CREATE);
	assert_int_equal(m.nconnect, 3);
	assert_int_equal(m.connect[0].family, AF_INET);
	assert_int_equal(m.connect[0].prefix, 32);
	assert_int_equal(m.connect[0].port_lo, 8080);
	assert_int_equal(m.connect[0].port_hi, 8080);
	assert_int_equal(m.connect[1].addr[0], 10);
	assert_int_equal(m.connect[1].prefix, 8);
	assert_int_equal(m.connect[1].port_hi, 2000);
	assert_int_equal(m.connect[2].family, AF_INET6);
	assert_int_equal(m.connect[2].addr[15], 1);
	assert_int_equal(m.connect[2].port_lo, 1);
	assert_int_equal(m.connect[2].port_hi, 65535);
	assert_int_equal(m.nbind, 2);
	assert_int_equal(m.bind[1].port_lo, 0);
	assert_int_equal(m.limit_fds, 64);
	assert_int_equal(m.limit_fsize, 1ull << 30);
	assert_int_equal(m.limit_calls, 100000);
	assert_int_equal(m.mode, POLICY_ENFORCE);
	assert_int_equal(manifest_loopback_only(&m), 0);	/* 10.0.0.0/8 */
	manifest_free(&m);
	assert_true(all_zero(&m));
}

static const struct bad {
	const char *text;
	unsigned line;
	const char *reason;	/* a substring of it */
} bads[] = {
	{ "", 1, "empty" },
	{ "miee-manifest 2\n", 1, "unsupported version '2'" },
	{ "miee-manifest 1 \n", 1, "unsupported version" },
	{ "miee-manifest\n", 1, "first line must be" },
	{ "program /bin/x\n", 1, "first line must be" },
	{ "miee-manifest 1", 1, "no newline" },
	{ "miee-manifest 1\nprogram /bin/x", 2, "no newline" },
	{ "miee-manifest 1\r\n", 1, "control character 0x0d" },
	{ "miee-manifest 1\nprogram\t/bin/x\n", 2, "control character 0x09" },
	{ "miee-manifest 1\narg a\0b\n", 2, "control character 0x00" },
	{ "miee-manifest 1\nprogram\n", 2, "expected 'KEY VALUE'" },
	{ "miee-manifest 1\nfrobnicate 1\n", 2, "unknown key 'frobnicate'" },
	{ "miee-manifest 1\n#\nprogram bin/x\n", 3, "absolute, normalized" },
	{ "miee-manifest 1\nprogram /bin/../x\n", 2, "absolute, normalized" },
	{ "miee-manifest 1\nprogram /a\nprogram /b\n", 3, "'program' given twice" },
	{ "miee-manifest 1\nenv =x\n", 2, "env NAME=VALUE" },
	{ "miee-manifest 1\nenv 1A=x\n", 2, "env NAME=VALUE" },
	{ "miee-manifest 1\nenv NOEQ\n", 2, "env NAME=VALUE" },
	{ "miee-manifest 1\nenv A=1\nenv A=2\n", 3, "variable 'A' given twice" },
	{ "miee-manifest 1\nmemory 100\n", 2, "memory must be" },
	{ "miee-manifest 1\nmemory 65G\n", 2, "memory must be" },
	{ "miee-manifest 1\nmemory 1048577\n", 2, "multiple of 4K" },
	{ "miee-manifest 1\nmemory -1M\n", 2, "memory must be" },
	{ "miee-manifest 1\nmemory 99999999999999999999G\n", 2, "memory must be" },
	{ "miee-manifest 1\nmemory 017M\n", 2, "memory must be" },
	{ "miee-manifest 1\nmemory 16M\nmemory 16M\n", 3, "'memory' given twice" },
	{ "miee-manifest 1\nthreads 0\n", 2, "threads must be 1..64" },
	{ "miee-manifest 1\nthreads 65\n", 2, "threads must be 1..64" },
	{ "miee-manifest 1\nfile rx /a\n", 2, "file ro|rw|create PATH" },
	{ "miee-manifest 1\nfile ro\n", 2, "file ro|rw|create PATH" },
	{ "miee-manifest 1\nfile ro a\n", 2, "absolute and normalized" },
	{ "miee-manifest 1\nfile ro /a/\n", 2, "absolute and normalized" },
	{ "miee-manifest 1\nfile ro /a//b\n", 2, "absolute and normalized" },
	{ "miee-manifest 1\nfile ro /a/./b\n", 2, "absolute and normalized" },
	{ "miee-manifest 1\nfile ro /a/..\n", 2, "absolute and normalized" },
	{ "miee-manifest 1\nfile ro /a\nfile rw /a\n", 3, "path given twice" },
	{ "miee-manifest 1\nconnect 127.0.0.1\n", 2, "expected 'connect" },
	{ "miee-manifest 1\nconnect 127.0.0.256 80\n", 2, "not an IPv4 or IPv6" },
	{ "miee-manifest 1\nconnect 127.0.0.1/33 80\n", 2, "bad prefix" },
	{ "miee-manifest 1\nconnect ::1/129 80\n", 2, "bad prefix" },
	{ "miee-manifest 1\nconnect 127.0.0.1 0\n", 2, "bad port" },
	{ "miee-manifest 1\nconnect 127.0.0.1 65536\n", 2, "bad port" },
	{ "miee-manifest 1\nconnect 127.0.0.1 90-80\n", 2, "bad port" },
	{ "miee-manifest 1\nconnect 127.0.0.1 80 \n", 2, "bad port" },
	{ "miee-manifest 1\nbind x\n", 2, "expected 'bind" },
	{ "miee-manifest 1\nbind 70000\n", 2, "expected 'bind" },
	{ "miee-manifest 1\nlimit fds\n", 2, "limit fds|fsize|calls" },
	{ "miee-manifest 1\nlimit fds 0\n", 2, "limit fds must be" },
	{ "miee-manifest 1\nlimit fds 65537\n", 2, "limit fds must be" },
	{ "miee-manifest 1\nlimit fds 8\nlimit fds 8\n", 3, "'limit fds' given twice" },
	{ "miee-manifest 1\nlimit fsize 0\n", 2, "limit fsize must be" },
	{ "miee-manifest 1\nlimit calls 1000000001\n", 2, "limit calls" },
	{ "miee-manifest 1\nlimit memory 1G\n", 2, "unknown limit 'memory'" },
	{ "miee-manifest 1\npolicy off\n", 2, "policy null|enforce" },
	{ "miee-manifest 1\npolicy null\npolicy null\n", 3, "'policy' given twice" },
};

static void test_refusals(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		/* The one case with a NUL inside: its length counts it. */
		size_t len = strlen(b->text);
		struct manifest m;
		struct manifest_error e;

		if (strstr(b->reason, "0x00"))
			len = sizeof("miee-manifest 1\narg a\0b\n") - 1;
		memset(&m, 0x5a, sizeof(m));
		if (manifest_parse(b->text, len, &m, &e) != -EINVAL || e.line != b->line ||
		    !strstr(e.reason, b->reason))
			fail_msg("case %zu: line %u reason '%s' (expected line %u, '%s')", i, e.line,
				 e.reason, b->line, b->reason);
		assert_true(all_zero(&m));
	}
}

/* Late errors after many allocations: nothing leaks (ASan) or stays. */
static void test_late_error_frees(void **state)
{
	static const char t[] =
		"miee-manifest 1\nprogram /p\narg a\narg b\nenv A=1\nfile ro /x\nfile rw /y\n"
		"threads 2\nthreads 3\n";
	struct manifest m;
	struct manifest_error e;

	(void)state;
	assert_int_equal(manifest_parse(t, sizeof(t) - 1, &m, &e), -EINVAL);
	assert_int_equal(e.line, 9);
	assert_true(all_zero(&m));
}

static void test_too_many(void **state)
{
	size_t cap = 32 + (MANIFEST_MAX_ARGS + 1) * 6, n;
	char *t = malloc(cap);
	struct manifest m;
	struct manifest_error e;
	unsigned i;

	(void)state;
	n = (size_t)sprintf(t, "miee-manifest 1\n");
	for (i = 0; i <= MANIFEST_MAX_ARGS; i++)
		n += (size_t)sprintf(t + n, "arg x\n");
	assert_int_equal(manifest_parse(t, n, &m, &e), -EINVAL);
	assert_int_equal(e.line, MANIFEST_MAX_ARGS + 2);
	assert_non_null(strstr(e.reason, "more than 256"));
	free(t);

	t = calloc(1, MANIFEST_MAX_BYTES + 1);
	assert_int_equal(manifest_parse(t, MANIFEST_MAX_BYTES + 1, &m, &e), -EINVAL);
	assert_int_equal(e.line, 0);
	free(t);

	t = malloc(MANIFEST_MAX_LINE + 32);
	n = (size_t)sprintf(t, "miee-manifest 1\narg ");
	memset(t + n, 'a', MANIFEST_MAX_LINE);
	n += MANIFEST_MAX_LINE;
	t[n++] = '\n';
	assert_int_equal(manifest_parse(t, n, &m, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.reason, "longer than"));
	free(t);
}

/* Every prefix: a cut at a line end parses (a shorter valid manifest),
 * any other cut is refused with "no newline", and nothing is left. */
static void test_truncations(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(full) - 1; n++) {
		struct manifest m;
		struct manifest_error e;
		int r = manifest_parse(full, n, &m, &e);

		if (n > 0 && full[n - 1] == '\n') {
			assert_int_equal(r, 0);
			manifest_free(&m);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_true(all_zero(&m));
		}
	}
}

static void test_null_and_loopback(void **state)
{
	static const char t[] = "miee-manifest 1\npolicy null\nconnect 127.0.0.0/8 *\n"
				"connect ::1 53\nbind 8000-8100\n";
	static const char t2[] = "miee-manifest 1\nconnect 127.0.0.1/7 80\n";
	struct manifest m;
	struct manifest_error e;

	(void)state;
	assert_int_equal(manifest_parse(t, sizeof(t) - 1, &m, &e), 0);
	assert_int_equal(m.mode, POLICY_NULL);
	assert_int_equal(manifest_loopback_only(&m), 1);
	manifest_free(&m);
	assert_int_equal(manifest_parse(t2, sizeof(t2) - 1, &m, &e), 0);
	assert_int_equal(manifest_loopback_only(&m), 0);	/* /7 reaches 126.x */
	manifest_free(&m);
}

static void test_flags(void **state)
{
	struct manifest m;
	struct manifest_error e;
	uint64_t v;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(manifest_add_file(&m, FILE_RO, "/data", &e), 0);
	assert_int_equal(manifest_add_file(&m, FILE_RW, "/scratch", &e), 0);
	assert_int_equal(manifest_add_file(&m, FILE_RW, "scratch", &e), -EINVAL);
	assert_int_equal(e.line, 0);
	assert_int_equal(manifest_add_file(&m, FILE_RO, "/data", &e), -EINVAL);
	assert_non_null(strstr(e.reason, "twice"));
	assert_int_equal(m.nfiles, 2);
	assert_int_equal(manifest_set_memory(&m, "256M", &e), 0);
	assert_int_equal(m.memory, 256ull << 20);
	assert_int_equal(manifest_set_memory(&m, "1K", &e), -EINVAL);
	assert_int_equal(m.memory, 256ull << 20);	/* unchanged */
	manifest_free(&m);

	assert_int_equal(manifest_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(manifest_parse_size("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(manifest_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(manifest_parse_size("18446744073709551616", &v), -EINVAL);
	assert_int_equal(manifest_parse_size("17179869184G", &v), -EINVAL);
	assert_int_equal(manifest_parse_size("", &v), -EINVAL);
	assert_int_equal(manifest_parse_size("M", &v), -EINVAL);
	assert_int_equal(manifest_parse_size("1T", &v), -EINVAL);

	assert_true(manifest_path_ok("/", 1));
	assert_true(manifest_path_ok("/a/b.c/..d", 10));
	assert_false(manifest_path_ok("", 0));
	assert_false(manifest_path_ok("/a/.", 4));
	assert_false(manifest_path_ok("/a/\x01", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_late_error_frees),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_null_and_loopback),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
