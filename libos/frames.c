/* Frame bookkeeping for dynamic memory (frames.h): a free list linked
 * through the frames, a bitmap of which frames are on it (so runs can be
 * found and given back), and the holes: ranges below the bump pointer
 * given back with HC_MIEE_UNMAP, mapped again when the free list is
 * empty. Freestanding; the caller holds the libOS lock. */
#include "frames.h"

#define ENOMEM 12
#define EINVAL 22

static uint64_t idx(const struct frames *f, uint64_t off)
{
	return (off - f->lo) / FRAMES_PAGE;
}

static int bit(const struct frames *f, uint64_t off)
{
	uint64_t i = idx(f, off);

	return (int)(f->bits[i / 64] >> (i % 64)) & 1;
}

static void set_bit(struct frames *f, uint64_t off, int on)
{
	uint64_t i = idx(f, off);

	if (on)
		f->bits[i / 64] |= 1ull << (i % 64);
	else
		f->bits[i / 64] &= ~(1ull << (i % 64));
}

int frames_init(struct frames *f, uint64_t lo, uint64_t size, int premapped,
		const struct frame_ops *ops)
{
	uint64_t i;

	if (size % FRAMES_PAGE || size / FRAMES_PAGE > FRAMES_MAX)
		return -1;
	f->lo = lo;
	f->hi = lo + size;
	f->backed = premapped ? f->hi : lo;
	f->next = lo;
	f->head = 0;
	f->nfree = 0;
	f->freed_since = 0;
	f->given = 0;
	f->premapped = premapped;
	f->nholes = 0;
	for (i = 0; i < FRAMES_MAX / 64; i++)
		f->bits[i] = 0;
	f->ops = ops;
	return 0;
}

static void push(struct frames *f, uint64_t off)
{
	*f->ops->link(f->ops->ctx, off) = f->head;
	f->head = off;
	f->nfree++;
	set_bit(f, off, 1);
}

/* The first pages of the last hole mapped again, onto the free list
 * (lowest first). Nothing changes when the map fails. */
static int refill(struct frames *f)
{
	uint64_t off = f->holes[f->nholes - 1].off, n = f->holes[f->nholes - 1].n, i;

	if (n > FRAMES_BATCH)
		n = FRAMES_BATCH;
	if (f->ops->map(f->ops->ctx, off, n))
		return -ENOMEM;
	f->holes[f->nholes - 1].off += n * FRAMES_PAGE;
	f->holes[f->nholes - 1].n -= n;
	if (!f->holes[f->nholes - 1].n)
		f->nholes--;
	f->given -= n;
	for (i = n; i-- > 0;)
		push(f, off + i * FRAMES_PAGE);
	return 0;
}

/* More frames at the bump end. */
static int back_more(struct frames *f)
{
	uint64_t n = FRAMES_BATCH;

	if (f->backed >= f->hi)
		return -ENOMEM;
	if ((f->hi - f->backed) / FRAMES_PAGE < n)
		n = (f->hi - f->backed) / FRAMES_PAGE;
	if (f->ops->map(f->ops->ctx, f->backed, n))
		return -ENOMEM;
	f->backed += n * FRAMES_PAGE;
	return 0;
}

int frames_back_to(struct frames *f, uint64_t end)
{
	while (f->backed < end)
		if (back_more(f))
			return -ENOMEM;
	return f->backed == end ? 0 : -EINVAL;
}

int frames_alloc(struct frames *f, uint64_t *off)
{
	if (!f->head && f->nholes && refill(f))
		return -ENOMEM;
	if (f->head) {
		*off = f->head;
		f->head = *f->ops->link(f->ops->ctx, *off);
		f->nfree--;
		set_bit(f, *off, 0);
		return 0;
	}
	if (f->next >= f->backed && back_more(f))
		return -ENOMEM;
	*off = f->next;
	f->next += FRAMES_PAGE;
	return 0;
}

int frames_free(struct frames *f, uint64_t off)
{
	unsigned i;

	if (off < f->lo || off >= f->next || (off - f->lo) % FRAMES_PAGE || bit(f, off))
		return -1;
	for (i = 0; i < f->nholes; i++)
		if (off >= f->holes[i].off && off < f->holes[i].off + f->holes[i].n * FRAMES_PAGE)
			return -1;	/* given back: not handed out */
	push(f, off);
	f->freed_since++;
	return 0;
}

/* Note [off, +n pages) as a hole, joined to one it touches. 0, or -1
 * when the list is full (nothing noted). */
static int add_hole(struct frames *f, uint64_t off, uint64_t n)
{
	unsigned i;

	for (i = 0; i < f->nholes; i++) {
		if (f->holes[i].off + f->holes[i].n * FRAMES_PAGE == off) {
			f->holes[i].n += n;
			return 0;
		}
		if (off + n * FRAMES_PAGE == f->holes[i].off) {
			f->holes[i].off = off;
			f->holes[i].n += n;
			return 0;
		}
	}
	if (f->nholes == FRAMES_HOLES_MAX)
		return -1;
	f->holes[f->nholes].off = off;
	f->holes[f->nholes].n = n;
	f->nholes++;
	return 0;
}

uint64_t frames_trim(struct frames *f, int force)
{
	uint64_t off = f->lo, given = 0, w, nw;

	if (f->premapped || (!force && f->freed_since < FRAMES_TRIM_EVERY))
		return 0;
	f->freed_since = 0;
	while (off < f->next) {
		uint64_t start, n, i;

		if (!f->bits[idx(f, off) / 64]) {
			off = f->lo + (idx(f, off) / 64 + 1) * 64 * FRAMES_PAGE;
			continue;
		}
		if (!bit(f, off)) {
			off += FRAMES_PAGE;
			continue;
		}
		for (start = off; off < f->next && bit(f, off); off += FRAMES_PAGE)
			;
		n = (off - start) / FRAMES_PAGE;
		if (n < FRAMES_TRIM_RUN || add_hole(f, start, n))
			continue;
		f->ops->unmap(f->ops->ctx, start, n);
		for (i = 0; i < n; i++)
			set_bit(f, start + i * FRAMES_PAGE, 0);
		given += n;
	}
	if (!given)
		return 0;
	/* The free list again, from the bits that are left (lowest first). */
	f->head = 0;
	f->nfree = 0;
	nw = (idx(f, f->next) + 63) / 64;
	for (w = nw; w-- > 0;) {
		int b;

		for (b = 63; b >= 0; b--)
			if (f->bits[w] >> b & 1) {
				uint64_t o = f->lo + (w * 64 + (uint64_t)b) * FRAMES_PAGE;

				*f->ops->link(f->ops->ctx, o) = f->head;
				f->head = o;
				f->nfree++;
			}
	}
	f->given += given;
	return given;
}
