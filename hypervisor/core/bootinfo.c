/* Checks and queries on the boot-information structure both loaders fill. */
#include "hv.h"
#include "console.h"

int bootinfo_check(const struct bootinfo *bi)
{
	if (bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION)
		return -EINVAL;
	if (bi->n_mem == 0 || bi->n_mem > BOOTINFO_MAX_MEM)
		return -EINVAL;
	if (bi->n_mods > BOOTINFO_MAX_MODS)
		return -EINVAL;
	return 0;
}

/* True when [base, base + size) lies entirely in one RAM range. */
bool bootinfo_is_ram(const struct bootinfo *bi, u64 base, u64 size)
{
	for (u32 i = 0; i < bi->n_mem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];

		if (m->type == E820_RAM && base >= m->base && base + size <= m->base + m->len)
			return true;
	}
	return false;
}

void bootinfo_dump(const struct bootinfo *bi)
{
	static const char *const names[] = { "?", "ram", "reserved", "acpi", "nvs", "unusable" };

	hv_printf("memory map (%u entries):\n", bi->n_mem);
	for (u32 i = 0; i < bi->n_mem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];

		hv_printf("  %016lx-%016lx %s\n", m->base, m->base + m->len,
			  m->type < ARRAY_SIZE(names) ? names[m->type] : "other");
	}
	for (u32 i = 0; i < bi->n_mods; i++)
		hv_printf("module %u: %lx+%lx '%s'\n", i, bi->mods[i].base,
			  bi->mods[i].len, bi->mods[i].string);
	hv_printf("rsdp %lx, flags %x, cmdline '%s'\n", bi->rsdp, bi->flags, bi->cmdline);
}
