/* Host implementation of platform.h for the unit tests (see
 * fake_platform.h); memset/memcpy/memmove/memcmp come from libc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "support/fake_platform.h"

static unsigned long live, allocs, failures;
static unsigned long fail_at;		/* allocs value that fails, 0 = off */
static bool fail_sticky;

static u8 *mem_buf;
static u64 mem_base, mem_size;

static void fake_die(const char *what)
{
	fprintf(stderr, "fake_platform: %s\n", what);
	abort();
}

void fake_fail_alloc(unsigned long nth, bool sticky)
{
	fail_at = nth ? allocs + nth : 0;
	fail_sticky = sticky;
}

unsigned long fake_pages_live(void)
{
	return live;
}

unsigned long fake_allocs(void)
{
	return allocs;
}

unsigned long fake_alloc_failures(void)
{
	return failures;
}

void *page_alloc(void)
{
	void *p;

	allocs++;
	if (fail_at && (allocs == fail_at || (fail_sticky && allocs > fail_at))) {
		failures++;
		return NULL;
	}
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		fake_die("out of host memory");
	memset(p, 0, PAGE_SIZE);
	live++;
	return p;
}

void page_free(void *page)
{
	if (!page)
		return;
	if ((uintptr_t)page & (PAGE_SIZE - 1))
		fake_die("page_free of an unaligned pointer");
	if (!live)
		fake_die("page_free with no live pages");
	live--;
	/* Poison first so a use after free is visible even without ASan. */
	memset(page, 0x6b, PAGE_SIZE);
	free(page);
}

int fake_mem_init(u64 base, u64 size)
{
	if (mem_buf || !size || (base | size) & (PAGE_SIZE - 1))
		return -1;
	mem_buf = aligned_alloc(PAGE_SIZE, size);
	if (!mem_buf)
		return -1;
	memset(mem_buf, 0, size);
	mem_base = base;
	mem_size = size;
	return 0;
}

void fake_mem_fini(void)
{
	free(mem_buf);
	mem_buf = NULL;
	mem_base = mem_size = 0;
}

void *fake_mem(u64 pa)
{
	if (!mem_buf || pa < mem_base || pa - mem_base >= mem_size)
		return NULL;
	return mem_buf + (pa - mem_base);
}

void *phys_to_virt(u64 pa)
{
	void *p = fake_mem(pa);

	return p ? p : (void *)(uintptr_t)pa;
}

u64 virt_to_phys(const void *va)
{
	const u8 *p = va;

	if (mem_buf && p >= mem_buf && p < mem_buf + mem_size)
		return mem_base + (u64)(p - mem_buf);
	return (u64)(uintptr_t)va;
}
