/* The checkpoint format (ckpt.h): header checks, chunk crypto and the
 * section-stream parser. Pure and freestanding: the libOS (ckpt.c), the
 * host unit test and the fuzzer build the same file. */
#include "ckpt.h"

#define E_INVAL (-22)
#define PAGE_MASK 4095ull

static int bad(const char **why, const char *s)
{
	*why = s;
	return E_INVAL;
}

uint64_t ckpt_chunk_off(const struct ckpt_hdr *h, uint32_t i)
{
	return sizeof(*h) + h->blob_len + (uint64_t)i * (h->chunk_size + GCM_TAG_SIZE);
}

uint32_t ckpt_chunk_len(const struct ckpt_hdr *h, uint32_t i)
{
	uint64_t start = (uint64_t)i * h->chunk_size;

	if (start >= h->plain_len)
		return 0;
	return h->plain_len - start < h->chunk_size ? (uint32_t)(h->plain_len - start) : h->chunk_size;
}

uint64_t ckpt_file_len(const struct ckpt_hdr *h)
{
	return sizeof(*h) + h->blob_len + h->plain_len + (uint64_t)h->nchunks * GCM_TAG_SIZE;
}

int ckpt_hdr_check(const struct ckpt_hdr *h, uint64_t file_len, const char **why)
{
	if (h->magic != CKPT_MAGIC)
		return bad(why, "not a libOS checkpoint (magic)");
	if (h->version != CKPT_VERSION)
		return bad(why, "unknown checkpoint version");
	if (h->chunk_size != CKPT_CHUNK)
		return bad(why, "chunk size");
	if (!h->plain_len || h->plain_len > CKPT_PLAIN_MAX)
		return bad(why, "plaintext length");
	if (h->nchunks != (h->plain_len + CKPT_CHUNK - 1) / CKPT_CHUNK)
		return bad(why, "chunk count does not match the length");
	if (!h->blob_len || h->blob_len > CKPT_BLOB_MAX)
		return bad(why, "sealed key length");
	if (file_len != ckpt_file_len(h))
		return bad(why, file_len < ckpt_file_len(h) ? "truncated checkpoint file"
							      : "trailing bytes after the checkpoint");
	return 0;
}

void ckpt_iv(uint32_t i, uint8_t iv[GCM_IV_SIZE])
{
	unsigned k;

	iv[0] = 'C', iv[1] = 'K', iv[2] = 'P', iv[3] = 'T';
	for (k = 0; k < 8; k++)
		iv[4 + k] = (uint8_t)((uint64_t)i >> (8 * k));
}

void ckpt_chunk_seal(const struct gcm_ctx *g, const struct ckpt_hdr *h, uint32_t i, uint8_t *buf,
		     uint32_t len, uint8_t tag[GCM_TAG_SIZE])
{
	uint8_t iv[GCM_IV_SIZE];

	ckpt_iv(i, iv);
	gcm_seal(g, iv, sizeof(iv), (const uint8_t *)h, sizeof(*h), buf, len, buf, tag);
}

int ckpt_chunk_open(const struct gcm_ctx *g, const struct ckpt_hdr *h, uint32_t i, uint8_t *buf,
		    uint32_t len, const uint8_t tag[GCM_TAG_SIZE])
{
	uint8_t iv[GCM_IV_SIZE];

	ckpt_iv(i, iv);
	return gcm_open(g, iv, sizeof(iv), (const uint8_t *)h, sizeof(*h), buf, len, tag, buf) ? -1 : 0;
}

void ckpt_sec_make(struct ckpt_sec *s, uint32_t type, uint64_t addr, uint64_t len)
{
	s->type = type;
	s->reserved = 0;
	s->addr = addr;
	s->len = len;
}

void ckpt_parse_init(struct ckpt_parser *p, const struct ckpt_limits *lim, uint64_t plain_len,
		     ckpt_sink sink, void *ctx)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->lim = *lim;
	p->total = plain_len;
	p->sink = sink;
	p->ctx = ctx;
}

/* One section header, checked against the order and the limits. */
static int sec_check(struct ckpt_parser *p, const struct ckpt_sec *s)
{
	const struct ckpt_limits *l = &p->lim;

	if (s->reserved)
		return bad(&p->why, "section reserved field");
	if (s->type != p->last + 1)
		return bad(&p->why, "section missing or out of order");
	if (s->len > p->total - p->fed)
		return bad(&p->why, "section runs past the stream");
	switch (s->type) {
	case CKPT_SEC_STATE:
		if (s->addr || s->len != sizeof(struct ckpt_state))
			return bad(&p->why, "state section size");
		break;
	case CKPT_SEC_DYN:
		if (s->addr != l->dyn_lo || (s->len & PAGE_MASK) || s->len > l->dyn_hi - l->dyn_lo)
			return bad(&p->why, "dynamic memory section outside this MIEE's range");
		break;
	case CKPT_SEC_LIBOS:
		if (s->addr != l->libos_lo || s->len != l->libos_len)
			return bad(&p->why, "libOS data section is not this libOS's");
		break;
	case CKPT_SEC_PT:
		if (s->addr || s->len != CKPT_PT_LEN)
			return bad(&p->why, "page table section size");
		break;
	case CKPT_SEC_FDS:
		if (s->addr || s->len % sizeof(struct ckpt_fd) ||
		    s->len / sizeof(struct ckpt_fd) > l->fd_max)
			return bad(&p->why, "fd table section size");
		break;
	case CKPT_SEC_END:
		if (s->addr || s->len || p->fed != p->total)
			return bad(&p->why, "end section not at the end");
		break;
	default:
		return bad(&p->why, "unknown section");
	}
	p->last = s->type;
	return 0;
}

int ckpt_parse_feed(struct ckpt_parser *p, const uint8_t *buf, size_t n)
{
	int r;

	if (p->why)
		return E_INVAL;
	if (n > p->total - p->fed) {
		p->why = "more bytes than the header said";
		return E_INVAL;
	}
	while (n) {
		if (p->left) {
			size_t k = n < p->left ? n : (size_t)p->left;
			uint64_t at = p->cur.addr + (p->cur.len - p->left);

			if ((r = p->sink(p->ctx, &p->cur, at, buf, k))) {
				p->why = "restoring a section failed";
				return r;
			}
			p->left -= k;
			p->fed += k;
			buf += k;
			n -= k;
			continue;
		}
		if (p->last == CKPT_SEC_END) {
			p->why = "bytes after the end section";
			return E_INVAL;
		}
		{
			size_t k = sizeof(p->hbuf) - p->hgot;

			if (k > n)
				k = n;
			__builtin_memcpy(p->hbuf + p->hgot, buf, k);
			p->hgot += (uint32_t)k;
			p->fed += k;
			buf += k;
			n -= k;
		}
		if (p->hgot < sizeof(p->hbuf))
			continue;
		p->hgot = 0;
		__builtin_memcpy(&p->cur, p->hbuf, sizeof(p->cur));
		if ((r = sec_check(p, &p->cur)))
			return r;
		p->left = p->cur.len;
		/* Tell the sink a section begins (n = 0), even an empty one. */
		if ((r = p->sink(p->ctx, &p->cur, p->cur.addr, buf, 0))) {
			p->why = "restoring a section failed";
			return r;
		}
	}
	return 0;
}

int ckpt_parse_finish(struct ckpt_parser *p)
{
	if (p->why)
		return E_INVAL;
	if (p->fed != p->total || p->last != CKPT_SEC_END || p->left || p->hgot) {
		p->why = "stream ended before its end section";
		return E_INVAL;
	}
	return 0;
}
