/* Physical frames of dynamic memory, the program's page tables, demand
 * faults and the user-copy functions of api.h. The frames are MIEE
 * offsets in [dyn_off, dyn_off + mem_limit): the libOS picks each
 * address and asks the hypervisor to back it (HC_MIEE_MAP; when its
 * reserve is short, the runner donates more: LIBOS_HC_GROW), or, with
 * LIBOS_BF_PREMAPPED, the runner added the whole range unmeasured before
 * HC_MIEE_INIT. Either way a frame is zeroed before use: its contents
 * came from the OS. Long runs of freed frames go back (HC_MIEE_UNMAP,
 * frames.c) after munmap and MADV_DONTNEED. docs/libos.md, "Memory". */
#include "kernel.h"

#include "frames.h"

struct vma_map vmas;
uint64_t mm_pages_mapped;

static struct frames frames;	/* frames.c: which frames are backed, free, given back */

static int fr_map(void *ctx, uint64_t off, uint64_t n);
static void fr_unmap(void *ctx, uint64_t off, uint64_t n);
static uint64_t *fr_link(void *ctx, uint64_t off);

static const struct frame_ops fr_ops = { fr_map, fr_unmap, fr_link, 0 };

void mm_init(void)
{
	if (frames_init(&frames, boot.dyn_off, boot.mem_limit, !!(boot.flags & LIBOS_BF_PREMAPPED),
			&fr_ops))
		libos_abort(LIBOS_ABORT_BOOT, "libos: dynamic memory of %lu bytes: more than 1 GiB",
			    (unsigned long)boot.mem_limit);
	vma_init(&vmas, LIBOS_USER_MIN, LIBOS_USER_MAX);
}

/* HC_MIEE_MAP at the libOS's own address, asking the runner for a
 * donation when the reserve is short. */
static int fr_map(void *ctx, uint64_t off, uint64_t n)
{
	uint64_t r;
	int tries;

	(void)ctx;
	for (tries = 0; tries < 2; tries++) {
		struct libos_hc *hc;

		r = hcall(HC_MIEE_MAP, off, n, MIEE_P_R | MIEE_P_W);
		if (r == 0)
			return 0;
		if ((int64_t)r != MIEE_ENOMEM)
			libos_abort(LIBOS_ABORT_NOMEM, "libos: HC_MIEE_MAP 0x%lx (%lu pages) refused: %ld",
				    off, n, (long)r);
		hc = hc_request();
		hc->nr = LIBOS_HC_GROW;
		hc->args[0] = (int64_t)(n > 256 ? n : 256);
		hc->in_len = 0;
		if (hc_call_locked() || *(volatile int64_t *)&hc->ret <= 0)
			return -ENOMEM;
	}
	return -ENOMEM;
}

/* HC_MIEE_UNMAP: scrubbed, back to this MIEE's reserve (the runner's
 * next donation is smaller), flushed from every CPU before it returns. */
static void fr_unmap(void *ctx, uint64_t off, uint64_t n)
{
	uint64_t done, k, r;

	(void)ctx;
	for (done = 0; done < n; done += k) {
		k = n - done < MIEE_ADD_MAX ? n - done : MIEE_ADD_MAX;
		r = hcall(HC_MIEE_UNMAP, off + done * PAGE, k, 0);
		if (r)
			libos_abort(LIBOS_ABORT_FAULT, "libos: HC_MIEE_UNMAP 0x%lx (%lu pages) refused: %ld",
				    (unsigned long)(off + done * PAGE), (unsigned long)k, (long)r);
	}
}

/* LIBOS_HC_SHRINK after HC_MIEE_UNMAP of n frames: the runner takes
 * them from the reserve back to the OS. Its answer changes nothing here
 * (a refusal leaves them in the reserve, for the next HC_MIEE_MAP). */
static void shrink_hint(uint64_t n)
{
	struct libos_hc *hc;

	if (!n)
		return;
	hc = hc_request();
	hc->nr = LIBOS_HC_SHRINK;
	hc->args[0] = (int64_t)n;
	hc->in_len = 0;
	hc_call_locked();
}

static uint64_t *fr_link(void *ctx, uint64_t off)
{
	(void)ctx;
	return (uint64_t *)DM(off);
}

/* For a checkpoint: the end of the frames ever handed out and of those
 * backed; -1 while frames were given back (holes below the end that are
 * mapped nowhere: the checkpoint would read them). A restore backs exactly
 * the same range again before it copies the frames back (ckpt.c); the
 * allocator's own state comes back with the libOS's data. */
int mm_ckpt_range(uint64_t *used_end, uint64_t *backed_end)
{
	if (frames.nholes)
		return -1;
	*used_end = frames.next;
	*backed_end = frames.backed;
	return 0;
}

int mm_back_to(uint64_t end)
{
	return frames_back_to(&frames, end);
}

int frame_alloc(uint64_t *pa)
{
	uint64_t f;

	if (frames_alloc(&frames, &f))
		return -ENOMEM;
	memset(DM(f), 0, PAGE);
	mm_pages_mapped++;
	*pa = f;
	return 0;
}

static int is_dyn(uint64_t pa)
{
	return pa >= frames.lo && pa < frames.hi;
}

void frame_free(uint64_t pa)
{
	if (!is_dyn(pa))
		return;		/* a measured page of the program file */
	if (frames_free(&frames, pa))
		libos_abort(LIBOS_ABORT_FAULT, "libos: frame 0x%lx freed but not in use",
			    (unsigned long)pa);
	mm_pages_mapped--;
}

/* The PTE slot for va, creating tables if asked; NULL if a table is
 * missing (create = 0), out of memory, or va runs into the libOS's own
 * 2 MiB leaves. */
static uint64_t *walk(uint64_t va, int create)
{
	uint64_t *t = DM(LIBOS_OFF_PML4);
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511], pa;

		if (!(*e & PTE_P)) {
			if (!create || frame_alloc(&pa))
				return 0;
			*e = pa | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0;
		}
		t = DM(*e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

uint64_t *pt_pte(uint64_t va)
{
	uint64_t *e = walk(va, 0);

	return e && (*e & PTE_P) ? e : 0;
}

int pt_map(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *e = walk(va, 1);

	if (!e)
		return -ENOMEM;
	*e = pa | flags;
	invlpg(va);
	return 0;
}

uint64_t pte_flags_of(uint32_t prot)
{
	return PTE_P | PTE_U | (prot & VMA_W ? PTE_W : 0) | (prot & VMA_X ? 0 : PTE_NX);
}

/* Next page-table boundary worth visiting after va when walk() found
 * nothing (skips absent tables wholesale). */
static uint64_t skip_absent(uint64_t va)
{
	uint64_t *t = DM(LIBOS_OFF_PML4);
	int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_P) || (e & PTE_PS))
			return (va | ((1ull << shift) - 1)) + 1;
		t = DM(e & PTE_ADDR);
	}
	return va + PAGE;
}

/* Frames leave only after every slot has flushed (thread_tlb_flush):
 * until then another thread's stale translation could still write one. */
#define UNMAP_BATCH 128u

static void free_batch(uint64_t *pa, unsigned *n)
{
	unsigned i;

	thread_tlb_flush();
	for (i = 0; i < *n; i++)
		frame_free(pa[i]);
	*n = 0;
}

void pt_unmap_range(uint64_t start, uint64_t end)
{
	uint64_t va = start, batch[UNMAP_BATCH];
	unsigned nb = 0;

	while (va < end && va >= start) {
		uint64_t *e = walk(va, 0);

		if (!e) {
			va = skip_absent(va);
			continue;
		}
		if (*e & PTE_P) {
			batch[nb++] = *e & PTE_ADDR;
			*e = 0;
			invlpg(va);
			if (nb == UNMAP_BATCH)
				free_batch(batch, &nb);
		}
		va += PAGE;
	}
	if (nb)
		free_batch(batch, &nb);
	/* Every freed frame is flushed from every slot already (free_batch):
	 * runs of them can go back to the hypervisor, and from its reserve
	 * to the OS. */
	shrink_hint(frames_trim(&frames, 0));
}

void pt_protect_range(uint64_t start, uint64_t end, uint32_t prot)
{
	uint64_t va = start;

	while (va < end && va >= start) {
		uint64_t *e = walk(va, 0);

		if (!e) {
			va = skip_absent(va);
			continue;
		}
		if (*e & PTE_P) {
			uint64_t pa = *e & PTE_ADDR;
			uint32_t p = is_dyn(pa) ? prot : prot & ~VMA_W;

			if (!(prot & (VMA_R | VMA_W | VMA_X)))
				*e = pa;	/* PROT_NONE: not present, frame kept */
			else
				*e = pa | pte_flags_of(p);
			invlpg(va);
		} else if (*e) {
			/* a PROT_NONE page keeping its frame */
			uint64_t pa = *e & PTE_ADDR;

			if (prot & (VMA_R | VMA_W | VMA_X))
				*e = pa | pte_flags_of(is_dyn(pa) ? prot : prot & ~VMA_W);
		}
		va += PAGE;
	}
	thread_tlb_flush();
}

static void out_of_memory(uint64_t va)
{
	libos_log("libos: out of memory (dynamic memory limit %lu bytes) at 0x%lx: killed",
		  boot.mem_limit, va);
	libos_exit(LIBOS_EXIT_SIGNAL(9));
}

int mm_touch(uint64_t va, int access)
{
	const struct vma *v;
	uint64_t page = PAGE_DOWN(va), *e, pa;
	uint32_t need = access == 1 ? VMA_W : access == 2 ? VMA_X : VMA_R | VMA_W | VMA_X;

	if (va >= LIBOS_USER_MAX || va < LIBOS_USER_MIN)
		return -EFAULT;
	v = vma_find(&vmas, va);
	if (!v || !(v->prot & need))
		return -EFAULT;
	if (access == 1 && v->kind == VMA_FILE)
		return -EFAULT;
	e = walk(page, 1);
	if (!e)
		out_of_memory(va);
	if (*e & PTE_P) {
		if (access == 1 && !(*e & PTE_W)) {
			*e |= PTE_W;
			invlpg(page);
		}
		return 0;
	}
	if (*e) {
		pa = *e & PTE_ADDR;	/* kept through PROT_NONE */
	} else if (v->kind == VMA_FILE) {
		pa = v->back + (page - v->start);
	} else if (frame_alloc(&pa)) {
		out_of_memory(va);
	}
	*e = pa | pte_flags_of(v->kind == VMA_FILE ? v->prot & ~VMA_W : v->prot);
	invlpg(page);
	return 0;
}

/* ---- api.h: the program's memory by user address */

static int range_ok(uint64_t uaddr, size_t n)
{
	return uaddr >= LIBOS_USER_MIN && uaddr <= LIBOS_USER_MAX && n <= LIBOS_USER_MAX - uaddr;
}

static int touch_range(uint64_t uaddr, size_t n, int access)
{
	uint64_t p;

	if (!n)
		return 0;
	if (!range_ok(uaddr, n))
		return -EFAULT;
	for (p = PAGE_DOWN(uaddr); p < uaddr + n; p += PAGE)
		if (mm_touch(p, access))
			return -EFAULT;
	return 0;
}

static void *kaddr(uint64_t uaddr)
{
	uint64_t *e = pt_pte(uaddr);

	return (unsigned char *)DM(*e & PTE_ADDR) + (uaddr & (PAGE - 1));
}

int copy_from_user(void *dst, uint64_t uaddr, size_t n)
{
	unsigned char *d = dst;

	if (touch_range(uaddr, n, 0))
		return -EFAULT;
	while (n) {
		size_t k = PAGE - (uaddr & (PAGE - 1));

		if (k > n)
			k = n;
		memcpy(d, kaddr(uaddr), k);
		d += k;
		uaddr += k;
		n -= k;
	}
	return 0;
}

int copy_to_user(uint64_t uaddr, const void *src, size_t n)
{
	const unsigned char *s = src;

	if (touch_range(uaddr, n, 1))
		return -EFAULT;
	while (n) {
		size_t k = PAGE - (uaddr & (PAGE - 1));

		if (k > n)
			k = n;
		memcpy(kaddr(uaddr), s, k);
		s += k;
		uaddr += k;
		n -= k;
	}
	return 0;
}

long strncpy_from_user(char *dst, uint64_t uaddr, size_t max)
{
	size_t i;

	for (i = 0; i < max; i++) {
		const char *p;

		if (!range_ok(uaddr + i, 1) || mm_touch(uaddr + i, 0))
			return -EFAULT;
		p = kaddr(uaddr + i);
		dst[i] = *p;
		if (!*p)
			return (long)i;
	}
	return -ENAMETOOLONG;
}
