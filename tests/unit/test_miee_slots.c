/* Host tests of MIEE thread slots (hypervisor/core/miee.c, docs/miee.md
 * "Thread slots") with the real frame table and EPT builder and the fake
 * backend and SMP: slot lifecycle and start state, the limit, refused
 * structs that make nothing, ESLOT / EBUSY, reuse of a number with a fresh
 * context, the end of the MIEE for every slot (exit, a fault in one slot,
 * kicks of the CPUs running others), the FLUSH shootdown, and that destroy
 * frees every slot's context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv.h"
#include "core/frames.h"
#include "crypto/drbg.h"
#include "utpm/utpm.h"
#include "miee.h"
#include "host_frame.h"
#include "support/fake_platform.h"
#include "support/fake_backend.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE (8ull << 20)
#define NFRAMES ((RAM_BASE + RAM_SIZE) >> PAGE_SHIFT)

struct frame_table hv_frames;
struct utpm_root hv_utpm_root;
struct drbg_ctx hv_drbg;
static struct npt os_npt_store;
struct npt *hv_os_npt = &os_npt_store;
static struct frame_owner store[NFRAMES];

extern u32 fake_cpu_index, fake_smp_flush_mask;
extern int fake_smp_flush_calls;

/* Three CPUs' OS vCPUs, each with its host stack and GPR frame. */
#define NCPU 3
static struct vcpu os[NCPU];
static struct guest_regs frames[NCPU];
static u8 stacks[NCPU][4096] __attribute__((aligned(16)));
static u8 fpus[NCPU][4096] __attribute__((aligned(64)));
static u64 list_pa = RAM_BASE + 0x10000;

void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static int os_hpa_allowed(u64 hpa, u64 size)
{
	return frames_hpa_mappable_by_os(&hv_frames, hpa, size);
}

static int setup(void **state)
{
	(void)state;
	fake_backend_setup_err = 0;
	fake_cpu_index = 0;
	fake_smp_flush_mask = 0;
	fake_smp_flush_calls = 0;
	assert_int_equal(fake_mem_init(RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(frames_init(&hv_frames, store, NFRAMES), 0);
	frames_set_range(&hv_frames, 0, RAM_BASE, FRAME_MMIO);
	frames_set_range(&hv_frames, RAM_BASE, RAM_SIZE, FRAME_OS);
	frames_seal(&hv_frames);
	assert_int_equal(npt_init(hv_os_npt, NPT_FMT_EPT, os_hpa_allowed), 0);
	assert_int_equal(npt_map(hv_os_npt, RAM_BASE, RAM_BASE, RAM_SIZE, NPT_RWX, NPT_MT_WB), 0);
	for (int c = 0; c < NCPU; c++) {
		memset(&os[c], 0, sizeof(os[c]));
		os[c].ops = &fake_backend_ops;
		os[c].npt = hv_os_npt;
		os[c].fpu = fpus[c];
		os[c].host_stack_top = (u64)stacks[c] + sizeof(stacks[c]);
		host_frame_of(os[c].host_stack_top)->vcpu = &os[c];
	}
	miee_setup(&os[0]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_fail_alloc(0, false);
	npt_destroy(hv_os_npt);
	fake_mem_fini();
	return 0;
}

/* A lifecycle hypercall from the OS on CPU c: its result, or 1000 when
 * that CPU now runs the MIEE. */
static s64 call(int c, u64 nr, u64 rbx, u64 rcx, u64 rdx)
{
	struct guest_regs *f = &frames[c];
	s64 ret = 0;
	int r;

	fake_cpu_index = (u32)c;
	memset(f, 0, sizeof(*f));
	f->rax = nr;
	f->rbx = rbx;
	f->rcx = rcx;
	f->rdx = rdx;
	os[c].regs = f;
	r = miee_os_hypercall(&os[c], nr, &ret);
	if (r == VCPU_SWITCHED)
		return 1000;
	assert_int_equal(r, 1);
	return ret;
}

static s64 enter(int c, u64 id, u64 slot)
{
	return call(c, HC_MIEE_ENTER, id, 0, slot);
}

/* The context CPU c runs now. */
static struct vcpu *on(int c)
{
	return host_frame_of(os[c].host_stack_top)->vcpu;
}

/* A call from inside, by the slot CPU c runs: VCPU_SKIP (result in RAX)
 * or VCPU_SWITCHED (back to that CPU's OS, reason in its RBX). */
static int inside(int c, u64 nr, u64 rbx, u64 rcx, u64 rdx)
{
	struct vcpu *m = on(c);
	struct guest_regs *f = &frames[c];

	fake_cpu_index = (u32)c;
	assert_int_not_equal(m->miee, 0);
	f->rax = nr;
	f->rbx = rbx;
	f->rcx = rcx;
	f->rdx = rdx;
	m->regs = f;
	return miee_hypercall(m);
}

static void hostcall(int c)
{
	assert_int_equal(inside(c, HC_MIEE_HOSTCALL, 0, 0, 0), VCPU_SWITCHED);
	assert_ptr_equal(on(c), &os[c]);
	assert_int_equal(frames[c].rbx, MIEE_EXIT_HOSTCALL);
}

static u64 data_frame(unsigned i, u8 fill)
{
	u64 pa = RAM_BASE + 0x100000 + i * PAGE_SIZE;

	memset(fake_mem(pa), fill, PAGE_SIZE);
	return pa;
}

/* An MIEE of pages 0 (RW data: the slot start structs), 1 (code), 2
 * (shared), READY, with slot 0. */
static u64 ready_miee(void)
{
	struct miee_page p[3] = {
		{ data_frame(0, 0), 0x0000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
		{ data_frame(1, 0xbb), 0x1000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 },
		{ data_frame(2, 0xcc), 0x2000, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED, 0 },
	};
	struct miee_init in = { .rip = 0x1000, .rsp = 0x1000, .gdt_base = 0x100,
				.gdt_limit = 0x17, .cs = 8, .ds = 0x10, .arg = 0x2000 };
	u64 id;

	assert_int_equal(call(0, HC_MIEE_CREATE, 8, 0, 0), 0);
	id = frames[0].rbx;
	memcpy(fake_mem(list_pa), p, sizeof(p));
	assert_int_equal(call(0, HC_MIEE_ADD, id, list_pa, 3), 0);
	memcpy(fake_mem(list_pa + 0x1000), &in, sizeof(in));
	assert_int_equal(call(0, HC_MIEE_INIT, id, list_pa + 0x1000, 0), 0);
	return id;
}

/* A struct miee_slot_start at offset off of page 0 (its frame). */
static u64 put_start(u64 off, u64 rip, u64 rsp, u64 arg)
{
	struct miee_slot_start st = { .rip = rip, .rsp = rsp, .arg = arg,
				      .fs_base = 0x7000 + arg, .gs_base = 0x8000 + arg };

	memcpy((u8 *)fake_mem(RAM_BASE + 0x100000) + off, &st, sizeof(st));
	return off;
}

static struct miee_info *info(u64 id)
{
	struct miee_info *i = fake_mem(list_pa + 0x2000);

	assert_int_equal(call(0, HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	return i;
}

/* SLOT_NEW from slot 0 returns 1; the new slot starts with RIP, RSP,
 * RDI, FS/GS from the struct in the caller's mode, every other register
 * 0; SLOT_EXIT gives SLOT_DONE + status, then ESLOT; its number comes
 * back with a fresh context; ENTER of a slot never made gives ESLOT. */
static void test_slot_lifecycle(void **state)
{
	struct vcpu *s0, *s1;
	u64 id = ready_miee();
	struct miee_info *i;

	(void)state;
	assert_int_equal(enter(0, id, 1), MIEE_ESLOT);		/* never made */
	assert_int_equal(enter(0, id, MIEE_SLOTS_MAX), MIEE_ESLOT);
	assert_int_equal(enter(0, id, ~0ull), MIEE_ESLOT);
	i = info(id);
	assert_int_equal(i->slots_live, 1);
	assert_int_equal(i->slots_made, 1);

	assert_int_equal(enter(0, id, 0), 1000);
	s0 = on(0);
	assert_int_equal(s0->slot, 0);
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1040, 0x800, 0x11), 0, 0),
			 VCPU_SKIP);
	assert_int_equal(frames[0].rax, 0);
	assert_int_equal(frames[0].rbx, 1);
	/* The backend built it in the caller's mode, from the struct. */
	assert_ptr_equal(fake_backend_last_setup.like, s0);
	assert_int_equal(fake_backend_last_setup.rip, 0x1040);
	assert_int_equal(fake_backend_last_setup.rsp, 0x800);
	assert_int_equal(fake_backend_last_setup.rflags, 2);
	assert_int_equal(fake_backend_last_setup.fs_base, 0x7011);
	assert_int_equal(fake_backend_last_setup.gs_base, 0x8011);
	frames[0].r15 = 0x5ec2e7;	/* slot 0's own */
	hostcall(0);
	i = info(id);
	assert_int_equal(i->slots_live, 2);
	assert_int_equal(i->slots_made, 2);

	/* Slot 1 runs on CPU 1 with its own registers: only RDI set. */
	assert_int_equal(enter(1, id, 1), 1000);
	s1 = on(1);
	assert_ptr_not_equal(s1, s0);
	assert_int_equal(s1->slot, 1);
	assert_int_equal(frames[1].rdi, 0x11);
	assert_int_equal(frames[1].r15, 0);
	assert_int_equal(frames[1].rbx, 0);
	frames[1].r14 = 0xdead1;	/* left in slot 1 when it ends */
	assert_int_equal(inside(1, HC_MIEE_SLOT_EXIT, 9, 0, 0), VCPU_SWITCHED);
	assert_ptr_equal(on(1), &os[1]);
	assert_int_equal(frames[1].rbx, MIEE_EXIT_SLOT_DONE);
	assert_int_equal(frames[1].rcx, 9);
	assert_int_not_equal(frames[1].r14, 0xdead1);
	assert_int_equal(enter(1, id, 1), MIEE_ESLOT);		/* ended */
	i = info(id);
	assert_int_equal(i->state, MIEE_S_READY);
	assert_int_equal(i->slots_live, 1);
	assert_int_equal(i->slots_made, 2);

	/* Slot 0 resumes where it was, its R15 its own. */
	assert_int_equal(enter(0, id, 0), 1000);
	assert_ptr_equal(on(0), s0);
	assert_int_equal(frames[0].r15, 0x5ec2e7);
	/* The number again, with a fresh context (nothing of the old one). */
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x140, 0x1080, 0x900, 0x22), 0, 0),
			 VCPU_SKIP);
	assert_int_equal(frames[0].rbx, 1);
	hostcall(0);
	assert_int_equal(enter(1, id, 1), 1000);
	s1 = on(1);
	assert_int_equal(frames[1].rdi, 0x22);
	assert_int_equal(frames[1].r14, 0);
	assert_int_equal(frames[1].r15, 0);
	assert_int_equal(s1->stats[HV_STAT_EXITS], 0);
	hostcall(1);
	i = info(id);
	assert_int_equal(i->slots_live, 2);
	assert_int_equal(i->slots_made, 3);
	/* The last live slot's SLOT_EXIT ends the MIEE like HC_MIEE_EXIT. */
	assert_int_equal(enter(1, id, 1), 1000);
	assert_int_equal(inside(1, HC_MIEE_SLOT_EXIT, 1, 0, 0), VCPU_SWITCHED);
	assert_int_equal(frames[1].rbx, MIEE_EXIT_SLOT_DONE);
	assert_int_equal(enter(0, id, 0), 1000);
	assert_int_equal(inside(0, HC_MIEE_SLOT_EXIT, 4, 0, 0), VCPU_SWITCHED);
	assert_int_equal(frames[0].rbx, MIEE_EXIT_DONE);
	assert_int_equal(frames[0].rcx, 4);
	assert_int_equal(info(id)->state, MIEE_S_DEAD);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* 15 SLOT_NEW give 1..15, the 16th MIEE_ELIMIT with nothing allocated;
 * destroy gives every slot's pages back to the pool. */
static void test_slot_limit(void **state)
{
	unsigned long before, live;
	u64 id = ready_miee();

	(void)state;
	/* A first MIEE's destroy leaves the OS's table split where its
	 * frames were: measure from after one. */
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
	before = fake_pages_live();
	id = ready_miee();
	assert_int_equal(enter(0, id, 0), 1000);
	for (u64 n = 1; n < MIEE_SLOTS_MAX; n++) {
		assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1000, 0x800, n),
					0, 0), VCPU_SKIP);
		assert_int_equal(frames[0].rax, 0);
		assert_int_equal(frames[0].rbx, n);
	}
	live = fake_pages_live();
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, 0x100, 0, 0), VCPU_SKIP);
	assert_int_equal((s64)frames[0].rax, MIEE_ELIMIT);
	assert_int_equal(fake_pages_live(), live);
	hostcall(0);
	assert_int_equal(info(id)->slots_live, MIEE_SLOTS_MAX);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
	assert_int_equal(fake_pages_live(), before);
}

/* A bad struct or no memory: MIEE_EARG / MIEE_ENOMEM, nothing made. */
static void test_slot_refused(void **state)
{
	struct miee_slot_start *st = (struct miee_slot_start *)
		((u8 *)fake_mem(RAM_BASE + 0x100000) + 0x200);
	const u64 noncanon = 0x0000800000000000ull;
	unsigned long live;
	u64 id = ready_miee();

	(void)state;
	assert_int_equal(enter(0, id, 0), 1000);
	live = fake_pages_live();
	/* Outside its pages, or crossing out of them (page 3 is not its). */
	const u64 offs[] = { 0x3000, 0x3000 - 8, 8ull * PAGE_SIZE, ~0ull - 8 };
	for (unsigned k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
		assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, offs[k], 0, 0), VCPU_SKIP);
		assert_int_equal((s64)frames[0].rax, MIEE_EARG);
	}
	for (int k = 0; k < 8; k++) {
		put_start(0x200, 0x1000, 0x800, 1);
		switch (k) {
		case 0: st->rip = noncanon; break;
		case 1: st->rsp = noncanon; break;
		case 2: st->fs_base = noncanon; break;
		case 3: st->gs_base = 0xffff7fffffffffffull; break;
		case 4: st->reserved[0] = 1; break;
		case 5: st->reserved[1] = 1; break;
		case 6: st->reserved[2] = 1ull << 63; break;
		case 7: st->rip = 0xffff800000001000ull; break;	/* canonical: fine */
		}
		assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, 0x200, 0, 0), VCPU_SKIP);
		if (k == 7) {
			assert_int_equal(frames[0].rax, 0);
			assert_int_equal(frames[0].rbx, 1);
			break;
		}
		assert_int_equal((s64)frames[0].rax, MIEE_EARG);
		assert_int_equal(fake_pages_live(), live);
	}
	live = fake_pages_live();
	put_start(0x200, 0x1000, 0x800, 2);
	fake_fail_alloc(1, false);		/* the XSAVE area */
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, 0x200, 0, 0), VCPU_SKIP);
	assert_int_equal((s64)frames[0].rax, MIEE_ENOMEM);
	assert_int_equal(fake_pages_live(), live);
	fake_backend_setup_err = -ENOMEM;	/* the VMCB / VMCS */
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, 0x200, 0, 0), VCPU_SKIP);
	assert_int_equal((s64)frames[0].rax, MIEE_ENOMEM);
	fake_backend_setup_err = 0;
	assert_int_equal(fake_pages_live(), live);
	hostcall(0);
	assert_int_equal(info(id)->slots_made, 2);
	assert_int_equal(enter(0, id, 2), MIEE_ESLOT);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* One slot on one CPU at a time: a second CPU entering it gets EBUSY
 * (and the host-call value it passes is not taken); another slot runs
 * at once; destroy while any slot runs is EBUSY. */
static void test_slot_busy(void **state)
{
	u64 id = ready_miee();

	(void)state;
	assert_int_equal(enter(0, id, 0), 1000);
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1000, 0x800, 1), 0, 0),
			 VCPU_SKIP);
	assert_int_equal(inside(0, HC_MIEE_HOSTCALL, 5, 0, 0), VCPU_SWITCHED);
	assert_int_equal(enter(0, id, 0), 1000);		/* resumes with RAX 0 */
	assert_int_equal(frames[0].rax, 0);
	assert_int_equal(call(1, HC_MIEE_ENTER, id, 0x4444, 0), MIEE_EBUSY);
	assert_int_equal(enter(1, id, 1), 1000);		/* slot 1 on CPU 1 */
	assert_int_equal(enter(2, id, 1), MIEE_EBUSY);
	assert_int_equal(enter(2, id, 0), MIEE_EBUSY);
	assert_int_equal(call(2, HC_MIEE_DESTROY, id, 0, 0), MIEE_EBUSY);
	hostcall(0);
	assert_int_equal(call(2, HC_MIEE_DESTROY, id, 0, 0), MIEE_EBUSY);	/* slot 1 */
	hostcall(1);
	/* Slot 0 moves to CPU 2; its RAX is what CPU 2 passes. */
	assert_int_equal(call(2, HC_MIEE_ENTER, id, 0x77, 0), 1000);
	assert_int_equal(frames[2].rax, 0x77);
	hostcall(2);
	assert_int_equal(call(2, HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* HC_MIEE_EXIT in slot 0 on CPU 0 while slot 1 runs on CPU 1: CPU 1 is
 * kicked, slot 1's next exit (the kick's) returns DONE + status to its
 * ENTER; every later ENTER of any slot is MIEE_ESTATE. */
static void test_exit_ends_all(void **state)
{
	struct vcpu *s1;
	u64 id = ready_miee();

	(void)state;
	assert_int_equal(enter(0, id, 0), 1000);
	for (int n = 1; n <= 2; n++)
		assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1000, 0x800, n),
					0, 0), VCPU_SKIP);
	hostcall(0);
	assert_int_equal(enter(1, id, 1), 1000);
	s1 = on(1);
	assert_int_equal(enter(2, id, 2), 1000);
	hostcall(2);			/* slot 2 made, not running */
	assert_int_equal(enter(0, id, 0), 1000);
	assert_false(miee_ended(s1));
	fake_smp_flush_mask = 0;
	assert_int_equal(inside(0, HC_MIEE_EXIT, 7, 0, 0), VCPU_SWITCHED);
	assert_int_equal(frames[0].rbx, MIEE_EXIT_DONE);
	assert_int_equal(frames[0].rcx, 7);
	assert_int_equal(fake_smp_flush_mask, 1u << 1);	/* CPU 1 kicked, no other */
	assert_true(miee_ended(s1));
	/* CPU 1 takes the kick's NMI exit: slot 1 leaves with the end. */
	fake_cpu_index = 1;
	s1->regs = &frames[1];
	assert_int_equal(miee_interrupted(s1, false), VCPU_SWITCHED);
	assert_ptr_equal(on(1), &os[1]);
	assert_int_equal(frames[1].rbx, MIEE_EXIT_DONE);
	assert_int_equal(frames[1].rcx, 7);
	for (u64 n = 0; n <= 2; n++)
		assert_int_equal(enter(2, id, n), MIEE_ESTATE);
	assert_int_equal(info(id)->slots_live, 0);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* A fault in slot 2 ends the MIEE for all: slot 1, running on CPU 1 and
 * making a hypercall, gets the fault as its exit, not a result. */
static void test_fault_ends_all(void **state)
{
	struct vcpu *s2;
	u64 id = ready_miee();

	(void)state;
	assert_int_equal(enter(0, id, 0), 1000);
	for (int n = 1; n <= 2; n++)
		assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1000, 0x800, n),
					0, 0), VCPU_SKIP);
	hostcall(0);
	assert_int_equal(enter(1, id, 1), 1000);
	assert_int_equal(enter(2, id, 2), 1000);
	s2 = on(2);
	fake_smp_flush_mask = 0;
	fake_cpu_index = 2;
	s2->regs = &frames[2];
	assert_int_equal(miee_fault(s2, MIEE_F_NPF, 0x5000), VCPU_SWITCHED);
	assert_int_equal(frames[2].rbx, MIEE_EXIT_FAULT);
	assert_int_equal(frames[2].rcx, MIEE_F_NPF);
	assert_int_equal(frames[2].rdx, 0x5000);
	assert_int_equal(fake_smp_flush_mask, 1u << 1);
	assert_int_equal(inside(1, HC_MIEE_MAP, 0x4000, 1, MIEE_P_R | MIEE_P_W), VCPU_SWITCHED);
	assert_int_equal(frames[1].rbx, MIEE_EXIT_FAULT);
	assert_int_equal(frames[1].rcx, MIEE_F_NPF);
	assert_int_equal(frames[1].rdx, 0x5000);
	assert_int_equal(enter(0, id, 0), MIEE_ESTATE);
	assert_int_equal(info(id)->state, MIEE_S_DEAD);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* HC_MIEE_FLUSH: this CPU flushes at once, CPUs running another slot are
 * shot down before it returns, CPUs not running it flush at their next
 * enter; nobody to shoot down, no shootdown. */
static void test_flush(void **state)
{
	int fl;
	u64 id = ready_miee();

	(void)state;
	assert_int_equal(enter(0, id, 0), 1000);
	assert_int_equal(inside(0, HC_MIEE_SLOT_NEW, put_start(0x100, 0x1000, 0x800, 1), 0, 0),
			 VCPU_SKIP);
	fake_smp_flush_calls = 0;
	fl = fake_backend_flushes;
	assert_int_equal(inside(0, HC_MIEE_FLUSH, 0, 0, 0), VCPU_SKIP);
	assert_int_equal(frames[0].rax, 0);
	assert_int_equal(fake_backend_flushes, fl + 1);
	assert_int_equal(fake_smp_flush_calls, 0);
	hostcall(0);
	assert_int_equal(enter(1, id, 1), 1000);
	assert_int_equal(enter(0, id, 0), 1000);	/* CPU 0 flushed at the call */
	fake_smp_flush_mask = 0;
	fl = fake_backend_flushes;
	assert_int_equal(inside(0, HC_MIEE_FLUSH, 0, 0, 0), VCPU_SKIP);
	assert_int_equal(fake_smp_flush_mask, 1u << 1);
	assert_int_equal(fake_backend_flushes, fl + 1);
	hostcall(0);
	hostcall(1);
	fl = fake_backend_flushes;
	assert_int_equal(enter(2, id, 1), 1000);	/* CPU 2: behind, flushes */
	assert_int_equal(fake_backend_flushes, fl + 1);
	hostcall(2);
	assert_int_equal(enter(0, id, 0), 1000);	/* CPU 0: current */
	assert_int_equal(fake_backend_flushes, fl + 1);
	hostcall(0);
	assert_int_equal(call(0, HC_MIEE_DESTROY, id, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slot_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_ends_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_ends_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
