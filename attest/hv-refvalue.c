/* hv-refvalue: the reference values a verifier needs, computed from the
 * built hypervisor image alone (docs/drtm.md). Runs on any Linux host.
 *
 *   hv-refvalue image HV.ELF    SHA-256 of the measured image bytes
 *   hv-refvalue pcr17 HV.ELF    expected PCR 17 after the emulated DRTM:
 *                               SHA-256(32 zero bytes || SHA-256(image))
 *
 * The measured image is what the loader places in memory: every PT_LOAD
 * segment at its physical address, .bss zeroed, from the image header's
 * image_start to image_end (include/hv/bootinfo.h), which must reach the
 * last loaded byte. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "hv/bootinfo.h"

#define MAX_IMAGE (64u << 20)

static int die(const char *what, const char *why)
{
	fprintf(stderr, "hv-refvalue: %s: %s\n", what, why);
	return 1;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n <= (long)MAX_IMAGE &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Lay out the PT_LOAD segments as the loader does; NULL with *err set on a
 * malformed file. */
static unsigned char *load_image(const unsigned char *f, size_t flen, uint64_t *base,
				 uint64_t *size, uint64_t *loaded_end, const char **err)
{
	const Elf64_Ehdr *eh = (const void *)f;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned char *img = NULL;

	*err = "not an x86-64 ELF64 executable";
	if (flen < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr))
		return NULL;
	*err = "program headers out of the file";
	if (eh->e_phoff > flen || eh->e_phnum > (flen - eh->e_phoff) / sizeof(Elf64_Phdr))
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < eh->e_phnum; i++) {
			const Elf64_Phdr *ph = (const void *)(f + eh->e_phoff + i * sizeof(*ph));

			if (ph->p_type != PT_LOAD)
				continue;
			if (pass == 0) {
				*err = "a segment is out of range";
				if (ph->p_filesz > ph->p_memsz || ph->p_offset > flen ||
				    ph->p_filesz > flen - ph->p_offset ||
				    ph->p_memsz > MAX_IMAGE || ph->p_paddr > UINT32_MAX)
					return NULL;
				if (ph->p_paddr < lo)
					lo = ph->p_paddr;
				if (ph->p_paddr + ph->p_memsz > hi)
					hi = ph->p_paddr + ph->p_memsz;
			} else {
				memcpy(img + (ph->p_paddr - lo), f + ph->p_offset, ph->p_filesz);
			}
		}
		if (pass == 0) {
			*err = "no loadable segment, or the image is too large";
			if (lo >= hi || hi - lo > MAX_IMAGE)
				return NULL;
			*loaded_end = hi;
			/* The image ends page-aligned after .bss (hv.ld). */
			hi = lo + ((hi - lo + 4095) & ~4095ull);
			img = calloc(1, hi - lo);
			*err = strerror(ENOMEM);
			if (!img)
				return NULL;
		}
	}
	*base = lo;
	*size = hi - lo;
	return img;
}

int main(int argc, char **argv)
{
	unsigned char *file, *img, digest[32], pcr[32], buf[64] = { 0 };
	const struct hv_image_header *hdr = NULL;
	uint64_t base, size, off, loaded_end = 0;
	const char *err;
	size_t flen;

	if (argc != 3 || (strcmp(argv[1], "image") && strcmp(argv[1], "pcr17")))
		return die("usage", "hv-refvalue image|pcr17 HV.ELF");
	file = read_file(argv[2], &flen);
	if (!file)
		return die(argv[2], "cannot read (missing, empty or over 64 MiB)");
	img = load_image(file, flen, &base, &size, &loaded_end, &err);
	if (!img)
		return die(argv[2], err);
	for (off = 0; off + sizeof(*hdr) <= size && off < 32768; off += 8) {
		const struct hv_image_header *h = (const void *)(img + off);

		if (h->magic == HV_IMAGE_MAGIC) {
			hdr = h;
			break;
		}
	}
	if (!hdr || hdr->image_start != base || hdr->image_end <= hdr->image_start ||
	    hdr->image_end - hdr->image_start > size)
		return die(argv[2], "no valid hypervisor image header in the first 32 KiB");
	/* What is measured must hold every byte the loader places: a header
	 * whose range stops short would leave code or data unmeasured. */
	if (hdr->image_end < loaded_end)
		return die(argv[2], "the image header's range ends before the last loaded byte");
	SHA256(img, hdr->image_end - hdr->image_start, digest);
	memcpy(buf + 32, digest, 32);
	SHA256(buf, sizeof(buf), pcr);
	for (int i = 0; i < 32; i++)
		printf("%02x", !strcmp(argv[1], "image") ? digest[i] : pcr[i]);
	printf("\n");
	free(img);
	free(file);
	return 0;
}
