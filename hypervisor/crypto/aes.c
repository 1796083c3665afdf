/* AES-256 key expansion and encryption (FIPS 197), bitsliced over four
 * blocks at a time in eight 64-bit bit planes. */

/*
 * Constant time: there are no lookup tables at all.  The state of four
 * blocks (64 bytes) is transposed into eight 64-bit words, word b holding
 * bit b of every byte.  SubBytes is then evaluated as a fixed Boolean
 * circuit (the 113-gate AND/XOR circuit of Boyar and Peralta, which
 * computes the GF(2^8) inverse plus the affine map of FIPS 197 5.1.1) on
 * all 64 bytes in parallel; MixColumns is fixed shifts, masks and XORs,
 * and ShiftRows is folded into MixColumns and the round-key layout.  Key
 * expansion runs SubWord through the same circuit.  Nothing branches on,
 * or indexes memory with, key or data bits, so the instruction and address
 * trace is the same for every key and input.
 *
 * Bit-plane layout: within each plane, the bit for state byte (row, col)
 * of block blk (0..3) is at position 16*row + 4*col + blk.  A state row is
 * thus a 16-bit lane, and MixColumns' row rotations are 64-bit rotations
 * by multiples of 16.
 */
#include "aes.h"
#include "util.h"
#include "platform.h"

static inline uint64_t aes_ror64(uint64_t x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

/*
 * Exchange the bits selected by mask m in a with the bits m << s in b;
 * three rounds of it transpose each byte lane's 8x8 bit matrix.
 */
#define AES_SWAPMOVE(a, b, m, s)				\
	do {							\
		uint64_t t_ = (((a) >> (s)) ^ (b)) & (m);	\
		(b) ^= t_;					\
		(a) ^= t_ << (s);				\
	} while (0)

/*
 * After this, bit i of byte j of w[k] is bit k of byte j of the old w[i]:
 * eight bytes spread over eight words become eight bit planes.  It is its
 * own inverse.
 */
static void aes_transpose(uint64_t w[8])
{
	const uint64_t m1 = 0x5555555555555555ULL;
	const uint64_t m2 = 0x3333333333333333ULL;
	const uint64_t m4 = 0x0f0f0f0f0f0f0f0fULL;

	AES_SWAPMOVE(w[0], w[1], m1, 1);
	AES_SWAPMOVE(w[2], w[3], m1, 1);
	AES_SWAPMOVE(w[4], w[5], m1, 1);
	AES_SWAPMOVE(w[6], w[7], m1, 1);
	AES_SWAPMOVE(w[0], w[2], m2, 2);
	AES_SWAPMOVE(w[1], w[3], m2, 2);
	AES_SWAPMOVE(w[4], w[6], m2, 2);
	AES_SWAPMOVE(w[5], w[7], m2, 2);
	AES_SWAPMOVE(w[0], w[4], m4, 4);
	AES_SWAPMOVE(w[1], w[5], m4, 4);
	AES_SWAPMOVE(w[2], w[6], m4, 4);
	AES_SWAPMOVE(w[3], w[7], m4, 4);
}

/*
 * Input byte n of a block is state byte (row n % 4, col n / 4) (FIPS 197
 * 3.4).  With ShiftRows deferred k times (see aes_mix_columns), logical
 * column col sits in physical column col + k * row.  Physical position
 * 16 * row + 4 * pcol + blk = 8 * j + i after aes_transpose is byte j of
 * word i, so j = 2 * row + pcol / 2 and i = 4 * (pcol & 1) + blk.
 */
static inline unsigned int aes_src_index(unsigned int i, unsigned int j,
					 unsigned int k)
{
	unsigned int blk = i & 3, row = j >> 1;
	unsigned int pcol = ((j & 1) << 1) | (i >> 2);
	unsigned int col = (pcol - k * row) & 3;

	return 16 * blk + 4 * col + row;
}

static void aes_pack(uint64_t q[8], const uint8_t in[64], unsigned int k)
{
	unsigned int i, j;

	/* Unrolled so that every index folds to a constant. */
#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		uint64_t w = 0;

#pragma GCC unroll 8
		for (j = 0; j < 8; j++)
			w |= (uint64_t)in[aes_src_index(i, j, k)] << (8 * j);
		q[i] = w;
	}
	aes_transpose(q);
}

/* Inverse of aes_pack; destroys q. */
static void aes_unpack(uint8_t out[64], uint64_t q[8], unsigned int k)
{
	unsigned int i, j;

	aes_transpose(q);
#pragma GCC unroll 8
	for (i = 0; i < 8; i++)
#pragma GCC unroll 8
		for (j = 0; j < 8; j++)
			out[aes_src_index(i, j, k)] =
				(uint8_t)(q[i] >> (8 * j));
}

/*
 * SubBytes (FIPS 197 5.1.1) on all 64 bytes: Boyar-Peralta circuit, a
 * linear input layer, a shared GF(2^4)-tower inversion core and a linear
 * output layer that folds in the affine transform.  u0 is the most
 * significant bit (plane 7); the four complemented outputs carry the
 * affine constant 0x63.
 */
static void aes_sub_bytes(uint64_t q[8])
{
	uint64_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4];
	uint64_t u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];
	uint64_t t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14;
	uint64_t t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26;
	uint64_t t27;
	uint64_t m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14;
	uint64_t m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26;
	uint64_t m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38;
	uint64_t m39, m40, m41, m42, m43, m44, m45, m46, m47, m48, m49, m50;
	uint64_t m51, m52, m53, m54, m55, m56, m57, m58, m59, m60, m61, m62;
	uint64_t m63;
	uint64_t l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13;
	uint64_t l14, l15, l16, l17, l18, l19, l20, l21, l22, l23, l24, l25;
	uint64_t l26, l27, l28, l29;

	/* Top linear layer. */
	t1 = u0 ^ u3;
	t2 = u0 ^ u5;
	t3 = u0 ^ u6;
	t4 = u3 ^ u5;
	t5 = u4 ^ u6;
	t6 = t1 ^ t5;
	t7 = u1 ^ u2;
	t8 = u7 ^ t6;
	t9 = u7 ^ t7;
	t10 = t6 ^ t7;
	t11 = u1 ^ u5;
	t12 = u2 ^ u5;
	t13 = t3 ^ t4;
	t14 = t6 ^ t11;
	t15 = t5 ^ t11;
	t16 = t5 ^ t12;
	t17 = t9 ^ t16;
	t18 = u3 ^ u7;
	t19 = t7 ^ t18;
	t20 = t1 ^ t19;
	t21 = u6 ^ u7;
	t22 = t7 ^ t21;
	t23 = t2 ^ t22;
	t24 = t2 ^ t10;
	t25 = t20 ^ t17;
	t26 = t3 ^ t16;
	t27 = t1 ^ t12;

	/* Nonlinear core: inversion in GF(2^8) via GF((2^4)^2). */
	m1 = t13 & t6;
	m2 = t23 & t8;
	m3 = t14 ^ m1;
	m4 = t19 & u7;
	m5 = m4 ^ m1;
	m6 = t3 & t16;
	m7 = t22 & t9;
	m8 = t26 ^ m6;
	m9 = t20 & t17;
	m10 = m9 ^ m6;
	m11 = t1 & t15;
	m12 = t4 & t27;
	m13 = m12 ^ m11;
	m14 = t2 & t10;
	m15 = m14 ^ m11;
	m16 = m3 ^ m2;
	m17 = m5 ^ t24;
	m18 = m8 ^ m7;
	m19 = m10 ^ m15;
	m20 = m16 ^ m13;
	m21 = m17 ^ m15;
	m22 = m18 ^ m13;
	m23 = m19 ^ t25;
	m24 = m22 ^ m23;
	m25 = m22 & m20;
	m26 = m21 ^ m25;
	m27 = m20 ^ m21;
	m28 = m23 ^ m25;
	m29 = m28 & m27;
	m30 = m26 & m24;
	m31 = m20 & m23;
	m32 = m27 & m31;
	m33 = m27 ^ m25;
	m34 = m21 & m22;
	m35 = m24 & m34;
	m36 = m24 ^ m25;
	m37 = m21 ^ m29;
	m38 = m32 ^ m33;
	m39 = m23 ^ m30;
	m40 = m35 ^ m36;
	m41 = m38 ^ m40;
	m42 = m37 ^ m39;
	m43 = m37 ^ m38;
	m44 = m39 ^ m40;
	m45 = m42 ^ m41;
	m46 = m44 & t6;
	m47 = m40 & t8;
	m48 = m39 & u7;
	m49 = m43 & t16;
	m50 = m38 & t9;
	m51 = m37 & t17;
	m52 = m42 & t15;
	m53 = m45 & t27;
	m54 = m41 & t10;
	m55 = m44 & t13;
	m56 = m40 & t23;
	m57 = m39 & t19;
	m58 = m43 & t3;
	m59 = m38 & t22;
	m60 = m37 & t20;
	m61 = m42 & t1;
	m62 = m45 & t4;
	m63 = m41 & t2;

	/* Bottom linear layer, including the affine map. */
	l0 = m61 ^ m62;
	l1 = m50 ^ m56;
	l2 = m46 ^ m48;
	l3 = m47 ^ m55;
	l4 = m54 ^ m58;
	l5 = m49 ^ m61;
	l6 = m62 ^ l5;
	l7 = m46 ^ l3;
	l8 = m51 ^ m59;
	l9 = m52 ^ m53;
	l10 = m53 ^ l4;
	l11 = m60 ^ l2;
	l12 = m48 ^ m51;
	l13 = m50 ^ l0;
	l14 = m52 ^ m61;
	l15 = m55 ^ l1;
	l16 = m56 ^ l0;
	l17 = m57 ^ l1;
	l18 = m58 ^ l8;
	l19 = m63 ^ l4;
	l20 = l0 ^ l1;
	l21 = l1 ^ l7;
	l22 = l3 ^ l12;
	l23 = l18 ^ l2;
	l24 = l15 ^ l9;
	l25 = l6 ^ l10;
	l26 = l7 ^ l9;
	l27 = l8 ^ l10;
	l28 = l11 ^ l14;
	l29 = l11 ^ l17;

	q[7] = l6 ^ l24;
	q[6] = ~(l16 ^ l26);
	q[5] = ~(l19 ^ l28);
	q[4] = l6 ^ l21;
	q[3] = l20 ^ l22;
	q[2] = l25 ^ l29;
	q[1] = ~(l13 ^ l27);
	q[0] = ~(l6 ^ l23);
}

/* Rotate every 16-bit lane of x right by n bits (0 < n < 16). */
static inline uint64_t aes_lane_ror(uint64_t x, unsigned int n)
{
	uint64_t lo = 0x0001000100010001ULL * (0xffffu >> n);

	return ((x >> n) & lo) | ((x << (16 - n)) & ~lo);
}

/*
 * ShiftRows (FIPS 197 5.1.2) is never carried out.  It only moves bytes
 * within rows, so after k of them the byte logically at (row, col) still
 * sits at physical column col + k * row (mod 4).  The round keys are
 * stored with the matching skew for each round and the final skew is
 * undone when unpacking, all at fixed positions.
 *
 * MixColumns (FIPS 197 5.1.3) then becomes, in physical terms:
 * s'_r = 2 s_r + 3 s_{r+1} + s_{r+2} + s_{r+3}
 *      = 2 (s_r + s_{r+1}) + s_{r+1} + (s_{r+2} + s_{r+3}),
 * where s_{r+j} of a logical column lives j rows down and j * k columns
 * to the right: a 64-bit rotation by 16 * j (rows are 16-bit lanes) and a
 * lane rotation by 4 * j * k bits.  Multiplying by 2 (FIPS 197 4.2.1,
 * xtime) moves plane b to b + 1 and folds plane 7 into planes 0, 1, 3
 * and 4 (the reduction polynomial 0x11b).  k is a constant at each call.
 */
static inline uint64_t aes_row_rot(uint64_t x, unsigned int j, unsigned int k)
{
	unsigned int n = (4 * j * k) & 15;

	x = aes_ror64(x, 16 * j);
	return n ? aes_lane_ror(x, n) : x;
}

static inline void aes_mix_columns(uint64_t q[8], unsigned int k)
{
	uint64_t t[8], r1;
	unsigned int b;

	for (b = 0; b < 8; b++) {
		r1 = aes_row_rot(q[b], 1, k);
		t[b] = q[b] ^ r1;
		q[b] = r1 ^ aes_row_rot(t[b], 2, k);
	}
	q[0] ^= t[7];
	q[1] ^= t[0] ^ t[7];
	q[2] ^= t[1];
	q[3] ^= t[2] ^ t[7];
	q[4] ^= t[3] ^ t[7];
	q[5] ^= t[4];
	q[6] ^= t[5];
	q[7] ^= t[6];
}

static inline void aes_add_round_key(uint64_t q[8], const uint64_t sk[8])
{
	unsigned int b;

	for (b = 0; b < 8; b++)
		q[b] ^= sk[b];
}

/* One full round (FIPS 197 5.1) whose ShiftRows brings the skew to k. */
static inline void aes_round(uint64_t q[8], const uint64_t sk[8],
			     unsigned int k)
{
	aes_sub_bytes(q);
	aes_mix_columns(q, k);
	aes_add_round_key(q, sk);
}

/*
 * The cipher of FIPS 197 5.1 with Nr = 14 on four packed blocks.  Round r
 * leaves the skew at r mod 4; the output is left with skew 14 mod 4 = 2.
 */
#define AES_OUT_SKEW (AES256_ROUNDS & 3)

static void aes_encrypt_planes(const struct aes256_ctx *c, uint64_t q[8])
{
	unsigned int r;

	aes_add_round_key(q, c->sk[0]);
	for (r = 1; r + 3 < AES256_ROUNDS; r += 4) {
		aes_round(q, c->sk[r], 1);
		aes_round(q, c->sk[r + 1], 2);
		aes_round(q, c->sk[r + 2], 3);
		aes_round(q, c->sk[r + 3], 0);
	}
	aes_round(q, c->sk[13], 1);
	/* Final round: SubBytes, ShiftRows (deferred), AddRoundKey. */
	aes_sub_bytes(q);
	aes_add_round_key(q, c->sk[AES256_ROUNDS]);
}

/* SubWord (FIPS 197 5.2) through the bitsliced S-box, one byte lane used. */
static uint32_t aes_sub_word(uint32_t w)
{
	uint64_t q[8] = { w };
	uint32_t r;

	aes_transpose(q);
	aes_sub_bytes(q);
	aes_transpose(q);
	r = (uint32_t)q[0];
	crypto_wipe(q, sizeof(q));
	return r;
}

/*
 * KeyExpansion (FIPS 197 5.2) with Nk = 8, Nr = 14.  Words are handled
 * little-endian, so byte 0 of a word is its low byte; RotWord is then a
 * right rotation by 8 and Rcon sits in the low byte.
 */
void aes256_init(struct aes256_ctx *c, const uint8_t key[AES256_KEY_SIZE])
{
	uint32_t w[4 * (AES256_ROUNDS + 1)];
	uint8_t buf[64];
	uint32_t rcon = 1, t;
	unsigned int i, r;

	for (i = 0; i < 8; i++)
		w[i] = (uint32_t)key[4 * i] | (uint32_t)key[4 * i + 1] << 8 |
		       (uint32_t)key[4 * i + 2] << 16 |
		       (uint32_t)key[4 * i + 3] << 24;
	for (i = 8; i < 4 * (AES256_ROUNDS + 1); i++) {
		t = w[i - 1];
		if (i % 8 == 0) {
			t = aes_sub_word((t >> 8) | (t << 24)) ^ rcon;
			rcon <<= 1;	/* never passes 0x40: no reduction */
		} else if (i % 8 == 4) {
			t = aes_sub_word(t);
		}
		w[i] = w[i - 8] ^ t;
	}

	/* Bitslice each round key, replicated into all four block slots. */
	for (r = 0; r <= AES256_ROUNDS; r++) {
		for (i = 0; i < 16; i++) {
			uint8_t v;

			v = (uint8_t)(w[4 * r + i / 4] >> (8 * (i % 4)));
			buf[i] = buf[16 + i] = buf[32 + i] = buf[48 + i] = v;
		}
		aes_pack(c->sk[r], buf, r & 3);
	}
	crypto_wipe(w, sizeof(w));
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(&t, sizeof(t));
}

void aes256_encrypt_blocks4(const struct aes256_ctx *c,
			    const uint8_t in[4 * AES_BLOCK_SIZE],
			    uint8_t out[4 * AES_BLOCK_SIZE])
{
	uint64_t q[8];

	aes_pack(q, in, 0);
	aes_encrypt_planes(c, q);
	aes_unpack(out, q, AES_OUT_SKEW);
	crypto_wipe(q, sizeof(q));
}

void aes256_encrypt_block(const struct aes256_ctx *c,
			  const uint8_t in[AES_BLOCK_SIZE],
			  uint8_t out[AES_BLOCK_SIZE])
{
	uint8_t buf[4 * AES_BLOCK_SIZE];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, in, AES_BLOCK_SIZE);
	aes256_encrypt_blocks4(c, buf, buf);
	memcpy(out, buf, AES_BLOCK_SIZE);
	crypto_wipe(buf, sizeof(buf));
}

void aes256_wipe(struct aes256_ctx *c)
{
	crypto_wipe(c, sizeof(*c));
}
