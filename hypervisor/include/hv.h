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

/* Memory the hypervisor keeps for itself: its image and its page pool.
 * Both are e820-reserved for the guest and absent from its EPT/NPT. */
struct hv_layout {
	u64 image_base, image_end;
	u64 pool_base, pool_end;
	u64 ram_top;		/* end of the highest RAM range */
	u64 phys_top;		/* end of what the OS's EPT/NPT maps up front */
	u64 phys_limit;		/* 2^MAXPHYADDR: [phys_top, phys_limit) is the
				 * OS's MMIO, mapped on first touch */
};
extern struct hv_layout hv_layout;

bool hv_owns(u64 pa, u64 size);	/* any overlap with hypervisor memory */

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
