/* PCI configuration-space guard (docs/iommu.md, "Chipset registers"): the
 * decoder of the OS's type-1 accesses (ports 0xCF8/0xCFC-0xCFF) and the
 * policy that decides each write, and the ACPI MCFG parser.  Pure logic
 * over a config-space accessor: the hypervisor passes real port I/O
 * (pciguard.c), host unit tests and the fuzzer a fake bus. */
#ifndef HV_IOMMU_PCICFG_H
#define HV_IOMMU_PCICFG_H

#include "types.h"

#define PCICFG_ADDR_PORT 0xcf8		/* CONFIG_ADDRESS (dword accesses only) */
#define PCICFG_DATA_PORT 0xcfc		/* CONFIG_DATA, 0xCFC-0xCFF */
#define PCICFG_ENABLE (1u << 31)

#define PCI_BDF(bus, dev, fn) (((u32)(bus) << 8) | ((u32)(dev) << 3) | (u32)(fn))

/* Type-1 address register value for a dword of a function. */
static inline u32 pcicfg_cf8(u32 bdf, u32 reg)
{
	return PCICFG_ENABLE | (bdf << 8) | (reg & 0xfc);
}

/* What the guard needs from the bus.  read: the dword at reg (aligned);
 * write: size bytes (1, 2, 4) at reg, exactly as the OS wrote them (a
 * merged dword would clear write-one-to-clear status bits); range_ok: may
 * a device decode [base, base + size) without reaching hypervisor, MIEE,
 * OS RAM or hidden MMIO frames? */
struct pcicfg_ops {
	u32 (*read)(void *ctx, u32 bdf, u32 reg);
	void (*write)(void *ctx, u32 bdf, u32 reg, unsigned size, u32 val);
	bool (*range_ok)(void *ctx, u64 base, u64 size);
};

#define PCICFG_MAX_PROTECTED 4

struct pcicfg_guard {
	const struct pcicfg_ops *ops;
	void *ctx;
	/* Functions the OS may not write at all (an IOMMU that is a PCI
	 * function, e.g. AMD-Vi; QEMU's VT-d is not one). */
	u32 n_protected;
	u32 protected_bdf[PCICFG_MAX_PROTECTED];
};

struct pcicfg_access {
	u32 bdf;		/* bus << 8 | device << 3 | function */
	u32 reg;		/* byte offset 0-255 */
	unsigned size;		/* 1, 2 or 4; reg + size stays in one dword */
};

/*
 * A data-port access (port 0xCFC-0xCFF, size 1, 2 or 4) under the address
 * register value cf8 (PCI Local Bus 3.0 3.2.2.3.2).  0: a configuration
 * access, *a filled; -ENODEV: bit 31 clear (no configuration cycle);
 * -EINVAL: reserved bits 30:24 set (AMD's extended-register encoding: not
 * decoded, so writes are refused), a bad size, or an access that crosses
 * the dword.
 */
int pcicfg_decode(u32 cf8, u16 port, unsigned size, struct pcicfg_access *a);

/*
 * Perform the OS's write of val (size bytes at a) if the policy allows it.
 * 0: written; -EPERM: refused, nothing of the function changed, *why names
 * the rule.  Refused: any change to a protected function; a change to a
 * guarded chipset register (Q35 MCH 0x40-0xff: PCIEXBAR, PAM, SMRAM,
 * ESMRAMC, TSEG, TOLUD, remap base/limit; ICH9 LPC RCBA; i440FX
 * 0x50-0x7f); a BAR or expansion-ROM value whose decoded range is not
 * range_ok (all-ones sizing writes pass while memory decode is off); and
 * turning memory decode on while any BAR decodes such a range.  A write
 * of the value already there always passes.  Sizing the BAR to learn its
 * range writes all ones and back with decode off (what the OS does too).
 */
int pcicfg_write(const struct pcicfg_guard *g, const struct pcicfg_access *a, u32 val,
		 const char **why);

/* ACPI MCFG (PCI Firmware 3.2 4.1.2): the ECAM windows. */
#define PCICFG_MAX_ECAM 4

struct pcicfg_ecam {
	u64 base;		/* of bus 0, even if start_bus > 0 */
	u16 segment;
	u8 start_bus, end_bus;
};

/* Parse an MCFG of len bytes (checksum already checked).  0; -EBADMSG a
 * bad length, bus range or alignment; -E2BIG more than max windows. */
int pcicfg_mcfg_parse(const u8 *t, u32 len, struct pcicfg_ecam *out, u32 max, u32 *n);

#endif
