// SPDX-License-Identifier: GPL-2.0
/*
 * hvhigh: reads and writes a physical address above 4 GiB and above RAM
 * that no device decodes (addr=, chosen by tests/guest/high-mmio.sh from
 * /proc/iomem). The hypervisor maps the OS's MMIO above the frame table on
 * first touch; an unbacked address must read whatever the platform gives
 * (all ones on a real chipset, QEMU gives zeros) and never stop the
 * hypervisor. Loads (returns 0) when the hypervisor still answers after.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "hv/hvcall.h"

static unsigned long addr;
module_param(addr, ulong, 0444);
MODULE_PARM_DESC(addr, "unbacked physical address above 4 GiB and RAM");

static int __init hvhigh_init(void)
{
	int kind = hvc_detect();
	struct hvcall h = { .rax = HC_PING, .rbx = 0x1234 };
	void __iomem *p;
	u64 q0, q1;
	u32 l;

	if (!kind) {
		pr_err("hvhigh: FAIL: no hypervisor\n");
		return -ENODEV;
	}
	if (addr < (1ul << 32) || (addr & (PAGE_SIZE - 1)) ||
	    page_is_ram(addr >> PAGE_SHIFT)) {
		pr_err("hvhigh: FAIL: addr=%#lx is not a page above 4 GiB outside RAM\n", addr);
		return -EINVAL;
	}
	p = ioremap(addr, 2 * PAGE_SIZE);
	if (!p)
		return -ENOMEM;
	q0 = readq(p);
	l = readl(p + PAGE_SIZE + 0x10);
	writeq(0x5a5a5a5a5a5a5a5aull, p + 8);
	q1 = readq(p + 8);
	iounmap(p);
	pr_info("hvhigh: %#lx reads %016llx, +0x1010 reads %08x, after a write +8 reads %016llx\n",
		addr, q0, l, q1);
	hvc_call(kind, &h);
	if (h.rax != 0 || h.rbx != ~0x1234ull) {
		pr_err("hvhigh: FAIL: the hypervisor does not answer a ping after the access\n");
		return -EIO;
	}
	pr_info("hvhigh: PASS: survived, the hypervisor still answers\n");
	return 0;
}

static void __exit hvhigh_exit(void)
{
}

module_init(hvhigh_init);
module_exit(hvhigh_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("touch an unbacked physical address above RAM");
