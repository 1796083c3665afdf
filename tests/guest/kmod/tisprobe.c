// SPDX-License-Identifier: GPL-2.0
/*
 * tisprobe: a hostile guest kernel module that maps TPM TIS localities 1-4
 * (0xFED41000-0xFED44FFF) and tries to use them: read the identity
 * registers, request the locality. The OS must see nothing of the TPM
 * there (the hypervisor hides the pages), while locality 0 still shows it.
 */
#include <linux/io.h>
#include <linux/module.h>

#include "hv/hvcall.h"

#define TIS_BASE 0xfed40000ull
#define TIS_ACCESS 0x000
#define TIS_DID_VID 0xf00
#define ACCESS_REQUEST_USE 0x02
#define ACCESS_ACTIVE 0x20

static u64 blocked(int kind)
{
	struct hvcall h = { .rax = HC_STATS, .rbx = HV_STAT_BLOCKED };

	hvc_call(kind, &h);
	return h.rbx;
}

static int __init tisprobe_init(void)
{
	int kind = hvc_detect(), loc, leaks = 0;
	u64 b0, b1;
	u32 did0;
	void __iomem *p;

	if (!kind)
		return -ENODEV;
	p = ioremap(TIS_BASE, 0x1000);
	if (!p)
		return -ENOMEM;
	did0 = readl(p + TIS_DID_VID);
	iounmap(p);
	pr_info("tisprobe: locality 0 DID_VID %08x\n", did0);
	if (did0 == 0 || did0 == 0xffffffff) {
		pr_err("tisprobe: FAIL: no TPM at locality 0, nothing to protect\n");
		return -ENODEV;
	}
	b0 = blocked(kind);
	for (loc = 1; loc <= 4; loc++) {
		u32 did;
		u8 acc;

		p = ioremap(TIS_BASE + loc * 0x1000, 0x1000);
		if (!p)
			return -ENOMEM;
		writeb(ACCESS_REQUEST_USE, p + TIS_ACCESS);
		acc = readb(p + TIS_ACCESS);
		did = readl(p + TIS_DID_VID);
		iounmap(p);
		pr_info("tisprobe: locality %d: DID_VID %08x ACCESS %02x\n", loc, did, acc);
		if (did == did0 || (acc & ACCESS_ACTIVE))
			leaks++;
	}
	b1 = blocked(kind);
	pr_info("tisprobe: blocked accesses %llu -> %llu\n", b0, b1);
	if (leaks) {
		pr_err("tisprobe: FAIL: the OS reached %d hidden localities\n", leaks);
		return -EIO;
	}
	if (b1 < b0 + 4) {
		pr_err("tisprobe: FAIL: the hypervisor did not see the 4 accesses\n");
		return -EIO;
	}
	pr_info("tisprobe: PASS\n");
	return 0;
}

static void __exit tisprobe_exit(void)
{
}

module_init(tisprobe_init);
module_exit(tisprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Attack test: the OS uses TPM localities 1-4");
