/* Host stand-in for hypervisor/include/platform.h, linked into every unit
 * test: counted page allocator with failure injection, fake physical RAM. */
#ifndef TESTS_FAKE_PLATFORM_H
#define TESTS_FAKE_PLATFORM_H

#include <stdbool.h>
#include "types.h"

/*
 * page_alloc() hands out zeroed, 4 KiB aligned host pages; their "physical"
 * address is the host pointer itself.  fake_fail_alloc(nth, sticky) makes
 * the nth page_alloc() from now (1-based) return NULL, and with sticky
 * every later one too; nth == 0 turns injection off.
 */
void fake_fail_alloc(unsigned long nth, bool sticky);
unsigned long fake_pages_live(void);	/* allocated and not yet freed */
unsigned long fake_allocs(void);	/* page_alloc() calls, failed included */
unsigned long fake_alloc_failures(void);	/* NULLs returned so far */

/*
 * Fake physical memory: [base, base + size) is backed by a host buffer and
 * phys_to_virt()/virt_to_phys() translate into/out of it; every other
 * address translates as identity.  Returns 0 or -1.
 */
int fake_mem_init(u64 base, u64 size);
void fake_mem_fini(void);
void *fake_mem(u64 pa);			/* NULL outside the fake memory */

#endif
