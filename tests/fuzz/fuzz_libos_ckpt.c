/* libFuzzer harness: the libOS's checkpoint restore parser
 * (libos/ckpt_fmt.c). Input: a 64-byte header, then a section stream
 * (what a restore sees after a chunk authenticated, i.e. the parser's
 * input were the key known to an attacker) fed in pieces whose sizes the
 * input's first byte picks; then one chunk open under a fixed key. The
 * header check either refuses with a reason or its geometry fits the
 * length; the parser either refuses with a reason, or every body byte it
 * hands out lies inside its section and the section inside its limits,
 * in order, ending with END at exactly the stream's end. */
#include <string.h>
#include "fuzz.h"
#include "../../libos/ckpt.h"

#define DYN_LO 0x2000000ull
#define DYN_HI (DYN_LO + 256 * 4096ull)
#define LIBOS_LO 0x10d000ull
#define LIBOS_LEN (4 * 4096ull)

struct seen {
	uint32_t last;
	uint64_t bytes;
};

static int sink(void *ctx, const struct ckpt_sec *s, uint64_t at, const uint8_t *p, size_t n)
{
	struct seen *v = ctx;

	(void)p;
	FUZZ_CHECK(s->type >= CKPT_SEC_STATE && s->type <= CKPT_SEC_END);
	FUZZ_CHECK(at >= s->addr && at - s->addr <= s->len && n <= s->len - (at - s->addr));
	if (!n) {
		FUZZ_CHECK(s->type == v->last + 1);
		v->last = s->type;
	}
	switch (s->type) {
	case CKPT_SEC_STATE: FUZZ_CHECK(s->len == sizeof(struct ckpt_state) && !s->addr); break;
	case CKPT_SEC_DYN:
		FUZZ_CHECK(s->addr == DYN_LO && s->len <= DYN_HI - DYN_LO && !(s->len & 4095));
		break;
	case CKPT_SEC_LIBOS: FUZZ_CHECK(s->addr == LIBOS_LO && s->len == LIBOS_LEN); break;
	case CKPT_SEC_PT: FUZZ_CHECK(!s->addr && s->len == CKPT_PT_LEN); break;
	case CKPT_SEC_FDS: FUZZ_CHECK(!(s->len % sizeof(struct ckpt_fd)) && s->len <= 64 * sizeof(struct ckpt_fd)); break;
	case CKPT_SEC_END: FUZZ_CHECK(!s->len); break;
	}
	v->bytes += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ckpt_limits lim = { LIBOS_LO, LIBOS_LEN, DYN_LO, DYN_HI, 64 };
	static const uint8_t key[32] = { 1, 2, 3 };
	struct ckpt_hdr h;
	struct ckpt_parser p;
	struct seen v = { 0, 0 };
	const char *why = NULL;
	size_t off, step;
	struct gcm_ctx g;
	int r = 0;

	if (size < sizeof(h) + 1)
		return 0;
	memcpy(&h, data, sizeof(h));
	if (ckpt_hdr_check(&h, size, &why)) {
		FUZZ_CHECK(why && *why);
	} else {
		FUZZ_CHECK(ckpt_file_len(&h) == size && h.nchunks >= 1);
		FUZZ_CHECK(ckpt_chunk_off(&h, h.nchunks - 1) + ckpt_chunk_len(&h, h.nchunks - 1) + 16 == size);
		/* A chunk of random bytes never authenticates (and never crashes). */
		gcm_init(&g, key);
		{
			uint32_t len = ckpt_chunk_len(&h, 0);
			uint8_t *c = (uint8_t *)malloc(len + 16);

			memcpy(c, data + ckpt_chunk_off(&h, 0), len + 16);
			(void)ckpt_chunk_open(&g, &h, 0, c, len, c + len);
			free(c);
		}
	}
	step = data[sizeof(h)] ? data[sizeof(h)] : 4096;
	data += sizeof(h) + 1;
	size -= sizeof(h) + 1;
	ckpt_parse_init(&p, &lim, size, sink, &v);
	for (off = 0; off < size && !r; off += step)
		r = ckpt_parse_feed(&p, data + off, size - off < step ? size - off : step);
	if (!r)
		r = ckpt_parse_finish(&p);
	if (r) {
		FUZZ_CHECK(p.why && *p.why);
		return 0;
	}
	FUZZ_CHECK(v.last == CKPT_SEC_END && p.fed == size);
	FUZZ_CHECK(v.bytes + 6 * sizeof(struct ckpt_sec) == size);
	return 0;
}
