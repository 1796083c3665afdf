/* The freestanding string functions of the hypervisor and of the libOS:
 * one source, compiled by both builds (hypervisor/build.mk,
 * libos/build.mk) with their own flags. Any mode, 64-bit. General
 * registers only, so the libOS never touches a program's SSE state, and
 * no loop here that the compiler could turn back into a call to memcpy or
 * memset. The copies use REP MOVSB/STOSB, which need DF = 0: the
 * hypervisor's and the libOS's entry stubs clear it (CLD). */
#include <stddef.h>

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strlcpy(char *d, const char *s, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;

	__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;

	__asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

/* A forward copy is right whenever the destination does not start inside
 * the source (REP MOVSB moves one byte after the other, SDM Vol. 2B
 * "MOVS"); otherwise copy from the end. */
void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Copies at most n - 1 bytes and always terminates (if n > 0); returns
 * strlen(s), so a result >= n means the copy was cut. */
size_t strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (n) {
		size_t c = len < n - 1 ? len : n - 1;

		memcpy(d, s, c);
		d[c] = 0;
	}
	return len;
}
