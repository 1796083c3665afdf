/* libFuzzer harness: the MIEE hypercall argument validation of
 * hypervisor/core/miee.c and miee_mem.c (CREATE/ADD/INIT/INFO/ENTER/DESTROY/
 * DONATE/RECLAIM from the OS, the uTPM calls, MAP/UNMAP and EXIT/HOSTCALL
 * from inside an MIEE), with the real frame
 * table, EPT builder, uTPM and crypto, and a fake vendor backend as in
 * tests/unit/test_miee.c. Input: a program, one opcode byte then its
 * argument bytes per call (read_arg() gives zeros past the end). Argument
 * buffers are placed by a selector: OS RAM, straddling into the
 * hypervisor's page, an MIEE's frame, MMIO, hypervisor memory, wrapping.
 * Checks after every call: a refused OS call changes neither the frame
 * table nor its output buffer; a refused uTPM call changes no byte of
 * RAM; HV/MMIO frames never change owner; destroy
 * leaves every formerly private frame zero and OS-owned; at the end every
 * frame and every page comes back. */
#include <string.h>
#include <stdarg.h>
#include "fuzz.h"
#include "hv.h"
#include "core/frames.h"
#include "crypto/drbg.h"
#include "utpm/utpm.h"
#include "miee.h"
#include "host_frame.h"
#include "support/fake_platform.h"
#include "support/fake_backend.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE (2ull << 20)
#define NFRAMES ((RAM_BASE + RAM_SIZE) >> PAGE_SHIFT)
#define HV_FRAME (RAM_BASE + 0x1f0000)	/* hypervisor-owned */
#define LIST_PA (RAM_BASE + 0x10000)	/* argument page in OS RAM */
#define DATA_PA (RAM_BASE + 0x80000)	/* 128 candidate frames */
#define NDATA 128

struct frame_table hv_frames;
struct utpm_root hv_utpm_root;
struct drbg_ctx hv_drbg;
static struct utpm_root root0;
static struct drbg_ctx drbg0;
static struct npt os_npt_store;
struct npt *hv_os_npt = &os_npt_store;
static struct frame_owner store[NFRAMES], before[NFRAMES];
static u8 ram_before[RAM_SIZE];	/* fake RAM before an in-MIEE uTPM call */
static struct vcpu os;
static struct guest_regs frame;
static u8 host_stack[4096] __attribute__((aligned(16)));
static u8 os_fpu[4096] __attribute__((aligned(64)));

void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();	/* the hypervisor would halt: a finding */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	u8 seed[64], ent[32];

	(void)argc;
	(void)argv;
	memset(seed, 0x5a, sizeof(seed));
	memset(ent, 0x3c, sizeof(ent));
	if (utpm_root_init(&root0, seed) || drbg_instantiate(&drbg0, ent, 32, NULL, 0, NULL, 0) ||
	    fake_mem_init(RAM_BASE, RAM_SIZE))
		abort();
	return 0;
}

static const u8 *in;
static size_t in_len, in_off;

static u64 read_arg(unsigned n)
{
	u64 v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (u64)(in_off < in_len ? in[in_off++] : 0) << (8 * i);
	return v;
}

/* A frame for an ADD entry, mostly candidate OS frames. */
static u64 pick_frame(u8 b)
{
	switch (b) {
	case 250: return HV_FRAME;
	case 251: return 0x2000;		/* MMIO */
	case 252: return RAM_BASE + RAM_SIZE;	/* beyond the frame table */
	case 253: return LIST_PA;
	case 254: return DATA_PA + 1;		/* unaligned */
	default: return DATA_PA + (u64)(b % NDATA) * PAGE_SIZE;
	}
}

/* Where an argument buffer of len bytes goes. */
static u64 pick_buf(u8 b, u64 len)
{
	switch (b % 8) {
	case 1: return HV_FRAME - len / 2;	/* straddles into the hypervisor */
	case 2: return DATA_PA;			/* a candidate MIEE frame */
	case 3: return 0x3000;			/* MMIO */
	case 4: return HV_FRAME;
	case 5: return ~0ull - len / 2;		/* wraps */
	case 6: return RAM_BASE + RAM_SIZE - len / 2;	/* runs off RAM */
	case 7: return LIST_PA + PAGE_SIZE - len / 2;	/* crosses, OS on both sides */
	default: return LIST_PA;
	}
}

static void fill(u64 pa, u64 len)
{
	for (u64 i = 0; i < len; i++) {
		u8 *p = fake_mem(pa + i);
		u8 v = (u8)read_arg(1);

		if (p && frames_kind(&hv_frames, (pa + i) >> PAGE_SHIFT) == FRAME_OS)
			*p = v;
	}
}

static s64 os_call(u64 nr, u64 rbx, u64 rcx, u64 rdx, int *switched)
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
	*switched = r == VCPU_SWITCHED;
	FUZZ_CHECK(r == 1 || r == VCPU_SWITCHED);
	return *switched ? 0 : ret;
}

static struct vcpu *current(void)
{
	return host_frame_of(os.host_stack_top)->vcpu;
}

/* Bytes of fake RAM, for comparing an output buffer before and after. */
static void snap(u64 pa, u64 len, u8 *out)
{
	for (u64 i = 0; i < len; i++) {
		u8 *p = fake_mem(pa + i);

		out[i] = p ? *p : 0;
	}
}

static void run_os_op(u8 op, bool *in_miee)
{
	u8 snap0[sizeof(struct miee_info)], snap1[sizeof(struct miee_info)];
	u64 id = read_arg(1) % (MIEE_MAX + 2), a, n;
	int sw = 0;
	s64 r;

	memcpy(before, store, sizeof(store));
	switch (op % 8) {
	case 0:
		r = os_call(HC_MIEE_CREATE, read_arg(2) % (MIEE_MAX_PAGES + 2), 0, 0, &sw);
		if (!r)
			FUZZ_CHECK(frame.rbx >= 1 && frame.rbx <= MIEE_MAX);
		break;
	case 1: {
		n = read_arg(1) % 12;
		a = pick_buf((u8)read_arg(1), n * sizeof(struct miee_page));
		for (u64 i = 0; i < n; i++) {
			struct miee_page p = {
				pick_frame((u8)read_arg(1)), read_arg(1) * PAGE_SIZE,
				(u32)read_arg(1) & 0x3f, (u32)(read_arg(1) == 0xff)
			};
			u8 *dst;

			if (!(p.flags & 0x20))
				p.flags &= MIEE_P_ALL;
			for (unsigned k = 0; k < sizeof(p); k++) {
				dst = fake_mem(a + i * sizeof(p) + k);
				if (dst && frames_kind(&hv_frames, (a + i * sizeof(p) + k) >> PAGE_SHIFT) == FRAME_OS)
					*dst = ((u8 *)&p)[k];
			}
		}
		if (read_arg(1) & 1)
			n = n ? n : MIEE_ADD_MAX + 1;
		r = os_call(HC_MIEE_ADD, id, a, n, &sw);
		break;
	}
	case 2:
		a = pick_buf((u8)read_arg(1), sizeof(struct miee_init));
		fill(a, sizeof(struct miee_init));
		r = os_call(HC_MIEE_INIT, id, a, 0, &sw);
		break;
	case 3:
		a = pick_buf((u8)read_arg(1), sizeof(struct miee_info));
		snap(a, sizeof(snap0), snap0);
		r = os_call(HC_MIEE_INFO, id, a, 0, &sw);
		snap(a, sizeof(snap1), snap1);
		if (r)
			FUZZ_CHECK(!memcmp(snap0, snap1, sizeof(snap0)));
		else
			FUZZ_CHECK(((struct miee_info *)snap1)->state >= MIEE_S_ADDING &&
				   ((struct miee_info *)snap1)->state <= MIEE_S_DEAD);
		break;
	case 4:
		r = os_call(HC_MIEE_DESTROY, id, 0, 0, &sw);
		if (!r) {
			for (u64 p = 0; p < NFRAMES; p++) {
				if (before[p].kind != FRAME_MIEE || before[p].miee != id)
					continue;
				FUZZ_CHECK(store[p].kind == FRAME_OS);
				for (u64 i = 0; i < PAGE_SIZE; i++)
					FUZZ_CHECK(!((u8 *)fake_mem(p << PAGE_SHIFT))[i]);
			}
			FUZZ_CHECK(frames_count_miee(&hv_frames, (u16)id) == 0);
		}
		break;
	case 6: {
		/* DONATE: given frames become the MIEE's, gone from the OS's table. */
		u64 f[16];

		n = read_arg(1) % 17;
		a = pick_buf((u8)read_arg(1), n * sizeof(u64));
		for (u64 i = 0; i < n; i++) {
			u8 *dst;

			f[i] = pick_frame((u8)read_arg(1));
			for (unsigned k = 0; k < sizeof(u64); k++) {
				dst = fake_mem(a + i * sizeof(u64) + k);
				if (dst && frames_kind(&hv_frames, (a + i * sizeof(u64) + k) >> PAGE_SHIFT) == FRAME_OS)
					*dst = ((u8 *)&f[i])[k];
			}
		}
		r = os_call(HC_MIEE_DONATE, id, a, read_arg(1) & 1 ? MIEE_ADD_MAX + 1 : n, &sw);
		for (u64 i = 0; !r && i < n; i++) {
			FUZZ_CHECK(frames_kind(&hv_frames, f[i] >> PAGE_SHIFT) == FRAME_MIEE &&
				   frames_miee(&hv_frames, f[i] >> PAGE_SHIFT) == id);
			FUZZ_CHECK(npt_lookup(hv_os_npt, f[i], NULL, NULL, NULL, NULL) == -ENOENT);
		}
		break;
	}
	case 7: {
		/* RECLAIM: what comes back is the OS's, zeroed, in its table. */
		u8 out0[8 * 16], out1[8 * 16];

		n = read_arg(1) % 18;
		a = pick_buf((u8)read_arg(1), 8 * (n ? n : 1));
		snap(a, 8 * (n < 16 ? n : 16), out0);
		r = os_call(HC_MIEE_RECLAIM, id, a, n, &sw);
		snap(a, 8 * (n < 16 ? n : 16), out1);
		if (r) {
			FUZZ_CHECK(!memcmp(out0, out1, 8 * (n < 16 ? n : 16)));
			break;
		}
		FUZZ_CHECK(frame.rbx <= n);
		for (u64 i = 0; i < frame.rbx && i < 16; i++) {
			u64 pa = ((u64 *)out1)[i];

			FUZZ_CHECK(frames_kind(&hv_frames, pa >> PAGE_SHIFT) == FRAME_OS);
			FUZZ_CHECK(npt_lookup(hv_os_npt, pa, NULL, NULL, NULL, NULL) == 0);
			for (u64 k = 0; k < PAGE_SIZE; k++)
				FUZZ_CHECK(!((u8 *)fake_mem(pa))[k]);
		}
		break;
	}
	default:
		r = os_call(HC_MIEE_ENTER, id, read_arg(1), 0, &sw);
		if (sw) {
			FUZZ_CHECK(current() != &os);
			*in_miee = true;
			return;
		}
		break;
	}
	if (r)
		FUZZ_CHECK(!memcmp(before, store, sizeof(store)));
}

/* A call from inside the running MIEE; its buffers are offsets in its space. */
static void run_miee_op(u8 op, bool *in_miee)
{
	struct vcpu *v = current();
	struct guest_regs *g = v->regs;
	int r;

	FUZZ_CHECK(g == &frame);
	memcpy(before, store, sizeof(store));
	if ((op & 7) == 7) {
		/* The MIEE stores into its own pages: the k-th frame it owns. */
		u64 k = read_arg(1), off = read_arg(2) % PAGE_SIZE, n = read_arg(1), p;

		for (p = 0; p < NFRAMES; p++)
			if ((store[p].kind == FRAME_MIEE || store[p].kind == FRAME_SHARED) &&
			    store[p].miee == v->miee && !k--)
				break;
		for (u64 i = 0; p < NFRAMES && i < n && off + i < PAGE_SIZE; i++)
			((u8 *)fake_mem(p << PAGE_SHIFT))[off + i] = (u8)read_arg(1);
		return;
	}
	if ((op & 7) == 6) {
		r = miee_fault(v, MIEE_F_NPF, read_arg(8));
		FUZZ_CHECK(r == VCPU_SWITCHED && current() == &os);
		*in_miee = false;
		return;
	}
	if ((op & 7) == 5) {
		/* MAP / UNMAP: its own frames move between reserve and table,
		 * none changes owner; every refusal has its code. */
		s64 rax;

		g->rax = op & 8 ? HC_MIEE_UNMAP : HC_MIEE_MAP;
		g->rbx = op & 0x40 ? read_arg(8) : read_arg(1) * PAGE_SIZE;
		g->rcx = op & 0x80 ? read_arg(2) : read_arg(1) % 6;
		g->rdx = op & 0x20 ? read_arg(1) & 0x3f : MIEE_P_R | MIEE_P_W;
		r = miee_hypercall(v);
		FUZZ_CHECK(r == VCPU_SKIP);
		FUZZ_CHECK(!memcmp(before, store, sizeof(store)));
		rax = (s64)g->rax;
		FUZZ_CHECK(rax == 0 || rax == MIEE_ELIMIT || rax == MIEE_ERANGE ||
			   rax == MIEE_EFLAGS || rax == MIEE_EDUP || rax == MIEE_ENOMEM ||
			   rax == MIEE_EARG);
		return;
	}
	g->rax = (op & 0x10) ? HC_MIEE_EXIT + (op & 1) : HC_UTPM_PCR_READ + (op >> 5) % 9;
	g->rbx = read_arg(3);
	g->rcx = read_arg(3);
	g->rdx = read_arg(2);
	memcpy(ram_before, fake_mem(RAM_BASE), RAM_SIZE);
	r = miee_hypercall(v);
	if (r == VCPU_SWITCHED) {
		FUZZ_CHECK(current() == &os);
		*in_miee = false;
	} else {
		FUZZ_CHECK(r == VCPU_SKIP);
		/* uTPM calls never change who owns what. */
		FUZZ_CHECK(!memcmp(before, store, sizeof(store)));
		FUZZ_CHECK((s64)g->rax == 0 || (s64)g->rax == MIEE_EARG ||
			   (s64)g->rax == MIEE_EUTPM);
		/* A refused uTPM call writes nothing: no byte of RAM (the
		 * MIEE's frames included) changed. */
		if (g->rax)
			FUZZ_CHECK(!memcmp(ram_before, fake_mem(RAM_BASE), RAM_SIZE));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 os_frames, hv_count, mmio_count;
	bool in_miee = false;
	int sw;

	memset(fake_mem(RAM_BASE), 0, RAM_SIZE);
	FUZZ_CHECK(!frames_init(&hv_frames, store, NFRAMES));
	frames_set_range(&hv_frames, 0, RAM_BASE, FRAME_MMIO);
	frames_set_range(&hv_frames, RAM_BASE, RAM_SIZE, FRAME_OS);
	frames_set_range(&hv_frames, HV_FRAME, PAGE_SIZE, FRAME_HV);
	frames_seal(&hv_frames);
	FUZZ_CHECK(!npt_init(hv_os_npt, NPT_FMT_EPT, NULL));
	FUZZ_CHECK(!npt_map(hv_os_npt, RAM_BASE, RAM_BASE, RAM_SIZE - 0x20000,
			    NPT_R | NPT_W | NPT_X, NPT_MT_WB));
	memset(&os, 0, sizeof(os));
	os.ops = &fake_backend_ops;
	os.npt = hv_os_npt;
	os.regs = &frame;
	os.fpu = os_fpu;
	os.host_stack_top = (u64)host_stack + sizeof(host_stack);
	host_frame_of(os.host_stack_top)->vcpu = &os;
	miee_setup(&os);
	hv_utpm_root = root0;
	hv_drbg = drbg0;
	os_frames = frames_count(&hv_frames, FRAME_OS);
	hv_count = frames_count(&hv_frames, FRAME_HV);
	mmio_count = frames_count(&hv_frames, FRAME_MMIO);

	in = data;
	in_len = size;
	in_off = 0;
	for (unsigned steps = 0; in_off < in_len && steps < 64; steps++) {
		u8 op = (u8)read_arg(1);

		if (in_miee)
			run_miee_op(op, &in_miee);
		else
			run_os_op(op, &in_miee);
		FUZZ_CHECK(frames_count(&hv_frames, FRAME_HV) == hv_count);
		FUZZ_CHECK(frames_count(&hv_frames, FRAME_MMIO) == mmio_count);
	}
	if (in_miee)
		miee_fault(current(), MIEE_F_NPF, 0);
	for (u64 id = 1; id <= MIEE_MAX; id++)
		os_call(HC_MIEE_DESTROY, id, 0, 0, &sw);
	FUZZ_CHECK(frames_count(&hv_frames, FRAME_OS) == os_frames);
	FUZZ_CHECK(fake_pages_live() == os_npt_store.table_pages);
	npt_destroy(hv_os_npt);
	FUZZ_CHECK(fake_pages_live() == 0);
	return 0;
}
