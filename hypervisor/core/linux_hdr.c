/* The bzImage setup header (Documentation/arch/x86/boot.rst): what the
 * hypervisor needs from it to start Linux, checked. Pure byte handling:
 * runs in the hypervisor (core/linux.c) and in tests/fuzz/fuzz_bzimage. */
#include "hv.h"
#include "linux.h"

/* Offsets in the setup header (boot.rst, "The Real-Mode Kernel Header"). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_MIN_END (HDR_INIT_SIZE + 4)	/* protocol 2.12 has every field used */

#define XLF_KERNEL_64 BIT(0)

static u32 rd(const u8 *k, u32 off, unsigned n)
{
	u32 v = 0;

	memcpy(&v, k + off, n);
	return v;
}

int linux_parse_header(const u8 *k, u64 len, struct linux_kernel *out, const char **why)
{
	u32 align, sects;
	u64 pref;

	*why = NULL;
	if (len < LINUX_HDR_MIN_FILE || rd(k, HDR_BOOT_FLAG, 2) != 0xaa55 ||
	    rd(k, HDR_MAGIC, 4) != 0x53726448 /* "HdrS" */) {
		*why = "not a Linux bzImage (no boot flag or HdrS magic)";
		return -EINVAL;
	}
	if (rd(k, HDR_VERSION, 2) < 0x020c || !(rd(k, HDR_XLOADFLAGS, 2) & XLF_KERNEL_64)) {
		*why = "the kernel lacks the 64-bit boot protocol (2.12, XLF_KERNEL_64)";
		return -EINVAL;
	}
	/* The jump's displacement byte ends the header (boot.rst, "jump"). */
	out->hdr_end = HDR_MAGIC + rd(k, HDR_JUMP + 1, 1);
	if (out->hdr_end < HDR_MIN_END) {
		*why = "the setup header is shorter than protocol 2.12's";
		return -EINVAL;
	}
	sects = rd(k, HDR_SETUP_SECTS, 1);
	out->setup_size = ((u64)(sects ? sects : 4) + 1) * 512;
	if (out->setup_size >= len || out->hdr_end > out->setup_size) {
		*why = "setup_sects leaves no protected-mode code";
		return -EINVAL;
	}
	align = rd(k, HDR_KERNEL_ALIGNMENT, 4);
	memcpy(&pref, k + HDR_PREF_ADDRESS, 8);
	out->load = pref;
	out->init_size = rd(k, HDR_INIT_SIZE, 4);
	if (!align || (align & (align - 1)) || (pref & (align - 1))) {
		*why = "pref_address is not a multiple of a power-of-two kernel_alignment";
		return -EINVAL;
	}
	/* The protected-mode code is copied to pref_address: it must fit in
	 * the init_size bytes that are checked to be free RAM. */
	out->code_size = len - out->setup_size;
	if (out->init_size < out->code_size || pref > ~0ull - out->init_size) {
		*why = "init_size smaller than the kernel, or pref_address + init_size wraps";
		return -EINVAL;
	}
	out->initrd_limit = (u64)rd(k, HDR_INITRD_ADDR_MAX, 4) + 1;
	out->cmdline_max = rd(k, HDR_CMDLINE_SIZE, 4);
	return 0;
}
