/* Multiboot2 information parser (multiboot2 spec 3.6): GRUB's tags into the
 * common struct bootinfo. Pure byte handling, no hardware access: runs
 * early in the hypervisor and in tests/fuzz/fuzz_mb2. */
#include "hv.h"
#include "mb2.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_HDR 8		/* type, size */
#define MB2_MODULE_HDR 16	/* type, size, mod_start, mod_end */
#define MB2_MMAP_HDR 16		/* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY 24	/* base_addr, length, type, reserved */

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* Copy a string that must end (NUL) inside [s, s + n) and fit in dst[max]. */
static int copy_str(char *dst, size_t max, const u8 *s, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		if (s[i])
			continue;
		if (i >= max)
			return -E2BIG;
		memcpy(dst, s, i + 1);
		return 0;
	}
	return -EINVAL;
}

int mb2_parse(const u8 *info, u64 avail, struct bootinfo *bi, const char **why)
{
	u64 off;
	u32 total, nmods = 0, nmem = 0;

	*why = NULL;
	if (avail < MB2_TAG_HDR) {
		*why = "information structure shorter than its header";
		return -EINVAL;
	}
	total = rd32(info);
	if (total < MB2_TAG_HDR || total > avail) {
		*why = "total_size out of range";
		return -EINVAL;
	}
	for (off = MB2_TAG_HDR;; off += ALIGN_UP(rd32(info + off + 4), 8)) {
		const u8 *t = info + off;
		u32 type, size;
		int err;

		if (off > total || total - off < MB2_TAG_HDR) {
			*why = "no end tag";
			return -EINVAL;
		}
		type = rd32(t);
		size = rd32(t + 4);
		if (size < MB2_TAG_HDR || size > total - off) {
			*why = "a tag's size runs past total_size";
			return -EINVAL;
		}
		if (type == MB2_TAG_END)
			break;
		if (type == MB2_TAG_CMDLINE) {
			err = copy_str(bi->cmdline, sizeof(bi->cmdline), t + 8, size - 8);
			if (err) {
				*why = err == -E2BIG ? "command line too long" :
						       "command line not NUL-terminated";
				return err;
			}
		} else if (type == MB2_TAG_MODULE) {
			struct bootinfo_mod *bm;
			u32 start, end;

			if (size < MB2_MODULE_HDR) {
				*why = "module tag too short";
				return -EINVAL;
			}
			if (nmods >= BOOTINFO_MAX_MODS) {
				*why = "more modules than BOOTINFO_MAX_MODS";
				return -E2BIG;
			}
			start = rd32(t + 8);
			end = rd32(t + 12);
			if (end < start) {
				*why = "a module ends before it starts";
				return -EINVAL;
			}
			bm = &bi->mods[nmods];
			err = copy_str(bm->string, sizeof(bm->string), t + 16, size - 16);
			if (err) {
				*why = err == -E2BIG ? "module string too long" :
						       "module string not NUL-terminated";
				return err;
			}
			bm->base = start;
			bm->len = end - start;
			nmods++;
		} else if (type == MB2_TAG_MMAP) {
			u32 esize;

			if (size < MB2_MMAP_HDR) {
				*why = "memory map tag too short";
				return -EINVAL;
			}
			esize = rd32(t + 8);
			if (esize < MB2_MMAP_ENTRY || esize % 8) {
				*why = "memory map entry_size is not a multiple of 8 >= 24";
				return -EINVAL;
			}
			for (u32 e = MB2_MMAP_HDR; size - e >= esize; e += esize) {
				if (nmem >= BOOTINFO_MAX_MEM) {
					*why = "memory map has more than BOOTINFO_MAX_MEM entries";
					return -E2BIG;
				}
				bi->mem[nmem].base = rd64(t + e);
				bi->mem[nmem].len = rd64(t + e + 8);
				bi->mem[nmem].type = rd32(t + e + 16);
				nmem++;
			}
		}
	}
	bi->n_mods = nmods;
	bi->n_mem = nmem;
	return 0;
}
