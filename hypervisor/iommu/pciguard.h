/* The OS's PCI configuration accesses, guarded (docs/iommu.md, "Chipset
 * registers"): port I/O to 0xCF8-0xCFF is emulated through the policy in
 * pcicfg.c, the ECAM window (ACPI MCFG) is hidden from the OS.  Host mode,
 * any CPU. */
#ifndef HV_IOMMU_PCIGUARD_H
#define HV_IOMMU_PCIGUARD_H

#include "types.h"

struct bootinfo;
struct frame_table;
struct vcpu;

/* The ports the backends intercept for the OS (their I/O bitmaps). */
#define PCIGUARD_PORT_BASE 0xcf8
#define PCIGUARD_PORT_COUNT 8

/* Boot: find the MCFG, keep its ECAM windows, take it out of the RSDT/XSDT
 * (so the OS uses ports 0xCF8/0xCFC), then, before the frame table is
 * sealed, make the windows hypervisor frames (absent from the OS's
 * EPT/NPT, never DMA-mapped). */
void pciguard_probe(struct bootinfo *bi);
void pciguard_hide_ecam(struct frame_table *t);

/* Boot: a function the OS may not write at all (an IOMMU that is a PCI
 * function).  0 or -E2BIG. */
int pciguard_protect(u32 bdf);

/* An OS IN/OUT of size bytes to port (PCIGUARD_PORT_*), not string I/O:
 * emulated, VCPU_SKIP.  Refused writes are dropped and logged. */
int pciguard_io(struct vcpu *v, u16 port, unsigned size, bool in);

/* Refused writes since boot (no hypercall reports it; the serial log
 * shows the first 16). */
extern u64 pciguard_refused;

#endif
