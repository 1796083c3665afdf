/* Multiboot2 front end: turn GRUB's information structure into the common
 * struct bootinfo (multiboot2 spec 3.6) and enter hv_main(). 64-bit, early. */
#include "hv.h"
#include "console.h"
#include "mb2.h"

#define MB2_BOOT_MAGIC 0x36d76289

static struct bootinfo mb2_bootinfo;

/* GRUB hands us a copy of the RSDP; Linux wants the original's address,
 * so look for it where ACPI 6.4 5.2.5.1 says it is on BIOS systems. */
static u64 find_rsdp(void)
{
	u64 ebda = (u64)(*(volatile u16 *)0x40e) << 4;
	u64 areas[2][2] = { { ebda, ebda + 1024 }, { 0xe0000, 0x100000 } };

	for (int a = 0; a < 2; a++) {
		if (!areas[a][0])
			continue;
		for (u64 p = areas[a][0]; p < areas[a][1]; p += 16) {
			const u8 *b = (const u8 *)p;
			u8 sum = 0;

			if (memcmp(b, "RSD PTR ", 8))
				continue;
			for (int i = 0; i < 20; i++)
				sum += b[i];
			if (!sum)
				return p;
		}
	}
	return 0;
}

void mb2_main(u32 magic, u32 info);

void mb2_main(u32 magic, u32 info)
{
	struct bootinfo *bi = &mb2_bootinfo;
	const u8 *p = (const u8 *)(u64)info;
	const char *why;

	console_init();
	if (magic != MB2_BOOT_MAGIC)
		panic("not started by a multiboot2 loader (magic %x)", magic);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->image_base = (u64)__hv_start;
	bi->image_size = (u64)__hv_end - (u64)__hv_start;

	/* GRUB gives no bound but total_size itself. */
	if (mb2_parse(p, *(const u32 *)p, bi, &why))
		panic("multiboot2 information: %s", why);
	bi->rsdp = find_rsdp();
	hv_main(bi);
}
