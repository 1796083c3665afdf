/* AES-256-GCM (NIST SP 800-38D): GCTR over the bitsliced AES core and a
 * constant-time GHASH built on integer multiplication. */

/*
 * Constant time: AES is the table-free bitsliced core of aes.c.  GHASH
 * (SP 800-38D 6.4) multiplies in GF(2^128) without any table: a 32x32
 * carry-less product is formed from sixteen ordinary integer products of
 * operands masked to every fourth bit, so that the carries of one product
 * stay in bits that the final masks throw away (see gcm_clmul32).  Wider
 * products are Karatsuba compositions of that, and the reduction is fixed
 * shifts and XORs.  64-bit integer multiply runs in fixed time on x86-64.
 * The tag is checked with crypto_memeq; the only branch on it is the
 * public accept/reject outcome.  Lengths are public and may steer loops.
 */
#include "gcm.h"
#include "util.h"
#include "platform.h"

static inline uint64_t gcm_load64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	       (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	       (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline void gcm_store64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/*
 * Carry-less 32x32 -> 64 product.  Split each operand into four slices
 * holding the bits at positions = i (mod 4).  The integer product of two
 * slices has its wanted bits at positions = i + j (mod 4); at most eight
 * partial products meet in one column, so each column sum fits in the
 * four bits up to the next wanted position and its low bit is the XOR.
 */
static inline uint64_t gcm_clmul32(uint32_t x, uint32_t y)
{
	const uint64_t m0 = 0x1111111111111111ULL, m1 = m0 << 1;
	const uint64_t m2 = m0 << 2, m3 = m0 << 3;
	uint64_t x0 = x & (uint32_t)m0, x1 = x & (uint32_t)m1;
	uint64_t x2 = x & (uint32_t)m2, x3 = x & (uint32_t)m3;
	uint64_t y0 = y & (uint32_t)m0, y1 = y & (uint32_t)m1;
	uint64_t y2 = y & (uint32_t)m2, y3 = y & (uint32_t)m3;
	uint64_t z0, z1, z2, z3;

	z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
	z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
	z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
	z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
	return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

/* Carry-less 64x64 -> 128 product by one Karatsuba step. */
static inline void gcm_clmul64(uint64_t x, uint64_t y, uint64_t *hi,
			       uint64_t *lo)
{
	uint32_t xl = (uint32_t)x, xh = (uint32_t)(x >> 32);
	uint32_t yl = (uint32_t)y, yh = (uint32_t)(y >> 32);
	uint64_t l = gcm_clmul32(xl, yl);
	uint64_t h = gcm_clmul32(xh, yh);
	uint64_t m = gcm_clmul32(xl ^ xh, yl ^ yh) ^ l ^ h;

	*lo = l ^ (m << 32);
	*hi = h ^ (m >> 32);
}

/*
 * y = y * h in GF(2^128) (SP 800-38D 6.3).  GCM numbers bits from the
 * left: the most significant bit of byte 0 is the coefficient of x^0.
 * Read as a big-endian 128-bit integer (y[0] high), a block is therefore
 * the bit reversal of its polynomial.  The integer carry-less product of
 * two reversed values is the reversed 255-bit product, so one left shift
 * yields the reversed 256-bit product, with x^k at bit 255 - k.  Reducing
 * by x^128 + x^7 + x^2 + x + 1 folds the words holding degrees >= 128
 * back 128 degrees (128 bits up) times 1 + x + x^2 + x^7, where each power
 * of x is a one-bit right shift.
 */
static void gcm_mul(uint64_t y[2], const uint64_t h[2])
{
	uint64_t ah, al, bh, bl, mh, ml;
	uint64_t z0, z1, z2, z3;

	gcm_clmul64(y[0], h[0], &ah, &al);
	gcm_clmul64(y[1], h[1], &bh, &bl);
	gcm_clmul64(y[0] ^ y[1], h[0] ^ h[1], &mh, &ml);
	mh ^= ah ^ bh;
	ml ^= al ^ bl;

	z0 = ah;
	z1 = al ^ mh;
	z2 = bh ^ ml;
	z3 = bl;

	z0 = (z0 << 1) | (z1 >> 63);
	z1 = (z1 << 1) | (z2 >> 63);
	z2 = (z2 << 1) | (z3 >> 63);
	z3 <<= 1;

	/* z3 holds x^192..x^255: fold onto z1, spilling into z2. */
	z1 ^= z3 ^ (z3 >> 1) ^ (z3 >> 2) ^ (z3 >> 7);
	z2 ^= (z3 << 63) ^ (z3 << 62) ^ (z3 << 57);
	/* z2 holds x^128..x^191: fold onto z0, spilling into z1. */
	z0 ^= z2 ^ (z2 >> 1) ^ (z2 >> 2) ^ (z2 >> 7);
	z1 ^= (z2 << 63) ^ (z2 << 62) ^ (z2 << 57);

	y[0] = z0;
	y[1] = z1;
}

/* GHASH (SP 800-38D 6.4) over n bytes, the last block zero-padded. */
static void gcm_ghash(uint64_t y[2], const uint64_t h[2], const uint8_t *p,
		      size_t n)
{
	uint8_t last[16];

	for (; n >= 16; p += 16, n -= 16) {
		y[0] ^= gcm_load64(p);
		y[1] ^= gcm_load64(p + 8);
		gcm_mul(y, h);
	}
	if (n) {
		memset(last, 0, sizeof(last));
		memcpy(last, p, n);
		y[0] ^= gcm_load64(last);
		y[1] ^= gcm_load64(last + 8);
		gcm_mul(y, h);
		crypto_wipe(last, sizeof(last));
	}
}

/* Final GHASH block: [len(A)]_64 || [len(C)]_64 in bits (SP 800-38D 7.1). */
static void gcm_ghash_lengths(uint64_t y[2], const uint64_t h[2],
			      uint64_t alen, uint64_t clen)
{
	y[0] ^= alen << 3;
	y[1] ^= clen << 3;
	gcm_mul(y, h);
}

/*
 * Pre-counter block J0 (SP 800-38D 7.1 step 2): IV || 0^31 || 1 for a
 * 96-bit IV, otherwise GHASH(IV || 0-pad || 0^64 || [len(IV)]_64).
 */
static void gcm_j0(const struct gcm_ctx *g, const uint8_t *iv, size_t ivlen,
		   uint8_t j0[16])
{
	uint64_t y[2] = { 0, 0 };

	if (ivlen == GCM_IV_SIZE) {
		memcpy(j0, iv, GCM_IV_SIZE);
		j0[12] = 0;
		j0[13] = 0;
		j0[14] = 0;
		j0[15] = 1;
		return;
	}
	gcm_ghash(y, g->hw, iv, ivlen);
	gcm_ghash_lengths(y, g->hw, 0, ivlen);
	gcm_store64(j0, y[0]);
	gcm_store64(j0 + 8, y[1]);
	crypto_wipe(y, sizeof(y));
}

/*
 * GCTR (SP 800-38D 6.5) from counter block inc32(J0), four blocks per AES
 * call.  inc32 only touches the low 32 bits, wrapping mod 2^32 (6.2).
 * out may equal in.
 */
static void gcm_ctr(const struct gcm_ctx *g, const uint8_t j0[16],
		    const uint8_t *in, uint8_t *out, size_t n)
{
	uint8_t cb[64], ks[64];
	uint32_t ctr;
	size_t i, k;

	ctr = (uint32_t)j0[12] << 24 | (uint32_t)j0[13] << 16 |
	      (uint32_t)j0[14] << 8 | j0[15];
	for (k = 0; k < 4; k++)
		memcpy(cb + 16 * k, j0, 12);
	while (n) {
		size_t m = n < sizeof(ks) ? n : sizeof(ks);

		for (k = 0; k < 4; k++) {
			uint32_t c = ++ctr;
			uint8_t *p = cb + 16 * k + 12;

			p[0] = (uint8_t)(c >> 24);
			p[1] = (uint8_t)(c >> 16);
			p[2] = (uint8_t)(c >> 8);
			p[3] = (uint8_t)c;
		}
		/* The last call may overshoot the counter: harmless. */
		aes256_encrypt_blocks4(&g->aes, cb, ks);
		for (i = 0; i < m; i++)
			out[i] = in[i] ^ ks[i];
		in += m;
		out += m;
		n -= m;
	}
	crypto_wipe(ks, sizeof(ks));
	crypto_wipe(cb, sizeof(cb));
}

/* Lengths allowed by SP 800-38D 5.2.1.1 (bit lengths must fit 64 bits). */
static int gcm_lengths_ok(size_t ivlen, size_t aadlen, size_t len)
{
	if (len > GCM_MAX_LEN)
		return 0;
	if (ivlen == 0 || (uint64_t)ivlen >> 61 || (uint64_t)aadlen >> 61)
		return 0;
	return 1;
}

/* T = MSB_128(GCTR(J0, S)) = E(K, J0) ^ S (SP 800-38D 7.1 step 6). */
static void gcm_tag(const struct gcm_ctx *g, const uint8_t j0[16],
		    const uint64_t s[2], uint8_t tag[16])
{
	uint8_t ek[16];
	unsigned int i;

	aes256_encrypt_block(&g->aes, j0, ek);
	gcm_store64(tag, s[0]);
	gcm_store64(tag + 8, s[1]);
	for (i = 0; i < 16; i++)
		tag[i] ^= ek[i];
	crypto_wipe(ek, sizeof(ek));
}

void gcm_init(struct gcm_ctx *g, const uint8_t key[AES256_KEY_SIZE])
{
	/* H = CIPH_K(0^128) (SP 800-38D 7.1 step 1). */
	memset(g->h, 0, sizeof(g->h));
	aes256_init(&g->aes, key);
	aes256_encrypt_block(&g->aes, g->h, g->h);
	g->hw[0] = gcm_load64(g->h);
	g->hw[1] = gcm_load64(g->h + 8);
}

int gcm_seal(const struct gcm_ctx *g, const uint8_t *iv, size_t ivlen,
	     const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t len,
	     uint8_t *ct, uint8_t tag[GCM_TAG_SIZE])
{
	uint8_t j0[16];
	uint64_t s[2] = { 0, 0 };
	size_t off, m;

	if (!gcm_lengths_ok(ivlen, aadlen, len))
		return -1;
	gcm_j0(g, iv, ivlen, j0);
	gcm_ghash(s, g->hw, aad, aadlen);

	/*
	 * One pass: encrypt a chunk, then hash the ciphertext just written.
	 * Chunks are whole blocks except the last, so GHASH only pads once.
	 * Each counter restarts from j0 advanced by off / 16 blocks.
	 */
	for (off = 0; off < len; off += m) {
		uint8_t cj[16];
		uint32_t c;

		m = len - off < 4096 ? len - off : 4096;
		memcpy(cj, j0, 16);
		c = ((uint32_t)j0[12] << 24 | (uint32_t)j0[13] << 16 |
		     (uint32_t)j0[14] << 8 | j0[15]) + (uint32_t)(off / 16);
		cj[12] = (uint8_t)(c >> 24);
		cj[13] = (uint8_t)(c >> 16);
		cj[14] = (uint8_t)(c >> 8);
		cj[15] = (uint8_t)c;
		gcm_ctr(g, cj, pt + off, ct + off, m);
		gcm_ghash(s, g->hw, ct + off, m);
		crypto_wipe(cj, sizeof(cj));
	}
	gcm_ghash_lengths(s, g->hw, aadlen, len);
	gcm_tag(g, j0, s, tag);
	crypto_wipe(s, sizeof(s));
	crypto_wipe(j0, sizeof(j0));
	return 0;
}

int gcm_open(const struct gcm_ctx *g, const uint8_t *iv, size_t ivlen,
	     const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
	     const uint8_t tag[GCM_TAG_SIZE], uint8_t *pt)
{
	uint8_t j0[16], t[16];
	uint64_t s[2] = { 0, 0 };
	int ok;

	if (len > GCM_MAX_LEN)
		return -1;
	if (!gcm_lengths_ok(ivlen, aadlen, len)) {
		if (len)
			memset(pt, 0, len);
		return -1;
	}
	/* SP 800-38D 7.2: authenticate everything before releasing text. */
	gcm_j0(g, iv, ivlen, j0);
	gcm_ghash(s, g->hw, aad, aadlen);
	gcm_ghash(s, g->hw, ct, len);
	gcm_ghash_lengths(s, g->hw, aadlen, len);
	gcm_tag(g, j0, s, t);
	ok = crypto_memeq(t, tag, sizeof(t));
	crypto_wipe(t, sizeof(t));
	crypto_wipe(s, sizeof(s));

	if (ok)
		gcm_ctr(g, j0, ct, pt, len);
	else if (len)
		memset(pt, 0, len);
	crypto_wipe(j0, sizeof(j0));
	return ok ? 0 : -1;
}

void gcm_wipe(struct gcm_ctx *g)
{
	crypto_wipe(g, sizeof(*g));
}
