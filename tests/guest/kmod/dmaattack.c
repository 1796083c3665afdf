// SPDX-License-Identifier: GPL-2.0
/*
 * dmaattack: a hostile guest kernel that programs a bus master (a virtio-blk
 * disk) to DMA chosen physical pages, bypassing the CPU's EPT/NPT. For each
 * pfn in leak=: the disk writes the page out to a sector (the device reads
 * memory), then reads that sector back into an ordinary kernel page; the
 * module reports what came back. For each pfn in smash=: a sector full of
 * 0xcc is read by the disk into the page (the device writes memory). It
 * reports facts, one line per page; tests/guest/dma-attack.sh judges them.
 * hv=1 adds, under the hypervisor, its image's first 8 pages (HC_MEMINFO)
 * and the IOMMU's root table and DMA page table (HC_IOMMU_INFO) to leak=,
 * and prints the IOMMU state before and after. control=1 adds a page of
 * its own with a pattern to both lists (the positive control: that DMA
 * must work, with or without the IOMMU).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "hv/hvcall.h"

static char *dev;
module_param(dev, charp, 0444);
#define MAXP 64
static unsigned long leak[MAXP];
static int nleak;
module_param_array(leak, ulong, &nleak, 0444);
static unsigned long smash[MAXP];
static int nsmash;
module_param_array(smash, ulong, &nsmash, 0444);
static unsigned long secret;
module_param(secret, ulong, 0444);
static int hv;
module_param(hv, int, 0444);
static int control;
module_param(control, int, 0444);
static const char *kind[2 * MAXP];	/* what each leak/smash target is */

static int page_io(struct block_device *bdev, struct page *pg, sector_t sector, blk_opf_t op)
{
	struct bio *bio = bio_alloc(bdev, 1, op | REQ_SYNC, GFP_KERNEL);
	int ret;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = sector;
	if (bio_add_page(bio, pg, PAGE_SIZE, 0) != PAGE_SIZE) {
		bio_put(bio);
		return -EIO;
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static void iommu_info(const char *when, struct hvcall *out)
{
	struct hvcall h = { .rax = HC_IOMMU_INFO };
	int k = hvc_detect();

	if (!k) {
		pr_info("dmaattack: iommu %s: no hypervisor\n", when);
		return;
	}
	hvc_call(k, &h);
	if (out)
		*out = h;
	pr_info("dmaattack: iommu %s: rax=%lld on=%llu faults=%llu root=%llx slpt=%llx flushes=%llu\n",
		when, (long long)h.rax, (unsigned long long)h.rbx, (unsigned long long)h.rcx,
		(unsigned long long)h.rdx, (unsigned long long)h.rsi, (unsigned long long)h.rdi);
}

static struct page *target(unsigned long pfn)
{
	if (!pfn_valid(pfn)) {
		pr_err("dmaattack: pfn %lx has no struct page\n", pfn);
		return NULL;
	}
	return pfn_to_page(pfn);
}

static int __init dmaattack_init(void)
{
	struct block_device *bdev;
	struct page *buf, *own = NULL;
	int i, ret = 0;

	if (!dev) {
		pr_err("dmaattack: give dev=/dev/vdX\n");
		return -EINVAL;
	}
	bdev = blkdev_get_by_path(dev, FMODE_READ | FMODE_WRITE, THIS_MODULE);
	if (IS_ERR(bdev)) {
		pr_err("dmaattack: cannot open %s: %ld\n", dev, PTR_ERR(bdev));
		return PTR_ERR(bdev);
	}
	buf = alloc_page(GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nleak; i++)
		kind[i] = "given";
	for (i = 0; i < nsmash; i++)
		kind[MAXP + i] = "given";
	if (hv && hvc_detect()) {
		struct hvcall m = { .rax = HC_MEMINFO }, io;
		unsigned long p;

		hvc_call(hvc_detect(), &m);
		for (p = 0; p < 8 && m.rax == 0 && nleak < MAXP; p++) {
			kind[nleak] = "hv-image";
			leak[nleak++] = PFN_DOWN(m.rbx) + p;
		}
		iommu_info("before", &io);
		if (io.rax == 0 && io.rbx && nleak + 2 <= MAXP) {
			kind[nleak] = "iommu-root";
			leak[nleak++] = PFN_DOWN(io.rdx);
			kind[nleak] = "iommu-pt";
			leak[nleak++] = PFN_DOWN(io.rsi);
		}
	}
	if (control) {
		own = alloc_page(GFP_KERNEL);
		if (!own || nleak == MAXP || nsmash == MAXP) {
			if (own)
				__free_page(own);
			ret = -ENOMEM;
			goto out_buf;
		}
		for (i = 0; i < PAGE_SIZE; i++)
			((u8 *)page_address(own))[i] = (u8)(i % 255 + 1);	/* never 0 */
		kind[nleak] = "own";
		leak[nleak++] = page_to_pfn(own);
	}
	for (i = 0; i < nleak; i++) {
		struct page *pg = target(leak[i]);
		u8 *b = page_address(buf);
		unsigned nonzero = 0, secrets = 0, k;
		int out_rc, back_rc, cpu_equal = -1;
		u64 *cpu;

		if (!pg)
			continue;
		out_rc = page_io(bdev, pg, 8 * i, REQ_OP_WRITE);
		memset(b, 0x5a, PAGE_SIZE);
		back_rc = page_io(bdev, buf, 8 * i, REQ_OP_READ);
		for (k = 0; k < PAGE_SIZE; k++)
			nonzero += b[k] != 0;
		for (k = 0; secret && k < PAGE_SIZE / 8; k++)
			secrets += (((u64 *)b)[k] & ~0xffff0000ull) == (secret & ~0xffff0000ull);
		/* What the CPU sees there. Under the hypervisor only for our own
		 * page: a CPU read of a hidden frame maps the sink page there
		 * for good, and hvprobe (hv-protect, later) counts exactly one
		 * blocked access per hypervisor page. */
		cpu = !hv || !strcmp(kind[i], "own") ?
			memremap(PFN_PHYS(leak[i]), PAGE_SIZE, MEMREMAP_WB) : NULL;
		if (cpu) {
			cpu_equal = !memcmp(cpu, b, PAGE_SIZE);
			memunmap(cpu);
		}
		pr_info("dmaattack: leak kind=%s pfn=%lx out=%d back=%d nonzero=%u secret=%u cpu_equal=%d\n",
			kind[i], leak[i], out_rc, back_rc, nonzero, secrets, cpu_equal);
	}
	if (own) {
		kind[MAXP + nsmash] = "own";
		smash[nsmash++] = page_to_pfn(own);
	}
	for (i = 0; i < nsmash; i++) {
		struct page *pg = target(smash[i]);
		unsigned cc = 0, k;
		int in_rc, out_rc;
		u8 *cpu;

		if (!pg)
			continue;
		memset(page_address(buf), 0xcc, PAGE_SIZE);
		out_rc = page_io(bdev, buf, 1024 + 8 * i, REQ_OP_WRITE);
		in_rc = page_io(bdev, pg, 1024 + 8 * i, REQ_OP_READ);
		cpu = memremap(PFN_PHYS(smash[i]), PAGE_SIZE, MEMREMAP_WB);
		for (k = 0; cpu && k < PAGE_SIZE; k++)
			cc += cpu[k] == 0xcc;
		if (cpu)
			memunmap(cpu);
		pr_info("dmaattack: smash kind=%s pfn=%lx out=%d in=%d cpu_sees_cc=%u\n",
			kind[MAXP + i], smash[i], out_rc, in_rc, cc);
	}
	if (hv)
		iommu_info("after", NULL);
	if (own)
		__free_page(own);
out_buf:
	__free_page(buf);
out:
	blkdev_put(bdev, FMODE_READ | FMODE_WRITE);
	return ret;
}

static void __exit dmaattack_exit(void)
{
}

module_init(dmaattack_init);
module_exit(dmaattack_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Attack test: a disk DMAs chosen physical pages");
