/* NIST P-256 (FIPS 186-4 D.1.2.3): Montgomery arithmetic mod p and mod n,
 * complete projective point formulas, scalar multiplication, key handling.
 * Over 800 lines on purpose: the constant-time argument below covers the
 * field, scalar and point code together, and splitting them would expose
 * their unchecked internal forms (non-reduced limbs) across files. */

/*
 * Constant time
 * -------------
 * Everything that can see a private scalar or an ECDSA nonce runs in time and
 * with a memory access pattern that depend only on public values:
 *
 *  - Field arithmetic (fe_mul, fe_add, fe_sub, fe_cond_sub) and scalar
 *    arithmetic (mont_mul, mod_add, cond_sub) is straight-line 64x64->128
 *    limb code. The final reduction of every operation is an unconditional
 *    subtraction followed by a mask select; nothing compares limbs with an
 *    early exit.
 *  - Inversion mod p and mod n is Fermat's a^(m-2) (FIPS 186-4 B.5.2 allows
 *    any method). The square-and-multiply loop branches only on the bits of
 *    the public exponent m-2.
 *  - Points use the complete addition and doubling formulas of Renes,
 *    Costello and Batina ("Complete addition formulas for prime order
 *    elliptic curves", ePrint 2015/1060, algorithms 4 and 6, a = -3). They
 *    have no exceptional cases, so adding the point at infinity (comb index
 *    0), adding a point to itself or doubling needs no branch.
 *  - pt_mul_base_ct is a Lim-Lee comb over a fixed table of 16 multiples of
 *    G: always 64 doublings and 64 additions. comb_select reads all 16
 *    entries and keeps one with an all-ones/all-zero mask derived from the
 *    index, so no load address depends on a secret.
 *  - Range checks on secrets (p256_sc_is_valid, the B.4.2 candidate test)
 *    compute their result without branches; callers branch only on the
 *    outcome of a rejection step, which reveals nothing about the accepted
 *    value.
 *  - Named stack copies of scalars and points are wiped with crypto_wipe.
 *    Temporaries that the compiler spills inside fe_mul, pt_add and friends
 *    are not, so the secret-handling entry points finish with
 *    p256_stack_wipe, which overwrites the stack depth those callees used.
 *
 * How it was checked: p256_pubkey, p256_keygen and ecdsa_p256_sign_digest
 * were run under valgrind memcheck with the private key (or keygen seed)
 * marked undefined (VALGRIND_MAKE_MEM_UNDEFINED, the "ctgrind" method), so
 * the RFC 6979 nonces derived from it are undefined too. Memcheck flagged no
 * secret-dependent load address, and conditional jumps only at the
 * accept/reject points: private key range, B.4.2 candidate test, k range,
 * kG = O, r = 0 and s = 0. In the gcc -O2 -mcmodel=kernel object (objdump)
 * the only conditional branches in the arithmetic, comb_select and
 * pt_mul_base_ct are loop counters and the public exponent bits.
 *
 * Not constant time (public inputs only): p256_check_pubkey and
 * p256_mul2_vartime, used by signature verification.
 */
#include "platform.h"

#include "hmac.h"
#include "p256.h"
#include "util.h"

typedef unsigned __int128 u128;

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 (FIPS 186-4 D.1.2.3). */
static const uint64_t p256_p[4] = {
	0xffffffffffffffffULL, 0x00000000ffffffffULL,
	0x0000000000000000ULL, 0xffffffff00000001ULL,
};
/* Group order n (FIPS 186-4 D.1.2.3). */
static const uint64_t p256_n[4] = {
	0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL,
	0xffffffffffffffffULL, 0xffffffff00000000ULL,
};
/* -n^-1 mod 2^64 for Montgomery reduction with R = 2^256. */
#define P256_N0INV 0xccd1c8aaee00bc4fULL
/* R^2 mod p and R^2 mod n: multiplying by them enters Montgomery form. */
static const uint64_t p256_r2p[4] = {
	0x0000000000000003ULL, 0xfffffffbffffffffULL,
	0xfffffffffffffffeULL, 0x00000004fffffffdULL,
};
static const uint64_t p256_r2n[4] = {
	0x83244c95be79eea2ULL, 0x4699799c49bd6fa6ULL,
	0x2845b2392b6bec59ULL, 0x66e12d94f3d95620ULL,
};
/* R mod p and R mod n: the Montgomery form of 1. */
static const uint64_t p256_onep[4] = {
	0x0000000000000001ULL, 0xffffffff00000000ULL,
	0xffffffffffffffffULL, 0x00000000fffffffeULL,
};
static const uint64_t p256_onen[4] = {
	0x0c46353d039cdaafULL, 0x4319055258e8617bULL,
	0x0000000000000000ULL, 0x00000000ffffffffULL,
};
static const uint64_t p256_one[4] = { 1, 0, 0, 0 };
/* Curve coefficient b in Montgomery form (b * R mod p). */
static const uint64_t p256_bm[4] = {
	0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL,
	0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL,
};
/* Affine point in Montgomery form. */
struct p256_aff {
	uint64_t x[4], y[4];
};

/*
 * Comb table for G (Lim-Lee, 4 teeth 64 bits apart): entry i is
 * sum of 2^(64 j) G over the set bits j of i, affine, coordinates in
 * Montgomery form. Entry 0 stands for the point at infinity as (0, 1) and is
 * given Z = 0 when selected. Generated offline with Python integers from the
 * FIPS 186-4 D.1.2.3 base point; the OpenSSL differential tests recheck every
 * entry.
 */
static const struct p256_aff p256_comb[16] = {
	{ { 0x0000000000000000ULL, 0x0000000000000000ULL,
	    0x0000000000000000ULL, 0x0000000000000000ULL },
	  { 0x0000000000000001ULL, 0xffffffff00000000ULL,
	    0xffffffffffffffffULL, 0x00000000fffffffeULL } },
	{ { 0x79e730d418a9143cULL, 0x75ba95fc5fedb601ULL,
	    0x79fb732b77622510ULL, 0x18905f76a53755c6ULL },
	  { 0xddf25357ce95560aULL, 0x8b4ab8e4ba19e45cULL,
	    0xd2e88688dd21f325ULL, 0x8571ff1825885d85ULL } },
	{ { 0x4f922fc516a0d2bbULL, 0x0d5cc16c1a623499ULL,
	    0x9241cf3a57c62c8bULL, 0x2f5e6961fd1b667fULL },
	  { 0x5c15c70bf5a01797ULL, 0x3d20b44d60956192ULL,
	    0x04911b37071fdb52ULL, 0xf648f9168d6f0f7bULL } },
	{ { 0x9e566847e137bbbcULL, 0xe434469e8a6a0becULL,
	    0xb1c4276179d73463ULL, 0x5abe0285133d0015ULL },
	  { 0x92aa837cc04c7dabULL, 0x573d9f4c43260c07ULL,
	    0x0c93156278e6cc37ULL, 0x94bb725b6b6f7383ULL } },
	{ { 0x62a8c244bfe20925ULL, 0x91c19ac38fdce867ULL,
	    0x5a96a5d5dd387063ULL, 0x61d587d421d324f6ULL },
	  { 0xe87673a2a37173eaULL, 0x2384800853778b65ULL,
	    0x10f8441e05bab43eULL, 0xfa11fe124621efbeULL } },
	{ { 0x1c891f2b2cb19ffdULL, 0x01ba8d5bb1923c23ULL,
	    0xb6d03d678ac5ca8eULL, 0x586eb04c1f13bedcULL },
	  { 0x0c35c6e527e8ed09ULL, 0x1e81a33c1819ede2ULL,
	    0x278fd6c056c652faULL, 0x19d5ac0870864f11ULL } },
	{ { 0x62577734d2b533d5ULL, 0x673b8af6a1bdddc0ULL,
	    0x577e7c9aa79ec293ULL, 0xbb6de651c3b266b1ULL },
	  { 0xe7e9303ab65259b3ULL, 0xd6a0afd3d03a7480ULL,
	    0xc5ac83d19b3cfc27ULL, 0x60b4619a5d18b99bULL } },
	{ { 0xbd6a38e11ae5aa1cULL, 0xb8b7652b49e73658ULL,
	    0x0b130014ee5f87edULL, 0x9d0f27b2aeebffcdULL },
	  { 0xca9246317a730a55ULL, 0x9c955b2fddbbc83aULL,
	    0x07c1dfe0ac019a71ULL, 0x244a566d356ec48dULL } },
	{ { 0x56f8410ef4f8b16aULL, 0x97241afec47b266aULL,
	    0x0a406b8e6d9c87c1ULL, 0x803f3e02cd42ab1bULL },
	  { 0x7f0309a804dbec69ULL, 0xa83b85f73bbad05fULL,
	    0xc6097273ad8e197fULL, 0xc097440e5067adc1ULL } },
	{ { 0x846a56f2c379ab34ULL, 0xa8ee068b841df8d1ULL,
	    0x20314459176c68efULL, 0xf1af32d5915f1f30ULL },
	  { 0x99c375315d75bd50ULL, 0x837cffbaf72f67bcULL,
	    0x0613a41848d7723fULL, 0x23d0f130e2d41c8bULL } },
	{ { 0xed93e225d5be5a2bULL, 0x6fe799835934f3c6ULL,
	    0x4314092622626ffcULL, 0x50bbb4d97990216aULL },
	  { 0x378191c6e57ec63eULL, 0x65422c40181dcdb2ULL,
	    0x41a8099b0236e0f6ULL, 0x2b10011801fe49c3ULL } },
	{ { 0xfc68b5c59b391593ULL, 0xc385f5a2598270fcULL,
	    0x7144f3aad19adcbbULL, 0xdd55899983fbae0cULL },
	  { 0x93b88b8e74b82ff4ULL, 0xd2e03c4071e734c9ULL,
	    0x9a7a9eaf43c0322aULL, 0xe6e4c551149d6041ULL } },
	{ { 0x5fe14bfe80ec21feULL, 0xf6ce116ac255be82ULL,
	    0x98bc5a072f4a5d67ULL, 0xfad27148db7e63afULL },
	  { 0x90c0b6ac29ab05b3ULL, 0x37a9a83c4e251ae6ULL,
	    0x0a7dc875c2aade7dULL, 0x77387de39f0e1a84ULL } },
	{ { 0x1e9ecc49a56c0dd7ULL, 0xa5cffcd846086c74ULL,
	    0x8f7a1408f505aeceULL, 0xb37b85c0bef0c47eULL },
	  { 0x3596b6e4cc0e6a8fULL, 0xfd6d4bbf6b388f23ULL,
	    0xaba453fac39cef4eULL, 0x9c135ac8f9f628d5ULL } },
	{ { 0x0a1c729495c8f8beULL, 0x2961c4803bf362bfULL,
	    0x9e418403df63d4acULL, 0xc109f9cb91ece900ULL },
	  { 0xc2d095d058945705ULL, 0xb9083d96ddeb85c0ULL,
	    0x84692b8d7a40449bULL, 0x9bc3344f2eee1ee1ULL } },
	{ { 0x0d5ae35642913074ULL, 0x55491b2748a542b1ULL,
	    0x469ca665b310732aULL, 0x29591d525f1a4cc1ULL },
	  { 0xe76f5b6bb84f983fULL, 0xbe7eef419f5f84e1ULL,
	    0x1200d49680baa189ULL, 0x6376551f18ef332cULL } },
};

/* Projective (X:Y:Z) with x = X/Z, y = Y/Z, coordinates in Montgomery form;
 * the point at infinity is (0:1:0). */
struct p256_pt {
	uint64_t x[4], y[4], z[4];
};

/* ---- limb helpers */

/* All ones if x != 0, else 0. */
static inline uint64_t ct_nz_mask(uint64_t x)
{
	return 0 - ((x | (0 - x)) >> 63);
}

static inline void limbs_copy(uint64_t r[4], const uint64_t a[4])
{
	r[0] = a[0];
	r[1] = a[1];
	r[2] = a[2];
	r[3] = a[3];
}

/* Borrow (0 or 1) of a - b, i.e. 1 iff a < b. */
static uint64_t limbs_lt(const uint64_t a[4], const uint64_t b[4])
{
	uint64_t br = 0;
	u128 w;
	int i;

	for (i = 0; i < 4; i++) {
		w = (u128)a[i] - b[i] - br;
		br = (uint64_t)(w >> 64) & 1;
	}
	return br;
}

static uint64_t limbs_is_zero(const uint64_t a[4])
{
	return 1 & ~(ct_nz_mask(a[0] | a[1] | a[2] | a[3]));
}

/*
 * r = (hi:t) - m if (hi:t) >= m, else (hi:t). hi is 0 or 1 and (hi:t) < 2m.
 * The subtraction always happens; a mask picks the result.
 */
static void cond_sub(uint64_t r[4], const uint64_t t[4], uint64_t hi,
		     const uint64_t m[4])
{
	uint64_t d[4], br = 0, keep;
	u128 w;
	int i;

	for (i = 0; i < 4; i++) {
		w = (u128)t[i] - m[i] - br;
		d[i] = (uint64_t)w;
		br = (uint64_t)(w >> 64) & 1;
	}
	/* The 5-word subtraction borrows only if hi == 0 and t < m. */
	keep = 0 - (br & (hi ^ 1));
	for (i = 0; i < 4; i++)
		r[i] = (t[i] & keep) | (d[i] & ~keep);
}

/* r = a + b mod m for a, b < m. */
static void mod_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
		    const uint64_t m[4])
{
	uint64_t t[4], c = 0;
	u128 w;
	int i;

	for (i = 0; i < 4; i++) {
		w = (u128)a[i] + b[i] + c;
		t[i] = (uint64_t)w;
		c = (uint64_t)(w >> 64);
	}
	cond_sub(r, t, c, m);
}

/*
 * Montgomery multiplication r = a * b * 2^-256 mod m for a, b < m, in the
 * coarsely integrated operand scanning form (Koc, Acar, Kaliski 1996). The
 * running value stays below 2m, so one conditional subtraction finishes it.
 * Used for scalars mod n; the field has its own fe_mul below.
 */
static inline void mont_mul(uint64_t r[4], const uint64_t a[4],
			    const uint64_t b[4], const uint64_t m[4],
			    uint64_t m0inv)
{
	uint64_t t[5] = { 0, 0, 0, 0, 0 }, c, q, hi;
	u128 w;
	int i, j;

	for (i = 0; i < 4; i++) {
		c = 0;
		for (j = 0; j < 4; j++) {
			w = (u128)a[j] * b[i] + t[j] + c;
			t[j] = (uint64_t)w;
			c = (uint64_t)(w >> 64);
		}
		w = (u128)t[4] + c;
		t[4] = (uint64_t)w;
		hi = (uint64_t)(w >> 64);

		q = t[0] * m0inv;
		w = (u128)q * m[0] + t[0];
		c = (uint64_t)(w >> 64);
		for (j = 1; j < 4; j++) {
			w = (u128)q * m[j] + t[j] + c;
			t[j - 1] = (uint64_t)w;
			c = (uint64_t)(w >> 64);
		}
		w = (u128)t[4] + c;
		t[3] = (uint64_t)w;
		t[4] = hi + (uint64_t)(w >> 64);
	}
	cond_sub(r, t, t[4], m);
}

/* ---- field mod p (Montgomery form)
 *
 * The field operations are written out for p's shape: p[0] = 2^64 - 1 makes
 * -p^-1 mod 2^64 = 1, so each Montgomery quotient digit is the low limb
 * itself, and p[2] = 0 drops a multiplication per reduction round.
 */

#define P1 0x00000000ffffffffULL	/* p[1] */
#define P3 0xffffffff00000001ULL	/* p[3]; p[0] = 2^64 - 1, p[2] = 0 */

static inline uint64_t adc(uint64_t a, uint64_t b, uint64_t *c)
{
	u128 w = (u128)a + b + *c;

	*c = (uint64_t)(w >> 64);
	return (uint64_t)w;
}

static inline uint64_t sbb(uint64_t a, uint64_t b, uint64_t *br)
{
	u128 w = (u128)a - b - *br;

	*br = (uint64_t)(w >> 64) & 1;
	return (uint64_t)w;
}

/* t + a * b + *c, carry out in *c; cannot overflow 128 bits. */
static inline uint64_t mac(uint64_t t, uint64_t a, uint64_t b, uint64_t *c)
{
	u128 w = (u128)a * b + t + *c;

	*c = (uint64_t)(w >> 64);
	return (uint64_t)w;
}

/* r = (hi:t0..t3) mod p for a value below 2p: subtract, then mask-select. */
static inline void fe_cond_sub(uint64_t r[4], uint64_t t0, uint64_t t1,
			       uint64_t t2, uint64_t t3, uint64_t hi)
{
	uint64_t br = 0, d0, d1, d2, d3, keep;

	d0 = sbb(t0, ~0ULL, &br);
	d1 = sbb(t1, P1, &br);
	d2 = sbb(t2, 0, &br);
	d3 = sbb(t3, P3, &br);
	keep = 0 - (br & (hi ^ 1));
	r[0] = (t0 & keep) | (d0 & ~keep);
	r[1] = (t1 & keep) | (d1 & ~keep);
	r[2] = (t2 & keep) | (d2 & ~keep);
	r[3] = (t3 & keep) | (d3 & ~keep);
}

/*
 * One Montgomery reduction round on (t0..t4) with quotient q = t0: adds
 * q * p, which clears t0 (t0 + q (2^64 - 1) = q 2^64, hence carry q), and
 * folds the carry out of t4 into *cc for the next round.
 */
#define FE_REDC_ROUND(t0, t1, t2, t3, t4, cc)				\
	do {								\
		uint64_t q_ = (t0), c_ = q_;				\
		(t1) = mac((t1), q_, P1, &c_);				\
		(t2) = adc((t2), 0, &c_);				\
		(t3) = mac((t3), q_, P3, &c_);				\
		(t4) = adc((t4), c_, &(cc));				\
	} while (0)

/*
 * r = a * b * 2^-256 mod p: schoolbook 512-bit product, then four reduction
 * rounds (separated operand scanning, Koc-Acar-Kaliski 1996). The result is
 * below 2p before the final conditional subtraction.
 */
static inline void fe_mul(uint64_t r[4], const uint64_t a[4],
			  const uint64_t b[4])
{
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, c, cc = 0;
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];

	c = 0;
	t0 = mac(0, a0, b[0], &c);
	t1 = mac(0, a1, b[0], &c);
	t2 = mac(0, a2, b[0], &c);
	t3 = mac(0, a3, b[0], &c);
	t4 = c;
	c = 0;
	t1 = mac(t1, a0, b[1], &c);
	t2 = mac(t2, a1, b[1], &c);
	t3 = mac(t3, a2, b[1], &c);
	t4 = mac(t4, a3, b[1], &c);
	t5 = c;
	c = 0;
	t2 = mac(t2, a0, b[2], &c);
	t3 = mac(t3, a1, b[2], &c);
	t4 = mac(t4, a2, b[2], &c);
	t5 = mac(t5, a3, b[2], &c);
	t6 = c;
	c = 0;
	t3 = mac(t3, a0, b[3], &c);
	t4 = mac(t4, a1, b[3], &c);
	t5 = mac(t5, a2, b[3], &c);
	t6 = mac(t6, a3, b[3], &c);
	t7 = c;

	FE_REDC_ROUND(t0, t1, t2, t3, t4, cc);
	FE_REDC_ROUND(t1, t2, t3, t4, t5, cc);
	FE_REDC_ROUND(t2, t3, t4, t5, t6, cc);
	FE_REDC_ROUND(t3, t4, t5, t6, t7, cc);
	fe_cond_sub(r, t4, t5, t6, t7, cc);
}

static inline void fe_sqr(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, a);
}

static inline void fe_add(uint64_t r[4], const uint64_t a[4],
			  const uint64_t b[4])
{
	uint64_t c = 0, t0, t1, t2, t3;

	t0 = adc(a[0], b[0], &c);
	t1 = adc(a[1], b[1], &c);
	t2 = adc(a[2], b[2], &c);
	t3 = adc(a[3], b[3], &c);
	fe_cond_sub(r, t0, t1, t2, t3, c);
}

/* r = a - b mod p: subtract, then add p under the borrow mask. */
static inline void fe_sub(uint64_t r[4], const uint64_t a[4],
			  const uint64_t b[4])
{
	uint64_t br = 0, c = 0, m, t0, t1, t2, t3;

	t0 = sbb(a[0], b[0], &br);
	t1 = sbb(a[1], b[1], &br);
	t2 = sbb(a[2], b[2], &br);
	t3 = sbb(a[3], b[3], &br);
	m = 0 - br;
	r[0] = adc(t0, m, &c);
	r[1] = adc(t1, m & P1, &c);
	r[2] = adc(t2, 0, &c);
	r[3] = adc(t3, m & P3, &c);
}

/* r = a^(p-2) = a^-1 (Fermat; 0 maps to 0). Branches on exponent bits only. */
static void fe_inv(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t pm2[4] = {
		0xfffffffffffffffdULL, 0x00000000ffffffffULL,
		0x0000000000000000ULL, 0xffffffff00000001ULL,
	};
	uint64_t x[4];
	int i;

	limbs_copy(x, p256_onep);
	for (i = 255; i >= 0; i--) {
		fe_sqr(x, x);
		if ((pm2[i / 64] >> (i % 64)) & 1)
			fe_mul(x, x, a);
	}
	limbs_copy(r, x);
	crypto_wipe(x, sizeof(x));
}

/* Big-endian bytes to limbs, no reduction. */
static void limbs_from_be(uint64_t r[4], const uint8_t in[32])
{
	int i, j;

	for (i = 0; i < 4; i++) {
		uint64_t v = 0;

		for (j = 0; j < 8; j++)
			v = (v << 8) | in[(3 - i) * 8 + j];
		r[i] = v;
	}
}

static void limbs_to_be(uint8_t out[32], const uint64_t a[4])
{
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
}

static void fe_to_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, p256_r2p);
}

static void fe_from_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, p256_one);
}

/* ---- scalars mod n */

void p256_sc_from_bytes(uint64_t r[4], const uint8_t in[32])
{
	limbs_from_be(r, in);
}

void p256_sc_to_bytes(uint8_t out[32], const uint64_t a[4])
{
	limbs_to_be(out, a);
}

int p256_sc_is_valid(const uint64_t a[4])
{
	return (int)(limbs_lt(a, p256_n) & (limbs_is_zero(a) ^ 1));
}

void p256_sc_reduce(uint64_t r[4], const uint64_t a[4])
{
	cond_sub(r, a, 0, p256_n);
}

void p256_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	mod_add(r, a, b, p256_n);
}

void p256_sc_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[4];

	/* (a b R^-1) R^2 R^-1 = a b. */
	mont_mul(t, a, b, p256_n, P256_N0INV);
	mont_mul(r, t, p256_r2n, p256_n, P256_N0INV);
	crypto_wipe(t, sizeof(t));
}

/* r = a^(n-2) = a^-1 mod n (Fermat); branches on exponent bits only. */
void p256_sc_inv(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t nm2[4] = {
		0xf3b9cac2fc63254fULL, 0xbce6faada7179e84ULL,
		0xffffffffffffffffULL, 0xffffffff00000000ULL,
	};
	uint64_t am[4], x[4];
	int i;

	mont_mul(am, a, p256_r2n, p256_n, P256_N0INV);
	limbs_copy(x, p256_onen);
	for (i = 255; i >= 0; i--) {
		mont_mul(x, x, x, p256_n, P256_N0INV);
		if ((nm2[i / 64] >> (i % 64)) & 1)
			mont_mul(x, x, am, p256_n, P256_N0INV);
	}
	mont_mul(r, x, p256_one, p256_n, P256_N0INV);
	crypto_wipe(am, sizeof(am));
	crypto_wipe(x, sizeof(x));
}

/* ---- points */

static void pt_set_inf(struct p256_pt *r)
{
	memset(r->x, 0, sizeof(r->x));
	limbs_copy(r->y, p256_onep);
	memset(r->z, 0, sizeof(r->z));
}

/*
 * r = a + b, complete for all inputs including a == b and infinity
 * (Renes-Costello-Batina 2015/1060 algorithm 4, a = -3). r may alias a or b.
 */
static void pt_add(struct p256_pt *r, const struct p256_pt *a,
		   const struct p256_pt *b)
{
	uint64_t t0[4], t1[4], t2[4], t3[4], t4[4], x3[4], y3[4], z3[4];

	fe_mul(t0, a->x, b->x);
	fe_mul(t1, a->y, b->y);
	fe_mul(t2, a->z, b->z);
	fe_add(t3, a->x, a->y);
	fe_add(t4, b->x, b->y);
	fe_mul(t3, t3, t4);
	fe_add(t4, t0, t1);
	fe_sub(t3, t3, t4);		/* X1 Y2 + X2 Y1 */
	fe_add(t4, a->y, a->z);
	fe_add(x3, b->y, b->z);
	fe_mul(t4, t4, x3);
	fe_add(x3, t1, t2);
	fe_sub(t4, t4, x3);		/* Y1 Z2 + Y2 Z1 */
	fe_add(x3, a->x, a->z);
	fe_add(y3, b->x, b->z);
	fe_mul(x3, x3, y3);
	fe_add(y3, t0, t2);
	fe_sub(y3, x3, y3);		/* X1 Z2 + X2 Z1 */
	fe_mul(z3, p256_bm, t2);
	fe_sub(x3, y3, z3);
	fe_add(z3, x3, x3);
	fe_add(x3, x3, z3);
	fe_sub(z3, t1, x3);
	fe_add(x3, t1, x3);
	fe_mul(y3, p256_bm, y3);
	fe_add(t1, t2, t2);
	fe_add(t2, t1, t2);
	fe_sub(y3, y3, t2);
	fe_sub(y3, y3, t0);
	fe_add(t1, y3, y3);
	fe_add(y3, t1, y3);
	fe_add(t1, t0, t0);
	fe_add(t0, t1, t0);
	fe_sub(t0, t0, t2);
	fe_mul(t1, t4, y3);
	fe_mul(t2, t0, y3);
	fe_mul(y3, x3, z3);
	fe_add(y3, y3, t2);
	fe_mul(x3, t3, x3);
	fe_sub(x3, x3, t1);
	fe_mul(z3, t4, z3);
	fe_mul(t1, t3, t0);
	fe_add(z3, z3, t1);

	limbs_copy(r->x, x3);
	limbs_copy(r->y, y3);
	limbs_copy(r->z, z3);
}

/* r = 2a (Renes-Costello-Batina 2015/1060 algorithm 6, a = -3). */
static void pt_dbl(struct p256_pt *r, const struct p256_pt *a)
{
	uint64_t t0[4], t1[4], t2[4], t3[4], x3[4], y3[4], z3[4];

	fe_sqr(t0, a->x);
	fe_sqr(t1, a->y);
	fe_sqr(t2, a->z);
	fe_mul(t3, a->x, a->y);
	fe_add(t3, t3, t3);
	fe_mul(z3, a->x, a->z);
	fe_add(z3, z3, z3);
	fe_mul(y3, p256_bm, t2);
	fe_sub(y3, y3, z3);
	fe_add(x3, y3, y3);
	fe_add(y3, x3, y3);
	fe_sub(x3, t1, y3);
	fe_add(y3, t1, y3);
	fe_mul(y3, x3, y3);
	fe_mul(x3, x3, t3);
	fe_add(t3, t2, t2);
	fe_add(t2, t2, t3);
	fe_mul(z3, p256_bm, z3);
	fe_sub(z3, z3, t2);
	fe_sub(z3, z3, t0);
	fe_add(t3, z3, z3);
	fe_add(z3, z3, t3);
	fe_add(t3, t0, t0);
	fe_add(t0, t3, t0);
	fe_sub(t0, t0, t2);
	fe_mul(t0, t0, z3);
	fe_add(y3, y3, t0);
	fe_mul(t0, a->y, a->z);
	fe_add(t0, t0, t0);
	fe_mul(z3, t0, z3);
	fe_sub(x3, x3, z3);
	fe_mul(z3, t0, t1);
	fe_add(z3, z3, z3);
	fe_add(z3, z3, z3);

	limbs_copy(r->x, x3);
	limbs_copy(r->y, y3);
	limbs_copy(r->z, z3);
}

/* tab[i] = i * p for i in 0..15. */
static void pt_table(struct p256_pt tab[16], const struct p256_pt *p)
{
	int i;

	pt_set_inf(&tab[0]);
	tab[1] = *p;
	for (i = 2; i < 16; i++) {
		if (i & 1)
			pt_add(&tab[i], &tab[i - 1], p);
		else
			pt_dbl(&tab[i], &tab[i / 2]);
	}
}

/*
 * r = comb[idx] as a projective point without an idx-dependent load: every
 * entry is read and one kept by mask. Entry 0 gets Z = 0 (infinity).
 */
static void comb_select(struct p256_pt *r, uint64_t idx)
{
	uint64_t *o = (uint64_t *)r, nz = ct_nz_mask(idx);
	int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 16; i++) {
		const uint64_t *s = (const uint64_t *)&p256_comb[i];
		uint64_t m = ~ct_nz_mask((uint64_t)i ^ idx);

		for (j = 0; j < 8; j++)
			o[j] |= s[j] & m;
	}
	for (j = 0; j < 4; j++)
		r->z[j] = p256_onep[j] & nz;
}

/* 4-bit window digit w (0 = least significant) of scalar k. */
static inline uint64_t sc_digit(const uint64_t k[4], int w)
{
	return (k[w / 16] >> ((w % 16) * 4)) & 15;
}

/* Comb index at bit i: bits i, i+64, i+128, i+192 of k. */
static inline uint64_t comb_index(const uint64_t k[4], int i)
{
	return ((k[0] >> i) & 1) | (((k[1] >> i) & 1) << 1) |
	       (((k[2] >> i) & 1) << 2) | (((k[3] >> i) & 1) << 3);
}

/*
 * r = k G, constant time in k: 64 rounds of one doubling and one complete
 * addition of a masked table entry, whatever the bits of k.
 */
static void pt_mul_base_ct(struct p256_pt *r, const uint64_t k[4])
{
	struct p256_pt q, t;
	int i;

	pt_set_inf(&q);
	for (i = 63; i >= 0; i--) {
		pt_dbl(&q, &q);
		comb_select(&t, comb_index(k, i));
		pt_add(&q, &q, &t);
	}
	*r = q;
	crypto_wipe(&q, sizeof(q));
	crypto_wipe(&t, sizeof(t));
}

/* Affine coordinates out of Montgomery form; -1 for the point at infinity. */
static int pt_to_affine(uint64_t x[4], uint64_t y[4], const struct p256_pt *a)
{
	uint64_t zi[4];
	int inf = (int)limbs_is_zero(a->z);

	fe_inv(zi, a->z);
	fe_mul(x, a->x, zi);
	fe_mul(y, a->y, zi);
	fe_from_mont(x, x);
	fe_from_mont(y, y);
	crypto_wipe(zi, sizeof(zi));
	return inf ? -1 : 0;
}

int p256_mul_base(const uint64_t k[4], uint8_t out[64])
{
	struct p256_pt q;
	uint64_t x[4], y[4];
	int ret;

	pt_mul_base_ct(&q, k);
	ret = pt_to_affine(x, y, &q);
	limbs_to_be(out, x);
	limbs_to_be(out + 32, y);
	crypto_wipe(&q, sizeof(q));
	crypto_wipe(x, sizeof(x));
	crypto_wipe(y, sizeof(y));
	return ret;
}

/* ---- public keys (public data: nothing here needs to be constant time) */

/*
 * Decode 0x04||X||Y into a projective point and check it, following the
 * public key validation of SEC 1 v2 3.2.2.1 steps 1-3 (step 4, nQ = O, is
 * implied because P-256 has cofactor 1). The encoding cannot express the
 * point at infinity, so an all-zero key fails the prefix and curve checks.
 */
static int pt_decode(struct p256_pt *r, const uint8_t pub[65])
{
	uint64_t x[4], y[4], lhs[4], rhs[4], t[4];

	if (pub[0] != 0x04)
		return -1;
	limbs_from_be(x, pub + 1);
	limbs_from_be(y, pub + 33);
	if (!limbs_lt(x, p256_p) || !limbs_lt(y, p256_p))
		return -1;
	fe_to_mont(x, x);
	fe_to_mont(y, y);
	/* y^2 = x^3 - 3x + b (FIPS 186-4 D.1.2.3). */
	fe_sqr(lhs, y);
	fe_sqr(rhs, x);
	fe_mul(rhs, rhs, x);
	fe_add(t, x, x);
	fe_add(t, t, x);
	fe_sub(rhs, rhs, t);
	fe_add(rhs, rhs, p256_bm);
	if (!crypto_memeq(lhs, rhs, sizeof(lhs)))
		return -1;
	limbs_copy(r->x, x);
	limbs_copy(r->y, y);
	limbs_copy(r->z, p256_onep);
	return 0;
}

int p256_check_pubkey(const uint8_t pub[65])
{
	struct p256_pt q;

	return pt_decode(&q, pub);
}

int p256_mul2_vartime(const uint64_t u1[4], const uint64_t u2[4],
		      const uint8_t pub[65], uint8_t x[32])
{
	struct p256_pt q, tq[16], acc, t;
	uint64_t ax[4], ay[4], d;
	int i, started = 0;

	if (pt_decode(&q, pub))
		return -1;
	pt_table(tq, &q);
	/*
	 * One shared chain of doublings (Shamir's trick), read bit by bit:
	 * u2's 4-bit window digit enters at bit 4w, and in the last 64 rounds
	 * u1's comb index enters, picking up bits i, i+64, i+128, i+192.
	 */
	pt_set_inf(&acc);
	for (i = 255; i >= 0; i--) {
		if (started)
			pt_dbl(&acc, &acc);
		if (i % 4 == 0) {
			d = sc_digit(u2, i / 4);
			if (d) {
				pt_add(&acc, &acc, &tq[d]);
				started = 1;
			}
		}
		if (i < 64) {
			d = comb_index(u1, i);
			if (d) {
				limbs_copy(t.x, p256_comb[d].x);
				limbs_copy(t.y, p256_comb[d].y);
				limbs_copy(t.z, p256_onep);
				pt_add(&acc, &acc, &t);
				started = 1;
			}
		}
	}
	if (pt_to_affine(ax, ay, &acc))
		return -1;
	limbs_to_be(x, ax);
	return 0;
}

/* ---- key pairs */

/*
 * Overwrite the stack below the caller's frame, where the callees of a
 * secret computation spilled their temporaries. P256_STACK_WIPE covers the
 * deepest such chain (p256_mul_base -> pt_add -> fe_mul, about 1.5 KiB with
 * gcc -O2 -fstack-usage) with margin.
 */
#define P256_STACK_WIPE 2048

__attribute__((noinline)) void p256_stack_wipe(void)
{
	uint8_t buf[P256_STACK_WIPE];

	crypto_wipe(buf, sizeof(buf));
}

int p256_pubkey(const uint8_t priv[32], uint8_t pub[65])
{
	uint64_t d[4];
	int ret = -1;

	p256_sc_from_bytes(d, priv);
	if (p256_sc_is_valid(d)) {
		pub[0] = 0x04;
		ret = p256_mul_base(d, pub + 1);
	}
	crypto_wipe(d, sizeof(d));
	p256_stack_wipe();
	return ret;
}

/*
 * FIPS 186-4 B.4.2 (testing candidates): candidate c from the seed, retry
 * while c > n - 2, then d = c + 1. Candidates are HMAC-SHA-256(seed,
 * label || counter), so a seed always maps to the same key. A candidate is
 * rejected with probability about 2^-32, so 64 tries never run out in
 * practice; if they do, fail rather than bias the key.
 */
int p256_keygen(const uint8_t seed[32], uint8_t priv[32], uint8_t pub[65])
{
	static const uint8_t label[] = "P-256 key generation B.4.2";
	static const uint64_t nm1[4] = {
		0xf3b9cac2fc632550ULL, 0xbce6faada7179e84ULL,
		0xffffffffffffffffULL, 0xffffffff00000000ULL,
	};
	struct hmac_sha256_ctx h;
	uint8_t cb[32], ctr;
	uint64_t c[4], ok, carry;
	u128 w;
	int i, j, ret = -1;

	for (i = 0; i < 64 && ret; i++) {
		ctr = (uint8_t)i;
		hmac_sha256_init(&h, seed, 32);
		hmac_sha256_update(&h, label, sizeof(label) - 1);
		hmac_sha256_update(&h, &ctr, 1);
		hmac_sha256_final(&h, cb);
		limbs_from_be(c, cb);
		ok = limbs_lt(c, nm1);		/* c <= n - 2 */
		if (!ok)
			continue;
		/* d = c + 1 cannot overflow since c < n - 1. */
		carry = 1;
		for (j = 0; j < 4; j++) {
			w = (u128)c[j] + carry;
			c[j] = (uint64_t)w;
			carry = (uint64_t)(w >> 64);
		}
		limbs_to_be(priv, c);
		ret = p256_pubkey(priv, pub);
	}
	crypto_wipe(&h, sizeof(h));
	crypto_wipe(cb, sizeof(cb));
	crypto_wipe(c, sizeof(c));
	return ret;
}
