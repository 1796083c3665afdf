/* Host unit tests for the libOS checkpoint format (libos/ckpt_fmt.c):
 * a stream built as libos/ckpt.c builds it parses back byte for byte,
 * through chunk encryption and in pieces of every size; every malformed
 * header and section is refused with its reason; a flipped byte of any
 * chunk or of the header (the AAD) fails authentication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../libos/ckpt.h"

#define DYN_LO 0x1000000ull
#define DYN_HI (DYN_LO + 64 * 4096ull)
#define LIBOS_LO 0x10d000ull
#define LIBOS_LEN (3 * 4096ull)

static const struct ckpt_limits lim = { LIBOS_LO, LIBOS_LEN, DYN_LO, DYN_HI, 64 };
/* The limits with dyn_hi 2 pages above dyn_lo (a smaller MIEE). */
static const struct ckpt_limits lim_small = { LIBOS_LO, LIBOS_LEN, DYN_LO, DYN_LO + 8192, 64 };
static int lim_hi_test;

/* What the sink received: a flat copy per section type. */
struct got {
	uint8_t state[sizeof(struct ckpt_state)];
	uint8_t dyn[64 * 4096], libos[LIBOS_LEN], pt[CKPT_PT_LEN];
	uint8_t fds[64 * sizeof(struct ckpt_fd)];
	uint64_t dyn_len, fds_len;
	int begun[8];
	int fail_type;			/* the sink refuses this section */
};

static int sink(void *ctx, const struct ckpt_sec *s, uint64_t at, const uint8_t *p, size_t n)
{
	struct got *g = ctx;
	uint8_t *base = NULL;
	uint64_t lo = 0;

	if ((int)s->type == g->fail_type)
		return -12;
	if (!n) {
		g->begun[s->type]++;
		if (s->type == CKPT_SEC_DYN)
			g->dyn_len = s->len;
		if (s->type == CKPT_SEC_FDS)
			g->fds_len = s->len;
		return 0;
	}
	switch (s->type) {
	case CKPT_SEC_STATE: base = g->state; break;
	case CKPT_SEC_DYN: base = g->dyn; lo = DYN_LO; break;
	case CKPT_SEC_LIBOS: base = g->libos; lo = LIBOS_LO; break;
	case CKPT_SEC_PT: base = g->pt; break;
	case CKPT_SEC_FDS: base = g->fds; break;
	default: fail();
	}
	assert_true(at >= lo && at - lo + n <= s->len);
	memcpy(base + (at - lo), p, n);
	return 0;
}

/* A plaintext stream like ckpt.c's, with its pieces filled by a pattern. */
struct stream {
	uint8_t *p;
	size_t len;
	struct ckpt_state st;
	uint8_t dyn[64 * 4096], libos[LIBOS_LEN], pt[CKPT_PT_LEN];
	struct ckpt_fd fds[3];
	uint64_t dyn_len;
};

static void put(struct stream *s, const void *p, size_t n)
{
	s->p = realloc(s->p, s->len + n);
	assert_non_null(s->p);
	memcpy(s->p + s->len, p, n);
	s->len += n;
}

static void put_sec(struct stream *s, uint32_t type, uint64_t addr, const void *p, uint64_t len)
{
	struct ckpt_sec h;

	ckpt_sec_make(&h, type, addr, len);
	put(s, &h, sizeof(h));
	if (len)
		put(s, p, len);
}

static struct stream *build(uint64_t dyn_pages)
{
	struct stream *s = calloc(1, sizeof(*s));
	size_t i;

	assert_non_null(s);
	for (i = 0; i < sizeof(s->st); i++)
		((uint8_t *)&s->st)[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(s->dyn); i++)
		s->dyn[i] = (uint8_t)(i * 13 + (i >> 12));
	for (i = 0; i < sizeof(s->libos); i++)
		s->libos[i] = (uint8_t)(i * 3 + 5);
	for (i = 0; i < sizeof(s->pt); i++)
		s->pt[i] = (uint8_t)(i ^ 0x5a);
	for (i = 0; i < 3; i++) {
		s->fds[i].fd = (int32_t)i + 3;
		s->fds[i].host = (int32_t)i + 7;
		s->fds[i].how = CKPT_FD_PATH;
		snprintf(s->fds[i].path, CKPT_PATH_MAX, "/tmp/file%zu", i);
	}
	s->dyn_len = dyn_pages * 4096;
	put_sec(s, CKPT_SEC_STATE, 0, &s->st, sizeof(s->st));
	put_sec(s, CKPT_SEC_DYN, DYN_LO, s->dyn, s->dyn_len);
	put_sec(s, CKPT_SEC_LIBOS, LIBOS_LO, s->libos, LIBOS_LEN);
	put_sec(s, CKPT_SEC_PT, 0, s->pt, CKPT_PT_LEN);
	put_sec(s, CKPT_SEC_FDS, 0, s->fds, sizeof(s->fds));
	put_sec(s, CKPT_SEC_END, 0, NULL, 0);
	return s;
}

static void done(struct stream *s)
{
	free(s->p);
	free(s);
}

/* Feed in pieces of size step; the parse result. */
static int parse(const uint8_t *p, size_t len, size_t step, struct got *g, const char **why)
{
	static struct ckpt_parser ps;
	size_t off = 0;
	int r = 0;

	ckpt_parse_init(&ps, lim_hi_test ? &lim_small : &lim, len, sink, g);
	while (off < len && !r) {
		size_t k = len - off < step ? len - off : step;

		r = ckpt_parse_feed(&ps, p + off, k);
		off += k;
	}
	if (!r)
		r = ckpt_parse_finish(&ps);
	*why = ps.why;
	return r;
}

static void test_roundtrip_any_pieces(void **st)
{
	static const size_t steps[] = { 1, 7, 24, 25, 4096, 65536, 1 << 30 };
	struct stream *s = build(20);
	unsigned i;

	(void)st;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct got *g = calloc(1, sizeof(*g));
		const char *why = NULL;

		assert_non_null(g);
		g->fail_type = -1;
		assert_int_equal(parse(s->p, s->len, steps[i], g, &why), 0);
		assert_null(why);
		assert_memory_equal(g->state, &s->st, sizeof(s->st));
		assert_int_equal(g->dyn_len, s->dyn_len);
		assert_memory_equal(g->dyn, s->dyn, s->dyn_len);
		assert_memory_equal(g->libos, s->libos, LIBOS_LEN);
		assert_memory_equal(g->pt, s->pt, CKPT_PT_LEN);
		assert_int_equal(g->fds_len, sizeof(s->fds));
		assert_memory_equal(g->fds, s->fds, sizeof(s->fds));
		assert_int_equal(g->begun[CKPT_SEC_END], 1);
		free(g);
	}
	done(s);
}

/* Rewrite the section header of type t (its first occurrence). */
static struct ckpt_sec *sec_of(struct stream *s, uint32_t t)
{
	size_t off = 0;

	while (off + sizeof(struct ckpt_sec) <= s->len) {
		struct ckpt_sec *h = (struct ckpt_sec *)(s->p + off);

		if (h->type == t)
			return h;
		off += sizeof(*h) + h->len;
	}
	fail();
	return NULL;
}

static void expect_refused(struct stream *s, const char *reason)
{
	struct got *g = calloc(1, sizeof(*g));
	const char *why = NULL;

	assert_non_null(g);
	g->fail_type = -1;
	assert_int_not_equal(parse(s->p, s->len, 4096, g, &why), 0);
	assert_non_null(why);
	if (!strstr(why, reason))
		fail_msg("refused for '%s', expected '%s'", why, reason);
	free(g);
}

static void test_bad_sections(void **st)
{
	struct stream *s;

	(void)st;
	s = build(4);
	sec_of(s, CKPT_SEC_STATE)->reserved = 1;
	expect_refused(s, "reserved");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_DYN)->addr = DYN_LO + 4096;
	expect_refused(s, "dynamic memory");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_LIBOS)->addr = LIBOS_LO - 4096;
	expect_refused(s, "libOS data");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_PT)->addr = 4096;
	expect_refused(s, "page table");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_FDS)->type = CKPT_SEC_END;	/* END too early */
	expect_refused(s, "out of order");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_LIBOS)->type = CKPT_SEC_PT;	/* LIBOS skipped */
	expect_refused(s, "out of order");
	done(s);

	/* A section longer than the stream, a DYN past dyn_hi. */
	s = build(4);
	sec_of(s, CKPT_SEC_DYN)->len = 1ull << 40;
	expect_refused(s, "past the stream");
	done(s);

	/* An fd table that is not whole records; a DYN that is not whole
	 * pages or runs past dyn_hi (its length stays inside the stream). */
	s = build(4);
	sec_of(s, CKPT_SEC_FDS)->len = 281;
	expect_refused(s, "fd table");
	done(s);

	s = build(4);
	sec_of(s, CKPT_SEC_DYN)->len = 4 * 4096 - 8;
	expect_refused(s, "dynamic memory");
	done(s);

	s = build(4);
	lim_hi_test = 1;
	expect_refused(s, "dynamic memory");
	lim_hi_test = 0;
	done(s);

	/* Trailing bytes after END: the declared length covers them. */
	s = build(4);
	put(s, "x", 1);
	expect_refused(s, "end section not at the end");
	done(s);

	/* The stream stops before END (the header said it was shorter). */
	s = build(4);
	s->len -= sizeof(struct ckpt_sec);
	expect_refused(s, "before its end");
	done(s);
}

static void test_sink_error_stops(void **st)
{
	struct stream *s = build(4);
	struct got *g = calloc(1, sizeof(*g));
	const char *why = NULL;

	(void)st;
	assert_non_null(g);
	g->fail_type = CKPT_SEC_DYN;
	assert_int_equal(parse(s->p, s->len, 100, g, &why), -12);
	assert_int_equal(g->begun[CKPT_SEC_LIBOS], 0);
	free(g);
	done(s);
}

static void make_hdr(struct ckpt_hdr *h, uint64_t plain)
{
	memset(h, 0, sizeof(*h));
	h->magic = CKPT_MAGIC;
	h->version = CKPT_VERSION;
	h->chunk_size = CKPT_CHUNK;
	h->plain_len = plain;
	h->nchunks = (uint32_t)((plain + CKPT_CHUNK - 1) / CKPT_CHUNK);
	h->blob_len = 164;
	memset(h->upcr0, 0xab, 32);
}

static void test_header(void **st)
{
	struct ckpt_hdr h, b;
	const char *why = NULL;
	uint64_t flen;

	(void)st;
	make_hdr(&h, 3 * CKPT_CHUNK + 5);
	flen = ckpt_file_len(&h);
	assert_int_equal(flen, 64 + 164 + 3 * CKPT_CHUNK + 5 + 4 * 16);
	assert_int_equal(ckpt_hdr_check(&h, flen, &why), 0);
	assert_int_equal(ckpt_chunk_len(&h, 3), 5);
	assert_int_equal(ckpt_chunk_len(&h, 2), CKPT_CHUNK);
	assert_int_equal(ckpt_chunk_off(&h, 1), 64 + 164 + CKPT_CHUNK + 16);

	assert_int_not_equal(ckpt_hdr_check(&h, flen - 1, &why), 0);
	assert_string_equal(why, "truncated checkpoint file");
	assert_int_not_equal(ckpt_hdr_check(&h, flen + 1, &why), 0);
	assert_string_equal(why, "trailing bytes after the checkpoint");
	b = h, b.magic ^= 1;
	assert_int_not_equal(ckpt_hdr_check(&b, flen, &why), 0);
	b = h, b.version = 2;
	assert_int_not_equal(ckpt_hdr_check(&b, flen, &why), 0);
	b = h, b.chunk_size = 4096;
	assert_int_not_equal(ckpt_hdr_check(&b, flen, &why), 0);
	b = h, b.nchunks = 3;
	assert_int_not_equal(ckpt_hdr_check(&b, flen, &why), 0);
	assert_string_equal(why, "chunk count does not match the length");
	b = h, b.blob_len = 0;
	assert_int_not_equal(ckpt_hdr_check(&b, flen - 164, &why), 0);
	b = h, b.blob_len = CKPT_BLOB_MAX + 1;
	assert_int_not_equal(ckpt_hdr_check(&b, ckpt_file_len(&b), &why), 0);
	b = h, b.plain_len = 0, b.nchunks = 0;
	assert_int_not_equal(ckpt_hdr_check(&b, ckpt_file_len(&b), &why), 0);
	b = h, b.plain_len = CKPT_PLAIN_MAX + 1;
	b.nchunks = (uint32_t)((b.plain_len + CKPT_CHUNK - 1) / CKPT_CHUNK);
	assert_int_not_equal(ckpt_hdr_check(&b, ckpt_file_len(&b), &why), 0);
}

/* Encrypt a stream as ckpt.c does; flip each chunk's bytes, the tag,
 * the header (the AAD), swap two chunks: every change fails to open. */
static void test_chunks_authenticated(void **st)
{
	struct stream *s = build(40);	/* > 2 chunks */
	struct gcm_ctx g;
	uint8_t key[32];
	struct ckpt_hdr h, h2;
	uint8_t *ct;
	uint32_t i, n;

	(void)st;
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(i + 9);
	gcm_init(&g, key);
	make_hdr(&h, s->len);
	n = h.nchunks;
	assert_true(n >= 3);
	ct = malloc((size_t)n * (CKPT_CHUNK + 16));
	assert_non_null(ct);
	for (i = 0; i < n; i++) {
		uint32_t len = ckpt_chunk_len(&h, i);
		uint8_t *c = ct + (size_t)i * (CKPT_CHUNK + 16);

		memcpy(c, s->p + (size_t)i * CKPT_CHUNK, len);
		ckpt_chunk_seal(&g, &h, i, c, len, c + len);
		assert_memory_not_equal(c, s->p + (size_t)i * CKPT_CHUNK, 64);
	}
	for (i = 0; i < n; i++) {
		uint32_t len = ckpt_chunk_len(&h, i), at;
		uint8_t *c = ct + (size_t)i * (CKPT_CHUNK + 16);
		uint8_t *t = malloc(len + 16);

		assert_non_null(t);
		memcpy(t, c, len + 16);
		assert_int_equal(ckpt_chunk_open(&g, &h, i, t, len, t + len), 0);
		assert_memory_equal(t, s->p + (size_t)i * CKPT_CHUNK, len);
		for (at = 0; at < len + 16; at += len / 5 + 1) {
			memcpy(t, c, len + 16);
			t[at] ^= 0x80;
			assert_int_equal(ckpt_chunk_open(&g, &h, i, t, len, t + len), -1);
		}
		memcpy(t, c, len + 16);
		t[len + 15] ^= 1;
		assert_int_equal(ckpt_chunk_open(&g, &h, i, t, len, t + len), -1);
		/* Another index (reordered chunks), another header. */
		memcpy(t, c, len + 16);
		assert_int_equal(ckpt_chunk_open(&g, &h, (i + 1) % n, t, len, t + len), -1);
		h2 = h;
		h2.upcr0[5] ^= 1;
		memcpy(t, c, len + 16);
		assert_int_equal(ckpt_chunk_open(&g, &h2, i, t, len, t + len), -1);
		free(t);
	}
	gcm_wipe(&g);
	free(ct);
	done(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_any_pieces),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_sink_error_stops),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_chunks_authenticated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
