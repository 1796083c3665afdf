/* A deterministic generator for the differential tests (splitmix64), so a
 * failure reproduces. TEST_RNG_DEFINE(seed) defines rng_next(),
 * rng_below() and rng_fill() for one test file. */
#ifndef TESTS_TESTRNG_H
#define TESTS_TESTRNG_H

#include <stddef.h>
#include <stdint.h>

#define TEST_RNG_DEFINE(seed)							\
	static uint64_t rng_state = (seed);					\
	static inline uint64_t rng_next(void)					\
	{									\
		uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);		\
										\
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;			\
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;			\
		return z ^ (z >> 31);						\
	}									\
	static inline size_t rng_below(size_t n)				\
	{									\
		return (size_t)(rng_next() % n);				\
	}									\
	static inline void rng_fill(uint8_t *p, size_t n)			\
	{									\
		while (n--)							\
			*p++ = (uint8_t)rng_next();				\
	}

#endif
