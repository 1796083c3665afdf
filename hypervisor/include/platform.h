/* The few services the vendor-neutral core needs from its surroundings.
 * Implemented for bare metal (hypervisor/core/palloc.c, console.c) and by
 * fakes in tests/unit/ for host unit tests. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "types.h"

/* One zeroed 4 KiB page, or NULL when the pool is exhausted.  page_free()
 * zeroes the page before it goes back: nothing it held survives the free. */
void *page_alloc(void);
void page_free(void *page);
/* The hypervisor identity-maps physical memory; host fakes translate. */
u64 virt_to_phys(const void *va);
void *phys_to_virt(u64 pa);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
