/* Nested page-table builder shared by the EPT (VMX) and NPT (SVM) backends:
 * one walker/splitter, the entry encoding behind a per-format mask table. */
#include "types.h"
#include "errno.h"
#include "platform.h"
#include "npt.h"

#define NPT_LEVELS 4
#define NPT_ENTRIES 512
#define NPT_ADDR_4K 0x000ffffffffff000ull	/* bits 51:12 */
#define NPT_ADDR_2M 0x000fffffffe00000ull	/* bits 51:21 */
#define NPT_HPA_LIMIT (1ull << 52)		/* architectural MAXPHYADDR cap */

/*
 * Everything that differs between the two formats.  A leaf is built as
 * address | leaf | (r, w, x for granted rights) | (nx if X is denied) |
 * memory-type bits | (large for a 2 MiB PDE); a table reference is
 * address | table.
 */
struct npt_enc {
	u64 present;		/* entry is present if any of these is set */
	u64 table;		/* rights of a non-leaf entry: grant everything,
				 * leaves decide (rights are ANDed down a walk) */
	u64 leaf;		/* set in every leaf */
	u64 r, w, x;		/* set when the right is granted */
	u64 nx;			/* set when execute is denied */
	u64 large;		/* PDE maps a 2 MiB page */
	u64 mt_mask, mt_uc, mt_wb;
	unsigned needs_r;	/* perms with any of these bits need NPT_R */
};

static const struct npt_enc npt_encs[] = {
	/*
	 * SDM Vol. 3C 29.3.2, Tables 29-1..29-6: R/W/X in bits 2:0, an entry
	 * with bits 2:0 clear is not present.  Leaves carry the EPT memory
	 * type in bits 5:3 (UC 0, WB 6) and leave ignore-PAT (bit 6) clear so
	 * the guest's PAT still combines with it (SDM Vol. 3C 29.3.7); with
	 * UC the result is UC whatever the PAT says.  Write without read is a
	 * misconfiguration (SDM Vol. 3C 29.3.3.1).
	 */
	[NPT_FMT_EPT] = {
		.present = 0x7,
		.table = 0x7,
		.leaf = 0,
		.r = BIT(0), .w = BIT(1), .x = BIT(2),
		.nx = 0,
		.large = BIT(7),
		.mt_mask = 0x7ull << 3, .mt_uc = 0, .mt_wb = 6ull << 3,
		.needs_r = NPT_W,
	},
	/*
	 * APM Vol. 2 15.25.5: nested tables are long-mode tables and every
	 * nested walk is a user access, so US must be set at every level;
	 * P doubles as "readable".  NX (bit 63) is honoured because the walk
	 * uses the host's EFER.NXE, which the SVM backend keeps set.  The
	 * memory type comes from the host PAT through PCD/PWT (APM Vol. 2
	 * 7.8): index 0 (WB with the reset PAT) or index 3 (UC).
	 */
	[NPT_FMT_AMD] = {
		.present = BIT(0),
		.table = BIT(0) | BIT(1) | BIT(2),
		.leaf = BIT(0) | BIT(2),
		.r = BIT(0), .w = BIT(1), .x = 0,
		.nx = BIT(63),
		.large = BIT(7),
		.mt_mask = BIT(3) | BIT(4), .mt_uc = BIT(3) | BIT(4), .mt_wb = 0,
		.needs_r = NPT_RWX,
	},
};

/* One pass of a range edit: the dry pass counts the table pages the real
 * pass will take, so that all of them are allocated before anything is
 * written and -ENOMEM can leave the tables untouched. */
struct npt_op {
	struct npt *n;
	const struct npt_enc *enc;
	bool dry;
	bool map;		/* map, or unmap */
	u64 need;		/* pages the edit takes (counted when dry) */
	u64 *pool;		/* pre-allocated pages, chained through word 0 */
	u64 delta;		/* hpa - gpa, modulo 2^64 */
	unsigned perms;
	enum npt_mt mt;
};

static inline u64 npt_span(int level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

static inline unsigned npt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (NPT_ENTRIES - 1);
}

static inline bool npt_present(const struct npt_enc *enc, u64 e)
{
	return e & enc->present;
}

/* Only PDEs may be large: 1 GiB pages are never built, and bit 7 of a PTE
 * is PAT on AMD. */
static inline bool npt_large(const struct npt_enc *enc, u64 e, int level)
{
	return level == 2 && (e & enc->large);
}

static inline bool npt_is_table(const struct npt_enc *enc, u64 e, int level)
{
	return level > 1 && npt_present(enc, e) && !npt_large(enc, e, level);
}

static inline u64 *npt_child(u64 e)
{
	return phys_to_virt(e & NPT_ADDR_4K);
}

/* Tables are live: a child must be complete before the entry linking it
 * is visible.  x86 keeps stores in order; the barrier keeps the compiler
 * from reordering, the volatile store keeps the entry from tearing. */
static inline void npt_store(u64 *p, u64 v)
{
	__asm__ __volatile__("" : : : "memory");
	*(volatile u64 *)p = v;
}

static u64 npt_encode(const struct npt_enc *enc, u64 hpa, unsigned perms,
		      enum npt_mt mt, bool large)
{
	u64 e = (hpa & (large ? NPT_ADDR_2M : NPT_ADDR_4K)) | enc->leaf;

	if (perms & NPT_R)
		e |= enc->r;
	if (perms & NPT_W)
		e |= enc->w;
	e |= (perms & NPT_X) ? enc->x : enc->nx;
	e |= mt == NPT_MT_WB ? enc->mt_wb : enc->mt_uc;
	if (large)
		e |= enc->large;
	return e;
}

static unsigned npt_decode_perms(const struct npt_enc *enc, u64 e)
{
	unsigned p = 0;

	if (e & enc->r)
		p |= NPT_R;
	if (e & enc->w)
		p |= NPT_W;
	if ((e & enc->x) == enc->x && !(e & enc->nx))
		p |= NPT_X;
	return p;
}

static enum npt_mt npt_decode_mt(const struct npt_enc *enc, u64 e)
{
	return (e & enc->mt_mask) == enc->mt_wb ? NPT_MT_WB : NPT_MT_UC;
}

static int npt_check_perms(const struct npt_enc *enc, unsigned perms)
{
	if (!perms || (perms & ~NPT_RWX))
		return -EINVAL;
	if ((perms & enc->needs_r) && !(perms & NPT_R))
		return -EINVAL;
	return 0;
}

static void npt_free_table(struct npt *n, u64 *t, int level)
{
	const struct npt_enc *enc = &npt_encs[n->fmt];
	int i;

	if (level > 1) {
		for (i = 0; i < NPT_ENTRIES; i++)
			if (npt_is_table(enc, t[i], level))
				npt_free_table(n, npt_child(t[i]), level - 1);
	}
	page_free(t);
	n->table_pages--;
}

static bool npt_table_empty(const u64 *t)
{
	int i;

	for (i = 0; i < NPT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

static u64 *npt_take(struct npt_op *op)
{
	u64 *p = op->pool;

	if (p) {
		op->pool = (u64 *)p[0];
		p[0] = 0;
	}
	return p;
}

static int npt_edit(struct npt_op *op, u64 *t, int level, u64 start, u64 end);

/*
 * Entry i of t (level) is empty or a 2 MiB leaf and [lo, hi) needs a table
 * under it.  When splitting, the new table first gets 512 4 KiB leaves that
 * translate exactly as the 2 MiB leaf did, so the one store that links it
 * in changes nothing outside [lo, hi) even for a concurrent hardware walk.
 */
static int npt_new_table(struct npt_op *op, u64 *t, unsigned i, int level,
			 u64 lo, u64 hi)
{
	const struct npt_enc *enc = op->enc;
	u64 e = t ? t[i] : 0;
	u64 *c;
	int j, err;

	if (op->dry) {
		op->need++;
		return npt_edit(op, NULL, level - 1, lo, hi);
	}
	c = npt_take(op);
	if (!c)
		return -ENOMEM;	/* the dry pass undercounted: a bug */
	op->n->table_pages++;
	if (npt_large(enc, e, level)) {
		u64 hpa = e & NPT_ADDR_2M;
		unsigned perms = npt_decode_perms(enc, e);
		enum npt_mt mt = npt_decode_mt(enc, e);

		for (j = 0; j < NPT_ENTRIES; j++)
			c[j] = npt_encode(enc, hpa + j * PAGE_SIZE, perms, mt,
					  false);
	}
	err = npt_edit(op, c, level - 1, lo, hi);
	npt_store(&t[i], virt_to_phys(c) | enc->table);
	return err;
}

/* Apply op to [start, end) within table t at level; t is NULL in the dry
 * pass for a table that does not exist yet. */
static int npt_edit(struct npt_op *op, u64 *t, int level, u64 start, u64 end)
{
	const struct npt_enc *enc = op->enc;
	u64 span = npt_span(level);
	u64 a, hi;
	int err;

	for (a = start; a < end; a = hi) {
		unsigned i = npt_index(a, level);
		u64 base = ALIGN_DOWN(a, span);
		u64 e = t ? t[i] : 0;
		bool whole;

		hi = base + span < end ? base + span : end;
		whole = a == base && hi == base + span;

		if (level == 1) {
			if (!op->dry)
				npt_store(&t[i], op->map ?
					  npt_encode(enc, a + op->delta,
						     op->perms, op->mt, false) : 0);
			continue;
		}

		/* The entry is replaced as a whole: by a 2 MiB leaf when the
		 * host side is 2 MiB aligned too, or by nothing. */
		if (whole && (!op->map || (level == 2 &&
		    !((a + op->delta) & (LARGE_PAGE_SIZE - 1))))) {
			if (op->dry)
				continue;
			npt_store(&t[i], op->map ?
				  npt_encode(enc, a + op->delta, op->perms,
					     op->mt, true) : 0);
			if (npt_is_table(enc, e, level))
				npt_free_table(op->n, npt_child(e), level - 1);
			continue;
		}

		if (!npt_present(enc, e)) {
			if (!op->map)
				continue;
			err = npt_new_table(op, t, i, level, a, hi);
		} else if (npt_large(enc, e, level)) {
			err = npt_new_table(op, t, i, level, a, hi);
		} else {
			u64 *c = npt_child(e);

			err = npt_edit(op, c, level - 1, a, hi);
			/* An unmap may empty a table; free it so table_pages
			 * tracks what is actually mapped. */
			if (!err && !op->dry && !op->map &&
			    npt_table_empty(c)) {
				npt_store(&t[i], 0);
				npt_free_table(op->n, c, level - 1);
			}
		}
		if (err)
			return err;
	}
	return 0;
}

static int npt_run(struct npt_op *op, u64 gpa, u64 size)
{
	u64 *p, i;
	int err;

	op->enc = &npt_encs[op->n->fmt];
	op->pool = NULL;
	op->need = 0;
	op->dry = true;
	err = npt_edit(op, op->n->root, NPT_LEVELS, gpa, gpa + size);
	if (err)
		goto out;
	for (i = 0; i < op->need; i++) {
		p = page_alloc();
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		p[0] = (u64)op->pool;
		op->pool = p;
	}
	op->dry = false;
	err = npt_edit(op, op->n->root, NPT_LEVELS, gpa, gpa + size);
out:
	while ((p = npt_take(op)))
		page_free(p);
	return err;
}

static int npt_check_range(const struct npt *n, u64 gpa, u64 size)
{
	if (!n || !n->root)
		return -EINVAL;
	if ((gpa | size) & (PAGE_SIZE - 1) || !size)
		return -EINVAL;
	if (gpa >= NPT_GPA_LIMIT || size > NPT_GPA_LIMIT - gpa)
		return -EINVAL;
	return 0;
}

int npt_init(struct npt *n, enum npt_fmt fmt,
	     int (*hpa_allowed)(u64 hpa, u64 size))
{
	if (!n || (unsigned)fmt >= ARRAY_SIZE(npt_encs))
		return -EINVAL;
	n->root = page_alloc();
	if (!n->root)
		return -ENOMEM;
	n->fmt = fmt;
	n->hpa_allowed = hpa_allowed;
	n->table_pages = 1;
	return 0;
}

int npt_map(struct npt *n, u64 gpa, u64 hpa, u64 size, unsigned perms,
	    enum npt_mt mt)
{
	struct npt_op op = { .n = n, .map = true, .perms = perms, .mt = mt };
	int err;

	err = npt_check_range(n, gpa, size);
	if (err)
		return err;
	err = npt_check_perms(&npt_encs[n->fmt], perms);
	if (err)
		return err;
	if (mt != NPT_MT_UC && mt != NPT_MT_WB)
		return -EINVAL;
	if (hpa & (PAGE_SIZE - 1) || hpa >= NPT_HPA_LIMIT ||
	    size > NPT_HPA_LIMIT - hpa)
		return -EINVAL;
	if (n->hpa_allowed && !n->hpa_allowed(hpa, size))
		return -EPERM;
	op.delta = hpa - gpa;
	return npt_run(&op, gpa, size);
}

int npt_unmap(struct npt *n, u64 gpa, u64 size)
{
	struct npt_op op = { .n = n, .map = false };
	int err;

	err = npt_check_range(n, gpa, size);
	if (err)
		return err;
	return npt_run(&op, gpa, size);
}

int npt_protect(struct npt *n, u64 gpa, unsigned perms)
{
	enum npt_mt mt;
	u64 hpa;
	int err;

	gpa = ALIGN_DOWN(gpa, PAGE_SIZE);
	err = npt_lookup(n, gpa, &hpa, NULL, &mt, NULL);
	if (err)
		return err;
	/* npt_map/npt_unmap of one frame split a 2 MiB leaf around it and
	 * keep the other 511 frames as they were. */
	if (!perms)
		return npt_unmap(n, gpa, PAGE_SIZE);
	return npt_map(n, gpa, hpa, PAGE_SIZE, perms, mt);
}

int npt_lookup(const struct npt *n, u64 gpa, u64 *hpa, unsigned *perms,
	       enum npt_mt *mt, unsigned *page_size)
{
	const struct npt_enc *enc;
	const u64 *t;
	u64 e, size;
	int level;

	if (!n || !n->root)
		return -EINVAL;
	if (gpa >= NPT_GPA_LIMIT)
		return -ENOENT;
	enc = &npt_encs[n->fmt];
	t = n->root;
	for (level = NPT_LEVELS; ; level--) {
		e = t[npt_index(gpa, level)];
		if (!npt_present(enc, e))
			return -ENOENT;
		if (level == 1 || npt_large(enc, e, level))
			break;
		t = npt_child(e);
	}
	size = npt_span(level);
	if (hpa)
		*hpa = (e & (level == 1 ? NPT_ADDR_4K : NPT_ADDR_2M)) |
		       (gpa & (size - 1));
	if (perms)
		*perms = npt_decode_perms(enc, e);
	if (mt)
		*mt = npt_decode_mt(enc, e);
	if (page_size)
		*page_size = (unsigned)size;
	return 0;
}

u64 npt_root_pa(const struct npt *n)
{
	return virt_to_phys(n->root);
}

void npt_destroy(struct npt *n)
{
	if (!n || !n->root)
		return;
	npt_free_table(n, n->root, NPT_LEVELS);
	n->root = NULL;
}
