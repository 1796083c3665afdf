/* The program's memory system calls, all inside the MIEE: the libOS picks
 * every address from its own VMA map (vma.c); pages come on first touch
 * (mm.c). A MAP_PRIVATE mapping of a file is anonymous memory filled
 * with the file's bytes through forwarded pread64 calls (file_map()). */
#include "api.h"
#include "kernel.h"
#include "linux.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_DONTNEED 4
#define MMAP_TOP 0x7f0000000000ull	/* mmap searches down from here */
#define MMAP_FLOOR 0x10000000000ull	/* ... to here: above brk */
#define BRK_MAX (1ull << 36)		/* brk grows at most 64 GiB */

static uint64_t brk_base, brk_cur;

void mem_set_brk(uint64_t base)
{
	brk_base = brk_cur = base;
}

static int len_ok(uint64_t len)
{
	return len && len <= LIBOS_USER_MAX;
}

long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off);

/* MAP_PRIVATE of a file: a private copy, read now. The area is made
 * anonymous and writable, filled with pread64 from fd at off (the host's
 * bytes: untrusted like any read; each answer passed the read checks),
 * the rest past the end of the file left zero, then set to prot. Not
 * executable (dynamic memory never is: EACCES), not shared (a change
 * would have to reach the file and other mappers: ENODEV, read-only ones
 * too: they would have to see the file's later changes); both with a log
 * line. The pread64 calls hold the libOS lock (in_forward is 0 here), so
 * no other thread sees the area half filled. Any failure unmaps the area
 * again: nothing is left. */
static long file_map(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		     uint64_t off)
{
	uint64_t type = flags & (MAP_SHARED | MAP_PRIVATE), done = 0;
	long start, r = 0;
	int handled;

	if (type == (MAP_SHARED | MAP_PRIVATE) || !type)
		return -EINVAL;
	if (flags & MAP_SHARED) {
		libos_log("libos: mmap: MAP_SHARED of file descriptor %d refused (ENODEV): a shared "
			  "file mapping would need the host to see the pages", (int)(int32_t)fd);
		return -ENODEV;
	}
	if (prot & VMA_X) {
		libos_log("libos: mmap: PROT_EXEC of file descriptor %d refused (EACCES): dynamic "
			  "memory is never executable", (int)(int32_t)fd);
		return -EACCES;
	}
	if ((int32_t)fd < 0)
		return -EBADF;
	if (off > (1ull << 62) - PAGE_UP(len))
		return -LX_EOVERFLOW;
	start = sys_mmap(addr, len, VMA_R | VMA_W, flags | MAP_ANONYMOUS, (uint64_t)-1, 0);
	if (start < 0)
		return start;
	while (done < len) {
		uint64_t a[6] = { (uint32_t)fd, (uint64_t)start + done, len - done, off + done };

		r = libos_forward(LX_pread64, a, &handled);
		if (!handled)
			r = -ENODEV;
		if (r <= 0)
			break;
		done += (uint64_t)r;
	}
	if (r < 0) {
		sys_munmap((uint64_t)start, len);
		return r == -LX_ESPIPE ? -ENODEV : r;
	}
	if (prot != (VMA_R | VMA_W) && (r = sys_mprotect((uint64_t)start, len, prot)) < 0) {
		sys_munmap((uint64_t)start, len);
		return r;
	}
	return start;
}

long sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
	uint64_t known = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN |
			 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_NORESERVE | MAP_POPULATE | MAP_STACK |
			 MAP_FIXED_NOREPLACE;
	uint64_t start;
	int r;

	if (!len_ok(len) || (prot & ~7ull) || (flags & ~known) || (off & (PAGE - 1)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return file_map(addr, len, prot, flags, fd, off);
	if ((flags & MAP_SHARED) && (flags & MAP_PRIVATE))
		return -EINVAL;
	if (prot & VMA_X)
		return -EACCES;	/* dynamic memory is never executable */
	len = PAGE_UP(len);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE - 1) || addr < LIBOS_USER_MIN || addr > LIBOS_USER_MAX - len)
			return -EINVAL;
		start = addr;
		if (flags & MAP_FIXED_NOREPLACE) {
			if (vma_find_gap(&vmas, len, start, start + len, &addr) || addr != start)
				return -EEXIST;
		} else {
			/* Replace whatever was there; no slot, no change. */
			if (vmas.n + 2 > VMA_MAX)
				return -ENOMEM;
			pt_unmap_range(start, start + len);
			vma_remove(&vmas, start, start + len);
		}
	} else if (vma_find_gap(&vmas, len, MMAP_FLOOR, MMAP_TOP, &start)) {
		return -ENOMEM;
	}
	r = vma_insert(&vmas, start, start + len, (uint32_t)prot, VMA_ANON, 0);
	if (r)
		return r == -EEXIST ? -ENOMEM : r;
	return (long)start;
}

long sys_munmap(uint64_t addr, uint64_t len)
{
	int r;

	if (addr & (PAGE - 1) || !len_ok(len) || addr < LIBOS_USER_MIN ||
	    addr > LIBOS_USER_MAX - PAGE_UP(len))
		return -EINVAL;
	len = PAGE_UP(len);
	r = vma_remove(&vmas, addr, addr + len);
	if (r)
		return r;
	pt_unmap_range(addr, addr + len);
	return 0;
}

long sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	uint64_t p;
	int r;

	if (addr & (PAGE - 1) || (prot & ~7ull) || addr < LIBOS_USER_MIN)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_UP(len);
	if (len > LIBOS_USER_MAX - addr)
		return -ENOMEM;
	/* The program file's pages can never be writable; anonymous ones
	 * never executable (the hypervisor maps them so). */
	for (p = addr; p < addr + len;) {
		const struct vma *v = vma_find(&vmas, p);

		if (!v)
			return -ENOMEM;
		if ((v->kind == VMA_FILE && (prot & VMA_W)) || (v->kind == VMA_ANON && (prot & VMA_X)))
			return -EACCES;
		p = v->end;
	}
	r = vma_protect(&vmas, addr, addr + len, (uint32_t)prot);
	if (r)
		return r;
	pt_protect_range(addr, addr + len, (uint32_t)prot);
	return 0;
}

/* Moves the present pages of [from, from + len) to [to, to + len). */
static int move_pages(uint64_t from, uint64_t to, uint64_t len, uint32_t prot)
{
	uint64_t k;

	for (k = 0; k < len; k += PAGE) {
		uint64_t *e = pt_pte(from + k), pa;

		if (!e)
			continue;
		pa = *e & PTE_ADDR;
		if (pt_map(to + k, pa, pte_flags_of(prot)))
			return -ENOMEM;
		*e = 0;
		invlpg(from + k);
	}
	thread_tlb_flush();
	return 0;
}

long sys_mremap(uint64_t old, uint64_t olen, uint64_t nlen, uint64_t flags, uint64_t naddr)
{
	const struct vma *v;
	uint64_t to, gap;
	uint32_t prot;

	(void)naddr;
	if (old & (PAGE - 1) || !len_ok(olen) || !len_ok(nlen) || (flags & ~3ull) ||
	    (flags & MREMAP_FIXED))
		return -EINVAL;
	olen = PAGE_UP(olen);
	nlen = PAGE_UP(nlen);
	v = vma_find(&vmas, old);
	if (!v || v->kind != VMA_ANON || old + olen > v->end)
		return -EFAULT;
	prot = v->prot;
	if (nlen <= olen) {
		if (nlen < olen && sys_munmap(old + nlen, olen - nlen))
			return -ENOMEM;
		return (long)old;
	}
	/* Grow in place when the pages after it are free. */
	if (old + nlen <= LIBOS_USER_MAX && !vma_find_gap(&vmas, nlen - olen, old + olen, old + nlen, &gap) &&
	    gap == old + olen) {
		if (vma_insert(&vmas, old + olen, old + nlen, prot, VMA_ANON, 0))
			return -ENOMEM;
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	if (vma_find_gap(&vmas, nlen, MMAP_FLOOR, MMAP_TOP, &to) ||
	    vma_insert(&vmas, to, to + nlen, prot, VMA_ANON, 0))
		return -ENOMEM;
	if (move_pages(old, to, olen, prot)) {
		pt_unmap_range(to, to + nlen);
		vma_remove(&vmas, to, to + nlen);
		return -ENOMEM;
	}
	vma_remove(&vmas, old, old + olen);
	return (long)to;
}

long sys_brk(uint64_t addr)
{
	uint64_t want = PAGE_UP(addr), cur = PAGE_UP(brk_cur);

	if (!addr || addr < brk_base || addr > brk_base + BRK_MAX)
		return (long)brk_cur;
	if (want > cur) {
		uint64_t gap;

		if (vma_find_gap(&vmas, want - cur, cur, want, &gap) || gap != cur ||
		    vma_insert(&vmas, cur, want, VMA_R | VMA_W, VMA_ANON, 0))
			return (long)brk_cur;
	} else if (want < cur) {
		if (vma_remove(&vmas, want, cur))
			return (long)brk_cur;
		pt_unmap_range(want, cur);
	}
	brk_cur = addr;
	return (long)brk_cur;
}

long sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	uint64_t p;

	if (addr & (PAGE - 1) || addr < LIBOS_USER_MIN || len > LIBOS_USER_MAX - addr)
		return -EINVAL;
	len = PAGE_UP(len);
	if (!vma_covered(&vmas, addr, addr + len))
		return -ENOMEM;
	if (advice != MADV_DONTNEED)
		return 0;	/* a hint only */
	for (p = addr; p < addr + len;) {
		const struct vma *v = vma_find(&vmas, p);

		if (v->kind == VMA_FILE)
			return -EINVAL;
		p = v->end;
	}
	pt_unmap_range(addr, addr + len);	/* zero pages on the next touch */
	return 0;
}
