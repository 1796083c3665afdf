/* Multiboot2 front end: turn GRUB's information structure into the common
 * struct bootinfo (multiboot2 spec 3.6) and enter hv_main(). 64-bit, early. */
#include "hv.h"
#include "console.h"

#define MB2_BOOT_MAGIC 0x36d76289
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_module {
	struct mb2_tag tag;
	u32 start, end;
	char string[];
};

struct mb2_mmap {
	struct mb2_tag tag;
	u32 entry_size, entry_version;
	u8 entries[];
};

struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};

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
	u32 total;

	console_init();
	if (magic != MB2_BOOT_MAGIC)
		panic("not started by a multiboot2 loader (magic %x)", magic);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->image_base = (u64)__hv_start;
	bi->image_size = (u64)__hv_end - (u64)__hv_start;

	total = *(const u32 *)p;
	for (u32 off = 8; off + 8 <= total;) {
		const struct mb2_tag *t = (const void *)(p + off);

		if (t->type == MB2_TAG_END || t->size < 8)
			break;
		if (t->type == MB2_TAG_CMDLINE) {
			strlcpy(bi->cmdline, (const char *)(t + 1), sizeof(bi->cmdline));
		} else if (t->type == MB2_TAG_MODULE) {
			const struct mb2_module *m = (const void *)t;
			struct bootinfo_mod *bm;

			if (bi->n_mods >= BOOTINFO_MAX_MODS)
				panic("more than %d multiboot2 modules", BOOTINFO_MAX_MODS);
			bm = &bi->mods[bi->n_mods++];
			bm->base = m->start;
			bm->len = m->end - m->start;
			strlcpy(bm->string, m->string, sizeof(bm->string));
		} else if (t->type == MB2_TAG_MMAP) {
			const struct mb2_mmap *m = (const void *)t;

			for (u32 e = 16; e + m->entry_size <= t->size; e += m->entry_size) {
				const struct mb2_mmap_entry *me = (const void *)((const u8 *)m + e);

				if (bi->n_mem >= BOOTINFO_MAX_MEM)
					panic("memory map has more than %d entries", BOOTINFO_MAX_MEM);
				bi->mem[bi->n_mem].base = me->base;
				bi->mem[bi->n_mem].len = me->len;
				bi->mem[bi->n_mem].type = me->type;
				bi->n_mem++;
			}
		}
		off += (t->size + 7) & ~7u;
	}
	bi->rsdp = find_rsdp();
	hv_main(bi);
}
