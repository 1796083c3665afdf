/* libFuzzer harness: the MIEE manifest (tools/miee-run/manifest.c). Input:
 * the manifest's raw bytes (measured as such, so NULs and all are fed in).
 * Checks: a refusal has a reason, a line within the input, and leaves the
 * struct all zero; a success holds only normalized paths, counts within
 * their bounds, terminated strings, and parses the same way twice. */
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "miee-run/manifest.h"

static unsigned count_lines(const uint8_t *d, size_t n)
{
	unsigned k = 1;
	size_t i;

	for (i = 0; i < n; i++)
		k += d[i] == '\n';
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct manifest zero;
	struct manifest m, m2;
	struct manifest_error e;
	unsigned i;

	if (manifest_parse((const char *)data, size, &m, &e)) {
		FUZZ_CHECK(e.reason[0]);
		FUZZ_CHECK(e.line <= count_lines(data, size));
		FUZZ_CHECK(!memcmp(&m, &zero, sizeof(m)));
		return 0;
	}
	FUZZ_CHECK(size >= sizeof(MANIFEST_VERSION_LINE));
	FUZZ_CHECK(m.argc <= MANIFEST_MAX_ARGS && m.envc <= MANIFEST_MAX_ENV);
	FUZZ_CHECK(m.nfiles <= MANIFEST_MAX_FILES);
	FUZZ_CHECK(m.nconnect <= MANIFEST_MAX_NET && m.nbind <= MANIFEST_MAX_NET);
	FUZZ_CHECK(m.threads <= MANIFEST_MAX_THREADS);
	FUZZ_CHECK(!m.memory || (m.memory >= MANIFEST_MIN_MEMORY && m.memory <= MANIFEST_MAX_MEMORY &&
				 m.memory % 4096 == 0));
	FUZZ_CHECK(!m.program || manifest_path_ok(m.program, strlen(m.program)));
	for (i = 0; i < m.nfiles; i++) {
		FUZZ_CHECK(strlen(m.files[i].path) == m.files[i].len);
		FUZZ_CHECK(manifest_path_ok(m.files[i].path, m.files[i].len));
		FUZZ_CHECK(m.files[i].right >= FILE_RO && m.files[i].right <= FILE_CREATE);
	}
	for (i = 0; i < m.envc; i++)
		FUZZ_CHECK(strchr(m.env[i], '=') && m.env[i][0] != '=');
	for (i = 0; i < m.argc; i++)
		FUZZ_CHECK(strlen(m.argv[i]) <= MANIFEST_MAX_LINE);
	for (i = 0; i < m.nconnect; i++) {
		const struct manifest_net *r = &m.connect[i];

		FUZZ_CHECK(r->family == AF_INET || r->family == AF_INET6);
		FUZZ_CHECK(r->prefix <= (r->family == AF_INET ? 32u : 128u));
		FUZZ_CHECK(r->port_lo >= 1 && r->port_lo <= r->port_hi);
	}
	for (i = 0; i < m.nbind; i++)
		FUZZ_CHECK(m.bind[i].port_lo <= m.bind[i].port_hi);
	(void)manifest_loopback_only(&m);
	/* Deterministic: the same bytes give the same policy. */
	FUZZ_CHECK(manifest_parse((const char *)data, size, &m2, &e) == 0);
	FUZZ_CHECK(m2.argc == m.argc && m2.nfiles == m.nfiles && m2.memory == m.memory &&
		   m2.nconnect == m.nconnect && !memcmp(m2.connect, m.connect, sizeof(m.connect)));
	manifest_free(&m2);
	manifest_free(&m);
	FUZZ_CHECK(!memcmp(&m, &zero, sizeof(m)));
	return 0;
}
