/* The program's VMA map (vma.h): pure, freestanding, host-testable. */
#include "lerrno.h"
#include "vma.h"

#define PAGE 4096ull

static int bad_range(const struct vma_map *m, uint64_t start, uint64_t end)
{
	return (start | end) & (PAGE - 1) || start >= end || start < m->lo || end > m->hi;
}

void vma_init(struct vma_map *m, uint64_t lo, uint64_t hi)
{
	m->lo = lo;
	m->hi = hi;
	m->n = 0;
}

const struct vma *vma_find(const struct vma_map *m, uint64_t addr)
{
	unsigned a = 0, b = m->n;

	while (a < b) {
		unsigned c = a + (b - a) / 2;

		if (addr < m->v[c].start)
			b = c;
		else if (addr >= m->v[c].end)
			a = c + 1;
		else
			return &m->v[c];
	}
	return 0;
}

int vma_covered(const struct vma_map *m, uint64_t start, uint64_t end)
{
	while (start < end) {
		const struct vma *v = vma_find(m, start);

		if (!v)
			return 0;
		start = v->end;
	}
	return 1;
}

/* Index of the first area that ends after addr (m->n if none). */
static unsigned first_after(const struct vma_map *m, uint64_t addr)
{
	unsigned a = 0, b = m->n;

	while (a < b) {
		unsigned c = a + (b - a) / 2;

		if (m->v[c].end <= addr)
			a = c + 1;
		else
			b = c;
	}
	return a;
}

static void move(struct vma_map *m, unsigned to, unsigned from)
{
	unsigned cnt = m->n - from, k;

	if (to > from)
		for (k = cnt; k-- > 0;)
			m->v[to + k] = m->v[from + k];
	else
		for (k = 0; k < cnt; k++)
			m->v[to + k] = m->v[from + k];
	m->n = m->n + to - from;
}

int vma_insert(struct vma_map *m, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind,
	       uint64_t back)
{
	unsigned i;

	if (bad_range(m, start, end))
		return -EINVAL;
	i = first_after(m, start);
	if (i < m->n && m->v[i].start < end)
		return -EEXIST;
	if (m->n == VMA_MAX)
		return -ENOMEM;
	move(m, i + 1, i);
	m->v[i].start = start;
	m->v[i].end = end;
	m->v[i].prot = prot;
	m->v[i].kind = kind;
	m->v[i].back = back;
	return 0;
}

/* Splits the area holding addr at addr (if it does not start there). */
static void split_at(struct vma_map *m, uint64_t addr)
{
	unsigned i = first_after(m, addr);
	struct vma *v;

	if (i == m->n || m->v[i].start >= addr)
		return;
	move(m, i + 1, i);
	v = &m->v[i];
	m->v[i + 1] = *v;
	v->end = addr;
	m->v[i + 1].start = addr;
	if (v->kind == VMA_FILE)
		m->v[i + 1].back = v->back + (addr - v->start);
}

/* Slots the two splits at start and end would need. */
static unsigned splits_needed(const struct vma_map *m, uint64_t start, uint64_t end)
{
	const struct vma *a = vma_find(m, start), *b = vma_find(m, end - 1);
	unsigned need = 0;

	if (a && a->start < start)
		need++;
	if (b && b->end > end)
		need++;
	return need;
}

int vma_remove(struct vma_map *m, uint64_t start, uint64_t end)
{
	unsigned i, j;

	if ((start | end) & (PAGE - 1) || start >= end)
		return -EINVAL;
	if (m->n + splits_needed(m, start, end) > VMA_MAX)
		return -ENOMEM;
	split_at(m, start);
	split_at(m, end);
	i = first_after(m, start);
	j = i;
	while (j < m->n && m->v[j].end <= end)
		j++;
	move(m, i, j);
	return 0;
}

int vma_protect(struct vma_map *m, uint64_t start, uint64_t end, uint32_t prot)
{
	unsigned i;

	if ((start | end) & (PAGE - 1) || start >= end)
		return -EINVAL;
	if (!vma_covered(m, start, end))
		return -ENOMEM;
	if (m->n + splits_needed(m, start, end) > VMA_MAX)
		return -ENOMEM;
	split_at(m, start);
	split_at(m, end);
	for (i = first_after(m, start); i < m->n && m->v[i].start < end; i++)
		m->v[i].prot = prot;
	return 0;
}

int vma_find_gap(const struct vma_map *m, uint64_t len, uint64_t floor, uint64_t ceil,
		 uint64_t *out)
{
	uint64_t top = ceil < m->hi ? ceil : m->hi;
	unsigned i;

	if (floor < m->lo)
		floor = m->lo;
	if (!len || len & (PAGE - 1))
		return -EINVAL;
	/* Walk the gaps from the highest down. */
	i = first_after(m, top);
	for (;;) {
		uint64_t gap_lo = i ? m->v[i - 1].end : m->lo;
		uint64_t gap_hi = i < m->n && m->v[i].start < top ? m->v[i].start : top;

		if (gap_lo < floor)
			gap_lo = floor;
		if (gap_hi > gap_lo && gap_hi - gap_lo >= len) {
			*out = gap_hi - len;
			return 0;
		}
		if (!i || m->v[i - 1].end <= floor)
			return -ENOMEM;
		top = m->v[i - 1].start;
		i--;
	}
}
