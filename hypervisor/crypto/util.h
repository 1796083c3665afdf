/* Helpers for secret-handling code: wiping and constant-time comparison.
 * Freestanding; used by the hypervisor and by host tests. */
#ifndef CRYPTO_UTIL_H
#define CRYPTO_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Zero n bytes in a way the compiler may not elide. */
void crypto_wipe(void *p, size_t n);
/* 1 if equal, 0 otherwise; time depends only on n. */
int crypto_memeq(const void *a, const void *b, size_t n);

#endif
