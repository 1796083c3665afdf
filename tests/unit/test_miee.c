/* Host tests of the MIEE manager (hypervisor/core/miee.c) with the real
 * frame table, EPT builder and SHA-256, and a fake vendor backend: every
 * refused call changes nothing, the measurement is recomputable (with
 * OpenSSL) and binds every page's place and rights, max_pages and the
 * initial state, W^X, destroy scrubs and returns every frame, the contexts
 * swap registers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "hv.h"
#include "core/frames.h"
#include "crypto/sha256.h"
#include "crypto/drbg.h"
#include "utpm/utpm.h"
#include "miee.h"
#include "support/fake_platform.h"
#include "../../tools/miee-image.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE (8ull << 20)
#define NFRAMES ((RAM_BASE + RAM_SIZE) >> PAGE_SHIFT)
#define HV_FRAME (RAM_BASE + 0x7f0000)	/* marked hypervisor-owned */
#define MMIO_FRAME 0x0ull		/* below RAM_BASE: MMIO */

struct frame_table hv_frames;
struct utpm_root hv_utpm_root;	/* not ready: uTPM calls are refused here */
struct drbg_ctx hv_drbg;
static struct npt os_npt_store;
struct npt *hv_os_npt = &os_npt_store;
static struct frame_owner store[NFRAMES];
static struct vcpu os;
static struct guest_regs frame;
static u8 host_stack[4096] __attribute__((aligned(16)));
static int switches, flushes;

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

/* What the fake backend's vcpu_setup returns (0: success). */
static int setup_err;

static int fake_setup(struct vcpu *v, const struct vcpu_init_state *s)
{
	(void)s;
	if (setup_err)
		return setup_err;	/* a backend frees its part on error */
	v->vendor = v;
	return 0;
}

static void fake_switch(struct vcpu *from, struct vcpu *to)
{
	(void)from;
	(void)to;
	switches++;
}

static void fake_free(struct vcpu *v)
{
	v->vendor = NULL;
}

static void fake_flush(struct vcpu *v)
{
	(void)v;
	flushes++;
}

static unsigned fake_cpl(struct vcpu *v)
{
	(void)v;
	return 0;
}

static void fake_nmi(struct vcpu *v)
{
	(void)v;
}

static const struct vendor_ops fake_ops = {
	.name = "fake",
	.npt_fmt = NPT_FMT_EPT,
	.vcpu_setup = fake_setup,
	.ctx_switch = fake_switch,
	.ctx_free = fake_free,
	.flush_npt = fake_flush,
	.guest_cpl = fake_cpl,
	.inject_nmi = fake_nmi,
};

static u8 os_fpu[4096] __attribute__((aligned(64)));

/* As on bare metal: the OS's table maps only what the frame table gives it. */
static int os_hpa_allowed(u64 hpa, u64 size)
{
	return frames_hpa_mappable_by_os(&hv_frames, hpa, size);
}

static int setup(void **state)
{
	(void)state;
	setup_err = 0;
	assert_int_equal(fake_mem_init(RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(frames_init(&hv_frames, store, NFRAMES), 0);
	frames_set_range(&hv_frames, 0, RAM_BASE, FRAME_MMIO);
	frames_set_range(&hv_frames, RAM_BASE, RAM_SIZE, FRAME_OS);
	frames_set_range(&hv_frames, HV_FRAME, PAGE_SIZE, FRAME_HV);
	frames_seal(&hv_frames);
	assert_int_equal(npt_init(hv_os_npt, NPT_FMT_EPT, os_hpa_allowed), 0);
	assert_int_equal(npt_map(hv_os_npt, RAM_BASE, RAM_BASE, RAM_SIZE - 0x200000,
				 NPT_R | NPT_W | NPT_X, NPT_MT_WB), 0);
	memset(&os, 0, sizeof(os));
	os.ops = &fake_ops;
	os.npt = hv_os_npt;
	os.regs = &frame;
	os.fpu = os_fpu;
	os.host_stack_top = (u64)host_stack + sizeof(host_stack);
	miee_setup(&os);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	npt_destroy(hv_os_npt);
	fake_mem_fini();
	return 0;
}

static s64 call(u64 nr, u64 rbx, u64 rcx, u64 rdx)
{
	s64 ret = 0;
	int r;

	memset(&frame, 0, sizeof(frame));
	frame.rax = nr;
	frame.rbx = rbx;
	frame.rcx = rcx;
	frame.rdx = rdx;
	os.regs = &frame;
	r = miee_os_hypercall(&os, nr, &ret);
	if (r == VCPU_SWITCHED)
		return 1000;	/* marker: now in the MIEE */
	assert_int_equal(r, 1);
	return ret;
}

/* A page of OS RAM holding a list of entries. */
static u64 list_pa = RAM_BASE + 0x10000;

static u64 put_list(const struct miee_page *p, unsigned n)
{
	memcpy(fake_mem(list_pa), p, n * sizeof(*p));
	return list_pa;
}

static u64 data_frame(unsigned i, u8 fill)
{
	u64 pa = RAM_BASE + 0x100000 + i * PAGE_SIZE;

	memset(fake_mem(pa), fill, PAGE_SIZE);
	return pa;
}

static u64 create(u32 max)
{
	s64 r = call(HC_MIEE_CREATE, max, 0, 0);

	assert_int_equal(r, 0);
	return frame.rbx;
}

static void test_create_limits(void **state)
{
	u64 ids[MIEE_MAX];

	(void)state;
	assert_int_equal(call(HC_MIEE_CREATE, 0, 0, 0), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_CREATE, MIEE_MAX_PAGES + 1, 0, 0), MIEE_ELIMIT);
	for (int i = 0; i < MIEE_MAX; i++)
		ids[i] = create(4);
	assert_int_equal(call(HC_MIEE_CREATE, 4, 0, 0), MIEE_ELIMIT);
	for (int i = 0; i < MIEE_MAX; i++)
		assert_int_equal(call(HC_MIEE_DESTROY, ids[i], 0, 0), 0);
	assert_int_equal(call(HC_MIEE_DESTROY, ids[0], 0, 0), MIEE_ENOENT);
	assert_int_equal(fake_pages_live(), os_npt_store.table_pages);
}

/* Every refused add leaves the frame table and the OS's table as they were. */
static void test_add_refusals(void **state)
{
	u64 id = create(8), os_before = frames_count(&hv_frames, FRAME_OS);
	struct miee_page good = { data_frame(0, 1), 0, MIEE_P_R | MIEE_P_MEASURED, 0 };
	struct miee_page bad[2];
	const struct {
		struct miee_page p;
		s64 err;
	} cases[] = {
		{ { data_frame(1, 1), 0x1000, MIEE_P_R | (1u << 9), 0 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_W, 0 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_R | MIEE_P_SHARED | MIEE_P_X, 0 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_R | MIEE_P_SHARED | MIEE_P_MEASURED, 0 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_R, 7 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_R | MIEE_P_SHARED | MIEE_P_WX, 0 }, MIEE_EFLAGS },
		{ { data_frame(1, 1), 0x1000, MIEE_P_R | MIEE_P_W | MIEE_P_X, 0 }, MIEE_EWX },
		{ { data_frame(1, 1), 0x1004, MIEE_P_R, 0 }, MIEE_ERANGE },
		{ { data_frame(1, 1) + 8, 0x1000, MIEE_P_R, 0 }, MIEE_ERANGE },
		{ { data_frame(1, 1), 8 * PAGE_SIZE, MIEE_P_R, 0 }, MIEE_ERANGE },
		{ { HV_FRAME, 0x1000, MIEE_P_R, 0 }, MIEE_EFRAME },
		{ { MMIO_FRAME, 0x1000, MIEE_P_R, 0 }, MIEE_EFRAME },
		{ { RAM_BASE + RAM_SIZE + PAGE_SIZE, 0x1000, MIEE_P_R, 0 }, MIEE_EFRAME },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad[0] = cases[i].p;
		assert_int_equal(call(HC_MIEE_ADD, id, put_list(bad, 1), 1), cases[i].err);
	}
	/* Good first entry, bad second: nothing of the first may stick. */
	bad[0] = good;
	bad[1] = good;
	bad[1].offset = 0x1000;	/* same frame twice */
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(bad, 2), 2), MIEE_EDUP);
	bad[1] = good;
	bad[1].frame = data_frame(2, 2);	/* same offset twice */
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(bad, 2), 2), MIEE_EDUP);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
	assert_int_equal(frames_count_miee(&hv_frames, (u16)id), 0);
	/* Count and list checks. */
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&good, 1), 0), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&good, 1), 9), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_ADD, id, HV_FRAME, 1), MIEE_EARG);
	assert_int_equal(call(HC_MIEE_ADD, 99, put_list(&good, 1), 1), MIEE_ENOENT);
	/* Now the good one; adding its offset or frame again is refused. */
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&good, 1), 1), 0);
	/* Its frame is this MIEE's now; its offset is taken. */
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&good, 1), 1), MIEE_EFRAME);
	bad[0] = good;
	bad[0].frame = data_frame(3, 3);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(bad, 1), 1), MIEE_EDUP);
	/* Another MIEE cannot take this one's frame. */
	{
		u64 id2 = create(4);

		good.offset = 0;
		assert_int_equal(call(HC_MIEE_ADD, id2, put_list(&good, 1), 1), MIEE_EFRAME);
		assert_int_equal(call(HC_MIEE_DESTROY, id2, 0, 0), 0);
	}
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
}

static void le(EVP_MD_CTX *c, u64 v, unsigned n)
{
	u8 b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (u8)(v >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(c, b, n), 1);
}

/* The measurement of include/hv/miee.h (version 2), written out again with
 * OpenSSL from the inputs alone: max_pages, every page (contents[i] for
 * the measured ones), the initial state. */
static void expect_measurement(u32 max, const struct miee_page *p, unsigned n,
			       u8 *const *contents, const struct miee_init *in, u8 out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 0;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, "MIEE-MEASURE/v3", 16), 1);
	le(c, max, 4);
	for (unsigned i = 0; i < n; i++) {
		le(c, 'P', 1);
		le(c, p[i].offset, 8);
		le(c, p[i].flags, 4);
		if (p[i].flags & MIEE_P_MEASURED)
			assert_int_equal(EVP_DigestUpdate(c, contents[i], PAGE_SIZE), 1);
	}
	le(c, 'I', 1);
	le(c, n, 4);
	le(c, in->rip, 8); le(c, in->rsp, 8); le(c, in->cr3, 8);
	le(c, in->gdt_base, 8); le(c, in->idt_base, 8);
	le(c, in->gdt_limit, 2); le(c, in->idt_limit, 2);
	le(c, in->cs, 2); le(c, in->ds, 2); le(c, in->arg, 8);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &len), 1);
	assert_int_equal(len, 32);
	EVP_MD_CTX_free(c);
}

static u64 put_init(const struct miee_init *in)
{
	u64 pa = list_pa + 0x1000;

	memcpy(fake_mem(pa), in, sizeof(*in));
	return pa;
}

/* The full life: measure, OS loses access, enter/leave, scrub on destroy. */
static void test_lifecycle(void **state)
{
	struct miee_page p[3] = {
		{ data_frame(0, 0xaa), 0x0000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
		{ data_frame(1, 0xbb), 0x1000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 },
		{ data_frame(2, 0xcc), 0x2000, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED, 0 },
	};
	struct miee_init in = { .rip = 0x1000, .rsp = 0x1000, .cr3 = 0, .gdt_base = 0x100,
				.gdt_limit = 0x17, .cs = 8, .ds = 0x10, .arg = 0x2000 };
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 os_before = frames_count(&hv_frames, FRAME_OS), hpa;
	u8 pages[2][PAGE_SIZE], *contents[3] = { pages[0], pages[1], NULL };
	u8 want[32];
	unsigned perms;
	u64 id = create(4);

	(void)state;
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), MIEE_ESTATE);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(p, 3), 3), 0);
	/* The OS lost the private frames, kept the shared one. */
	assert_int_equal(npt_lookup(hv_os_npt, p[0].frame, &hpa, &perms, NULL, NULL), -ENOENT);
	assert_int_equal(npt_lookup(hv_os_npt, p[1].frame, &hpa, &perms, NULL, NULL), -ENOENT);
	assert_int_equal(npt_lookup(hv_os_npt, p[2].frame, &hpa, &perms, NULL, NULL), 0);
	assert_int_equal(frames_kind(&hv_frames, p[0].frame >> PAGE_SHIFT), FRAME_MIEE);
	assert_int_equal(frames_kind(&hv_frames, p[2].frame >> PAGE_SHIFT), FRAME_SHARED);
	/* Bad initial states are refused and change nothing. */
	in.rip = 4 * PAGE_SIZE;
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), MIEE_EARG);
	in.rip = 0x1000;
	in.cs = 0x18;
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), MIEE_EARG);
	in.cs = 8;
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), 0);
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), MIEE_ESTATE);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(p, 1), 1), MIEE_ESTATE);

	/* The measurement, recomputed from the same inputs (the shared page
	 * by place and rights only). */
	memset(pages[0], 0xaa, PAGE_SIZE);
	memset(pages[1], 0xbb, PAGE_SIZE);
	expect_measurement(4, p, 3, contents, &in, want);
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	assert_int_equal(info->state, MIEE_S_READY);
	assert_int_equal(info->pages, 3);
	assert_memory_equal(info->measurement, want, 32);

	/* Enter: the OS's registers go away, the MIEE's arg arrives. */
	switches = 0;
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	assert_int_equal(switches, 1);
	assert_int_equal(frame.rdi, 0x2000);
	assert_int_equal(frame.rbx, 0);		/* nothing of the OS's call */
	/* The MIEE exits with status 7: the OS sees the reason only. */
	{
		struct vcpu *m = (struct vcpu *)*(u64 *)(os.host_stack_top - 8);

		frame.rax = HC_MIEE_EXIT;
		frame.rbx = 7;
		frame.r15 = 0x5ec2e7;
		m->regs = &frame;
		assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
		assert_int_equal(frame.rbx, MIEE_EXIT_DONE);
		assert_int_equal(frame.rcx, 7);
		assert_int_not_equal(frame.r15, 0x5ec2e7);
	}
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), MIEE_ESTATE);	/* dead */

	/* Destroy: frames zeroed before the OS has them again, and mapped. */
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	for (int i = 0; i < 2; i++) {
		u8 *b = fake_mem(p[i].frame);

		for (u64 k = 0; k < PAGE_SIZE; k++)
			assert_int_equal(b[k], 0);
		assert_int_equal(npt_lookup(hv_os_npt, p[i].frame, &hpa, &perms, NULL, NULL), 0);
		assert_int_equal(hpa, p[i].frame);
	}
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), MIEE_ENOENT);
}

/* A backend that cannot set up the MIEE's context: the hypercall says why
 * (not always MIEE_ENOMEM), frees the XSAVE area, and leaves the MIEE as it
 * was, so that init works once the backend does. */
static void test_init_backend_errors(void **state)
{
	struct miee_page p = { data_frame(0, 1), 0x0000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 };
	struct miee_init in = { .rip = 0, .rsp = 0x1000, .cr3 = 0, .gdt_base = 0x100,
				.gdt_limit = 0x17, .cs = 8, .ds = 0x10 };
	const struct { int err; s64 want; } cases[] = {
		{ -ENOMEM, MIEE_ENOMEM },
		{ -EIO, MIEE_ECPU },	/* VMCLEAR/VMPTRLD refused */
		{ -ENOSYS, MIEE_ECPU },	/* controls the CPU cannot give */
		{ -EINVAL, MIEE_EARG },
	};
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 id = create(4);
	unsigned long live;

	(void)state;
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&p, 1), 1), 0);
	live = fake_pages_live();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup_err = cases[i].err;
		assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), cases[i].want);
		setup_err = 0;
		assert_int_equal(fake_pages_live(), live);	/* XSAVE area freed */
		assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), MIEE_ESTATE);
		assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
		assert_int_equal(info->state, MIEE_S_ADDING);
	}
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), 0);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* SMP (docs/smp.md): a thread slot runs on one CPU at a time. While it
 * runs for `os` (CPU 0), the OS vCPU of another CPU gets MIEE_EBUSY for
 * enter and destroy; after it left, that CPU may enter it, the MIEE then
 * runs on that CPU's host stack and returns to that CPU's OS vCPU. */
static u8 host_stack2[4096] __attribute__((aligned(16)));

static s64 call_on(struct vcpu *v, struct guest_regs *f, u64 nr, u64 rbx)
{
	s64 ret = 0;
	int r;

	memset(f, 0, sizeof(*f));
	f->rax = nr;
	f->rbx = rbx;
	v->regs = f;
	r = miee_os_hypercall(v, nr, &ret);
	return r == VCPU_SWITCHED ? 1000 : ret;
}

static void test_enter_busy(void **state)
{
	struct miee_page p[2] = {
		{ data_frame(0, 0xaa), 0x0000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
		{ data_frame(1, 0xbb), 0x1000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 },
	};
	struct miee_init in = { .rip = 0x1000, .rsp = 0x1000, .gdt_base = 0x100,
				.gdt_limit = 0x17, .cs = 8, .ds = 0x10 };
	struct guest_regs frame2;
	struct vcpu os2, *m;
	u64 id = create(2);

	(void)state;
	os2 = os;
	os2.host_stack_top = (u64)host_stack2 + sizeof(host_stack2);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(p, 2), 2), 0);
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), 0);
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);		/* runs for os */
	m = (struct vcpu *)*(u64 *)(os.host_stack_top - 8);
	assert_int_equal(m->host_stack_top, os.host_stack_top);
	assert_int_equal(call_on(&os2, &frame2, HC_MIEE_ENTER, id), MIEE_EBUSY);
	assert_int_equal(call_on(&os2, &frame2, HC_MIEE_DESTROY, id), MIEE_EBUSY);
	/* A host call: back to os, whose stack now names it again. */
	frame.rax = HC_MIEE_HOSTCALL;
	frame.rbx = 41;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	assert_ptr_equal((void *)*(u64 *)(os.host_stack_top - 8), &os);
	assert_int_equal(frame.rbx, MIEE_EXIT_HOSTCALL);
	assert_int_equal(frame.rcx, 41);
	/* Now the other CPU resumes it: its stack, and back to it. */
	assert_int_equal(call_on(&os2, &frame2, HC_MIEE_ENTER, id), 1000);
	assert_int_equal(m->host_stack_top, os2.host_stack_top);
	assert_ptr_equal((void *)*(u64 *)(os2.host_stack_top - 8), m);
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), MIEE_EBUSY);
	frame2.rax = HC_MIEE_EXIT;
	frame2.rbx = 3;
	m->regs = &frame2;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	assert_ptr_equal((void *)*(u64 *)(os2.host_stack_top - 8), &os2);
	assert_int_equal(frame2.rbx, MIEE_EXIT_DONE);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* Out of memory half-way through an add: everything is undone. */
static void test_add_nomem_rollback(void **state)
{
	struct miee_page p[2] = {
		{ data_frame(0, 1), 0x0000, MIEE_P_R | MIEE_P_MEASURED, 0 },
		{ data_frame(1, 2), 0x1000, MIEE_P_R | MIEE_P_MEASURED, 0 },
	};
	u64 os_before = frames_count(&hv_frames, FRAME_OS), hpa;
	unsigned perms;
	u64 id = create(4);
	unsigned failed = 0;

	unsigned scrubbed = 0;

	(void)state;
	for (unsigned nth = 1; nth < 12; nth++) {
		bool zero[2];

		data_frame(0, 1);	/* refill: the last round may have scrubbed */
		data_frame(1, 2);
		fake_fail_alloc(nth, false);
		s64 r = call(HC_MIEE_ADD, id, put_list(p, 2), 2);

		fake_fail_alloc(0, false);
		if (r == 0)
			break;
		assert_int_equal(r, MIEE_ENOMEM);
		failed++;
		assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
		for (int i = 0; i < 2; i++) {
			const u8 *b = fake_mem(p[i].frame);
			size_t k;

			assert_int_equal(npt_lookup(hv_os_npt, p[i].frame, &hpa, &perms, NULL, NULL), 0);
			assert_int_equal(hpa, p[i].frame);
			/* A frame the MIEE held comes back zeroed; one it never got
			 * keeps the OS's bytes. Nothing in between. */
			for (k = 0; k < PAGE_SIZE && b[k] == b[0]; k++)
				;
			assert_int_equal(k, PAGE_SIZE);
			zero[i] = b[0] == 0;
			if (!zero[i])
				assert_int_equal(b[0], i + 1);
		}
		assert_true(zero[0] || !zero[1]);	/* given in list order */
		scrubbed += zero[0];
	}
	assert_true(failed > 0);	/* the injection did hit the add */
	assert_true(scrubbed > 0);	/* and some rounds failed after a frame was given */
	assert_int_equal(frames_count_miee(&hv_frames, (u16)id), 2);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
}

/* ---- the measurement binds the whole MIEE (layout, rights, max_pages) */

#define LAYOUT_MAX 8

struct layout {
	u32 max;
	unsigned n;
	struct miee_page p[LAYOUT_MAX];	/* frames filled in by build() */
	u8 fill[LAYOUT_MAX];		/* page i's contents: all fill[i] */
	struct miee_init in;
};

/* A small PAL-like MIEE: tables, code, data, stack, one shared page; 0x4000
 * is left out (a guard, like the test PAL's 0x8000). */
static struct layout genuine(void)
{
	struct layout l = {
		.max = 8,
		.n = 5,
		.p = {
			{ 0, 0x0000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
			{ 0, 0x1000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 },
			{ 0, 0x2000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
			{ 0, 0x3000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 },
			{ 0, 0x5000, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED, 0 },
		},
		.fill = { 0x11, 0x90, 0x22, 0x00, 0x33 },
		.in = { .rip = 0x1000, .rsp = 0x4000, .cr3 = 0, .gdt_base = 0x2000,
			.gdt_limit = 0x17, .cs = 8, .ds = 0x10, .arg = 0x5000 },
	};

	return l;
}

static void layout_add(struct layout *l, u64 offset, u32 flags, u8 fill)
{
	assert_true(l->n < LAYOUT_MAX);
	l->p[l->n] = (struct miee_page){ 0, offset, flags, 0 };
	l->fill[l->n++] = fill;
}

/* Builds the MIEE of l (pages added in calls of split entries; 0: one
 * call), reads its measurement, checks it against the OpenSSL rewrite of
 * the definition, destroys it. 0, or the error of the ADD or INIT. */
static s64 build_split(struct layout *l, unsigned split, u8 out[32])
{
	u8 *contents[LAYOUT_MAX], want[32];
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 id = create(l->max);
	unsigned done = 0;
	s64 r = 0;

	for (unsigned i = 0; i < l->n; i++) {
		l->p[i].frame = data_frame(i, l->fill[i]);
		contents[i] = fake_mem(l->p[i].frame);
	}
	expect_measurement(l->max, l->p, l->n, contents, &l->in, want);	/* before ADD */
	while (!r && done < l->n) {
		unsigned k = split && l->n - done > split ? split : l->n - done;

		r = call(HC_MIEE_ADD, id, put_list(l->p + done, k), k);
		done += k;
	}
	if (!r)
		r = call(HC_MIEE_INIT, id, put_init(&l->in), 0);
	if (!r) {
		assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
		assert_true(info->measurement_ready);
		memcpy(out, info->measurement, 32);
		assert_memory_equal(out, want, 32);
	}
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	return r;
}

static void build(struct layout *l, u8 out[32])
{
	assert_int_equal(build_split(l, 0, out), 0);
}

static void test_measurement_binds_layout(void **state)
{
	struct layout l;
	u8 base[32], m[32], m2[32];

	(void)state;
	l = genuine();
	build(&l, base);

	/* The review's forgery: the genuine measured pages and initial state,
	 * plus one unmeasured page of the OS's choosing at the unused offset.
	 * Executable (its own code) or writable: the measurement is not the
	 * genuine one. R|W|X, as the review had it, is not even accepted. */
	l = genuine();
	layout_add(&l, 0x4000, MIEE_P_R | MIEE_P_X, 0xcc);
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	l = genuine();
	layout_add(&l, 0x4000, MIEE_P_R | MIEE_P_W, 0x00);
	build(&l, m2);
	assert_memory_not_equal(m2, base, 32);
	assert_memory_not_equal(m2, m, 32);
	l = genuine();
	layout_add(&l, 0x4000, MIEE_P_R | MIEE_P_W | MIEE_P_X, 0xcc);
	assert_int_equal(build_split(&l, 0, m), MIEE_EWX);
	/* An unmeasured page's contents are not hashed, its place and rights are. */
	l = genuine();
	layout_add(&l, 0x4000, MIEE_P_R | MIEE_P_W, 0x77);
	build(&l, m);
	assert_memory_equal(m, m2, 32);
	l = genuine();
	layout_add(&l, 0x6000, MIEE_P_R | MIEE_P_W, 0x00);
	build(&l, m);
	assert_memory_not_equal(m, m2, 32);
	assert_memory_not_equal(m, base, 32);

	/* A page's flags: the code page without X, the shared page read-only. */
	l = genuine();
	l.p[1].flags &= ~MIEE_P_X;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	l = genuine();
	l.p[4].flags &= ~MIEE_P_W;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	/* The shared page moved to the guard's offset. */
	l = genuine();
	l.p[4].offset = 0x4000;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	/* max_pages, up and down. */
	l = genuine();
	l.max = 9;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	l = genuine();
	l.max = 6;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	/* The contents of a measured page, the initial state. */
	l = genuine();
	l.fill[3] = 1;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	l = genuine();
	l.in.arg = 0x5008;
	build(&l, m);
	assert_memory_not_equal(m, base, 32);

	/* Only the order of pages counts, not how the calls split them; the
	 * same MIEE built again measures the same. */
	l = genuine();
	assert_int_equal(build_split(&l, 2, m), 0);
	assert_memory_equal(m, base, 32);
	l = genuine();
	assert_int_equal(build_split(&l, 1, m), 0);
	assert_memory_equal(m, base, 32);
	l = genuine();
	{
		struct miee_page t = l.p[2];
		u8 f = l.fill[2];

		l.p[2] = l.p[3];
		l.fill[2] = l.fill[3];
		l.p[3] = t;
		l.fill[3] = f;
	}
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
}

/* W^X: a private page is writable and executable only when measured and
 * asking for it (MIEE_P_WX); anything else is MIEE_EWX and changes nothing. */
static void test_wx(void **state)
{
	static const u32 refused[] = {
		MIEE_P_R | MIEE_P_W | MIEE_P_X,				/* unmeasured */
		MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_MEASURED,	/* not asked for */
		MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_WX,		/* asked, unmeasured */
		MIEE_P_R | MIEE_P_WX | MIEE_P_MEASURED,			/* asks for nothing */
		MIEE_P_R | MIEE_P_W | MIEE_P_WX | MIEE_P_MEASURED,
		MIEE_P_R | MIEE_P_X | MIEE_P_WX | MIEE_P_MEASURED,
		MIEE_P_R | MIEE_P_X | MIEE_P_WX,
	};
	u64 os_before = frames_count(&hv_frames, FRAME_OS), hpa;
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	struct layout l = genuine();
	struct miee_page two[2];
	u8 base[32], m[32];
	unsigned perms;
	u64 id;

	(void)state;
	build(&l, base);
	id = create(l.max);
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct miee_page p = { data_frame(7, 0xcc), 0x4000, refused[i], 0 };

		assert_int_equal(call(HC_MIEE_ADD, id, put_list(&p, 1), 1), MIEE_EWX);
	}
	/* A good page, then a W+X one in the same call: nothing of the first
	 * sticks, neither in the frame table, nor in the OS's table, nor in the
	 * measurement. */
	two[0] = (struct miee_page){ data_frame(6, 0x11), 0x6000, MIEE_P_R | MIEE_P_MEASURED, 0 };
	two[1] = (struct miee_page){ data_frame(7, 0xcc), 0x4000, MIEE_P_R | MIEE_P_W | MIEE_P_X, 0 };
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(two, 2), 2), MIEE_EWX);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
	assert_int_equal(frames_count_miee(&hv_frames, (u16)id), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(frames_kind(&hv_frames, two[i].frame >> PAGE_SHIFT), FRAME_OS);
		assert_int_equal(npt_lookup(hv_os_npt, two[i].frame, &hpa, &perms, NULL, NULL), 0);
		assert_int_equal(hpa, two[i].frame);
	}
	/* The genuine pages into this MIEE now: the refusals left no trace. */
	for (unsigned i = 0; i < l.n; i++)
		l.p[i].frame = data_frame(i, l.fill[i]);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(l.p, l.n), l.n), 0);
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&l.in), 0), 0);
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	assert_memory_equal(info->measurement, base, 32);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);

	/* Measured and asked for: accepted, and the request is measured. */
	l = genuine();
	layout_add(&l, 0x4000, MIEE_P_R | MIEE_P_W | MIEE_P_X | MIEE_P_MEASURED | MIEE_P_WX, 0xcc);
	build(&l, m);
	assert_memory_not_equal(m, base, 32);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
}

/* The runner's image (tools/miee-image.h), loaded as miee-run loads it:
 * the hypervisor's measurement is the one the runner computes, for the PAL's
 * image and for the forgery of the review (one more page at the guard),
 * which measures differently; a larger max_pages too. */
static s64 load_image(const struct miee_image *im, u8 out[32])
{
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 id = create(im->max_pages);
	unsigned frame = 0;
	s64 r = 0;

	for (int g = 0; g < im->nregions && !r; g++) {
		struct miee_page p[MIEE_IMG_PAGES];

		for (u32 k = 0; k < im->regions[g].npages; k++) {
			u64 off = im->regions[g].offset + (u64)k * PAGE_SIZE;

			p[k] = (struct miee_page){ data_frame(frame++, 0), off, im->regions[g].flags, 0 };
			memcpy(fake_mem(p[k].frame), im->buf + off, PAGE_SIZE);
		}
		r = call(HC_MIEE_ADD, id, put_list(p, im->regions[g].npages), im->regions[g].npages);
	}
	if (!r)
		r = call(HC_MIEE_INIT, id, put_init(&im->init), 0);
	if (!r) {
		assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
		memcpy(out, info->measurement, 32);
	}
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	return r;
}

static void test_runner_image(void **state)
{
	static u8 buf[MIEE_IMG_SIZE] __attribute__((aligned(4096)));
	static const u8 code[] = { 0x90, 0x90, 0x0f, 0x01, 0xd9, 0xf4 };
	struct miee_image im;
	u8 hv[32], runner[32], genuine[32];

	(void)state;
	assert_int_equal(miee_image_build(&im, buf, code, sizeof(code), 0), 0);
	miee_image_measure(&im, genuine);
	assert_int_equal(load_image(&im, hv), 0);
	assert_memory_equal(hv, genuine, 32);

	/* The forgery: an unmeasured page of other code at 0x8000. */
	memset(buf + MIEE_IMG_GUARD, 0xc3, PAGE_SIZE);
	assert_int_equal(miee_image_add_region(&im, MIEE_IMG_GUARD, 1, MIEE_P_R | MIEE_P_X), 0);
	miee_image_measure(&im, runner);
	assert_int_equal(load_image(&im, hv), 0);
	assert_memory_equal(hv, runner, 32);
	assert_memory_not_equal(hv, genuine, 32);
	/* As the review had it, writable too: refused. */
	im.regions[im.nregions - 1].flags |= MIEE_P_W;
	assert_int_equal(load_image(&im, hv), MIEE_EWX);
	im.nregions--;

	im.max_pages = MIEE_IMG_PAGES * 2;
	miee_image_measure(&im, runner);
	assert_int_equal(load_image(&im, hv), 0);
	assert_memory_equal(hv, runner, 32);
	assert_memory_not_equal(hv, genuine, 32);
}

/* ---- memory after init (core/miee_mem.c) */

/* A call from inside the MIEE now running: its RAX. */
static s64 mcall(struct vcpu *m, u64 nr, u64 rbx, u64 rcx, u64 rdx)
{
	memset(&frame, 0, sizeof(frame));
	frame.rax = nr;
	frame.rbx = rbx;
	frame.rcx = rcx;
	frame.rdx = rdx;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SKIP);
	return (s64)frame.rax;
}

static struct vcpu *running(void)
{
	return (struct vcpu *)*(u64 *)(os.host_stack_top - 8);
}

/* A frame list for DONATE at list_pa. */
static u64 put_frames(const u64 *f, unsigned n)
{
	memcpy(fake_mem(list_pa), f, n * sizeof(*f));
	return list_pa;
}

static bool all(u64 pa, u8 v)
{
	const u8 *b = fake_mem(pa);

	for (size_t k = 0; k < PAGE_SIZE; k++)
		if (b[k] != v)
			return false;
	return true;
}

static u64 ready_miee(u32 max, struct miee_page *p)
{
	struct miee_init in = { .rip = 0x1000, .rsp = 0x1000, .cr3 = 0, .gdt_base = 0x100,
				.gdt_limit = 0x17, .cs = 8, .ds = 0x10, .arg = 0x2000 };
	u64 id = create(max);

	p[0] = (struct miee_page){ data_frame(0, 0xaa), 0x0000, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, 0 };
	p[1] = (struct miee_page){ data_frame(1, 0xbb), 0x1000, MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED, 0 };
	p[2] = (struct miee_page){ data_frame(2, 0xcc), 0x2000, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED, 0 };
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(p, 3), 3), 0);
	assert_int_equal(call(HC_MIEE_INIT, id, put_init(&in), 0), 0);
	return id;
}

/* DONATE and RECLAIM from the OS: each refusal has its code and changes
 * nothing; donated frames leave the OS's table, come back zeroed. */
static void test_donate_reclaim(void **state)
{
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 os_before = frames_count(&hv_frames, FRAME_OS), hpa, f[6], bad[2], *out;
	struct miee_page p[3];
	unsigned perms;
	u64 id, adding;
	u8 meas[32];

	(void)state;
	adding = create(8);
	id = ready_miee(8, p);
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	memcpy(meas, info->measurement, 32);
	for (int i = 0; i < 6; i++)
		f[i] = data_frame(10 + i, 0xab);
	assert_int_equal(call(HC_MIEE_DONATE, 99, put_frames(f, 1), 1), MIEE_ENOENT);
	assert_int_equal(call(HC_MIEE_DONATE, adding, put_frames(f, 1), 1), MIEE_ESTATE);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 1), 0), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 1), MIEE_ADD_MAX + 1), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 6), 6), MIEE_ELIMIT);	/* 3 + 6 > 8 */
	assert_int_equal(call(HC_MIEE_DONATE, id, HV_FRAME, 1), MIEE_EARG);
	bad[0] = f[0];
	bad[1] = f[1] + 8;
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_ERANGE);
	bad[1] = HV_FRAME;
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_EFRAME);
	bad[1] = MMIO_FRAME;
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_EFRAME);
	bad[1] = p[0].frame;	/* already this MIEE's */
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_EFRAME);
	bad[1] = p[2].frame;	/* its shared page */
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_EFRAME);
	bad[1] = f[0];
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(bad, 2), 2), MIEE_EDUP);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before - 3);
	assert_int_equal(frames_count_miee(&hv_frames, (u16)id), 3);
	assert_int_equal(npt_lookup(hv_os_npt, f[0], &hpa, &perms, NULL, NULL), 0);

	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 4), 4), 0);
	assert_int_equal(frame.rbx, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(frames_kind(&hv_frames, f[i] >> PAGE_SHIFT), FRAME_MIEE);
		assert_int_equal(npt_lookup(hv_os_npt, f[i], &hpa, &perms, NULL, NULL), -ENOENT);
	}
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f + 4, 2), 2), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	assert_int_equal(info->reserve, 4);
	assert_int_equal(info->mapped, 0);
	assert_int_equal(info->pages, 7);
	assert_memory_equal(info->measurement, meas, 32);	/* never measured */

	assert_int_equal(call(HC_MIEE_RECLAIM, 99, list_pa, 1), MIEE_ENOENT);
	assert_int_equal(call(HC_MIEE_RECLAIM, adding, list_pa, 1), MIEE_ESTATE);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, 0), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, MIEE_ADD_MAX + 1), MIEE_ELIMIT);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, HV_FRAME, 1), MIEE_EARG);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, f[3], 1), MIEE_EARG);	/* not the OS's */
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	assert_int_equal(info->reserve, 4);
	out = fake_mem(list_pa);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, 3), 0);
	assert_int_equal(frame.rbx, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i], f[3 - i]);	/* the last donated first */
		assert_true(all(out[i], 0));
		assert_int_equal(frames_kind(&hv_frames, out[i] >> PAGE_SHIFT), FRAME_OS);
		assert_int_equal(npt_lookup(hv_os_npt, out[i], &hpa, &perms, NULL, NULL), 0);
		assert_int_equal(hpa, out[i]);
	}
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, 5), 0);
	assert_int_equal(frame.rbx, 1);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, 5), 0);	/* empty: none */
	assert_int_equal(frame.rbx, 0);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 2), 2), 0);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	assert_int_equal(call(HC_MIEE_DESTROY, adding, 0, 0), 0);
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
	assert_true(all(f[0], 0) && all(f[1], 0));
	assert_int_equal(fake_pages_live(), os_npt_store.table_pages);
}

/* MAP and UNMAP from inside: refusals change nothing, pages come in
 * zeroed, leave zeroed with a flush, and destroy returns everything. */
static void test_map_unmap(void **state)
{
	struct miee_info *info = fake_mem(list_pa + 0x2000);
	u64 os_before = frames_count(&hv_frames, FRAME_OS), hpa, f[4], end = 8 * PAGE_SIZE;
	const u64 rw = MIEE_P_R | MIEE_P_W;
	struct miee_page p[3];
	unsigned perms;
	struct vcpu *m;
	s64 ret;
	u64 id;
	int fl;

	(void)state;
	id = ready_miee(8, p);
	for (int i = 0; i < 4; i++)
		f[i] = data_frame(10 + i, 0xab);
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	m = running();
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x4000, 1, rw), MIEE_ENOMEM);	/* empty reserve */
	/* Back to the OS (a host call), which donates. */
	frame.rax = HC_MIEE_HOSTCALL;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(f, 4), 4), 0);
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	m = running();
	{
		static const struct { u64 off, n, flags; s64 err; } cases[] = {
			{ 0x4000, 0, MIEE_P_R | MIEE_P_W, MIEE_ELIMIT },
			{ 0x4000, MIEE_ADD_MAX + 1, MIEE_P_R | MIEE_P_W, MIEE_ELIMIT },
			{ 0x4008, 1, MIEE_P_R | MIEE_P_W, MIEE_ERANGE },
			{ 8 * PAGE_SIZE, 1, MIEE_P_R | MIEE_P_W, MIEE_ERANGE },
			{ 7 * PAGE_SIZE, 2, MIEE_P_R | MIEE_P_W, MIEE_ERANGE },
			{ ~0ull & ~0xfffull, 2, MIEE_P_R | MIEE_P_W, MIEE_ERANGE },
			{ 0x4000, 1, MIEE_P_R, MIEE_EFLAGS },
			{ 0x4000, 1, MIEE_P_R | MIEE_P_W | MIEE_P_X, MIEE_EFLAGS },
			{ 0x4000, 1, MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED, MIEE_EFLAGS },
			{ 0x4000, 1, MIEE_P_R | MIEE_P_W | MIEE_P_SHARED, MIEE_EFLAGS },
			{ 0x0000, 1, MIEE_P_R | MIEE_P_W, MIEE_EDUP },	/* image page */
			{ 0x1000, 2, MIEE_P_R | MIEE_P_W, MIEE_EDUP },
			{ 0x2000, 1, MIEE_P_R | MIEE_P_W, MIEE_EDUP },	/* shared page */
			{ 0x3000, 5, MIEE_P_R | MIEE_P_W, MIEE_ENOMEM },	/* 4 in the reserve */
		};

		for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			assert_int_equal(mcall(m, HC_MIEE_MAP, cases[i].off, cases[i].n, cases[i].flags),
					 cases[i].err);
	}
	assert_true(all(f[3], 0xab) && all(f[2], 0xab));
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x4000, 2, rw), 0);
	/* The last two donated, zeroed; the others untouched in the reserve. */
	assert_true(all(f[3], 0) && all(f[2], 0) && all(f[1], 0xab) && all(f[0], 0xab));
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x5000, 1, rw), MIEE_EDUP);
	/* What the MIEE's nested table maps, through the uTPM's path: the
	 * offsets' frames, R|W, never X. */
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4000, 0, 0), MIEE_ELIMIT);
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, end, 1, 0), MIEE_ERANGE);
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4004, 1, 0), MIEE_ERANGE);
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x0000, 1, 0), MIEE_EARG);	/* image */
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x2000, 1, 0), MIEE_EARG);	/* shared */
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x6000, 1, 0), MIEE_EARG);	/* never */
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4000, 3, 0), MIEE_EARG);	/* third never */
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x4000, 1, rw), MIEE_EDUP);	/* still mapped */
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x5000, 1, rw), MIEE_EDUP);
	memset(fake_mem(f[3]), 0x77, PAGE_SIZE);	/* the MIEE's data */
	memset(fake_mem(f[2]), 0x77, PAGE_SIZE);
	fl = flushes;
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4000, 2, 0), 0);
	assert_true(flushes > fl);	/* its translations dropped */
	assert_true(all(f[3], 0) && all(f[2], 0));
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4000, 1, 0), MIEE_EARG);
	/* The frames are still the MIEE's, never the OS's in between. */
	assert_int_equal(frames_kind(&hv_frames, f[3] >> PAGE_SHIFT), FRAME_MIEE);
	assert_int_equal(npt_lookup(hv_os_npt, f[3], &hpa, &perms, NULL, NULL), -ENOENT);
	/* Remapped elsewhere: the reserve gives them back (LIFO), zeroed. */
	memset(fake_mem(f[2]), 0x66, PAGE_SIZE);	/* a scrub skipped would show */
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x7000, 1, rw), 0);
	assert_true(all(f[2], 0));
	/* A pool page the bitmap needs: the map fails whole. */
	fake_fail_alloc(1, true);
	ret = mcall(m, HC_MIEE_MAP, 0x5000, 1, rw);
	fake_fail_alloc(0, false);
	assert_true(ret == 0 || ret == MIEE_ENOMEM);	/* 0 if nothing had to be allocated */
	if (ret == 0)
		assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x5000, 1, 0), 0);
	/* The OS cannot map or unmap for it. */
	{
		s64 r2 = 0;

		frame.rax = HC_MIEE_MAP;
		assert_int_equal(miee_os_hypercall(&os, HC_MIEE_MAP, &r2), 0);
		assert_int_equal(miee_os_hypercall(&os, HC_MIEE_UNMAP, &r2), 0);
	}
	memset(fake_mem(f[2]), 0x55, PAGE_SIZE);	/* its data at destroy */
	assert_int_equal(call(HC_MIEE_INFO, id, list_pa + 0x2000, 0), 0);
	assert_int_equal(info->reserve, 3);
	assert_int_equal(info->mapped, 1);
	/* A lifecycle call from inside ends it. */
	memset(&frame, 0, sizeof(frame));
	frame.rax = HC_MIEE_DONATE;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	assert_int_equal(frame.rbx, MIEE_EXIT_FAULT);
	assert_int_equal(frame.rcx, MIEE_F_BADCALL);
	assert_int_equal(call(HC_MIEE_RECLAIM, id, list_pa, 1), 0);	/* dead: still allowed */
	assert_int_equal(frame.rbx, 1);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(all(f[i], 0));
		assert_int_equal(frames_kind(&hv_frames, f[i] >> PAGE_SHIFT), FRAME_OS);
		assert_int_equal(npt_lookup(hv_os_npt, f[i], &hpa, &perms, NULL, NULL), 0);
	}
	assert_int_equal(frames_count(&hv_frames, FRAME_OS), os_before);
	assert_int_equal(fake_pages_live(), os_npt_store.table_pages);
}

extern u32 fake_cpu_index;

/* After an UNMAP on one CPU, every other CPU flushes the MIEE's
 * translations before it next runs it; a CPU flushes before its first run
 * of an MIEE; nothing is flushed when nothing changed. */
static void test_unmap_other_cpus(void **state)
{
	const u64 rw = MIEE_P_R | MIEE_P_W;
	struct miee_page p[3];
	struct vcpu *m;
	u64 id, f = data_frame(10, 0);
	int fl;

	(void)state;
	id = ready_miee(8, p);
	assert_int_equal(call(HC_MIEE_DONATE, id, put_frames(&f, 1), 1), 0);
	for (u32 cpu = 0; cpu < 2; cpu++) {	/* first run on CPU 0, then 1 */
		fake_cpu_index = cpu;
		fl = flushes;
		assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
		assert_int_equal(flushes, fl + 1);
		m = running();
		frame.rax = HC_MIEE_HOSTCALL;
		m->regs = &frame;
		assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	}
	fake_cpu_index = 0;
	fl = flushes;
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	assert_int_equal(flushes, fl);		/* nothing changed since */
	m = running();
	assert_int_equal(mcall(m, HC_MIEE_MAP, 0x4000, 1, rw), 0);
	assert_int_equal(mcall(m, HC_MIEE_UNMAP, 0x4000, 1, 0), 0);
	assert_int_equal(flushes, fl + 1);	/* this CPU, at once */
	frame.rax = HC_MIEE_HOSTCALL;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	fake_cpu_index = 1;			/* CPU 1 held its old translations */
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	assert_int_equal(flushes, fl + 2);
	m = running();
	frame.rax = HC_MIEE_HOSTCALL;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	fake_cpu_index = 0;			/* CPU 0 flushed at the UNMAP */
	assert_int_equal(call(HC_MIEE_ENTER, id, 0, 0), 1000);
	assert_int_equal(flushes, fl + 2);
	m = running();
	frame.rax = HC_MIEE_HOSTCALL;
	m->regs = &frame;
	assert_int_equal(miee_hypercall(m), VCPU_SWITCHED);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
}

/* An MIEE of 1 GiB: its page-list storage grows with the pages added,
 * not with max_pages. */
static void test_big_miee(void **state)
{
	/* The OS's table may split a large page for the frame: its own. */
	unsigned long before = fake_pages_live() - os_npt_store.table_pages;
	struct miee_page p = { data_frame(0, 1), (u64)(MIEE_MAX_PAGES - 1) * PAGE_SIZE,
			       MIEE_P_R, 0 };
	u64 id = create(MIEE_MAX_PAGES);

	(void)state;
	/* An empty table root: at most a page or two, not 6 MiB of list. */
	assert_true(fake_pages_live() - os_npt_store.table_pages - before <= 2);
	assert_int_equal(call(HC_MIEE_ADD, id, put_list(&p, 1), 1), 0);
	assert_true(fake_pages_live() - os_npt_store.table_pages - before <= 8);
	assert_int_equal(call(HC_MIEE_DESTROY, id, 0, 0), 0);
	assert_int_equal(fake_pages_live() - os_npt_store.table_pages, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_backend_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_nomem_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measurement_binds_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enter_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_donate_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_other_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_miee, setup, teardown),
	};

	return cmocka_run_group_tests_name("miee", tests, NULL, NULL);
}
