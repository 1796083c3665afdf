/* libFuzzer harness: the libOS's ELF parser (libos/elf.c). Input: a
 * program file. Either it is refused with a reason, or every accepted
 * segment satisfies what the loader (libos/exec.c) relies on: file bytes
 * inside the input, filesz <= memsz, page-disjoint ascending segments
 * inside [lo, hi), no W+X, the entry in an executable segment, AT_PHDR
 * inside a segment, and a non-PIE inside the user range. */
#include <string.h>
#include "fuzz.h"
#include "../../libos/elf.h"

#define UMIN 0x400000ull
#define UMAX 0x00007ffffffff000ull
#define PG 4096ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info e;
	const char *why = NULL;
	uint64_t prev_end = 0;
	int in_x = 0, phdr_in = 0;
	unsigned i;

	if (elf_parse(data, size, UMIN, UMAX, &e, &why)) {
		FUZZ_CHECK(why && *why);
		return 0;
	}
	FUZZ_CHECK(e.nseg >= 1 && e.nseg <= ELF_MAX_LOAD);
	FUZZ_CHECK(e.phent == 56 && e.phnum >= 1);
	FUZZ_CHECK(e.lo < e.hi && !(e.lo % PG) && !(e.hi % PG));
	if (!e.pie)
		FUZZ_CHECK(e.lo >= UMIN && e.hi <= UMAX);
	else
		FUZZ_CHECK(e.hi - e.lo <= ELF_PIE_SPAN);
	for (i = 0; i < e.nseg; i++) {
		const struct elf_seg *s = &e.seg[i];
		uint64_t lo = s->vaddr & ~(PG - 1), hi = (s->vaddr + s->memsz + PG - 1) & ~(PG - 1);

		FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		FUZZ_CHECK(s->off <= size && s->filesz <= size - s->off);
		FUZZ_CHECK(s->vaddr + s->memsz > s->vaddr);
		FUZZ_CHECK(((s->vaddr ^ s->off) & (PG - 1)) == 0);
		FUZZ_CHECK(!((s->prot & ELF_W) && (s->prot & ELF_X)));
		FUZZ_CHECK(!(s->prot & ELF_X) || s->filesz == s->memsz);
		FUZZ_CHECK(lo >= e.lo && hi <= e.hi);
		FUZZ_CHECK(i == 0 || lo >= prev_end);
		prev_end = hi;
		if ((s->prot & ELF_X) && e.entry >= s->vaddr && e.entry - s->vaddr < s->memsz)
			in_x = 1;
		if (e.phdr >= lo && e.phdr < hi)
			phdr_in = 1;
	}
	FUZZ_CHECK(in_x);
	/* Without a PT_PHDR, AT_PHDR must point into a loaded segment. */
	if (!phdr_in) {
		uint64_t phoff = 0;
		int have_pt_phdr = 0;

		memcpy(&phoff, data + 32, 8);
		for (i = 0; i < e.phnum; i++)
			if (data[phoff + 56 * i] == 6 && !data[phoff + 56 * i + 1] &&
			    !data[phoff + 56 * i + 2] && !data[phoff + 56 * i + 3])
				have_pt_phdr = 1;
		FUZZ_CHECK(have_pt_phdr);
	}
	return 0;
}
