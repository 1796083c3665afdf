// SPDX-License-Identifier: GPL-2.0
/*
 * ramscan: a hostile guest kernel module that reads every page of guest RAM
 * the OS has (pfn_valid and RAM) looking for a 32-byte secret, and reports
 * how many copies it saw. The secret is derived from `seed` the way
 * tests/guest/libos-secret-prog.c derives it at run time, so no copy exists
 * anywhere but in that program's memory (and this module's own buffer,
 * which is not counted). Loading always succeeds; the verdict is the
 * "ramscan: ... hits" line (tests/guest/libos-secret.sh).
 */
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned long seed;
module_param(seed, ulong, 0444);

#define SECRET_LEN 32

/* Same generator as the program's (a 64-bit LCG, top byte per step). */
static void make_secret(unsigned long s, unsigned char *out)
{
	u64 x = s;
	int i;

	for (i = 0; i < SECRET_LEN; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		out[i] = (unsigned char)(x >> 56);
	}
}

static int __init ramscan_init(void)
{
	unsigned char *pat = kmalloc(SECRET_LEN, GFP_KERNEL);
	unsigned long pfn, own, scanned = 0, hits = 0;
	u64 first;

	if (!pat)
		return -ENOMEM;
	make_secret(seed, pat);
	memcpy(&first, pat, 8);
	own = virt_to_phys(pat) >> PAGE_SHIFT;
	/* 64-bit: all RAM is in the direct map, which ends at high_memory. */
	for (pfn = 0; pfn < (unsigned long)(virt_to_phys(high_memory) >> PAGE_SHIFT); pfn++) {
		struct page *pg;
		unsigned char *p;
		unsigned int off;

		if (!pfn_valid(pfn) || !page_is_ram(pfn) || pfn == own)
			continue;
		pg = pfn_to_page(pfn);
		p = kmap_local_page(pg);
		for (off = 0; off + SECRET_LEN <= PAGE_SIZE; off += 8)
			if (*(u64 *)(p + off) == first && !memcmp(p + off, pat, SECRET_LEN))
				hits++;
		kunmap_local(p);
		scanned++;
		if (!(pfn & 0xfff))
			cond_resched();
	}
	pr_info("ramscan: seed %lu: %lu hits in %lu pages of RAM\n", seed, hits, scanned);
	memset(pat, 0, SECRET_LEN);
	kfree(pat);
	return 0;
}

static void __exit ramscan_exit(void)
{
}

module_init(ramscan_init);
module_exit(ramscan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("in-guest test: count copies of a secret in all guest RAM");
