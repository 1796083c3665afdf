/* emulators: none (a helper: tests/guest/libos-secret.sh runs it) */
/* libos-secret-prog SEED SECONDS: derives a 32-byte secret from SEED at run
 * time (no copy in the file or its arguments), keeps it in its heap and on
 * its stack, prints "ready", sleeps, checks both copies and exits 0 if
 * they are intact. The same generator is in tests/guest/kmod/ramscan.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_LEN 32

static void make_secret(unsigned long s, volatile unsigned char *out)
{
	unsigned long long x = s;
	int i;

	for (i = 0; i < SECRET_LEN; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		out[i] = (unsigned char)(x >> 56);
	}
}

int main(int argc, char **argv)
{
	volatile unsigned char stack_copy[64] __attribute__((aligned(16)));
	unsigned char check[SECRET_LEN];
	volatile unsigned char *heap;
	unsigned long seed;
	int i, bad = 0;

	if (argc != 3)
		return 2;
	seed = strtoul(argv[1], NULL, 0);
	heap = malloc(4096);
	if (!heap)
		return 3;
	make_secret(seed, heap + 64);
	make_secret(seed, stack_copy + 16);
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[2]));
	make_secret(seed, check);
	for (i = 0; i < SECRET_LEN; i++)
		bad |= heap[64 + i] != check[i] || stack_copy[16 + i] != check[i];
	memset(check, 0, sizeof(check));
	printf(bad ? "changed\n" : "intact\n");
	return bad;
}
