/* Frame-ownership table: every owner change of a physical frame goes
 * through here.  Runs in the hypervisor; built for host unit tests too. */
#include "types.h"
#include "errno.h"
#include "platform.h"
#include "frames.h"

/* Set on the frames of a list while frames_give_range_check runs, to find
 * duplicates in one pass; always clear between calls. */
#define FRAME_F_LISTED 0x01

/* The only place an entry changes, so count[] stays exact. */
static void frames_set(struct frame_table *t, u64 pfn, enum frame_kind kind,
		       u16 miee)
{
	struct frame_owner *f = &t->e[pfn];

	t->count[f->kind]--;
	t->count[kind]++;
	f->kind = kind;
	f->miee = miee;
}

int frames_init(struct frame_table *t, struct frame_owner *storage,
		u64 nframes)
{
	int k;

	if (!t || !storage || !nframes)
		return -EINVAL;
	/* pfn << PAGE_SHIFT must not overflow. */
	if (nframes > (1ull << (64 - PAGE_SHIFT)))
		return -ERANGE;
	memset(storage, 0, nframes * sizeof(*storage));
	t->e = storage;
	t->nframes = nframes;
	t->mmio_top = nframes;
	for (k = 0; k < FRAME_KINDS; k++)
		t->count[k] = 0;
	t->count[FRAME_ABSENT] = nframes;
	t->sealed = false;
	return 0;
}

int frames_set_range(struct frame_table *t, u64 base, u64 size,
		     enum frame_kind kind)
{
	u64 end, first, last, pfn;
	u8 cur;

	if (!t)
		return -EINVAL;
	if (t->sealed)
		return -EPERM;
	if (kind != FRAME_ABSENT && kind != FRAME_HV && kind != FRAME_OS &&
	    kind != FRAME_MMIO)
		return -EINVAL;
	if (size > ~0ull - base)
		return -EINVAL;
	if (!size)
		return 0;	/* touches no frame, even when unaligned */
	end = base + size;

	/* In frame numbers, so rounding cannot overflow.  A partial frame
	 * is not usable RAM, but it must not be handed out as RAM either. */
	first = base >> PAGE_SHIFT;
	last = end >> PAGE_SHIFT;
	if (kind == FRAME_OS) {
		if (base & (PAGE_SIZE - 1))
			first++;
	} else if (end & (PAGE_SIZE - 1)) {
		last++;
	}
	if (last > t->nframes)
		last = t->nframes;

	for (pfn = first; pfn < last; pfn++) {
		cur = t->e[pfn].kind;
		/* HV wins; MIEE/SHARED frames change only by reclaim. */
		if (cur == FRAME_ABSENT || cur == FRAME_OS ||
		    cur == FRAME_MMIO)
			frames_set(t, pfn, kind, 0);
	}
	return 0;
}

void frames_seal(struct frame_table *t)
{
	if (t)
		t->sealed = true;
}

int frames_set_mmio_top(struct frame_table *t, u64 top)
{
	if (!t)
		return -EINVAL;
	if (t->sealed)
		return -EPERM;
	if (top < t->nframes || top > (1ull << (64 - PAGE_SHIFT)))
		return -EINVAL;
	t->mmio_top = top;
	return 0;
}

/* Everything frames_give checks, without changing anything. */
static int frames_give_ok(const struct frame_table *t, u64 pfn,
			  enum frame_kind kind, u16 miee)
{
	if (pfn >= t->nframes)
		return pfn < t->mmio_top ? -EPERM : -ERANGE;
	if ((kind != FRAME_MIEE && kind != FRAME_SHARED) || !miee)
		return -EINVAL;
	switch (t->e[pfn].kind) {
	case FRAME_OS:
		return 0;
	case FRAME_MIEE:
	case FRAME_SHARED:
		return -EBUSY;
	default:		/* HV, MMIO, ABSENT */
		return -EPERM;
	}
}

int frames_give(struct frame_table *t, u64 pfn, enum frame_kind kind,
		u16 miee)
{
	int err;

	if (!t)
		return -EINVAL;
	err = frames_give_ok(t, pfn, kind, miee);
	if (err)
		return err;
	frames_set(t, pfn, kind, miee);
	return 0;
}

int frames_give_range_check(struct frame_table *t, const u64 *pfns, u64 n,
			    enum frame_kind kind, u16 miee)
{
	u64 i, j;
	int err = 0;

	if (!t || (n && !pfns))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		err = frames_give_ok(t, pfns[i], kind, miee);
		if (err)
			break;
		if (t->e[pfns[i]].flags & FRAME_F_LISTED) {
			err = -EBUSY;	/* the second give would fail */
			break;
		}
		t->e[pfns[i]].flags |= FRAME_F_LISTED;
	}
	/* pfns[0..i) are all in range: clear their marks. */
	for (j = 0; j < i; j++)
		t->e[pfns[j]].flags &= ~FRAME_F_LISTED;
	return err;
}

int frames_give_list(struct frame_table *t, const u64 *pfns, u64 n,
		     enum frame_kind kind, u16 miee)
{
	u64 i;
	int err;

	err = frames_give_range_check(t, pfns, n, kind, miee);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		frames_set(t, pfns[i], kind, miee);
	return 0;
}

int frames_reclaim(struct frame_table *t, u64 pfn, u16 miee)
{
	struct frame_owner *f;

	if (!t)
		return -EINVAL;
	if (pfn >= t->nframes)
		return -ERANGE;
	f = &t->e[pfn];
	if ((f->kind != FRAME_MIEE && f->kind != FRAME_SHARED) ||
	    f->miee != miee || !miee)
		return -EPERM;
	/*
	 * Scrub enclave memory while the enclave still owns it, so there is
	 * no moment at which the OS owns a frame holding enclave data.
	 * SHARED frames are left alone: the OS could read them all along,
	 * so they hold nothing it has not been able to see.
	 */
	if (f->kind == FRAME_MIEE)
		memset(phys_to_virt(pfn << PAGE_SHIFT), 0, PAGE_SIZE);
	frames_set(t, pfn, FRAME_OS, 0);
	return 0;
}

enum frame_kind frames_kind(const struct frame_table *t, u64 pfn)
{
	if (!t)
		return FRAME_ABSENT;
	if (pfn >= t->nframes)
		return pfn < t->mmio_top ? FRAME_MMIO : FRAME_ABSENT;
	return t->e[pfn].kind;
}

u16 frames_miee(const struct frame_table *t, u64 pfn)
{
	if (!t || pfn >= t->nframes)
		return 0;
	return t->e[pfn].miee;
}

u64 frames_count(const struct frame_table *t, enum frame_kind kind)
{
	if (!t || (unsigned)kind >= FRAME_KINDS)
		return 0;
	return t->count[kind];
}

u64 frames_count_miee(const struct frame_table *t, u16 miee)
{
	u64 pfn, n = 0;

	if (!t || !miee)
		return 0;
	for (pfn = 0; pfn < t->nframes; pfn++)
		if ((t->e[pfn].kind == FRAME_MIEE ||
		     t->e[pfn].kind == FRAME_SHARED) && t->e[pfn].miee == miee)
			n++;
	return n;
}

int frames_hpa_mappable_by_os(const struct frame_table *t, u64 hpa, u64 size)
{
	u64 pfn, last;

	if (!t || !size || size - 1 > ~0ull - hpa)
		return 0;
	last = (hpa + size - 1) >> PAGE_SHIFT;
	if (last >= t->mmio_top)
		return 0;
	/* Frames from nframes on are MMIO: only the table's need a look. */
	for (pfn = hpa >> PAGE_SHIFT; pfn <= last && pfn < t->nframes; pfn++) {
		switch (t->e[pfn].kind) {
		case FRAME_OS:
		case FRAME_MMIO:
		case FRAME_SHARED:
			break;
		default:
			return 0;
		}
	}
	return 1;
}
