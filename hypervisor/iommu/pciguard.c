/* The OS's PCI configuration accesses (pciguard.h): CONFIG_ADDRESS is
 * virtual, each data-port access is replayed by the hypervisor under one
 * lock, writes through pcicfg_write().  Host mode, any CPU. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "iommu/dmar.h"
#include "iommu/pcicfg.h"
#include "iommu/pciguard.h"
#include "spinlock.h"
#include "vcpu.h"

extern struct frame_table hv_frames;

u64 pciguard_refused;

static struct spinlock lock;	/* CONFIG_ADDRESS is one register for every CPU */
static u32 os_cf8;		/* the OS's CONFIG_ADDRESS */
static struct pcicfg_ecam ecam[PCICFG_MAX_ECAM];
static u32 n_ecam;

static u32 port_in(u16 port, unsigned size)
{
	u32 v;

	if (size == 1) {
		u8 b;

		__asm__ __volatile__("inb %1, %0" : "=a"(b) : "Nd"(port));
		v = b;
	} else if (size == 2) {
		u16 w;

		__asm__ __volatile__("inw %1, %0" : "=a"(w) : "Nd"(port));
		v = w;
	} else {
		__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	}
	return v;
}

static void port_out(u16 port, unsigned size, u32 v)
{
	if (size == 1)
		__asm__ __volatile__("outb %0, %1" : : "a"((u8)v), "Nd"(port));
	else if (size == 2)
		__asm__ __volatile__("outw %0, %1" : : "a"((u16)v), "Nd"(port));
	else
		__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static u32 cfg_read(void *ctx, u32 bdf, u32 reg)
{
	(void)ctx;
	port_out(PCICFG_ADDR_PORT, 4, pcicfg_cf8(bdf, reg));
	return port_in(PCICFG_DATA_PORT, 4);
}

static void cfg_write(void *ctx, u32 bdf, u32 reg, unsigned size, u32 val)
{
	(void)ctx;
	port_out(PCICFG_ADDR_PORT, 4, pcicfg_cf8(bdf, reg));
	port_out((u16)(PCICFG_DATA_PORT + (reg & 3)), size, val);
}

/* A device may decode only what the frame table calls MMIO (the OS's
 * BAR space), or addresses beyond the CPU's physical width, which no CPU
 * access and no DMA mapping reaches.  Not RAM of anyone, not the frames
 * the hypervisor hides (IOMMU registers, TPM localities 1-4, ECAM). */
static bool range_ok(void *ctx, u64 base, u64 size)
{
	u64 first = base >> PAGE_SHIFT, last = (base + size - 1) >> PAGE_SHIFT;

	(void)ctx;
	if (!size)
		return true;
	if (last >= hv_frames.nframes)
		last = hv_frames.nframes - 1;	/* above: MMIO or beyond the width */
	for (u64 p = first; p <= last && first < hv_frames.nframes; p++)
		if (frames_kind(&hv_frames, p) != FRAME_MMIO)
			return false;
	return true;
}

static const struct pcicfg_ops ops = {
	.read = cfg_read,
	.write = cfg_write,
	.range_ok = range_ok,
};

static struct pcicfg_guard guard = { .ops = &ops };

int pciguard_protect(u32 bdf)
{
	if (guard.n_protected == PCICFG_MAX_PROTECTED)
		return -E2BIG;
	guard.protected_bdf[guard.n_protected++] = bdf;
	return 0;
}

static void refused(u32 cf8, u16 port, unsigned size, u32 val, const char *why)
{
	u64 n = __atomic_fetch_add(&pciguard_refused, 1, __ATOMIC_RELAXED);

	if (n < 16)
		hv_printf("pci: refused OS write of %x (%u bytes) to %02x:%02x.%x offset %x: %s\n",
			  val, size, (cf8 >> 16) & 0xff, (cf8 >> 11) & 0x1f, (cf8 >> 8) & 7,
			  (cf8 & 0xfc) + (port & 3), why);
}

int pciguard_io(struct vcpu *v, u16 port, unsigned size, bool in)
{
	u32 val = (u32)v->regs->rax, out = ~0u;
	struct pcicfg_access a;
	const char *why;
	int err;

	spin_lock(&lock);
	if (port == PCICFG_ADDR_PORT && size == 4) {
		if (in)
			out = os_cf8;
		else
			os_cf8 = val;
	} else if (port < PCICFG_DATA_PORT) {
		/* Not CONFIG_ADDRESS (PCI 3.0 3.2.2.3.2: only dword accesses
		 * are): ordinary I/O such as the reset control at 0xCF9. */
		if (in)
			out = port_in(port, size);
		else
			port_out(port, size, val);
	} else {
		err = pcicfg_decode(os_cf8, port, size, &a);
		if (in && err != -ENODEV) {
			/* Reads change nothing: the register as the OS named it. */
			port_out(PCICFG_ADDR_PORT, 4, os_cf8);
			out = port_in(port, size);
		} else if (!in && !err) {
			if (pcicfg_write(&guard, &a, val, &why))
				refused(os_cf8, port, size, val, why);
		} else if (!in && err == -EINVAL) {
			refused(os_cf8, port, size, val, "an address the guard does not decode");
		}
		/* -ENODEV: no configuration cycle; reads float to all ones. */
	}
	spin_unlock(&lock);
	if (in)	/* IN to a 32-bit register zero-extends; 8/16-bit keep the rest */
		v->regs->rax = size == 4 ? out :
			(v->regs->rax & ~(u64)((1u << (8 * size)) - 1)) |
			(out & ((1u << (8 * size)) - 1));
	return VCPU_SKIP;
}

/* Bus mastering off on every function of bus b and the buses behind its
 * bridges (PCI 3.0 6.2.2: command bit 2); the count of functions it was on. */
static u32 quiesce_bus(u32 b, u8 *seen)
{
	u32 n = 0;

	if (seen[b / 8] & (1u << (b % 8)))
		return 0;
	seen[b / 8] |= (u8)(1u << (b % 8));
	for (u32 d = 0; d < 32; d++) {
		for (u32 f = 0; f < 8; f++) {
			u32 bdf = PCI_BDF(b, d, f), id = cfg_read(NULL, bdf, 0), hdr, cmd;

			if ((id & 0xffff) == 0xffff) {
				if (!f)
					break;	/* no function 0: no device */
				continue;
			}
			hdr = (cfg_read(NULL, bdf, 0x0c) >> 16) & 0xff;
			cmd = cfg_read(NULL, bdf, 0x04) & 0xffff;
			if (cmd & (1u << 2)) {
				cfg_write(NULL, bdf, 0x04, 2, cmd & ~(1u << 2));
				if (n++ < 8)
					hv_printf("pci: %02x:%02x.%x [%08x]: bus mastering off\n",
						  b, d, f, id);
			}
			if ((hdr & 0x7f) == 1)	/* a bridge: its secondary bus */
				n += quiesce_bus((cfg_read(NULL, bdf, 0x18) >> 8) & 0xff, seen);
			if (!f && !(hdr & 0x80))
				break;	/* single-function device */
		}
	}
	return n;
}

/* The early window (docs/iommu.md): until translation is on, a device the
 * firmware left mastering the bus could write the hypervisor. Its bus
 * mastering goes off now; the OS's drivers turn it on again for the devices
 * they drive, after translation is on. */
static void quiesce(void)
{
	u8 seen[32];
	u32 n;

	memset(seen, 0, sizeof(seen));
	n = quiesce_bus(0, seen);
	hv_printf("pci: bus mastering turned off on %u function(s) until the OS enables it\n", n);
}

void pciguard_probe(struct bootinfo *bi)
{
	u64 pa;
	u32 hidden, len;
	int err;

	quiesce();
	err = acpi_take_table(bi->rsdp, "MCFG", &pa, &hidden);
	if (err == -ENOENT) {
		hv_printf("pci: no ACPI MCFG: configuration space by ports 0xcf8/0xcfc only\n");
		return;
	}
	if (!err) {
		const u8 *t = phys_to_virt(pa);

		memcpy(&len, t + 4, 4);
		err = pcicfg_mcfg_parse(t, len, ecam, PCICFG_MAX_ECAM, &n_ecam);
	}
	if (err)
		panic("pci: malformed ACPI MCFG (%d): the ECAM window cannot be guarded", err);
	for (u32 i = 0; i < n_ecam; i++)
		hv_printf("pci: ECAM %lx buses %02x-%02x hidden from the OS (MCFG out of %u "
			  "root-table entries; writes go through ports 0xcf8/0xcfc)\n",
			  ecam[i].base + ((u64)ecam[i].start_bus << 20), ecam[i].start_bus,
			  ecam[i].end_bus, hidden);
}

void pciguard_hide_ecam(struct frame_table *t)
{
	for (u32 i = 0; i < n_ecam; i++) {
		u64 base = ecam[i].base + ((u64)ecam[i].start_bus << 20);
		u64 size = (u64)(ecam[i].end_bus - ecam[i].start_bus + 1) << 20;

		/* Frames beyond the table are the OS's MMIO: a window there
		 * would stay in its EPT/NPT. */
		if ((base + size) >> PAGE_SHIFT > t->nframes)
			panic("pci: ECAM %lx-%lx lies above the frame table: cannot hide it",
			      base, base + size);
		frames_set_range(t, base, size, FRAME_HV);
	}
}
