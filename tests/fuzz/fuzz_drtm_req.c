/* libFuzzer harness: the DRTM chipset's guest-facing parsers
 * (platform/drtm-chipset/). Byte 0 selects: even = the input is what
 * the guest writes on COM2, fed through serial_input() (line assembly,
 * is_request_line, parse_request, drtm_launch's checks before it touches
 * QMP: with no CMD_INIT seen, no request may succeed); odd = the input is
 * one text given to parse_request and to the QMP answer parsers
 * (first_key_is, json_bool, json_return_string, range_is_memory). Checks:
 * every answer is one "DRTM-ERR <word>" line, never DRTM-OK, and no more
 * answers than lines; parse_request accepts only what it can print back. */
/* chipset.h first: it defines _GNU_SOURCE before any system header. */
#include "chipset.h"
#include "fuzz.h"

static void serial_case(const uint8_t *data, size_t size)
{
	static char replies[65536];
	struct chipset cs;
	size_t lines = 0, n;
	int sv[2];

	memset(&cs, 0, sizeof(cs));
	cs.max_len = 64ull << 20;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	cs.serial_fd = sv[0];
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	feed_and_close(sv[1], data, size);
	while (cs.serial_fd >= 0)
		serial_input(&cs);	/* until the peer's EOF closes it */
	n = drain(sv[1], replies, sizeof(replies));
	close(sv[1]);
	for (char *p = replies, *eol; p < replies + n; p = eol + 1) {
		eol = strchr(p, '\n');
		FUZZ_CHECK(eol);
		FUZZ_CHECK(!strncmp(p, "DRTM-ERR ", 9));
		for (char *c = p + 9; c < eol; c++)
			FUZZ_CHECK((*c >= 'a' && *c <= 'z') || *c == '-');
		FUZZ_CHECK(lines-- > 0);
	}
}

static void text_case(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[64], *r;
	uint64_t a, l, a2, l2;
	bool b;

	memcpy(s, data, size);
	s[size] = 0;
	if (!parse_request(s, &a, &l)) {
		snprintf(buf, sizeof(buf), "DRTM-LAUNCH %" PRIx64 " %" PRIx64, a, l);
		FUZZ_CHECK(!parse_request(buf, &a2, &l2) && a2 == a && l2 == l);
		FUZZ_CHECK(strlen(s) <= 12 + 16 + 1 + 16);
	}
	(void)first_key_is(s, "return");
	(void)json_bool(s, "running", &b);
	r = json_return_string(s);
	if (r) {
		FUZZ_CHECK(strlen(r) <= size);
		(void)range_is_memory(r, 0x100000, 0x1000);
		free(r);
	}
	(void)range_is_memory(s, 0x100000, 0x200000);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chipset_fuzz_init();
	if (size < 1)
		return 0;
	if (data[0] & 1)
		text_case(data + 1, size - 1);
	else
		serial_case(data + 1, size - 1);
	return 0;
}
