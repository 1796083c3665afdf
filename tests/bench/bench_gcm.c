/* Benchmark: AES-256-GCM seal throughput of our constant-time code against
 * OpenSSL's EVP (AES-NI where present), 16 MiB in 16 KiB messages. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/gcm.h"

#define MSG_SIZE (16 * 1024)
#define PASS_BYTES (16 * 1024 * 1024)
#define MIN_SECONDS 0.5

static uint8_t msg[MSG_SIZE], out[MSG_SIZE + 16];
static volatile uint8_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The IV changes per message, as it must in real use. */
static void next_iv(uint8_t iv[12], uint64_t n)
{
	memset(iv, 0, 12);
	memcpy(iv + 4, &n, sizeof(n));
}

static void pass_ours(const struct gcm_ctx *g, uint64_t *n)
{
	uint8_t iv[12], tag[16], aad[16] = { 0 };
	size_t done;

	for (done = 0; done < PASS_BYTES; done += MSG_SIZE) {
		next_iv(iv, (*n)++);
		if (gcm_seal(g, iv, sizeof(iv), aad, sizeof(aad), msg, MSG_SIZE,
			     out, tag)) {
			fprintf(stderr, "bench_gcm: gcm_seal failed\n");
			exit(1);
		}
		sink ^= tag[0];
	}
}

static void pass_openssl(EVP_CIPHER_CTX *x, const uint8_t key[32],
			 uint64_t *n)
{
	uint8_t iv[12], tag[16], aad[16] = { 0 };
	size_t done;
	int l;

	for (done = 0; done < PASS_BYTES; done += MSG_SIZE) {
		int ok;

		next_iv(iv, (*n)++);
		ok = EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, iv) &&
		     EVP_EncryptUpdate(x, NULL, &l, aad, sizeof(aad)) &&
		     EVP_EncryptUpdate(x, out, &l, msg, MSG_SIZE) &&
		     EVP_EncryptFinal_ex(x, out + l, &l) &&
		     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag) > 0;
		if (!ok) {
			fprintf(stderr, "bench_gcm: OpenSSL failed\n");
			exit(1);
		}
		sink ^= tag[0];
	}
}

int main(void)
{
	uint8_t key[32];
	struct gcm_ctx g;
	EVP_CIPHER_CTX *x;
	double t0, t, ours, ossl;
	uint64_t n = 0, bytes;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;

	gcm_init(&g, key);
	pass_ours(&g, &n);		/* warm-up */
	bytes = 0;
	t0 = now();
	do {
		pass_ours(&g, &n);
		bytes += PASS_BYTES;
		t = now() - t0;
	} while (t < MIN_SECONDS);
	ours = (double)bytes / t / 1e6;
	gcm_wipe(&g);

	x = EVP_CIPHER_CTX_new();
	if (!x)
		return 1;
	pass_openssl(x, key, &n);	/* warm-up */
	bytes = 0;
	t0 = now();
	do {
		pass_openssl(x, key, &n);
		bytes += PASS_BYTES;
		t = now() - t0;
	} while (t < MIN_SECONDS);
	ossl = (double)bytes / t / 1e6;
	EVP_CIPHER_CTX_free(x);

	printf("bench aes256-gcm: ours %.1f MB/s, openssl %.1f MB/s, "
	       "ratio %.2f\n", ours, ossl, ours / ossl);
	return 0;
}
