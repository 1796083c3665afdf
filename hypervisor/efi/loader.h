/* Shared declarations of the UEFI loader (hypervisor/efi/): console output,
 * ELF loading of the hypervisor, the hand-off. Runs under UEFI boot services. */
#ifndef HV_EFI_LOADER_H
#define HV_EFI_LOADER_H

#include <efi.h>
#include "hv/bootinfo.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define LDR_PAGE 4096ul
#define LDR_PAGES(n) (((n) + LDR_PAGE - 1) / LDR_PAGE)
#define LDR_MIB (1ul << 20)
#define LDR_GIB (1ul << 30)

extern EFI_SYSTEM_TABLE *ldr_st;
extern EFI_BOOT_SERVICES *ldr_bs;

/* fmt.c: "loader: "-prefixed console output through ConOut (which OVMF
 * also sends to the serial port). Formats: %s (char *), %c, %d, %u, %x,
 * with an l for 64-bit (%lu, %lx). */
void lprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lerror(EFI_STATUS st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ldr_status_name(EFI_STATUS st);
void ldr_com1_puts(const char *s);

void *memset(void *d, int c, UINTN n);
void *memcpy(void *d, const void *s, UINTN n);
int memcmp(const void *a, const void *b, UINTN n);
UINTN strlen(const char *s);

/* cfg.c: \hv\loader.cfg, lines "key=value" (docs/boot-uefi.md). */
#define CFG_PATH "\\hv\\loader.cfg"
/* Module 0's string is "vmlinuz <cmdline>"; the hypervisor skips the word. */
#define KERNEL_WORD "vmlinuz"

struct ldr_cfg {
	char hv[BOOTINFO_CMDLINE];
	char kernel[BOOTINFO_CMDLINE];
	char initrd[BOOTINFO_CMDLINE];
	char cmdline[BOOTINFO_CMDLINE];
	char hv_cmdline[BOOTINFO_CMDLINE];
};

/* Fill *cfg from size bytes of text (modified in place); EFI_SUCCESS, or an
 * error after lerror() named the line and what is wrong with it. */
EFI_STATUS cfg_parse(char *text, u64 size, struct ldr_cfg *cfg);

/* elf.c: the hypervisor image (ELF64, ET_EXEC, run at its physical address). */
#define LDR_HV_MIN (1 * LDR_MIB)	/* image must lie in [1 MiB, 4 GiB) */
#define LDR_HV_MAX (4 * LDR_GIB)
#define LDR_HV_MAX_SIZE (256 * LDR_MIB)
#define LDR_HDR_SCAN (32 * 1024)	/* struct hv_image_header search window */

struct ldr_elf {
	u64 lo, hi;			/* page-aligned physical range to allocate */
};

int elf_check(const void *file, u64 size, struct ldr_elf *out);
void elf_copy(const void *file, const struct ldr_elf *e);
const struct hv_image_header *elf_find_header(const struct ldr_elf *e);

/* Port I/O, for the serial ports once the firmware is gone. */
static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* handoff.S: position-independent code copied below 1 MiB. */
extern const u8 ldr_tramp[], ldr_tramp_end[];

#endif
