/* Hex digits (attest/hex.h). */
#include "hex.h"

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_byte(const char *p)
{
	int a = hex_digit(p[0]), b;

	if (a < 0)
		return -1;
	b = hex_digit(p[1]);
	return b < 0 ? -1 : a << 4 | b;
}
