/* Loading Linux as the OS guest (core/linux.c, core/linux_hdr.c). */
#ifndef HV_LINUX_H
#define HV_LINUX_H

#include "hv.h"
#include "vcpu.h"

/* What core/linux.c uses from a bzImage's setup header. */
struct linux_kernel {
	u64 setup_size;		/* bytes before the protected-mode code */
	u64 code_size;		/* the protected-mode code (file - setup) */
	u64 load;		/* pref_address: where the code runs */
	u64 init_size;		/* bytes from load the kernel needs */
	u64 initrd_limit;	/* initrd_addr_max + 1 */
	u32 cmdline_max;	/* cmdline_size */
	u32 hdr_end;		/* end of the setup header (copied to boot_params) */
};

#define LINUX_HDR_MIN_FILE 0x1000

/* Check the header of the len-byte bzImage at k: the 64-bit boot protocol,
 * a setup part that leaves code, an aligned pref_address, an init_size that
 * holds the code. 0, or -EINVAL with *why naming what is wrong. */
int linux_parse_header(const u8 *k, u64 len, struct linux_kernel *out, const char **why);

int linux_prepare(const struct bootinfo *bi, struct vcpu_init_state *s);

#endif
