/* How tpm_tis.c reaches the TPM's registers and the clock: MMIO loads and
 * stores and RDTSC in the hypervisor; with HV_HOST_TEST, functions that a
 * host program provides (tests/fuzz/fuzz_tis.c scripts a fake TPM). */
#ifndef HV_TPM_TIS_IO_H
#define HV_TPM_TIS_IO_H

#include "types.h"

#ifdef HV_HOST_TEST
u8 tis_io_rd8(volatile u8 *reg);
u32 tis_io_rd32(volatile u8 *reg);
void tis_io_wr8(volatile u8 *reg, u8 v);
u64 tis_io_tsc(void);
#else
#include "x86.h"

static inline u8 tis_io_rd8(volatile u8 *reg)
{
	return *reg;
}

static inline u32 tis_io_rd32(volatile u8 *reg)
{
	return *(volatile u32 *)reg;
}

static inline void tis_io_wr8(volatile u8 *reg, u8 v)
{
	*reg = v;
}

static inline u64 tis_io_tsc(void)
{
	return rdtsc();
}
#endif

#endif
