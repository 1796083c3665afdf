/* Start Linux as the guest through the x86 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): place the kernel and initrd, fill
 * boot_params (e820, command line, initrd, RSDP), and build the initial
 * 64-bit state with an identity map and a flat GDT in guest memory. */
#include "hv.h"
#include "layout.h"
#include "console.h"
#include "linux.h"
#include "smp.h"
#include "x86.h"

/* Low guest memory used only until the kernel sets up its own tables. */
#define GUEST_GDT 0x1000
#define GUEST_BOOT_PARAMS 0x7000
#define GUEST_PML4 0x9000
#define GUEST_PDPT 0xa000
#define GUEST_PD 0xb000		/* four pages: 4 GiB of 2 MiB pages */
#define GUEST_CMDLINE 0x20000
#define GUEST_CMDLINE_MAX 4096

/* Offsets in the setup header / boot_params (boot.rst, zero-page.rst). */
#define BP_ACPI_RSDP 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define HDR_SETUP_SECTS 0x1f1
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

struct e820_entry {
	u64 addr, size;
	u32 type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820_entry) == 20, "boot_params e820 entry");

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Highest page-aligned place below limit for len bytes, in RAM, clear of
 * the hypervisor and of the given ranges (base, length). 0 if none. */
static u64 find_high(const struct bootinfo *bi, u64 len, u64 limit,
		     const u64 (*avoid)[2], int navoid)
{
	u64 no[8][2], best = 0;
	int n = 0;

	no[n][0] = hv_layout.image_base;
	no[n++][1] = hv_layout.image_end - hv_layout.image_base;
	no[n][0] = hv_layout.pool_base;
	no[n++][1] = hv_layout.pool_end - hv_layout.pool_base;
	for (int k = 0; k < navoid && n < 8; k++, n++) {
		no[n][0] = avoid[k][0];
		no[n][1] = avoid[k][1];
	}
	for (u32 i = 0; i < bi->n_mem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		u64 end = m->base + m->len < limit ? m->base + m->len : limit;

		while (m->type == E820_RAM && end > m->base && end - m->base >= len) {
			u64 at = ALIGN_DOWN(end - len, PAGE_SIZE);
			int k;

			if (at < m->base)
				break;
			for (k = 0; k < n; k++)
				if (overlaps(at, len, no[k][0], no[k][1]))
					break;
			if (k == n) {
				if (at > best)
					best = at;
				break;
			}
			end = no[k][0];		/* retry below the clash */
		}
	}
	return best;
}

/* The guest's e820: the firmware's map with hypervisor memory reserved. */
static u32 build_e820(const struct bootinfo *bi, struct e820_entry *e)
{
	const u64 hv[3][2] = {
		{ AP_TRAMPOLINE_PA, AP_TRAMPOLINE_PA + PAGE_SIZE },
		{ hv_layout.image_base, hv_layout.image_end },
		{ hv_layout.pool_base, hv_layout.pool_end },
	};
	u32 n = 0;

	for (u32 i = 0; i < bi->n_mem && n < BP_E820_MAX - 4; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		u64 base = m->base, end = m->base + m->len;

		if (m->type != E820_RAM) {
			e[n++] = (struct e820_entry){ base, m->len, m->type };
			continue;
		}
		/* Cut the (sorted, disjoint) hypervisor ranges out of RAM. */
		for (int k = 0; k < 3 && base < end; k++) {
			if (hv[k][1] <= base || hv[k][0] >= end)
				continue;
			if (hv[k][0] > base)
				e[n++] = (struct e820_entry){ base, hv[k][0] - base, E820_RAM };
			base = hv[k][1];
		}
		if (base < end)
			e[n++] = (struct e820_entry){ base, end - base, E820_RAM };
	}
	for (int k = 0; k < 3; k++)
		e[n++] = (struct e820_entry){ hv[k][0], hv[k][1] - hv[k][0], E820_RESERVED };
	return n;
}

int linux_prepare(const struct bootinfo *bi, struct vcpu_init_state *s)
{
	const struct bootinfo_mod *km = &bi->mods[BOOTINFO_MOD_KERNEL];
	const u8 *k = (const u8 *)km->base;
	u8 *bp = (u8 *)GUEST_BOOT_PARAMS;
	struct linux_kernel lk;
	u64 load, init_size, initrd = 0, initrd_len = 0, pml4;
	const char *cmd, *why;

	if (bi->n_mods < 1)
		panic("no guest kernel: give it as the first module");
	if (linux_parse_header(k, km->len, &lk, &why))
		panic("module 0: %s", why);
	load = lk.load;
	init_size = lk.init_size;
	if (hv_owns(load, init_size) || !bootinfo_is_ram(bi, load, init_size))
		panic("kernel load range %lx+%lx is not free RAM", load, init_size);

	/* Move the initrd first (high, clear of everything), then the kernel. */
	if (bi->n_mods > BOOTINFO_MOD_INITRD) {
		const struct bootinfo_mod *im = &bi->mods[BOOTINFO_MOD_INITRD];
		const u64 avoid[2][2] = { { load, init_size }, { km->base, km->len } };
		u64 limit = lk.initrd_limit;

		initrd_len = im->len;
		initrd = find_high(bi, initrd_len, limit, avoid, 2);
		if (!initrd)
			panic("no room below %lx for a %lx-byte initrd", limit, initrd_len);
		memmove((void *)initrd, (const void *)im->base, initrd_len);
	}
	memmove((void *)load, k + lk.setup_size, lk.code_size);

	/* boot_params: zeroed, then the kernel's own setup header. */
	memset(bp, 0, PAGE_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, k + HDR_SETUP_SECTS, lk.hdr_end - HDR_SETUP_SECTS);
	*(u8 *)(bp + HDR_TYPE_OF_LOADER) = 0xff;
	*(u8 *)(bp + HDR_LOADFLAGS) |= 0x01;	/* LOADED_HIGH */
	cmd = km->string;
	while (*cmd && *cmd != ' ')		/* skip the module's file name */
		cmd++;
	while (*cmd == ' ')
		cmd++;
	if (strlen(cmd) >= GUEST_CMDLINE_MAX || strlen(cmd) > lk.cmdline_max)
		panic("guest command line too long");
	strlcpy((char *)GUEST_CMDLINE, cmd, GUEST_CMDLINE_MAX);
	*(u32 *)(bp + HDR_CMD_LINE_PTR) = GUEST_CMDLINE;
	*(u32 *)(bp + BP_EXT_CMD_LINE_PTR) = 0;
	*(u32 *)(bp + HDR_RAMDISK_IMAGE) = (u32)initrd;
	*(u32 *)(bp + BP_EXT_RAMDISK_IMAGE) = (u32)(initrd >> 32);
	*(u32 *)(bp + HDR_RAMDISK_SIZE) = (u32)initrd_len;
	*(u32 *)(bp + BP_EXT_RAMDISK_SIZE) = (u32)(initrd_len >> 32);
	*(u64 *)(bp + BP_ACPI_RSDP) = bi->rsdp;
	*(u8 *)(bp + BP_E820_ENTRIES) =
		(u8)build_e820(bi, (struct e820_entry *)(bp + BP_E820_TABLE));

	/* Flat GDT: 0x10 = __BOOT_CS (64-bit code), 0x18 = __BOOT_DS. */
	u64 *gdt = (u64 *)GUEST_GDT;
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;

	/* Identity map of the first 4 GiB with 2 MiB pages. */
	pml4 = GUEST_PML4;
	memset((void *)GUEST_PML4, 0, 6 * PAGE_SIZE);
	*(u64 *)GUEST_PML4 = GUEST_PDPT | 3;
	for (int i = 0; i < 4; i++)
		((u64 *)GUEST_PDPT)[i] = (GUEST_PD + i * PAGE_SIZE) | 3;
	for (u64 i = 0; i < 2048; i++)
		((u64 *)GUEST_PD)[i] = (i << 21) | 0x83;

	memset(s, 0, sizeof(*s));
	s->rip = load + 0x200;		/* startup_64 */
	s->rsp = 0;			/* the kernel sets its own stack */
	s->rflags = 2;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	s->cr3 = pml4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->gdt_base = GUEST_GDT;
	s->gdt_limit = 4 * 8 - 1;
	s->cs = 0x10;
	s->ds = 0x18;
	s->regs.rsi = GUEST_BOOT_PARAMS;
	hv_printf("linux: kernel at %lx (init_size %lx), initrd at %lx+%lx, cmdline '%s'\n",
		  load, init_size, initrd, initrd_len, (const char *)GUEST_CMDLINE);
	return 0;
}
