/* The multiboot2 information parser (boot/mb2_parse.c). */
#ifndef HV_BOOT_MB2_H
#define HV_BOOT_MB2_H

#include "hv.h"

/*
 * Fill bi's memory map, modules and command line from the multiboot2
 * information at info, of which avail bytes may be read. Every tag must lie
 * inside total_size (and total_size inside avail), strings must end inside
 * their tag and fit, the list must end with an end tag. 0, or -EINVAL /
 * -E2BIG with *why naming what is wrong; on error bi's n_mods and n_mem are
 * left as they were.
 */
int mb2_parse(const u8 *info, u64 avail, struct bootinfo *bi, const char **why);

#endif
