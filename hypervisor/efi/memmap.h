/* UEFI memory map → e820 conversion for the UEFI loader (hypervisor/efi/).
 * Pure logic: runs after ExitBootServices, and builds on the host too. */
#ifndef HV_EFI_MEMMAP_H
#define HV_EFI_MEMMAP_H

#include <stdint.h>
#include "hv/bootinfo.h"

/* EFI_MEMORY_TYPE values (UEFI 2.10 7.2, AllocatePages). */
enum {
	MM_EFI_RESERVED = 0,
	MM_EFI_LOADER_CODE = 1,
	MM_EFI_LOADER_DATA = 2,
	MM_EFI_BS_CODE = 3,
	MM_EFI_BS_DATA = 4,
	MM_EFI_RT_CODE = 5,
	MM_EFI_RT_DATA = 6,
	MM_EFI_CONVENTIONAL = 7,
	MM_EFI_UNUSABLE = 8,
	MM_EFI_ACPI_RECLAIM = 9,
	MM_EFI_ACPI_NVS = 10,
	MM_EFI_MMIO = 11,
	MM_EFI_MMIO_PORT = 12,
	MM_EFI_PAL_CODE = 13,
	MM_EFI_PERSISTENT = 14,
	MM_EFI_UNACCEPTED = 15,
};

/* EFI_MEMORY_SP: "specific purpose" memory the OS should not use as
 * general RAM (UEFI 2.10 7.2, GetMemoryMap attributes). */
#define MM_EFI_ATTR_SP 0x40000ull

/* EFI_MEMORY_DESCRIPTOR (UEFI 2.10 7.2, GetMemoryMap). Entries in the map
 * are DescriptorSize apart, which may be more than sizeof() of this. */
struct mm_efi_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys;
	uint64_t virt;
	uint64_t pages;
	uint64_t attr;
};

#define MM_EFI_PAGE_SHIFT 12

uint32_t mm_e820_type(uint32_t efi_type, uint64_t attr);
uint32_t mm_convert(const void *map, uint64_t map_size, uint64_t desc_size,
		    struct bootinfo_mem *out, uint32_t max, int *dropped);

#endif
