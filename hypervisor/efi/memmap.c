/* UEFI memory map → e820 conversion for the UEFI loader: runs after
 * ExitBootServices (no firmware calls, no allocation), builds on the host. */
#include "memmap.h"

/* The memory the OS may use once boot services are gone is RAM; ACPI
 * tables and NVS keep their e820 types; the rest is reserved (ACPI 6.4
 * 15.3, Table 15.6; UEFI 2.10 7.2, Table 7.7 "after ExitBootServices"). */
uint32_t mm_e820_type(uint32_t efi_type, uint64_t attr)
{
	switch (efi_type) {
	case MM_EFI_CONVENTIONAL:
	case MM_EFI_BS_CODE:
	case MM_EFI_BS_DATA:
	case MM_EFI_LOADER_CODE:
	case MM_EFI_LOADER_DATA:
		/* Specific-purpose memory is kept back from the OS. */
		return attr & MM_EFI_ATTR_SP ? E820_RESERVED : E820_RAM;
	case MM_EFI_ACPI_RECLAIM:
		return E820_ACPI;
	case MM_EFI_ACPI_NVS:
		return E820_NVS;
	case MM_EFI_UNUSABLE:
		return E820_UNUSABLE;
	default:
		/* Reserved, runtime services, MMIO, PAL, persistent memory,
		 * unaccepted memory (nothing here accepts it) and anything
		 * newer than this code. */
		return E820_RESERVED;
	}
}

/*
 * Emit the map's descriptors in address order (the firmware need not sort
 * them: UEFI 2.10 7.2), converted, with touching ranges of one type merged.
 * Selection by "next lowest base" needs no scratch memory; maps have a few
 * hundred entries at most. At most max entries are written; *dropped
 * counts the (highest) ranges that did not fit. Returns the count.
 */
uint32_t mm_convert(const void *map, uint64_t map_size, uint64_t desc_size,
		    struct bootinfo_mem *out, uint32_t max, int *dropped)
{
	const uint8_t *p = map;
	uint64_t n = desc_size >= sizeof(struct mm_efi_desc) ? map_size / desc_size : 0;
	uint64_t last = 0;
	int have_last = 0;
	uint32_t cnt = 0;

	*dropped = 0;
	for (;;) {
		const struct mm_efi_desc *best = 0;
		uint64_t len;
		uint32_t type;

		for (uint64_t i = 0; i < n; i++) {
			const struct mm_efi_desc *d = (const void *)(p + i * desc_size);

			if (!d->pages || (have_last && d->phys <= last))
				continue;
			if (!best || d->phys < best->phys)
				best = d;
		}
		if (!best)
			break;
		last = best->phys;
		have_last = 1;
		len = best->pages << MM_EFI_PAGE_SHIFT;
		type = mm_e820_type(best->type, best->attr);
		if (cnt && out[cnt - 1].type == type &&
		    out[cnt - 1].base + out[cnt - 1].len == best->phys) {
			out[cnt - 1].len += len;
			continue;
		}
		if (cnt == max) {
			(*dropped)++;
			continue;
		}
		out[cnt].base = best->phys;
		out[cnt].len = len;
		out[cnt].type = type;
		out[cnt].pad = 0;
		cnt++;
	}
	return cnt;
}
