/* libFuzzer harness: the UEFI loader's ELF64 checks and loading
 * (hypervisor/efi/elf.c). Input: the hypervisor file. elf_check() runs on
 * every input; when it accepts a range that fits in low host memory (below
 * 1 GiB, at most 16 MiB), the range is mapped at its physical address and
 * elf_copy() and elf_find_header() run on it as in the loader. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "fuzz.h"
#include "loader.h"
#include "efi_support.h"

#define COPY_LIMIT (1ull << 30)
#define COPY_MAX (16ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldr_elf e = { 0, 0 };
	const struct hv_image_header *h;
	void *file = malloc(size ? size : 1), *at;
	int err;

	memcpy(file, data, size);
	efi_messages = 0;
	err = elf_check(file, size, &e);
	if (err) {
		FUZZ_CHECK(err == -1 && efi_messages == 1);
		goto out;
	}
	FUZZ_CHECK(efi_messages == 0);
	FUZZ_CHECK(e.lo >= LDR_HV_MIN && e.lo < e.hi && e.hi <= LDR_HV_MAX);
	FUZZ_CHECK(e.hi - e.lo <= LDR_HV_MAX_SIZE);
	FUZZ_CHECK(!(e.lo % LDR_PAGE) && !(e.hi % LDR_PAGE));
	if (e.hi > COPY_LIMIT || e.hi - e.lo > COPY_MAX)
		goto out;
	at = mmap((void *)e.lo, e.hi - e.lo, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (at != (void *)e.lo) {
		if (at != MAP_FAILED)
			munmap(at, e.hi - e.lo);
		goto out;
	}
	elf_copy(file, &e);
	h = elf_find_header(&e);
	if (h) {
		FUZZ_CHECK((u64)h >= e.lo && (u64)h + sizeof(*h) <= e.hi && !((u64)h % 8));
		FUZZ_CHECK(h->magic == HV_IMAGE_MAGIC);
		FUZZ_CHECK(h->image_start >= e.lo && h->image_end <= e.hi);
		FUZZ_CHECK(h->entry64 >= h->image_start && h->entry64 < h->image_end);
	} else {
		FUZZ_CHECK(efi_messages == 1);
	}
	munmap(at, e.hi - e.lo);
out:
	free(file);
	return 0;
}
