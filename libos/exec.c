/* Loads the program the runner placed in the MIEE (its ELF file, measured,
 * at boot.program_off) and starts it at CPL 3: segments mapped in place
 * (read-only ones, from the measured file pages) or copied into dynamic
 * memory (writable ones), the stack with argv, envp and auxv, then IRETQ.
 * docs/libos.md, "Loading". */
#include "elf.h"
#include "kernel.h"

#define PIE_BASE 0x555555554000ull
#define STACK_TOP 0x7ffffffde000ull
#define STACK_SIZE (8ull << 20)
#define MAX_ARGS 4096
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

static uint32_t vma_prot(uint32_t p)
{
	return (p & ELF_R ? VMA_R : 0) | (p & ELF_W ? VMA_W : 0) | (p & ELF_X ? VMA_X : 0);
}

static void load_segment(const struct elf_seg *s, uint64_t bias)
{
	uint64_t start = PAGE_DOWN(s->vaddr + bias), end = PAGE_UP(s->vaddr + bias + s->memsz);
	uint32_t prot = vma_prot(s->prot);
	uint64_t p;
	int r;

	if (!(s->prot & ELF_W) && s->filesz == s->memsz) {
		/* In place: the measured file pages themselves. */
		r = vma_insert(&vmas, start, end, prot, VMA_FILE,
			       boot.program_off + PAGE_DOWN(s->off));
		if (r)
			libos_abort(LIBOS_ABORT_ELF, "libos: segment 0x%lx-0x%lx: no room (%d)", start, end, r);
		return;
	}
	r = vma_insert(&vmas, start, end, prot | VMA_W, VMA_ANON, 0);
	if (r)
		libos_abort(LIBOS_ABORT_ELF, "libos: segment 0x%lx-0x%lx: no room (%d)", start, end, r);
	/* Copy the file's bytes; the rest of the pages stays zero. */
	for (p = start; p < end; p += PAGE) {
		uint64_t seg_lo = s->vaddr + bias, file_hi = seg_lo + s->filesz;
		uint64_t lo = p > seg_lo ? p : seg_lo, hi = p + PAGE < file_hi ? p + PAGE : file_hi;

		if (mm_touch(p, 1))
			libos_abort(LIBOS_ABORT_NOMEM, "libos: no memory for segment page 0x%lx", p);
		if (lo < hi)
			memcpy((unsigned char *)DM(*pt_pte(p) & PTE_ADDR) + (lo - p),
			       (const unsigned char *)DM(boot.program_off) + s->off + (lo - seg_lo), hi - lo);
	}
	if (!(prot & VMA_W)) {
		vma_protect(&vmas, start, end, prot);
		pt_protect_range(start, end, prot);
	}
}

/* The argument blob: argc strings then envc strings, each NUL-terminated,
 * all inside args_size. Returns the strings' start, or aborts. */
static const char *check_args(uint32_t *argc, uint32_t *envc, uint64_t *len)
{
	const struct libos_args *h = DM(boot.args_off);
	const char *s = (const char *)(h + 1);
	uint64_t size = boot.args_size, i = 0, n = 0;

	if (size < sizeof(*h))
		libos_abort(LIBOS_ABORT_BOOT, "libos: argument blob shorter than its header");
	*argc = h->argc;
	*envc = h->envc;
	size -= sizeof(*h);
	if (*argc < 1 || *argc > MAX_ARGS || *envc > MAX_ARGS)
		libos_abort(LIBOS_ABORT_BOOT, "libos: argc %u / envc %u out of range", *argc, *envc);
	for (; n < (uint64_t)*argc + *envc; n++) {
		while (i < size && s[i])
			i++;
		if (i == size)
			libos_abort(LIBOS_ABORT_BOOT, "libos: argument string %lu runs past the blob", n);
		i++;
	}
	*len = i;
	return s;
}

static uint64_t hwcap(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

static void put_user(uint64_t at, const void *p, size_t n)
{
	if (copy_to_user(at, p, n))
		libos_abort(LIBOS_ABORT_NOMEM, "libos: cannot write the initial stack at 0x%lx", at);
}

/* The initial stack (System V x86-64 ABI 3.4.1): argc, argv[], NULL,
 * envp[], NULL, auxv pairs, then the strings and AT_RANDOM's 16 bytes. */
static uint64_t build_stack(const struct elf_info *e, uint64_t bias)
{
	static uint64_t vec[2 * MAX_ARGS + 64];
	uint32_t argc, envc, k;
	uint64_t len, sp = STACK_TOP, strs, rnd, plat, *v = vec, n, off = 0;
	const char *s = check_args(&argc, &envc, &len);
	unsigned char random[16];

	if (vma_insert(&vmas, STACK_TOP - STACK_SIZE, STACK_TOP, VMA_R | VMA_W, VMA_ANON, 0))
		libos_abort(LIBOS_ABORT_NOMEM, "libos: no room for the stack");
	if (utpm_random(random, sizeof(random)))
		libos_abort(LIBOS_ABORT_BOOT, "libos: HC_UTPM_GET_RANDOM failed (AT_RANDOM)");
	sp -= 16;
	rnd = sp;
	put_user(rnd, random, 16);
	sp -= 8;
	plat = sp;
	put_user(plat, "x86_64", 7);
	sp -= len;
	strs = sp;
	put_user(strs, s, len);

	*v++ = argc;
	for (k = 0; k < argc + envc; k++) {
		if (k == argc)
			*v++ = 0;
		*v++ = strs + off;
		off += strlen(s + off) + 1;
	}
	if (!envc)
		*v++ = 0;
	*v++ = 0;
#define AUX(t, val) do { *v++ = (t); *v++ = (val); } while (0)
	AUX(AT_PHDR, e->phdr + bias);
	AUX(AT_PHENT, e->phent);
	AUX(AT_PHNUM, e->phnum);
	AUX(AT_PAGESZ, PAGE);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, e->entry + bias);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_PLATFORM, plat);
	AUX(AT_HWCAP, hwcap());
	AUX(AT_CLKTCK, 100);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	AUX(AT_HWCAP2, 0);
	AUX(AT_EXECFN, strs);
	AUX(AT_NULL, 0);
#undef AUX
	n = (uint64_t)(v - vec);
	sp = (sp - n * 8) & ~15ull;
	put_user(sp, vec, n * 8);
	return sp;
}

void exec_program(void)
{
	struct elf_info e;
	const char *why = "";
	uint64_t bias, top = 0;
	struct regs r;
	unsigned i;

	if (elf_parse(DM(boot.program_off), boot.program_size, LIBOS_USER_MIN, LIBOS_USER_MAX, &e,
		      &why))
		libos_abort(LIBOS_ABORT_ELF, "libos: the program's ELF is refused: %s", why);
	bias = e.pie ? PIE_BASE - e.lo : 0;
	for (i = 0; i < e.nseg; i++)
		load_segment(&e.seg[i], bias);
	for (i = 0; i < e.nseg; i++)
		if (PAGE_UP(e.seg[i].vaddr + bias + e.seg[i].memsz) > top)
			top = PAGE_UP(e.seg[i].vaddr + bias + e.seg[i].memsz);
	mem_set_brk(top);
	memset(&r, 0, sizeof(r));
	r.rsp = build_stack(&e, bias);
	r.rip = e.entry + bias;
	r.cs = SEL_UCODE;
	r.ss = SEL_UDATA;
	r.rflags = 0x202;
	enter_user(&r);
}
