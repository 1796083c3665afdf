// SPDX-License-Identifier: GPL-2.0
/*
 * hvprobe: a deliberately hostile guest kernel module. It maps the
 * hypervisor's physical memory (image and page pool, whose addresses the
 * hypervisor reports), reads it looking for the image's multiboot2 header
 * and overwrites all of it. Every blocked page is the one sink page
 * (docs/hypervisor.md), so every word of every page after the first must
 * read exactly the fill this module wrote into the page before it; and the
 * blocked counter must grow by exactly one per page (pages first touched).
 * Loading succeeds (the test passes) only when nothing of the hypervisor
 * was visible and the hypervisor still answers.
 */
#include <linux/io.h>
#include <linux/module.h>

#include "hv/hvcall.h"

#define MB2_MAGIC 0xe85250d6u

static int kind;

static long long hv(u64 nr, u64 arg, struct hvcall *h)
{
	memset(h, 0, sizeof(*h));
	h->rax = nr;
	h->rbx = arg;
	return hvc_call(kind, h);
}

static u32 fill;		/* what the last page was overwritten with; 0: none yet */
static u64 not_sink;	/* words that did not read as the sink */

/* Read then overwrite [base, base + size); count words that look like ours
 * and words that are not the sink's (the previous page's fill). */
static int attack(u64 base, u64 size, u32 *seen_magic)
{
	u64 off;
	unsigned int k;

	for (off = 0; off < size; off += PAGE_SIZE) {
		u32 *p = memremap(base + off, PAGE_SIZE, MEMREMAP_WB);

		if (!p) {
			pr_err("hvprobe: memremap %llx failed\n", base + off);
			return -ENOMEM;
		}
		for (k = 0; k < PAGE_SIZE / 4; k++) {
			u32 w = READ_ONCE(p[k]);

			if (w == MB2_MAGIC)
				(*seen_magic)++;
			if (fill && w != fill && not_sink++ < 4)
				pr_err("hvprobe: %llx word %u reads %08x, the sink holds %08x\n",
				       base + off, k, w, fill);
		}
		fill = 0xcc000000u | (u32)((off >> PAGE_SHIFT) & 0xffffff);
		for (k = 0; k < PAGE_SIZE / 4; k++)
			WRITE_ONCE(p[k], fill);
		memunmap(p);
	}
	return 0;
}

static int __init hvprobe_init(void)
{
	u64 img, img_size, pool, pool_size, blocked0, blocked1;
	struct hvcall h;
	u32 magic = 0;
	int err;

	kind = hvc_detect();
	if (!kind) {
		pr_err("hvprobe: FAIL: no hypervisor detected\n");
		return -ENODEV;
	}
	if (hv(HC_MEMINFO, 0, &h)) {
		pr_err("hvprobe: FAIL: HC_MEMINFO refused at CPL0: %lld\n", (long long)h.rax);
		return -EIO;
	}
	img = h.rbx;
	img_size = h.rcx;
	pool = h.rsi;
	pool_size = h.rdi;
	hv(HC_STATS, HV_STAT_BLOCKED, &h);
	blocked0 = h.rbx;
	pr_info("hvprobe: attacking image %llx+%llx and pool %llx+%llx\n",
		img, img_size, pool, pool_size);

	err = attack(img, img_size, &magic);
	if (!err)
		err = attack(pool, pool_size, &magic);
	if (err)
		return err;

	if (hv(HC_PING, 0x55aa, &h) || h.rbx != ~0x55aaull) {
		pr_err("hvprobe: FAIL: hypervisor no longer answers after the writes\n");
		return -EIO;
	}
	hv(HC_STATS, HV_STAT_BLOCKED, &h);
	blocked1 = h.rbx;
	pr_info("hvprobe: multiboot2 header seen %u times, blocked accesses %llu -> %llu\n",
		magic, blocked0, blocked1);
	if (magic) {
		pr_err("hvprobe: FAIL: the OS read the hypervisor's image\n");
		return -EIO;
	}
	if (not_sink) {
		pr_err("hvprobe: FAIL: %llu words did not read as the sink page\n", not_sink);
		return -EIO;
	}
	if (blocked1 - blocked0 != (img_size + pool_size) / PAGE_SIZE) {
		pr_err("hvprobe: FAIL: blocked accesses grew by %llu, want one per page: %llu\n",
		       blocked1 - blocked0, (img_size + pool_size) / PAGE_SIZE);
		return -EIO;
	}
	pr_info("hvprobe: every word of %llu pages read as the sink, one blocked access each\n",
		(img_size + pool_size) / PAGE_SIZE);
	pr_info("hvprobe: PASS\n");
	return 0;
}

static void __exit hvprobe_exit(void)
{
}

module_init(hvprobe_init);
module_exit(hvprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Attack test: the OS reads and writes hypervisor memory");
