// SPDX-License-Identifier: GPL-2.0
/*
 * hvprobe: a deliberately hostile guest kernel module. It maps the
 * hypervisor's physical memory (image and page pool, whose addresses the
 * hypervisor reports), reads it looking for the image's multiboot2 header
 * and overwrites all of it. Loading succeeds (the test passes) only when
 * nothing of the hypervisor was visible and the hypervisor still answers.
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

/* Read then overwrite [base, base + size); count words that look like ours. */
static int attack(u64 base, u64 size, u32 *seen_magic)
{
	u64 off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		u32 *p = memremap(base + off, PAGE_SIZE, MEMREMAP_WB);

		if (!p) {
			pr_err("hvprobe: memremap %llx failed\n", base + off);
			return -ENOMEM;
		}
		if (READ_ONCE(p[0]) == MB2_MAGIC)
			(*seen_magic)++;
		memset(p, 0xcc, PAGE_SIZE);
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
	if (blocked1 <= blocked0) {
		pr_err("hvprobe: FAIL: the hypervisor saw no blocked access\n");
		return -EIO;
	}
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
