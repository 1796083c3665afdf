/* Wiping and constant-time comparison for the crypto library. */
#include "util.h"

void crypto_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

int crypto_memeq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint32_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (uint32_t)(x[i] ^ y[i]);
	/* d in [0,255]: (d - 1) >> 8 is 1 only when d == 0. */
	return (int)(((d - 1) >> 8) & 1);
}
