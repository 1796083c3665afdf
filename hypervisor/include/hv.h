/* Core declarations shared by the vendor-neutral hypervisor files. */
#ifndef HV_HV_H
#define HV_HV_H

#include "types.h"
#include "errno.h"
#include "platform.h"
#include "hv/bootinfo.h"

extern char __hv_start[], __hv_end[];

size_t strlen(const char *s);
size_t strlcpy(char *d, const char *s, size_t n);

void hv_main(struct bootinfo *bi) __attribute__((noreturn));

/* palloc.c */
void palloc_init(u64 base, u64 end);
void *palloc_contig(u64 npages);	/* boot time only */
u64 palloc_free_pages(void);

/* cpu.c: GDT, TSS and IDT of the hypervisor. */
void cpu_tables_init(void);		/* boot CPU: fill, then load */
void cpu_tables_load(u32 index);	/* CPU `index`: GDT, IDT, its TSS */
u64 cpu_tss_base(void);			/* this CPU's TSS */
#define HV_CS 0x08
#define HV_DS 0x10
#define HV_TR 0x18

/* paging.c */
void paging_init(const struct bootinfo *bi);
void paging_tramp_writable(bool writable);

/* bootinfo.c */
int bootinfo_check(const struct bootinfo *bi);
bool bootinfo_is_ram(const struct bootinfo *bi, u64 base, u64 size);
void bootinfo_dump(const struct bootinfo *bi);

#endif
