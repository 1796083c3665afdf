/* An MIEE's memory after init (docs/miee.md, "Memory after init"): the OS
 * donates frames to its reserve (HC_MIEE_DONATE) and may take unused ones
 * back (HC_MIEE_RECLAIM); the MIEE maps reserve frames at offsets it
 * chooses (HC_MIEE_MAP) and gives them back (HC_MIEE_UNMAP). Never
 * measured, never executable, scrubbed on every way in and out.
 * Vendor-neutral; root / host mode, under hv_miee_lock. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "iommu/iommu.h"
#include "miee.h"
#include "core/miee_int.h"

/* Copies of the frame lists: read once from OS memory, then checked. */
static u64 mem_buf[MIEE_ADD_MAX];

/* ---- the reserve: a stack of frames */
static int reserve_room(struct miee *m, u64 frames)
{
	for (u64 c = 0; c < (frames + RES_PER - 1) / RES_PER; c++)
		if (!m->reserve[c] && !(m->reserve[c] = page_alloc()))
			return MIEE_ENOMEM;
	return 0;
}

static void reserve_push(struct miee *m, u64 frame)
{
	m->reserve[m->nreserve / RES_PER][m->nreserve % RES_PER] = frame;
	m->nreserve++;
}

static u64 reserve_pop(struct miee *m)
{
	u64 *slot, f;

	m->nreserve--;
	slot = &m->reserve[m->nreserve / RES_PER][m->nreserve % RES_PER];
	f = *slot;
	*slot = 0;
	return f;
}

/* ---- which offsets HC_MIEE_MAP mapped */
static bool dyn_test(const struct miee *m, u64 pfn)
{
	const u64 *b = m->dyn[pfn / DYN_PER];

	return b && (b[pfn % DYN_PER / 64] >> (pfn % 64) & 1);
}

static void dyn_set(struct miee *m, u64 pfn, bool on)
{
	u64 *w = &m->dyn[pfn / DYN_PER][pfn % DYN_PER / 64];

	*w = on ? *w | (1ull << (pfn % 64)) : *w & ~(1ull << (pfn % 64));
}

static int dyn_room(struct miee *m, u64 pfn, u64 n)
{
	for (u64 c = pfn / DYN_PER; c <= (pfn + n - 1) / DYN_PER; c++)
		if (!m->dyn[c] && !(m->dyn[c] = page_alloc()))
			return MIEE_ENOMEM;
	return 0;
}

static void scrub(u64 frame)
{
	memset(phys_to_virt(frame), 0, PAGE_SIZE);
}

/* A frame the OS gives: page-aligned OS RAM (not the hypervisor's, not
 * MMIO, not an MIEE's, not shared), not twice in the list. */
static int check_donated(u32 i)
{
	u64 f = mem_buf[i];

	if (f & (PAGE_SIZE - 1))
		return MIEE_ERANGE;
	if (frames_kind(&hv_frames, f >> PAGE_SHIFT) != FRAME_OS)
		return MIEE_EFRAME;
	for (u32 j = 0; j < i; j++)
		if (mem_buf[j] == f)
			return MIEE_EDUP;
	return 0;
}

/* Undo the first n frames of mem_buf that DONATE had taken. */
static void donate_rollback(struct vcpu *v, struct miee *m, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		u64 f = mem_buf[i];

		frames_reclaim(&hv_frames, f >> PAGE_SHIFT, m->id);	/* scrubs */
		if (npt_map(hv_os_npt, f, f, PAGE_SIZE, NPT_RWX, NPT_MT_WB))
			panic("miee %u: cannot give frame %lx back to the OS", m->id, f);
		iommu_frame_restore(f >> PAGE_SHIFT);
	}
	smp_flush_os_npt(v);
	if (iommu_sync())
		panic("miee %u: IOMMU flush failed", m->id);
}

int miee_donate(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	u64 list = v->regs->rcx, n = v->regs->rdx;
	int err;
	u32 i;

	if (!m)
		return MIEE_ENOENT;
	if (m->state != MIEE_S_READY)
		return MIEE_ESTATE;
	if (n == 0 || n > MIEE_ADD_MAX ||
	    (u64)m->npages + m->nreserve + m->nmapped + n > m->max_pages)
		return MIEE_ELIMIT;
	if (!miee_os_ram(list, n * sizeof(u64)))
		return MIEE_EARG;
	memcpy(mem_buf, phys_to_virt(list), n * sizeof(u64));
	for (i = 0; i < n; i++) {
		err = check_donated(i);
		if (err)
			return err;
	}
	err = reserve_room(m, (u64)m->nreserve + m->nmapped + n);
	if (err)
		return err;
	/* As HC_MIEE_ADD: the owner, the OS's table, the IOMMU's tables. */
	for (i = 0; i < n; i++) {
		u64 f = mem_buf[i];

		err = frames_give(&hv_frames, f >> PAGE_SHIFT, FRAME_MIEE, m->id);
		if (!err)
			err = npt_unmap(hv_os_npt, f, PAGE_SIZE);
		if (!err)
			iommu_frame_remove(f >> PAGE_SHIFT);
		if (err) {
			hv_printf("miee %u: donate failed at entry %u (%d); undone\n", m->id, i, err);
			if (frames_kind(&hv_frames, f >> PAGE_SHIFT) != FRAME_OS)
				i++;	/* this one was given: undo it too */
			donate_rollback(v, m, i);
			return miee_errno(err);
		}
	}
	smp_flush_os_npt(v);
	if (iommu_sync())
		panic("miee %u: IOMMU flush failed", m->id);
	for (i = 0; i < n; i++)
		reserve_push(m, mem_buf[i]);
	v->regs->rbx = m->nreserve;
	return 0;
}

int miee_reclaim(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	u64 out = v->regs->rcx, max = v->regs->rdx;
	u32 k, i;

	if (!m)
		return MIEE_ENOENT;
	if (m->state == MIEE_S_ADDING)
		return MIEE_ESTATE;
	if (max == 0 || max > MIEE_ADD_MAX)
		return MIEE_ELIMIT;
	if (!miee_os_ram(out, max * sizeof(u64)))
		return MIEE_EARG;
	k = m->nreserve < max ? m->nreserve : (u32)max;
	for (i = 0; i < k; i++) {
		u64 f = reserve_pop(m);

		/* The OS's (zeroed) before its table may map it. Mapping is
		 * the only step that can fail (a table page): then the frame
		 * goes back to the reserve, and the ones before it count. */
		if (frames_reclaim(&hv_frames, f >> PAGE_SHIFT, m->id))
			panic("miee %u: reserve frame %lx not its own", m->id, f);
		if (npt_map(hv_os_npt, f, f, PAGE_SIZE, NPT_RWX, NPT_MT_WB)) {
			if (frames_give(&hv_frames, f >> PAGE_SHIFT, FRAME_MIEE, m->id))
				panic("miee %u: cannot keep frame %lx", m->id, f);
			reserve_push(m, f);
			break;
		}
		iommu_frame_restore(f >> PAGE_SHIFT);
		mem_buf[i] = f;
	}
	/* The OS may have had the sink page there (docs/hypervisor.md). */
	if (i)
		smp_flush_os_npt(v);
	if (k && !i)
		return MIEE_ENOMEM;
	if (i)
		memcpy(phys_to_virt(out), mem_buf, i * sizeof(u64));
	v->regs->rbx = i;
	return 0;
}

/* [off, off + n pages) inside the MIEE's range, page-aligned. */
static int check_range(const struct miee *m, u64 off, u64 n)
{
	u64 size = (u64)m->max_pages * PAGE_SIZE;

	if (n == 0 || n > MIEE_ADD_MAX)
		return MIEE_ELIMIT;
	if ((off & (PAGE_SIZE - 1)) || off >= size || n > (size - off) / PAGE_SIZE)
		return MIEE_ERANGE;
	return 0;
}

s64 miee_map(struct miee *m, const struct guest_regs *r)
{
	u64 off = r->rbx, n = r->rcx;
	int err = check_range(m, off, n);
	u32 i;

	if (err)
		return err;
	/* Read and write, never execute: code only from measured pages. */
	if (r->rdx != (MIEE_P_R | MIEE_P_W))
		return MIEE_EFLAGS;
	for (i = 0; i < n; i++)
		if (!npt_lookup(&m->npt, off + (u64)i * PAGE_SIZE, NULL, NULL, NULL, NULL))
			return MIEE_EDUP;	/* an image, shared or mapped page */
	if (n > m->nreserve)
		return MIEE_ENOMEM;	/* the host is to donate, then retry */
	err = dyn_room(m, off >> PAGE_SHIFT, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		u64 f = reserve_pop(m);

		mem_buf[i] = f;
		scrub(f);
		err = npt_map(&m->npt, off + (u64)i * PAGE_SIZE, f, PAGE_SIZE, NPT_R | NPT_W,
			      NPT_MT_WB);
		if (err) {
			/* Not run since: nothing of these is cached anywhere. */
			for (u32 j = 0; j < i; j++)
				npt_unmap(&m->npt, off + (u64)j * PAGE_SIZE, PAGE_SIZE);
			for (u32 j = i + 1; j-- > 0;)
				reserve_push(m, mem_buf[j]);
			return miee_errno(err);
		}
	}
	for (i = 0; i < n; i++)
		dyn_set(m, (off >> PAGE_SHIFT) + i, true);
	m->nmapped += (u32)n;
	return 0;
}

s64 miee_unmap(struct miee *m, struct vcpu *self)
{
	const struct guest_regs *r = self->regs;
	u64 off = r->rbx, n = r->rcx, hpa;
	int err = check_range(m, off, n);
	u32 i;

	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!dyn_test(m, (off >> PAGE_SHIFT) + i))
			return MIEE_EARG;	/* not a page HC_MIEE_MAP mapped */
	for (i = 0; i < n; i++) {
		u64 o = off + (u64)i * PAGE_SIZE;

		/* 4 KiB leaves only: removing one allocates nothing. */
		if (npt_lookup(&m->npt, o, &hpa, NULL, NULL, NULL) || npt_unmap(&m->npt, o, PAGE_SIZE))
			panic("miee %u: mapped page %lx not in its table", m->id, o);
		mem_buf[i] = hpa & PAGE_MASK;
	}
	/* No CPU may reach a frame through a cached translation once it is
	 * back in the reserve: flushed everywhere first. */
	miee_tlb_flush(m, self);
	for (i = 0; i < n; i++) {
		scrub(mem_buf[i]);
		reserve_push(m, mem_buf[i]);
		dyn_set(m, (off >> PAGE_SHIFT) + i, false);
	}
	m->nmapped -= (u32)n;
	return 0;
}

/*
 * Only a CPU that runs one of m's slots uses its table (docs/smp.md,
 * "MIEE shootdown"): this CPU at once; each CPU running another slot now
 * answers a shootdown (its smp_flush_poll flushes the slot it runs,
 * miee_flush_here) before this returns; every other CPU flushes before it
 * next enters one of m's slots, its cpu_gen being behind tlb_gen.
 */
void miee_tlb_flush(struct miee *m, struct vcpu *self)
{
	u32 others = miee_cpus_running(m);

	self->ops->flush_npt(self);
	m->tlb_gen++;
	m->cpu_gen[cpu_index()] = m->tlb_gen;
	if (others)
		smp_flush_cpus(others);
}

void miee_tlb_enter(struct miee *m, struct vcpu *ctx)
{
	u32 c = cpu_index();

	if (m->cpu_gen[c] != m->tlb_gen) {
		ctx->ops->flush_npt(ctx);
		m->cpu_gen[c] = m->tlb_gen;
	}
}

static void release(struct miee *m, u64 f)
{
	if (frames_reclaim(&hv_frames, f >> PAGE_SHIFT, m->id))
		panic("miee %u: frame %lx not owned at destroy", m->id, f);
	if (npt_map(hv_os_npt, f, f, PAGE_SIZE, NPT_RWX, NPT_MT_WB))
		panic("miee %u: cannot give frame %lx back to the OS", m->id, f);
	iommu_frame_restore(f >> PAGE_SHIFT);
}

void miee_mem_release(struct miee *m)
{
	u64 hpa;

	for (u64 pfn = 0; m->nmapped && pfn < m->max_pages; pfn++) {
		if (!dyn_test(m, pfn))
			continue;
		if (npt_lookup(&m->npt, pfn << PAGE_SHIFT, &hpa, NULL, NULL, NULL))
			panic("miee %u: mapped page %lx not in its table", m->id, pfn << PAGE_SHIFT);
		release(m, hpa & PAGE_MASK);
		dyn_set(m, pfn, false);
		m->nmapped--;
	}
	while (m->nreserve)
		release(m, reserve_pop(m));
}

void miee_mem_free(struct miee *m)
{
	for (u32 c = 0; c < RES_CHUNKS; c++)
		page_free(m->reserve[c]);
	for (u32 c = 0; c < DYN_CHUNKS; c++)
		page_free(m->dyn[c]);
}
