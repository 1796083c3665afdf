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
 *
 * each_cpu=1: the same from every online CPU in turn (a worker bound to
 * it, work_on_cpu()), also looking for the uTPM root key: its public half
 * (HC_UTPM_ROOT_PUBKEY) sits next to the private key in hypervisor
 * memory, so a CPU that saw one would see the other. A CPU left outside
 * the hypervisor reads everything (issue 11).
 */
#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

#define MB2_MAGIC 0xe85250d6u

static int kind;
static bool each_cpu;
module_param(each_cpu, bool, 0444);
MODULE_PARM_DESC(each_cpu, "attack from every online CPU, look for the uTPM root key too");

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

struct cpu_probe {
	u64 img, img_size, pool, pool_size;
	u8 pub[65];
	bool have_pub;
	u32 magic, key_hits;
	bool is_ours;		/* this CPU's CPUID says our hypervisor */
};

static bool has_bytes(const u8 *p, size_t n, const u8 *pat, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (p[i] == pat[0] && !memcmp(p + i, pat, m))
			return true;
	return false;
}

/* Count pages of [base, base + size) that hold the key's X coordinate. */
static int scan_key(struct cpu_probe *c, u64 base, u64 size)
{
	u64 off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		u8 *p = memremap(base + off, PAGE_SIZE, MEMREMAP_WB);

		if (!p)
			return -ENOMEM;
		if (c->have_pub && has_bytes(p, PAGE_SIZE, c->pub + 1, 24))
			c->key_hits++;
		memunmap(p);
	}
	return 0;
}

static long probe_this_cpu(void *arg)
{
	struct cpu_probe *c = arg;
	long err;

	c->is_ours = hvc_detect() == kind;
	err = attack(c->img, c->img_size, &c->magic);
	if (!err)
		err = attack(c->pool, c->pool_size, &c->magic);
	if (!err)
		err = scan_key(c, c->img, c->img_size);
	if (!err)
		err = scan_key(c, c->pool, c->pool_size);
	return err;
}

static int probe_every_cpu(u64 img, u64 img_size, u64 pool, u64 pool_size)
{
	struct cpu_probe *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct hvcall h;
	int cpu, n = 0, bad = 0;
	long err;

	if (!c)
		return -ENOMEM;
	memset(&h, 0, sizeof(h));
	h.rax = HC_UTPM_ROOT_PUBKEY;
	h.rbx = virt_to_phys(c->pub);
	c->have_pub = !hvc_call(kind, &h) && c->pub[0] == 4;
	if (!c->have_pub)
		pr_info("hvprobe: no uTPM root key to look for (no root of trust)\n");
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		c->img = img;
		c->img_size = img_size;
		c->pool = pool;
		c->pool_size = pool_size;
		c->magic = c->key_hits = 0;
		err = work_on_cpu(cpu, probe_this_cpu, c);
		pr_info("hvprobe: CPU %d: %s, multiboot2 header seen %u times, uTPM key seen in %u pages%s\n",
			cpu, c->is_ours ? "under the hypervisor" : "NOT under the hypervisor",
			c->magic, c->key_hits, err ? " (probe failed)" : "");
		if (err || c->magic || c->key_hits || !c->is_ours)
			bad++;
		n++;
	}
	cpus_read_unlock();
	kfree(c);
	if (bad) {
		pr_err("hvprobe: FAIL: %d of %d CPUs saw the hypervisor or the uTPM key, or run outside it\n",
		       bad, n);
		return -EIO;
	}
	pr_info("hvprobe: PASS on %d CPUs\n", n);
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
	if (each_cpu)
		return probe_every_cpu(img, img_size, pool, pool_size);

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
