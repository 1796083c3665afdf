/* MIEE manager: the lifecycle hypercalls (create, add, init, enter,
 * destroy, info), the calls from inside an MIEE (its uTPM calls are in
 * core/miee_utpm.c), and the switch between the OS's context and an
 * MIEE's thread slots. Vendor-neutral; root / host mode, any CPU, under
 * hv_miee_lock. docs/miee.md. */
#include "hv.h"
#include "spinlock.h"
#include "smp.h"
#include "console.h"
#include "core/frames.h"
#include "core/miee_meas.h"
#include "crypto/sha256.h"
#include "crypto/drbg.h"
#include "crypto/util.h"
#include "iommu/iommu.h"
#include "utpm/utpm.h"
#include "measure.h"
#include "fpu.h"
#include "miee.h"
#include "vcpu.h"
#include "host_frame.h"
#include "x86.h"
#include "core/miee_int.h"

_Static_assert(PAGE_SIZE == MIEE_MEAS_PAGE_BYTES, "a measured page is one frame");

static struct miee miees[MIEE_MAX + 1];	/* index = id; 0 unused */
static struct vcpu *os_vcpu;		/* the boot CPU's, for unit tests */
/* The MIEE thread slot each CPU runs (NULL: none), for the shootdown's
 * flush (miee_flush_here): written under the lock at enter and leave. */
static struct vcpu *running_here[HV_MAX_CPUS];
/* One lock for the MIEE table, the frame table, the OS's EPT/NPT and the
 * uTPMs: every MIEE hypercall (from the OS or from an MIEE) holds it
 * from start to end, never across a guest entry (docs/smp.md). */
static struct spinlock hv_miee_lock;

/* A CPU waiting here may be the target of a shootdown that the holder
 * waits for: answer it while spinning (docs/smp.md). */
void miee_lock(void)
{
	while (!spin_trylock(&hv_miee_lock)) {
		smp_flush_poll();
		__asm__ __volatile__("pause" ::: "memory");
	}
}

void miee_unlock(void)
{
	spin_unlock(&hv_miee_lock);
}
/* Copies of hypercall arguments: read once from OS memory, then checked. */
static struct miee_page add_buf[MIEE_ADD_MAX];


void miee_setup(struct vcpu *os)
{
	os_vcpu = os;
}

static struct miee_page *entry(struct miee *m, u32 i)
{
	return &m->chunk[i / PER_CHUNK][i % PER_CHUNK];
}

static unsigned perms_of(u32 flags)
{
	return (flags & MIEE_P_R ? NPT_R : 0) | (flags & MIEE_P_W ? NPT_W : 0) |
	       (flags & MIEE_P_X ? NPT_X : 0);
}

/* [pa, pa + len) is RAM the OS owns: not shared with an MIEE, not ours,
 * not MMIO. The only memory hypercall arguments are read from or written to. */
bool miee_os_ram(u64 pa, u64 len)
{
	if (!len || pa + len < pa)
		return false;
	for (u64 p = pa >> PAGE_SHIFT; p <= (pa + len - 1) >> PAGE_SHIFT; p++)
		if (frames_kind(&hv_frames, p) != FRAME_OS)
			return false;
	return true;
}

int copy_from_os(void *buf, u64 pa, u64 len)
{
	if (!miee_os_ram(pa, len))
		return MIEE_EARG;
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

int copy_to_os(u64 pa, const void *buf, u64 len)
{
	if (!miee_os_ram(pa, len))
		return MIEE_EARG;
	memcpy(phys_to_virt(pa), buf, len);
	return 0;
}

struct miee *miee_by_id(u64 id)
{
	if (id == 0 || id > MIEE_MAX || !miees[id].state)
		return NULL;
	return &miees[id];
}

struct miee *miee_of(struct vcpu *v)
{
	return &miees[v->miee];
}

static struct miee_slot *slot_of(struct vcpu *v)
{
	return &miees[v->miee].slot[v->slot];
}

u32 miee_cpus_running(const struct miee *m)
{
	u32 mask = 0, me = cpu_index();

	for (u32 i = 0; i < MIEE_SLOTS_MAX; i++)
		if (m->slot[i].os && m->slot[i].cpu != me)
			mask |= (u32)BIT(m->slot[i].cpu);
	return mask;
}

void miee_flush_here(void)
{
	u32 c = cpu_index();
	struct vcpu *v = c < HV_MAX_CPUS ? running_here[c] : NULL;

	if (v)
		v->ops->flush_npt(v);
}

bool miee_ended(const struct vcpu *v)
{
	return v->miee && __atomic_load_n(&miees[v->miee].state, __ATOMIC_ACQUIRE) ==
				  MIEE_S_DEAD;
}

/* A thread slot's context goes: control structure, XSAVE area (scrubbed:
 * its registers were the MIEE's), the registers kept in it. */
static void slot_free(struct miee *m, struct miee_slot *sl)
{
	if (sl->ctx.vendor) {
		m->vm_exits_gone += sl->ctx.stats[HV_STAT_EXITS];
		sl->ctx.ops->ctx_free(&sl->ctx);
		m->slots_live--;
	}
	if (sl->ctx.fpu) {
		memset(sl->ctx.fpu, 0, PAGE_SIZE);
		page_free(sl->ctx.fpu);
	}
	memset(sl, 0, sizeof(*sl));
}

/* Thread slot i of m gets a context in state s (its FPU state reset),
 * run for the first time by whichever CPU enters it. Nothing changed on
 * error. */
static int slot_make(struct miee *m, u32 i, struct vcpu_init_state *s, const struct vcpu *v)
{
	struct miee_slot *sl = &m->slot[i];
	int err;

	sl->ctx.fpu = page_alloc();
	if (!sl->ctx.fpu)
		return MIEE_ENOMEM;
	fpu_init_area(sl->ctx.fpu);
	/* The creating OS vCPU's, for the MIEE's whole life, on any CPU. */
	sl->ctx.xcr0 = fpu_xcr0();
	sl->ctx.ops = v->ops;
	sl->ctx.miee = m->id;
	sl->ctx.slot = (u8)i;
	sl->ctx.npt = &m->npt;
	sl->ctx.host_stack_top = v->host_stack_top;
	sl->ctx.saved = s->regs;
	err = v->ops->vcpu_setup(&sl->ctx, s);
	if (err) {
		/* The backend freed its part (VMCS/VMCB) on its error path. */
		page_free(sl->ctx.fpu);
		memset(sl, 0, sizeof(*sl));
		return miee_errno(err);
	}
	m->slots_live++;
	m->slots_made++;
	return 0;
}

static void free_miee(struct miee *m)
{
	utpm_wipe(&m->utpm);
	for (u32 c = 0; c < MAX_CHUNKS; c++)
		page_free(m->chunk[c]);
	miee_mem_free(m);
	if (m->npt.root)
		npt_destroy(&m->npt);
	for (u32 i = 0; i < MIEE_SLOTS_MAX; i++)
		slot_free(m, &m->slot[i]);
	memset(m, 0, sizeof(*m));
}

/* An internal -errno (frame table, EPT/NPT builder, vendor backend) as the
 * ABI's MIEE_E* code: the caller learns what failed, not always "no
 * memory".  An errno without a meaning here is a hypervisor bug. */
int miee_errno(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -ENOMEM:
		return MIEE_ENOMEM;
	case -EPERM:		/* frames_give: HV, MMIO or absent frame */
	case -EBUSY:		/* frames_give: already an MIEE's */
		return MIEE_EFRAME;
	case -ERANGE:		/* frames_give: beyond physical memory */
		return MIEE_ERANGE;
	case -EIO:		/* VMCLEAR/VMPTRLD refused the new VMCS */
	case -ENOSYS:		/* the CPU cannot give the controls it needs */
		return MIEE_ECPU;
	default:		/* -EINVAL: an argument we should have checked */
		hv_printf("miee: internal error %d\n", err);
		return MIEE_EARG;
	}
}

static int miee_create(struct vcpu *v)
{
	u64 max = v->regs->rbx;
	struct miee *m = NULL;

	if (max == 0 || max > MIEE_MAX_PAGES)
		return MIEE_ELIMIT;
	for (u16 id = 1; id <= MIEE_MAX && !m; id++)
		if (!miees[id].state)
			m = &miees[id];
	if (!m)
		return MIEE_ELIMIT;
	m->id = (u16)(m - miees);
	if (npt_init(&m->npt, v->ops->npt_fmt, NULL))
		goto nomem;
	m->max_pages = (u32)max;
	m->tlb_gen = 1;			/* no CPU has flushed for it yet */
	m->state = MIEE_S_ADDING;
	miee_meas_begin(&m->meas, m->max_pages);
	v->regs->rbx = m->id;
	return 0;
nomem:
	free_miee(m);
	return MIEE_ENOMEM;
}

/* Undo entries [0, n) of add_buf that were already committed. */
static void add_rollback(struct vcpu *v, struct miee *m, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		const struct miee_page *p = &add_buf[i];

		npt_unmap(&m->npt, p->offset, PAGE_SIZE);
		frames_reclaim(&hv_frames, p->frame >> PAGE_SHIFT, m->id);
		if (!(p->flags & MIEE_P_SHARED)) {
			npt_map(hv_os_npt, p->frame, p->frame, PAGE_SIZE,
				NPT_R | NPT_W | NPT_X, NPT_MT_WB);
			iommu_frame_restore(p->frame >> PAGE_SHIFT);
		}
	}
	smp_flush_os_npt(v);
	if (iommu_sync())
		panic("miee %u: IOMMU flush failed", m->id);
}

/* W^X: a private page is writable and executable at once only when it is
 * measured and says so with MIEE_P_WX (the image's own request, in the
 * measurement like every flag), and MIEE_P_WX means exactly that. */
#define MIEE_WX_OK (MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_MEASURED | MIEE_P_WX)

static int check_entry(const struct miee *m, const struct miee_page *p, u32 i)
{
	u32 f = p->flags, wx = f & (MIEE_P_W | MIEE_P_X);

	if (p->reserved || (f & ~MIEE_P_ALL) || !(f & MIEE_P_R) ||
	    ((f & MIEE_P_SHARED) && (f & (MIEE_P_X | MIEE_P_MEASURED | MIEE_P_WX))))
		return MIEE_EFLAGS;
	if ((wx == (MIEE_P_W | MIEE_P_X) || (f & MIEE_P_WX)) && (f & MIEE_WX_OK) != MIEE_WX_OK)
		return MIEE_EWX;
	if ((p->offset | p->frame) & (PAGE_SIZE - 1) ||
	    p->offset >= (u64)m->max_pages * PAGE_SIZE)
		return MIEE_ERANGE;
	if (frames_kind(&hv_frames, p->frame >> PAGE_SHIFT) != FRAME_OS)
		return MIEE_EFRAME;
	for (u32 j = 0; j < i; j++)
		if (add_buf[j].offset == p->offset || add_buf[j].frame == p->frame)
			return MIEE_EDUP;
	/* Its own table knows every offset already taken: one walk, not a
	 * scan of the list, so adding stays linear in the pages added. */
	if (!npt_lookup(&m->npt, p->offset, NULL, NULL, NULL, NULL))
		return MIEE_EDUP;
	return 0;
}

static int miee_add(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	u64 list = v->regs->rcx, n = v->regs->rdx;
	struct sha256_ctx meas;
	u32 i;
	int err;

	if (!m)
		return MIEE_ENOENT;
	if (m->state != MIEE_S_ADDING)
		return MIEE_ESTATE;
	if (n == 0 || n > MIEE_ADD_MAX || m->npages + n > m->max_pages)
		return MIEE_ELIMIT;
	err = copy_from_os(add_buf, list, n * sizeof(add_buf[0]));
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		err = check_entry(m, &add_buf[i], i);
		if (err)
			return err;
	}
	/* Room in the page list first: the only step below that needs the
	 * pool and cannot be undone by the rollback. */
	for (u32 c = m->npages / PER_CHUNK; c <= (m->npages + n - 1) / PER_CHUNK; c++)
		if (!m->chunk[c] && !(m->chunk[c] = page_alloc()))
			return MIEE_ENOMEM;
	/* Everything is checked: take the frames away from the OS first, so
	 * what is measured below is what the MIEE will run. */
	for (i = 0; i < n; i++) {
		const struct miee_page *p = &add_buf[i];
		bool shared = p->flags & MIEE_P_SHARED;

		err = frames_give(&hv_frames, p->frame >> PAGE_SHIFT,
				  shared ? FRAME_SHARED : FRAME_MIEE, m->id);
		if (!err && !shared)
			err = npt_unmap(hv_os_npt, p->frame, PAGE_SIZE);
		if (!err && !shared)	/* and from devices (docs/iommu.md) */
			iommu_frame_remove(p->frame >> PAGE_SHIFT);
		if (!err)
			err = npt_map(&m->npt, p->offset, p->frame, PAGE_SIZE,
				      perms_of(p->flags) & (shared ? (NPT_R | NPT_W) : ~0u),
				      NPT_MT_WB);
		if (err) {
			hv_printf("miee %u: add failed at entry %u (%d); undone\n", m->id, i, err);
			if (frames_kind(&hv_frames, p->frame >> PAGE_SHIFT) != FRAME_OS)
				i++;	/* this one was given: undo it too */
			add_rollback(v, m, i);
			return miee_errno(err);
		}
	}
	smp_flush_os_npt(v);
	/* No device may write a frame after it is measured: IOTLB and
	 * context caches are flushed before the contents are read. */
	if (iommu_sync())
		panic("miee %u: IOMMU flush failed", m->id);
	meas = m->meas;
	for (i = 0; i < n; i++) {
		const struct miee_page *p = &add_buf[i];

		*entry(m, m->npages + i) = *p;
		miee_meas_page(&meas, p->offset, p->flags, phys_to_virt(p->frame));
	}
	m->meas = meas;
	m->npages += (u32)n;
	return 0;
}

static int miee_init(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	u64 size, cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	struct vcpu_init_state s;
	struct miee_init in;
	int err;

	if (!m)
		return MIEE_ENOENT;
	if (m->state != MIEE_S_ADDING)
		return MIEE_ESTATE;
	err = copy_from_os(&in, v->regs->rcx, sizeof(in));
	if (err)
		return err;
	size = (u64)m->max_pages * PAGE_SIZE;
	if (in.rip >= size || in.rsp > size || in.cr3 >= size || (in.cr3 & (PAGE_SIZE - 1)) ||
	    in.gdt_base >= size || in.idt_base >= size || in.gdt_limit < 0x17 ||
	    !in.cs || !in.ds || (in.cs | 7) > in.gdt_limit || (in.ds | 7) > in.gdt_limit ||
	    (in.cs & 7) || (in.ds & 7) || !m->npages)
		return MIEE_EARG;
	memset(&s, 0, sizeof(s));
	s.rip = in.rip;
	s.rsp = in.rsp;
	s.rflags = 2;
	s.cr0 = cr0;
	s.cr3 = in.cr3;
	/* OSXSAVE where the switch saves all of XCR0's state (core/fpu.c):
	 * AVX for the program, XCR0 the OS's. SCE: SYSCALL and SYSRET
	 * between its CPL 3 and CPL 0 never leave it (docs/miee.md). */
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (fpu_xsave() ? CR4_OSXSAVE : 0);
	s.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	s.gdt_base = in.gdt_base;
	s.gdt_limit = in.gdt_limit;
	s.idt_base = in.idt_base;
	s.idt_limit = in.idt_limit;
	s.cs = in.cs;
	s.ds = in.ds;
	s.regs.rdi = in.arg;
	err = slot_make(m, 0, &s, v);
	if (err)
		return err;	/* the MIEE stays as it was, init may be tried again */
	miee_meas_finish(&m->meas, m->npages, &in, m->measurement);
	if (utpm_init(&m->utpm, &hv_utpm_root, m->measurement))
		memset(&m->utpm, 0, sizeof(m->utpm));	/* no root: uTPM calls refused */
	m->state = MIEE_S_READY;
	return 0;
}

static int miee_enter(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	u64 slot = v->regs->rdx;
	struct miee_slot *sl;

	if (!m)
		return MIEE_ENOENT;
	if (m->state != MIEE_S_READY)
		return MIEE_ESTATE;
	if (slot >= MIEE_SLOTS_MAX || !m->slot[slot].ctx.vendor)
		return MIEE_ESLOT;	/* never made, or ended */
	sl = &m->slot[slot];
	if (sl->os)
		return MIEE_EBUSY;	/* one CPU at a time per thread slot */
	if (sl->in_hostcall) {
		sl->ctx.saved.rax = v->regs->rcx;
		sl->in_hostcall = false;
	}
	sl->os = v;
	sl->cpu = cpu_index();
	m->running++;
	running_here[sl->cpu] = &sl->ctx;
	/* It runs on the caller's CPU: that CPU's host stack. */
	sl->ctx.host_stack_top = v->host_stack_top;
	m->enters++;
	miee_tlb_enter(m, &sl->ctx);
	vcpu_switch(v, &sl->ctx);
	return VCPU_SWITCHED;
}

static int miee_destroy(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);

	if (!m)
		return MIEE_ENOENT;
	if (m->running)
		return MIEE_EBUSY;	/* a slot runs on some CPU */
	/* It runs nowhere and never will: its memory after init first,
	 * found through its table, then the table goes. */
	miee_mem_release(m);
	if (m->npt.root)
		npt_destroy(&m->npt);	/* the MIEE cannot reach a frame now */
	for (u32 i = 0; i < m->npages; i++) {
		const struct miee_page *p = entry(m, i);

		if (frames_reclaim(&hv_frames, p->frame >> PAGE_SHIFT, m->id))
			panic("miee %u: frame %lx not owned at destroy", m->id, p->frame);
		if (!(p->flags & MIEE_P_SHARED) &&
		    npt_map(hv_os_npt, p->frame, p->frame, PAGE_SIZE, NPT_R | NPT_W | NPT_X,
			    NPT_MT_WB))
			panic("miee %u: cannot give frame %lx back to the OS", m->id, p->frame);
		if (!(p->flags & MIEE_P_SHARED))	/* scrubbed: devices may have it */
			iommu_frame_restore(p->frame >> PAGE_SHIFT);
	}
	smp_flush_os_npt(v);
	if (iommu_sync())
		panic("miee %u: IOMMU flush failed", m->id);
	free_miee(m);
	return 0;
}

static int miee_info(struct vcpu *v)
{
	struct miee *m = miee_by_id(v->regs->rbx);
	struct miee_info info;

	if (!m)
		return MIEE_ENOENT;
	memset(&info, 0, sizeof(info));
	info.state = m->state;
	info.pages = m->npages + m->nreserve + m->nmapped;
	info.measurement_ready = m->state != MIEE_S_ADDING;
	if (info.measurement_ready)
		memcpy(info.measurement, m->measurement, 32);
	info.enters = m->enters;
	info.exits = m->exits;
	info.vm_exits = m->vm_exits_gone;
	for (u32 i = 0; i < MIEE_SLOTS_MAX; i++)
		info.vm_exits += m->slot[i].ctx.stats[HV_STAT_EXITS];
	info.reserve = m->nreserve;
	info.mapped = m->nmapped;
	/* A dead MIEE's slots are ended, though their contexts wait for
	 * destroy. */
	info.slots_made = m->slots_made;
	info.slots_live = m->state == MIEE_S_READY ? m->slots_live : 0;
	return copy_to_os(v->regs->rcx, &info, sizeof(info));
}

/* Slot v goes back to the OS, which sees its HC_MIEE_ENTER return with
 * the reason; once the MIEE ended, with the reason it ended for, whatever
 * made this slot leave. */
static int leave(struct vcpu *v, u64 reason, u64 info, u64 info2)
{
	struct miee *m = miee_of(v);
	struct miee_slot *sl = slot_of(v);
	struct vcpu *os = sl->os;
	struct guest_regs *r;

	if (m->state == MIEE_S_DEAD) {
		reason = m->end_reason;
		info = m->end_info;
		info2 = m->end_info2;
	}
	m->exits++;
	m->running--;
	sl->os = NULL;
	running_here[sl->cpu] = NULL;
	vcpu_switch(v, os);
	r = os->regs;
	r->rax = 0;
	r->rbx = reason;
	r->rcx = info;
	r->rdx = info2;
	return VCPU_SWITCHED;
}

/* The MIEE ends for every slot (HC_MIEE_EXIT, a fault in any slot): the
 * slots running on other CPUs now are made to leave at once (a shootdown
 * NMI: they exit and find it dead, miee_ended), the others' next
 * HC_MIEE_ENTER is refused (MIEE_ESTATE). */
static void end_miee(struct miee *m, u32 reason, u64 info, u64 info2)
{
	u32 others;

	if (m->state == MIEE_S_DEAD)
		return;		/* the first end is the one reported */
	m->end_reason = reason;
	m->end_info = info;
	m->end_info2 = info2;
	__atomic_store_n(&m->state, MIEE_S_DEAD, __ATOMIC_RELEASE);
	others = miee_cpus_running(m);
	if (others)
		smp_flush_cpus(others);
}

static int fault(struct vcpu *v, u32 reason, u64 addr)
{
	struct miee *m = &miees[v->miee];

	if (m->state == MIEE_S_DEAD)	/* kicked: this slot only leaves */
		return leave(v, 0, 0, 0);
	if (m->exits < 16 || reason != MIEE_F_NPF)
		hv_printf("miee %u: stopped, reason %u at %lx (slot %u)\n", m->id, reason, addr,
			  v->slot);
	end_miee(m, MIEE_EXIT_FAULT, reason, addr);
	return leave(v, MIEE_EXIT_FAULT, reason, addr);
}

int miee_fault(struct vcpu *v, u32 reason, u64 addr)
{
	int r;

	miee_lock();
	r = fault(v, reason, addr);
	miee_unlock();
	return r;
}

int miee_insn(struct vcpu *v, u32 insn, u64 operand)
{
	return miee_fault(v, MIEE_F_INSN, MIEE_INSN_INFO(insn, operand));
}

int miee_preempted(struct vcpu *v)
{
	int r;

	miee_lock();
	r = leave(v, MIEE_EXIT_INTERRUPTED, MIEE_INTR_SLICE, 0);
	miee_unlock();
	return r;
}

int miee_interrupted(struct vcpu *v, bool nmi)
{
	struct vcpu *os;
	int r;

	miee_lock();
	os = slot_of(v)->os;
	r = leave(v, MIEE_EXIT_INTERRUPTED, 0, 0);
	miee_unlock();
	if (nmi)
		os->ops->inject_nmi(os);
	return r;
}

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* HC_MIEE_SLOT_NEW from slot v: the struct read once from its pages,
 * checked, then the lowest free slot gets a context in v's mode. */
static s64 slot_new(struct miee *m, struct vcpu *v)
{
	struct miee_slot_start st;
	struct vcpu_init_state s;
	s64 err;
	u32 i;

	if (v->ops->guest_cpl(v) != 0)
		return MIEE_EARG;	/* not reached: CPL 3 gets #UD */
	err = miee_copy(m, v->regs->rbx, &st, sizeof(st), false);
	if (err)
		return err;
	if (st.reserved[0] || st.reserved[1] || st.reserved[2] || !canonical(st.rip) ||
	    !canonical(st.rsp) || !canonical(st.fs_base) || !canonical(st.gs_base))
		return MIEE_EARG;
	for (i = 1; i < MIEE_SLOTS_MAX && m->slot[i].ctx.vendor; i++)
		;
	if (i == MIEE_SLOTS_MAX)
		return MIEE_ELIMIT;
	memset(&s, 0, sizeof(s));
	s.rip = st.rip;
	s.rsp = st.rsp;
	s.rflags = 2;
	s.regs.rdi = st.arg;
	s.fs_base = st.fs_base;
	s.gs_base = st.gs_base;
	s.like = v;
	err = slot_make(m, i, &s, v);
	if (err)
		return err;
	v->regs->rbx = i;
	return 0;
}

/* HC_MIEE_SLOT_EXIT: this slot ends; the last live one ends the MIEE. */
static int slot_exit(struct miee *m, struct vcpu *v)
{
	u64 status = v->regs->rbx;
	int r;

	if (m->slots_live == 1) {
		end_miee(m, MIEE_EXIT_DONE, status, 0);
		return leave(v, MIEE_EXIT_DONE, status, 0);
	}
	r = leave(v, MIEE_EXIT_SLOT_DONE, status, 0);
	/* v runs nowhere now (the OS's context is the CPU's): scrubbed. */
	slot_free(m, slot_of(v));
	return r;
}

/* Hypercalls that arrive from an MIEE context. */
static int mhypercall(struct vcpu *v)
{
	struct miee *m = &miees[v->miee];
	u64 nr = v->regs->rax;

	if (m->state == MIEE_S_DEAD)	/* another slot ended it: leave */
		return leave(v, 0, 0, 0);
	if (nr >= HC_UTPM_PCR_READ && nr <= HC_UTPM_PUBKEY) {
		v->regs->rax = (u64)miee_utpm_call(m, v->regs);
		return VCPU_SKIP;
	}
	switch (nr) {
	case HC_MIEE_EXIT:
		end_miee(m, MIEE_EXIT_DONE, v->regs->rbx, 0);
		return leave(v, MIEE_EXIT_DONE, v->regs->rbx, 0);
	case HC_MIEE_HOSTCALL:
		slot_of(v)->in_hostcall = true;
		return leave(v, MIEE_EXIT_HOSTCALL, v->regs->rbx, 0);
	case HC_MIEE_MAP:
		v->regs->rax = (u64)miee_map(m, v->regs);
		return VCPU_SKIP;
	case HC_MIEE_UNMAP:
		v->regs->rax = (u64)miee_unmap(m, v);
		return VCPU_SKIP;
	case HC_MIEE_SLOT_NEW:
		v->regs->rax = (u64)slot_new(m, v);
		return VCPU_SKIP;
	case HC_MIEE_SLOT_EXIT:
		return slot_exit(m, v);
	case HC_MIEE_FLUSH:
		miee_tlb_flush(m, v);
		v->regs->rax = 0;
		v->regs->rbx = 0;
		return VCPU_SKIP;
	default:
		return fault(v, MIEE_F_BADCALL, nr);
	}
}

int miee_hypercall(struct vcpu *v)
{
	int r;

	miee_lock();
	r = mhypercall(v);
	miee_unlock();
	return r;
}

/* Lifecycle hypercalls from the OS kernel. 0 or an error in RAX, unless
 * the CPU switched to the MIEE (VCPU_SWITCHED). */
static int os_hypercall(struct vcpu *v, u64 nr, s64 *ret)
{
	int r;

	switch (nr) {
	case HC_MIEE_CREATE: r = miee_create(v); break;
	case HC_MIEE_ADD: r = miee_add(v); break;
	case HC_MIEE_INIT: r = miee_init(v); break;
	case HC_MIEE_ENTER: r = miee_enter(v); break;
	case HC_MIEE_DESTROY: r = miee_destroy(v); break;
	case HC_MIEE_INFO: r = miee_info(v); break;
	case HC_MIEE_DONATE: r = miee_donate(v); break;
	case HC_MIEE_RECLAIM: r = miee_reclaim(v); break;
	default: return 0;
	}
	if (r == VCPU_SWITCHED)
		return VCPU_SWITCHED;
	*ret = r;
	return 1;
}

int miee_os_hypercall(struct vcpu *v, u64 nr, s64 *ret)
{
	int r;

	miee_lock();
	r = os_hypercall(v, nr, ret);
	miee_unlock();
	return r;
}

/* DR0-DR3 are not switched by VM entry or exit (DR7, and DR6 on SVM, are
 * in the VMCS/VMCB): move them with the context so neither side sees or
 * sets the other's breakpoints. */
#ifdef HV_HOST_TEST
static void dr_switch(struct vcpu *from, const struct vcpu *to)
{
	(void)from;	/* host unit tests run in user space: no debug registers */
	(void)to;
}
#else
static void dr_switch(struct vcpu *from, const struct vcpu *to)
{
	__asm__ __volatile__("mov %%dr0, %0" : "=r"(from->dr[0]));
	__asm__ __volatile__("mov %%dr1, %0" : "=r"(from->dr[1]));
	__asm__ __volatile__("mov %%dr2, %0" : "=r"(from->dr[2]));
	__asm__ __volatile__("mov %%dr3, %0" : "=r"(from->dr[3]));
	__asm__ __volatile__("mov %0, %%dr0" : : "r"(to->dr[0]));
	__asm__ __volatile__("mov %0, %%dr1" : : "r"(to->dr[1]));
	__asm__ __volatile__("mov %0, %%dr2" : : "r"(to->dr[2]));
	__asm__ __volatile__("mov %0, %%dr3" : : "r"(to->dr[3]));
}
#endif

void vcpu_switch(struct vcpu *from, struct vcpu *to)
{
	struct guest_regs *frame = from->regs;

	from->saved = *frame;
	*frame = to->saved;
	from->xcr0 = fpu_save(from->fpu);
	fpu_restore(to->fpu, to->xcr0);
	dr_switch(from, to);
	host_frame_of(from->host_stack_top)->vcpu = to;
	to->regs = frame;
	from->regs = NULL;
	from->ops->ctx_switch(from, to);
}
