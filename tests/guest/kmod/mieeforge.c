// SPDX-License-Identifier: GPL-2.0
/*
 * mieeforge: a hostile guest kernel module that calls the MIEE lifecycle
 * hypercalls directly, bypassing the driver, with frames it must not give:
 * the hypervisor's, MMIO, another MIEE's, the same frame twice; a page
 * list in hypervisor memory; calls in the wrong state; pages writable and
 * executable at once without being measured and asking for it (W^X), alone
 * and after a good entry of the same list. Every one must be
 * refused with its own code, and after destroy the hypervisor's pool and
 * the OS's frames are back where they were.
 * The argument buffers of HC_MIEE_INFO and HC_MIEE_INIT are tried in
 * hypervisor memory, in MMIO, in an MIEE's frame and straddling from an
 * OS page into that frame: each refused with MIEE_EARG, the OS page's
 * bytes untouched, the MIEE still being built. The frames given to MIEEs
 * are filled with a pattern first and must read as zeros after destroy
 * (scrubbed), while a frame never given keeps it (the control).
 * Loads only if all hold.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

static int kind, failures;

static long long hc(u64 nr, u64 b, u64 c, u64 d, u64 *out)
{
	struct hvcall h = { .rax = nr, .rbx = b, .rcx = c, .rdx = d };
	long long r = hvc_call(kind, &h);

	if (out)
		*out = h.rbx;
	return r;
}

static void expect(const char *what, long long got, long long want)
{
	if (got == want) {
		pr_info("mieeforge: %s: refused with %lld, as required\n", what, got);
		return;
	}
	pr_err("mieeforge: FAIL: %s: got %lld, want %lld\n", what, got, want);
	failures++;
}

static u64 stat(u64 which)
{
	u64 v = 0;

	hc(HC_STATS, which, 0, 0, &v);
	return v;
}

#define PATTERN 0x5eedf00dc0ffee11ull

/* Passes every check of HC_MIEE_INIT for a 4-page MIEE with a page at 0. */
static const struct miee_init good_init = {
	.rip = 0, .rsp = 0x1000, .cr3 = 0, .gdt_base = 0, .idt_base = 0,
	.gdt_limit = 23, .idt_limit = 0, .cs = 0x08, .ds = 0x10,
};

static void fill(struct page *p)
{
	u64 *w = page_address(p);
	size_t i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = PATTERN ^ i;
}

static bool intact(struct page *p)
{
	u64 *w = page_address(p);
	size_t i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (w[i] != (PATTERN ^ i)) {
			pr_err("mieeforge: FAIL: frame %llx word %zu is %llx, the pattern was %llx\n",
			       (u64)page_to_phys(p), i, w[i], PATTERN ^ i);
			return false;
		}
	return true;
}

static bool zeroed(struct page *p)
{
	u64 *w = page_address(p);
	size_t i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (w[i]) {
			pr_err("mieeforge: FAIL: frame %llx word %zu is %llx after destroy: not scrubbed\n",
			       (u64)page_to_phys(p), i, w[i]);
			return false;
		}
	return true;
}

/* INFO and INIT with their buffer in forbidden memory: each MIEE_EARG, and
 * the MIEE still takes pages afterwards (INIT changed nothing). */
static void bad_buffers(u64 id, u64 pool, u64 miee_frame, u64 straddle)
{
	static const char *const where[] = {
		"in hypervisor memory", "in MMIO", "in an MIEE's frame",
		"straddling into an MIEE's frame",
	};
	u64 at[4] = { pool, 0xfee00000, miee_frame, straddle };
	char what[64];
	int i;

	for (i = 0; i < 4; i++) {
		/* INIT first: a wrongly accepted INFO would overwrite the state. */
		snprintf(what, sizeof(what), "HC_MIEE_INIT state %s", where[i]);
		expect(what, hc(HC_MIEE_INIT, id, at[i], 0, NULL), MIEE_EARG);
		snprintf(what, sizeof(what), "HC_MIEE_INFO buffer %s", where[i]);
		expect(what, hc(HC_MIEE_INFO, id, at[i], 0, NULL), MIEE_EARG);
	}
	expect("enter after the refused inits", hc(HC_MIEE_ENTER, id, 0, 0, NULL), MIEE_ESTATE);
}

static int __init mieeforge_init(void)
{
	struct miee_page *list;
	struct page *pg, *pg2, *pg3, *two;
	u64 a, b, img, pool, os0, os1, miee1, straddle;
	void *two_before;
	struct hvcall h = { .rax = HC_MEMINFO };

	kind = hvc_detect();
	if (!kind)
		return -ENODEV;
	if (hvc_call(kind, &h)) {
		pr_err("mieeforge: FAIL: HC_MEMINFO refused at CPL0: %lld\n", (long long)h.rax);
		return -EIO;
	}
	img = h.rbx;
	pool = h.rsi;
	/* miee-forge.sh checks these against /sys/firmware/memmap. */
	pr_info("mieeforge: hypervisor image %llx+%llx and pool %llx+%llx\n",
		h.rbx, h.rcx, h.rsi, h.rdi);
	list = (struct miee_page *)get_zeroed_page(GFP_KERNEL);
	pg = alloc_page(GFP_KERNEL);
	pg2 = alloc_page(GFP_KERNEL);
	pg3 = alloc_page(GFP_KERNEL);
	two = alloc_pages(GFP_KERNEL, 1);	/* two contiguous frames */
	if (!list || !pg || !pg2 || !pg3 || !two)
		return -ENOMEM;
	fill(pg);
	fill(pg2);
	fill(pg3);
	fill(two);
	fill(two + 1);
	/* A valid initial state for A where INIT will be pointed at it, so a
	 * read the hypervisor should refuse would make INIT succeed: in the
	 * frame A gets first, and across the end of the first of the two
	 * contiguous frames into the second (which A gets later). */
	memcpy(page_address(pg), &good_init, sizeof(good_init));
	memcpy((char *)page_address(two) + PAGE_SIZE - 16, &good_init, sizeof(good_init));
	two_before = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	if (!two_before)
		return -ENOMEM;
	memcpy(two_before, page_address(two), 2 * PAGE_SIZE);
	os0 = stat(HV_STAT_OS_FRAMES);

	if (hc(HC_MIEE_CREATE, 4, 0, 0, &a) || hc(HC_MIEE_CREATE, 4, 0, 0, &b)) {
		pr_err("mieeforge: FAIL: cannot create two MIEEs\n");
		return -EIO;
	}
	list[0] = (struct miee_page){ img, 0, MIEE_P_R | MIEE_P_MEASURED, 0 };
	expect("add a hypervisor image frame", hc(HC_MIEE_ADD, a, virt_to_phys(list), 1, NULL), MIEE_EFRAME);
	list[0].frame = pool;
	expect("add a hypervisor pool frame", hc(HC_MIEE_ADD, a, virt_to_phys(list), 1, NULL), MIEE_EFRAME);
	list[0].frame = 0xfee00000;	/* the local APIC */
	expect("add an MMIO frame", hc(HC_MIEE_ADD, a, virt_to_phys(list), 1, NULL), MIEE_EFRAME);
	list[0].frame = page_to_phys(pg);
	list[1] = list[0];
	list[1].offset = 0x1000;
	expect("add one frame twice", hc(HC_MIEE_ADD, a, virt_to_phys(list), 2, NULL), MIEE_EDUP);
	expect("page list in hypervisor memory", hc(HC_MIEE_ADD, a, pool, 1, NULL), MIEE_EARG);
	expect("enter before init", hc(HC_MIEE_ENTER, a, 0, 0, NULL), MIEE_ESTATE);
	expect("exit call from the OS", hc(HC_MIEE_EXIT, 0, 0, 0, NULL), HVE_PERM);
	expect("uTPM quote from the OS", hc(HC_UTPM_QUOTE, 0, 0, 0, NULL), HVE_PERM);
	expect("uTPM extend from the OS", hc(HC_UTPM_PCR_EXTEND, 1, 0, 0, NULL), HVE_PERM);
	expect("unknown MIEE", hc(HC_MIEE_ADD, 777, virt_to_phys(list), 1, NULL), MIEE_ENOENT);
	/* A's frame cannot go to B. */
	if (hc(HC_MIEE_ADD, a, virt_to_phys(list), 1, NULL)) {
		pr_err("mieeforge: FAIL: a good add was refused\n");
		failures++;
	}
	list[0].offset = 0;
	expect("add another MIEE's frame", hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL), MIEE_EFRAME);
	/* The second of two contiguous frames joins A: a buffer that starts in
	 * the first (the OS's) and runs into it straddles into an MIEE. */
	list[0] = (struct miee_page){ page_to_phys(two + 1), 0x1000, MIEE_P_R | MIEE_P_MEASURED, 0 };
	if (hc(HC_MIEE_ADD, a, virt_to_phys(list), 1, NULL)) {
		pr_err("mieeforge: FAIL: adding the straddle frame was refused\n");
		failures++;
	}
	straddle = page_to_phys(two) + PAGE_SIZE - 16;
	bad_buffers(a, pool, page_to_phys(pg), straddle);
	if (memcmp(two_before, page_address(two), PAGE_SIZE)) {
		pr_err("mieeforge: FAIL: a refused call wrote into the OS's frame it straddled from\n");
		failures++;
	}
	list[0] = (struct miee_page){ page_to_phys(pg), 0, MIEE_P_R | MIEE_P_MEASURED, 0 };
	list[0].frame = page_to_phys(pg2);
	list[0].flags = MIEE_P_R | MIEE_P_X | MIEE_P_SHARED;
	expect("an executable shared page", hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL), MIEE_EFLAGS);
	list[0].flags = MIEE_P_R | MIEE_P_W | MIEE_P_X;
	expect("an unmeasured R|W|X page", hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL), MIEE_EWX);
	list[0].flags |= MIEE_P_MEASURED;
	expect("a measured R|W|X page without MIEE_P_WX",
	       hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL), MIEE_EWX);
	list[0].flags = MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_WX;
	expect("an unmeasured page with MIEE_P_WX", hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL),
	       MIEE_EWX);
	/* A good entry first: nothing of it may stick, so the same page then
	 * goes in alone (neither its frame nor its offset is taken). */
	list[0] = (struct miee_page){ page_to_phys(pg2), 0, MIEE_P_R | MIEE_P_MEASURED, 0 };
	list[1] = (struct miee_page){ page_to_phys(pg3), 0x1000, MIEE_P_R | MIEE_P_W | MIEE_P_X, 0 };
	expect("a good page, then an unmeasured R|W|X page",
	       hc(HC_MIEE_ADD, b, virt_to_phys(list), 2, NULL), MIEE_EWX);
	if (hc(HC_MIEE_ADD, b, virt_to_phys(list), 1, NULL)) {
		pr_err("mieeforge: FAIL: the good page of a refused list stuck\n");
		failures++;
	}

	if (hc(HC_MIEE_DESTROY, a, 0, 0, NULL) || hc(HC_MIEE_DESTROY, b, 0, 0, NULL)) {
		pr_err("mieeforge: FAIL: destroy refused\n");
		failures++;
	}
	os1 = stat(HV_STAT_OS_FRAMES);
	miee1 = stat(HV_STAT_MIEE_FRAMES);
	pr_info("mieeforge: OS frames %llu before, %llu after destroy; MIEE frames left %llu\n",
		os0, os1, miee1);
	if (os1 != os0 || miee1) {
		pr_err("mieeforge: FAIL: destroy did not return every page\n");
		failures++;
	}
	/* Every frame an MIEE held comes back scrubbed; the control keeps its
	 * pattern (so a zero read is not the sink or a kernel that cleared it). */
	if (!zeroed(pg) || !zeroed(pg2) || !zeroed(two + 1) || !intact(pg3) ||
	    memcmp(two_before, page_address(two), PAGE_SIZE)) {
		pr_err("mieeforge: FAIL: after destroy the frames are not as they must be\n");
		failures++;
	} else {
		pr_info("mieeforge: destroyed MIEEs' frames read as zeros, the control kept its pattern\n");
	}
	kfree(two_before);
	__free_page(pg);
	__free_page(pg2);
	__free_page(pg3);
	__free_pages(two, 1);
	free_page((unsigned long)list);
	if (failures)
		return -EIO;
	pr_info("mieeforge: PASS\n");
	return 0;
}

static void __exit mieeforge_exit(void)
{
}

module_init(mieeforge_init);
module_exit(mieeforge_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Attack test: forged MIEE hypercalls from the OS kernel");
