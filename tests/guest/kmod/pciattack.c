// SPDX-License-Identifier: GPL-2.0
/*
 * pciattack: a hostile guest kernel that reprograms the PCI configuration
 * space (issue 12, "the OS cannot undo it"). On the function bus:devfn
 * (the scratch virtio disk) it tries to move a 32-bit memory BAR over a
 * hypervisor frame (HC_MEMINFO) and over the IOMMU's registers (iommu=),
 * through ports 0xCF8/0xCFC and through the ECAM window (the host bridge's
 * PCIEXBAR), and reads the BAR back through the ports each time; it tries
 * to change the Q35 host bridge's PAM, SMRAM and PCIEXBAR registers and the
 * LPC bridge's RCBA (on i440FX, Bochs: PAM and SMRAM). devfn=-1: only the
 * chipset (Bochs has no device with a memory BAR). Controls: the IDs read
 * through the ports match the kernel's, rewriting the BAR's own value works, and sizing the
 * BAR (decode off, all ones, read back, restore) works, so writes do reach
 * the device. Everything is restored. One line per fact, "pciattack:";
 * tests/guest/pci-guard.sh judges them.
 */
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "hv/hvcall.h"

static int bus;
module_param(bus, int, 0444);
static int devfn = -1;
module_param(devfn, int, 0444);
static int bar = 1;		/* a 32-bit memory BAR of the function */
module_param(bar, int, 0444);
static unsigned long iommu = 0xfed90000;	/* QEMU q35's VT-d registers */
module_param(iommu, ulong, 0444);

static u32 cf8(unsigned b, unsigned df, unsigned reg)
{
	return 0x80000000u | (b << 16) | (df << 8) | (reg & 0xfc);
}

/* Raw type-1 accesses, as an OS (or an attacker) does them. */
static u32 rd(unsigned b, unsigned df, unsigned reg)
{
	unsigned long fl;
	u32 v;

	local_irq_save(fl);
	outl(cf8(b, df, reg), 0xcf8);
	v = inl(0xcfc);
	local_irq_restore(fl);
	return v;
}

static void wr(unsigned b, unsigned df, unsigned reg, unsigned size, u32 v)
{
	unsigned long fl;

	local_irq_save(fl);
	outl(cf8(b, df, reg), 0xcf8);
	if (size == 1)
		outb(v, 0xcfc + (reg & 3));
	else if (size == 2)
		outw(v, 0xcfc + (reg & 3));
	else
		outl(v, 0xcfc);
	local_irq_restore(fl);
}

static u64 ecam_base(void)
{
	u64 x = rd(0, 0, 0x60) | ((u64)rd(0, 0, 0x64) << 32);

	return (x & 1) ? (x & 0xffffc000000ull) : 0;
}

/* Try to put the BAR at target through the ports or ECAM; read it back
 * through the ports; put the original back if it moved. */
static void attack(const char *via, const char *what, u64 target, u32 orig, u64 ecam)
{
	unsigned reg = 0x10 + 4 * bar;
	u32 after;

	if (!strcmp(via, "cf8")) {
		wr(bus, devfn, reg, 4, (u32)target);
	} else {
		void __iomem *p = ioremap(ecam + ((u64)bus << 20) + ((u64)devfn << 12), 4096);

		if (!p) {
			pr_info("pciattack: attack via=%s target=%s: cannot map ECAM\n", via, what);
			return;
		}
		writel((u32)target, p + reg);
		pr_info("pciattack: ecam-read id=%08x (the function's is %08x)\n", readl(p),
			rd(bus, devfn, 0));
		iounmap(p);
	}
	after = rd(bus, devfn, reg);
	pr_info("pciattack: attack via=%s target=%s addr=%llx before=%08x after=%08x %s\n", via,
		what, target, orig, after, after == orig ? "unchanged" : "MOVED");
	if (after != orig)
		wr(bus, devfn, reg, 4, orig);
}

/* A chipset register: flip bits, read back, put back. */
static void chipset(const char *name, unsigned df, unsigned reg, u32 flip)
{
	u32 before = rd(0, df, reg), after;

	wr(0, df, reg, 4, before ^ flip);
	after = rd(0, df, reg);
	pr_info("pciattack: chipset %s before=%08x after=%08x %s\n", name, before, after,
		after == before ? "unchanged" : "CHANGED");
	if (after != before)
		wr(0, df, reg, 4, before);
}

/* The BAR attacks and their controls on bus:devfn. */
static int bar_attacks(void)
{
	struct pci_dev *pdev = pci_get_domain_bus_and_slot(0, bus, devfn);
	struct hvcall m = { .rax = HC_MEMINFO };
	unsigned reg = 0x10 + 4 * bar;
	u32 orig, cmd, mask, back;
	u64 hv = 0, ecam;
	int k = hvc_detect();

	if (!pdev) {
		pr_err("pciattack: no PCI function %02x:%02x.%x\n", bus, devfn >> 3, devfn & 7);
		return -ENODEV;
	}
	if (k) {
		hvc_call(k, &m);
		if (m.rax == 0)
			hv = m.rbx;	/* the hypervisor image's base */
	}
	orig = rd(bus, devfn, reg);
	pr_info("pciattack: function %02x:%02x.%x id=%08x kernel-id=%04x%04x bar%d=%08x hv=%llx\n",
		bus, devfn >> 3, devfn & 7, rd(bus, devfn, 0), pdev->device, pdev->vendor, bar,
		orig, hv);
	pci_dev_put(pdev);
	if ((orig & 7) != 0) {
		pr_err("pciattack: BAR %d is not a 32-bit memory BAR\n", bar);
		return -EINVAL;
	}
	ecam = ecam_base();
	pr_info("pciattack: ecam=%llx\n", ecam);
	if (hv)
		attack("cf8", "hv", hv, orig, ecam);
	attack("cf8", "iommu", iommu, orig, ecam);
	if (ecam) {
		if (hv)
			attack("ecam", "hv", hv, orig, ecam);
		attack("ecam", "iommu", iommu, orig, ecam);
	}
	/* Controls: own value, then sizing with decode off. */
	wr(bus, devfn, reg, 4, orig);
	pr_info("pciattack: control rewrite after=%08x %s\n", rd(bus, devfn, reg),
		rd(bus, devfn, reg) == orig ? "ok" : "BAD");
	cmd = rd(bus, devfn, 0x04) & 0xffff;
	wr(bus, devfn, 0x04, 2, cmd & ~2u);
	wr(bus, devfn, reg, 4, 0xffffffff);
	mask = rd(bus, devfn, reg);
	wr(bus, devfn, reg, 4, orig);
	back = rd(bus, devfn, reg);
	wr(bus, devfn, 0x04, 2, cmd);
	pr_info("pciattack: control sizing mask=%08x restored=%08x cmd=%04x %s\n", mask, back,
		rd(bus, devfn, 0x04) & 0xffff,
		mask != orig && mask != 0xffffffff && (mask & 0xfff00000) == 0xfff00000 &&
		back == orig && (rd(bus, devfn, 0x04) & 0xffff) == cmd ? "ok" : "BAD");
	return 0;
}

static int __init pciattack_init(void)
{
	struct pci_dev *host = pci_get_domain_bus_and_slot(0, 0, 0);
	u32 id = rd(0, 0, 0);
	int err = 0;

	if (host) {
		pr_info("pciattack: host bridge id=%08x kernel-id=%04x%04x\n", id, host->device,
			host->vendor);
		pci_dev_put(host);
	}
	if (devfn >= 0)
		err = bar_attacks();
	if (err)
		return err;
	/* The chipset's memory map: Q35 (00:00.0) and its LPC bridge
	 * (00:1f.0), or the i440FX (00:00.0). */
	if (id == 0x29c08086) {
		chipset("pam1-2", 0, 0x90, 0x00333300);	/* PAM1 0x91, PAM2 0x92 */
		chipset("smram", 0, 0x9c, 0x00004800);	/* SMRAM: D_OPEN, G_SMRAME */
		chipset("pciexbar", 0, 0x60, 0x00000001);	/* ECAM off */
	} else if (id == 0x12378086) {
		chipset("pam1-2", 0, 0x58, 0x33330000);	/* PAM1 0x5a, PAM2 0x5b */
		chipset("smram", 0, 0x70, 0x00480000);	/* SMRAM 0x72: D_OPEN, G_SMRAME */
	}
	if (rd(0, PCI_DEVFN(0x1f, 0), 0) == 0x29188086)
		chipset("rcba", PCI_DEVFN(0x1f, 0), 0xf0, 0x00100000);
	pr_info("pciattack: done\n");
	return 0;
}

static void __exit pciattack_exit(void)
{
}

module_init(pciattack_init);
module_exit(pciattack_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCI configuration attacks on the hypervisor's chipset guard (test only)");
