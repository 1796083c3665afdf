/* SHA-256 (FIPS 180-4 sections 4.1.2, 4.2.2, 5.1.1, 6.2). Freestanding and
 * table-free apart from the public round constants, so timing is data-independent. */
#include "sha256.h"
#include "util.h"
#include "platform.h"

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. Indexed only by round number, never by data. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4 4.1.2 functions (4.2)-(4.7). Ch and Maj use the forms with one
 * fewer operation; they are bitwise identical to the spec's. */
#define CH(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z)	(((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x)	(ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22))
#define BSIG1(x)	(ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25))
#define SSIG0(x)	(ror32(x, 7) ^ ror32(x, 18) ^ ((x) >> 3))
#define SSIG1(x)	(ror32(x, 17) ^ ror32(x, 19) ^ ((x) >> 10))

/*
 * FIPS 180-4 6.2.2 step 1: the message schedule. A 16-word ring buffer
 * replaces the 64-word W array; W[t] for t >= 16 overwrites W[t - 16].
 */
#define W(t)		w[(t) & 15]
#define SCHED(t)	(W(t) += SSIG1(W((t) - 2)) + W((t) - 7) + SSIG0(W((t) - 15)))

/* 6.2.2 step 3, with the variable rotation done by renaming instead of moves. */
#define ROUND(a, b, c, d, e, f, g, h, t, wt)				\
	do {								\
		uint32_t t1 = (h) + BSIG1(e) + CH(e, f, g) +		\
			      sha256_k[t] + (wt);			\
		uint32_t t2 = BSIG0(a) + MAJ(a, b, c);			\
		(d) += t1;						\
		(h) = t1 + t2;						\
	} while (0)

#define ROUND8(t, wexpr)						\
	do {								\
		ROUND(a, b, c, d, e, f, g, h, (t) + 0, wexpr((t) + 0));	\
		ROUND(h, a, b, c, d, e, f, g, (t) + 1, wexpr((t) + 1));	\
		ROUND(g, h, a, b, c, d, e, f, (t) + 2, wexpr((t) + 2));	\
		ROUND(f, g, h, a, b, c, d, e, (t) + 3, wexpr((t) + 3));	\
		ROUND(e, f, g, h, a, b, c, d, (t) + 4, wexpr((t) + 4));	\
		ROUND(d, e, f, g, h, a, b, c, (t) + 5, wexpr((t) + 5));	\
		ROUND(c, d, e, f, g, h, a, b, (t) + 6, wexpr((t) + 6));	\
		ROUND(b, c, d, e, f, g, h, a, (t) + 7, wexpr((t) + 7));	\
	} while (0)

/* Hash nblk consecutive 64-byte blocks into st (FIPS 180-4 6.2.2). */
static void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t nblk)
{
	uint32_t w[16];
	uint32_t a, b, c, d, e, f, g, h;
	int i;

	while (nblk--) {
		for (i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);

		/* 6.2.2 step 2: initialise the working variables. */
		a = st[0]; b = st[1]; c = st[2]; d = st[3];
		e = st[4]; f = st[5]; g = st[6]; h = st[7];
		ROUND8(0, W);
		ROUND8(8, W);
		ROUND8(16, SCHED);
		ROUND8(24, SCHED);
		ROUND8(32, SCHED);
		ROUND8(40, SCHED);
		ROUND8(48, SCHED);
		ROUND8(56, SCHED);
		/* 6.2.2 step 4: the next intermediate hash value. */
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
		p += SHA256_BLOCK_SIZE;
	}
	/* The schedule holds message words, which may be secret (HMAC keys). */
	crypto_wipe(w, sizeof(w));
}

void sha256_init(struct sha256_ctx *c)
{
	/* FIPS 180-4 5.3.3: initial hash value H(0). */
	c->h[0] = 0x6a09e667;
	c->h[1] = 0xbb67ae85;
	c->h[2] = 0x3c6ef372;
	c->h[3] = 0xa54ff53a;
	c->h[4] = 0x510e527f;
	c->h[5] = 0x9b05688c;
	c->h[6] = 0x1f83d9ab;
	c->h[7] = 0x5be0cd19;
	c->len = 0;
	c->nbuf = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t take;

	/* Branches here depend only on lengths, which are public. */
	if (n == 0)
		return;
	c->len += n;
	if (c->nbuf) {
		take = SHA256_BLOCK_SIZE - c->nbuf;
		if (take > n)
			take = n;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		n -= take;
		if (c->nbuf < SHA256_BLOCK_SIZE)
			return;
		sha256_blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (n >= SHA256_BLOCK_SIZE) {
		sha256_blocks(c->h, p, n / SHA256_BLOCK_SIZE);
		p += n & ~(size_t)(SHA256_BLOCK_SIZE - 1);
		n &= SHA256_BLOCK_SIZE - 1;
	}
	if (n) {
		memcpy(c->buf, p, n);
		c->nbuf = n;
	}
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint64_t bits = c->len << 3;
	int i;

	/*
	 * FIPS 180-4 5.1.1: append a 1 bit, then zeros until the length is
	 * 448 mod 512, then the 64-bit big-endian message length in bits.
	 */
	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > SHA256_BLOCK_SIZE - 8) {
		memset(c->buf + c->nbuf, 0, SHA256_BLOCK_SIZE - c->nbuf);
		sha256_blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, SHA256_BLOCK_SIZE - 8 - c->nbuf);
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	sha256_blocks(c->h, c->buf, 1);

	/* 6.2.2: the digest is H(N) in big-endian order. */
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
	crypto_wipe(c, sizeof(*c));
}

void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_final(&c, out);
}
