/* The one boot-information structure both loaders fill (multiboot2 entry in
 * hypervisor/boot/, UEFI loader in hypervisor/efi/) before jumping to the
 * hypervisor's 64-bit entry. Physical addresses throughout. */
#ifndef HV_ABI_BOOTINFO_H
#define HV_ABI_BOOTINFO_H

/* struct hv_image_header, 8-byte aligned in the first 32 KiB of the loaded
 * image: magic, 64-bit entry (RDI = struct bootinfo *), the image's
 * physical start and end (end includes .bss, which the loader zeroes). */
#define HV_IMAGE_MAGIC 0x5244484f53495754 /* "TWISOHDR" little-endian */

#ifndef __ASSEMBLER__
#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 bi_u8; typedef __u32 bi_u32; typedef __u64 bi_u64;
#else
#include <stdint.h>
typedef uint8_t bi_u8; typedef uint32_t bi_u32; typedef uint64_t bi_u64;
#endif

#define BOOTINFO_MAGIC 0x4f464e49544f4f42ull /* "BOOTINFO" */
#define BOOTINFO_VERSION 1
#define BOOTINFO_MAX_MEM 128
#define BOOTINFO_MAX_MODS 8
#define BOOTINFO_CMDLINE 256

/* e820 types, as the guest will see them. */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

/* Module order is fixed: 0 = guest kernel (bzImage; its string is the
 * guest command line), 1 = guest initrd, 2.. = extra images (PALs). */
#define BOOTINFO_MOD_KERNEL 0
#define BOOTINFO_MOD_INITRD 1

#define BOOTINFO_F_UEFI (1u << 0)	/* came through the UEFI loader */
#define BOOTINFO_F_DRTM (1u << 1)	/* a DRTM event measured the image */

struct bootinfo_mem {
	bi_u64 base;
	bi_u64 len;
	bi_u32 type;
	bi_u32 pad;
};

struct bootinfo_mod {
	bi_u64 base;
	bi_u64 len;
	char string[BOOTINFO_CMDLINE];
};

struct bootinfo {
	bi_u64 magic;
	bi_u32 version;
	bi_u32 flags;
	bi_u64 rsdp;		/* 0 when the loader found none */
	bi_u64 image_base;	/* where the hypervisor image sits */
	bi_u64 image_size;
	bi_u32 n_mem;
	bi_u32 n_mods;
	struct bootinfo_mem mem[BOOTINFO_MAX_MEM];
	struct bootinfo_mod mods[BOOTINFO_MAX_MODS];
	char cmdline[BOOTINFO_CMDLINE];	/* the hypervisor's own */
};

_Static_assert(sizeof(struct bootinfo_mem) == 24, "bootinfo_mem layout");
_Static_assert(sizeof(struct bootinfo_mod) == 16 + BOOTINFO_CMDLINE, "mod layout");

struct hv_image_header {
	bi_u64 magic;		/* HV_IMAGE_MAGIC */
	bi_u64 entry64;
	bi_u64 image_start;
	bi_u64 image_end;
};
#endif /* __ASSEMBLER__ */

#endif
