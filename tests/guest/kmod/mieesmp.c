// SPDX-License-Identifier: GPL-2.0
/*
 * mieesmp: MIEEs on several CPUs, driven straight through the hypercalls
 * (docs/smp.md). A hostile OS kernel in four parts; loads only if all hold:
 *
 *  race     CPU B keeps reading 8 pages (so its TLB holds them) while CPU A
 *           gives them to an MIEE; once HC_MIEE_ADD has returned on A, no
 *           read on B may see their contents (the cross-CPU EPT/NPT race
 *           TrustVisor had): the shootdown must have flushed B.
 *  migrate  an MIEE that counts in RBX and reports it by host call is
 *           entered on A and B in turn: the count goes on 1, 2, 3, ...
 *  busy     A and B enter the same MIEE at once, again and again: a second
 *           enter while it runs gets MIEE_EBUSY, nothing else fails.
 *  npf      B keeps reading 8 pages while A gives them to an MIEE and at
 *           once destroys it, again and again: B's nested page faults
 *           meet the ADD and the DESTROY. After each DESTROY every page
 *           must be the OS's own frame again, never the sink page the
 *           hypervisor maps for a refused access (vcpu_npf must read the
 *           frame's owner under the MIEE lock, not before it).
 *  parallel a thread per CPU loops create/add/destroy; afterwards the OS
 *           owns exactly the frames it owned before and MIEEs none.
 *
 * Also prints the measured cost of one cross-CPU shootdown (TSC ticks the
 * initiator waited, from HV_STAT_SHOOTDOWN_TSC / HV_STAT_SHOOTDOWNS).
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

static int kind, cpu_a, cpu_b, failures;

#define FAIL(fmt, ...) do { pr_err("mieesmp: FAIL: " fmt "\n", ##__VA_ARGS__); failures++; } while (0)

static long long hc(u64 nr, u64 b, u64 c, u64 d, struct hvcall *out)
{
	struct hvcall h = { .rax = nr, .rbx = b, .rcx = c, .rdx = d };
	long long r = hvc_call(kind, &h);

	if (out)
		*out = h;
	return r;
}

static u64 stat(u64 which)
{
	struct hvcall h;

	hc(HC_STATS, which, 0, 0, &h);
	return h.rbx;
}

/* ---- race */
#define RACE_PAGES 8
#define RACE_ROUNDS 12
#define MARK 0x5ec7e75ec7e70000ull

struct race {
	struct page *pg[RACE_PAGES];
	int phase;		/* 1 hammer, 2 added (count leaks), 3 stop */
	unsigned long reads, after, leaks;
};

static int hammer(void *arg)
{
	struct race *r = arg;
	int i, ph;

	while ((ph = READ_ONCE(r->phase)) < 3) {
		for (i = 0; i < RACE_PAGES; i++) {
			u64 v = READ_ONCE(*(u64 *)page_address(r->pg[i]));

			if (ph == 2) {
				r->after++;
				if (v == (MARK | i))
					r->leaks++;
			}
		}
		WRITE_ONCE(r->reads, r->reads + 1);
	}
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static long race_round(void *arg)
{
	struct race *r = arg;
	struct miee_page *list = (struct miee_page *)get_zeroed_page(GFP_KERNEL);
	struct task_struct *t;
	unsigned long start, base;
	struct hvcall h;
	long err = 0;
	int i;

	if (!list)
		return -ENOMEM;
	for (i = 0; i < RACE_PAGES; i++) {
		u64 *p = page_address(r->pg[i]);
		int k;

		for (k = 0; k < PAGE_SIZE / 8; k++)
			p[k] = MARK | i;
		list[i] = (struct miee_page){ page_to_phys(r->pg[i]), i * PAGE_SIZE, MIEE_P_R | MIEE_P_W, 0 };
	}
	if (hc(HC_MIEE_CREATE, RACE_PAGES, 0, 0, &h)) {
		free_page((unsigned long)list);
		return -EIO;
	}
	r->phase = 1;
	r->reads = r->after = r->leaks = 0;
	t = kthread_create(hammer, r, "mieesmp-hammer");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out;
	}
	kthread_bind(t, cpu_b);
	wake_up_process(t);
	start = jiffies;
	while (READ_ONCE(r->reads) < 2000 && time_before(jiffies, start + 5 * HZ))
		cpu_relax();
	if (hc(HC_MIEE_ADD, h.rbx, virt_to_phys(list), RACE_PAGES, NULL))
		err = -EIO;
	WRITE_ONCE(r->phase, 2);	/* HC_MIEE_ADD has returned */
	base = READ_ONCE(r->reads);
	start = jiffies;
	while (READ_ONCE(r->reads) < base + 2000 && time_before(jiffies, start + 5 * HZ))
		cpu_relax();
	WRITE_ONCE(r->phase, 3);
	kthread_stop(t);
out:
	hc(HC_MIEE_DESTROY, h.rbx, 0, 0, NULL);
	free_page((unsigned long)list);
	return err;
}

static void test_race(void)
{
	struct race *r = kzalloc(sizeof(*r), GFP_KERNEL);
	unsigned long leaks = 0, after = 0;
	u64 n0 = stat(HV_STAT_SHOOTDOWNS), t0 = stat(HV_STAT_SHOOTDOWN_TSC), n, t;
	int i, round;

	if (!r) {
		FAIL("race: no memory");
		return;
	}
	for (i = 0; i < RACE_PAGES; i++)
		r->pg[i] = alloc_page(GFP_KERNEL);
	for (i = 0; i < RACE_PAGES; i++)
		if (!r->pg[i])
			goto out;
	for (round = 0; round < RACE_ROUNDS; round++) {
		long err = work_on_cpu(cpu_a, race_round, r);

		if (err) {
			FAIL("race: round %d failed (%ld)", round, err);
			break;
		}
		leaks += r->leaks;
		after += r->after;
	}
	n = stat(HV_STAT_SHOOTDOWNS) - n0;
	t = stat(HV_STAT_SHOOTDOWN_TSC) - t0;
	pr_info("mieesmp: race: %d rounds, CPU %d read %lu times after HC_MIEE_ADD returned on CPU %d, saw the pages' contents %lu times\n",
		round, cpu_b, after, cpu_a, leaks);
	if (leaks)
		FAIL("race: CPU %d read MIEE frames after they left the OS", cpu_b);
	if (!after)
		FAIL("race: CPU %d never read after the add: the test proves nothing", cpu_b);
	if (n)
		pr_info("mieesmp: shootdown: %llu shootdowns, %llu TSC ticks per shootdown (initiator's wait)\n",
			n, t / n);
	else
		FAIL("race: the hypervisor counted no shootdown");
out:
	for (i = 0; i < RACE_PAGES; i++)
		if (r->pg[i])
			__free_page(r->pg[i]);
	kfree(r);
}

/* ---- npf: B's nested page faults racing A's ADD and DESTROY */
#define NPF_ROUNDS 60
#define NPF_MARK 0x7a6e5d4c3b2a0000ull
#define SINK_MARK 0x51c551c551c551c5ull

struct npf {
	struct page *pg[RACE_PAGES];
	int stop, pause;	/* asked of the reader */
	int paused;		/* the reader's answer */
	unsigned long reads;
};

static int npf_reader(void *arg)
{
	struct npf *r = arg;
	int i;

	while (!READ_ONCE(r->stop)) {
		if (READ_ONCE(r->pause)) {
			WRITE_ONCE(r->paused, 1);
			while (READ_ONCE(r->pause) && !READ_ONCE(r->stop))
				cpu_relax();
			WRITE_ONCE(r->paused, 0);
			continue;
		}
		for (i = 0; i < RACE_PAGES; i++)
			(void)READ_ONCE(*(u64 *)page_address(r->pg[i]));
		WRITE_ONCE(r->reads, r->reads + 1);
	}
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static long npf_rounds(void *arg)
{
	struct npf *r = arg;
	struct miee_page *list = (struct miee_page *)get_zeroed_page(GFP_KERNEL);
	struct page *sink_pg = alloc_page(GFP_KERNEL | __GFP_ZERO);
	u64 *sink, sink_id = 0;
	struct task_struct *t = NULL;
	struct hvcall h;
	long sunk = 0, err = 0;
	int i, round;

	if (!list || !sink_pg) {
		err = -ENOMEM;
		goto out;
	}
	/* A page kept in an MIEE and read once: its address then reaches the
	 * hypervisor's sink page, so a test page that got the sink shows
	 * SINK_MARK written here. */
	list[0] = (struct miee_page){ page_to_phys(sink_pg), 0, MIEE_P_R | MIEE_P_W, 0 };
	if (hc(HC_MIEE_CREATE, 1, 0, 0, &h)) {
		err = -EIO;
		goto out;
	}
	sink_id = h.rbx;
	if (hc(HC_MIEE_ADD, sink_id, virt_to_phys(list), 1, NULL)) {
		err = -EIO;
		goto out;
	}
	sink = page_address(sink_pg);
	(void)READ_ONCE(*sink);		/* refused: the sink from now on */
	for (i = 0; i < RACE_PAGES; i++)
		list[i] = (struct miee_page){ page_to_phys(r->pg[i]), i * PAGE_SIZE,
					      MIEE_P_R | MIEE_P_W, 0 };
	t = kthread_create(npf_reader, r, "mieesmp-npf");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		t = NULL;
		goto out;
	}
	kthread_bind(t, cpu_b);
	wake_up_process(t);
	for (round = 0; round < NPF_ROUNDS && !err; round++) {
		unsigned long start = jiffies;

		if (hc(HC_MIEE_CREATE, RACE_PAGES, 0, 0, &h)) {
			err = -EIO;
			break;
		}
		if (hc(HC_MIEE_ADD, h.rbx, virt_to_phys(list), RACE_PAGES, NULL))
			err = -EIO;
		if (hc(HC_MIEE_DESTROY, h.rbx, 0, 0, NULL))
			err = -EIO;
		WRITE_ONCE(r->pause, 1);
		while (!READ_ONCE(r->paused) && time_before(jiffies, start + 5 * HZ))
			cpu_relax();
		/* Every page back with the OS: its own frame holds its mark. */
		for (i = 0; i < RACE_PAGES; i++)
			WRITE_ONCE(*(u64 *)page_address(r->pg[i]), NPF_MARK | i);
		WRITE_ONCE(*sink, SINK_MARK);
		for (i = 0; i < RACE_PAGES; i++) {
			u64 v = READ_ONCE(*(u64 *)page_address(r->pg[i]));

			if (v != (NPF_MARK | i))
				sunk++;
		}
		WRITE_ONCE(r->pause, 0);
	}
	pr_info("mieesmp: npf: %d rounds of add+destroy while CPU %d read %lu times; %ld page(s) left on the sink\n",
		round, cpu_b, READ_ONCE(r->reads), sunk);
	if (sunk)
		err = -EFAULT;
out:
	if (t) {
		WRITE_ONCE(r->stop, 1);
		kthread_stop(t);
	}
	/* A page left on the sink goes back to Linux's allocator: one more
	 * add and destroy, with nobody reading, maps its frame again. */
	if (sunk && !hc(HC_MIEE_CREATE, RACE_PAGES, 0, 0, &h)) {
		hc(HC_MIEE_ADD, h.rbx, virt_to_phys(list), RACE_PAGES, NULL);
		hc(HC_MIEE_DESTROY, h.rbx, 0, 0, NULL);
	}
	if (sink_id)
		hc(HC_MIEE_DESTROY, sink_id, 0, 0, NULL);
	if (sink_pg)
		__free_page(sink_pg);
	free_page((unsigned long)list);
	return err;
}

static void test_npf(void)
{
	struct npf *r = kzalloc(sizeof(*r), GFP_KERNEL);
	long err;
	int i;

	if (!r) {
		FAIL("npf: no memory");
		return;
	}
	for (i = 0; i < RACE_PAGES; i++)
		r->pg[i] = alloc_page(GFP_KERNEL);
	for (i = 0; i < RACE_PAGES; i++)
		if (!r->pg[i]) {
			FAIL("npf: no memory");
			goto out;
		}
	err = work_on_cpu(cpu_a, npf_rounds, r);
	if (err == -EFAULT)
		FAIL("npf: a page given back by HC_MIEE_DESTROY stayed on the sink page");
	else if (err)
		FAIL("npf: failed (%ld)", err);
	if (!r->reads)
		FAIL("npf: CPU %d never read: the test proves nothing", cpu_b);
out:
	for (i = 0; i < RACE_PAGES; i++)
		if (r->pg[i])
			__free_page(r->pg[i]);
	kfree(r);
}

/* ---- an MIEE that counts: RBX += 1 after a delay loop, then a host call */
#define PAL_PAGES 6

struct pal {
	struct page *pg[PAL_PAGES];
	u64 id;
};

static int pal_build(struct pal *p)
{
	static const u8 code[] = {
		0xb9, 0x00, 0x00, 0x04, 0x00,	/* mov $0x40000, %ecx */
		0xe2, 0xfe,			/* loop . */
		0x48, 0xff, 0xc3,		/* inc %rbx */
		0xb8, HC_MIEE_HOSTCALL, 0, 0, 0,	/* mov $HC_MIEE_HOSTCALL, %eax */
		0x0f, 0x01, 0xd9,		/* vmmcall (patched to vmcall) */
		0xeb, 0xec,			/* jmp 0 */
	};
	struct miee_page *list = (struct miee_page *)get_zeroed_page(GFP_KERNEL);
	struct miee_init *in = (struct miee_init *)get_zeroed_page(GFP_KERNEL);
	struct hvcall h;
	int i, err = -EIO;

	if (!list || !in)
		goto out;
	for (i = 0; i < PAL_PAGES; i++) {
		p->pg[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!p->pg[i])
			goto out;
	}
	((u64 *)page_address(p->pg[0]))[0] = 0x1000 | 3;	/* PML4 -> PDPT */
	((u64 *)page_address(p->pg[1]))[0] = 0x2000 | 3;	/* PDPT -> PD */
	((u64 *)page_address(p->pg[2]))[0] = 0 | 0x83;		/* 2 MiB at 0 */
	((u64 *)page_address(p->pg[3]))[1] = 0x00af9a000000ffffull;	/* 0x08 code */
	((u64 *)page_address(p->pg[3]))[2] = 0x00cf92000000ffffull;	/* 0x10 data */
	memcpy(page_address(p->pg[4]), code, sizeof(code));
	if (kind == 1)
		((u8 *)page_address(p->pg[4]))[17] = 0xc1;	/* vmcall */
	for (i = 0; i < PAL_PAGES; i++)
		list[i] = (struct miee_page){ page_to_phys(p->pg[i]), i * PAGE_SIZE,
					      (i == 4 ? MIEE_P_R | MIEE_P_X : MIEE_P_R | MIEE_P_W) |
					      MIEE_P_MEASURED, 0 };
	*in = (struct miee_init){ .rip = 0x4000, .rsp = 0x6000, .cr3 = 0, .gdt_base = 0x3000,
				  .idt_base = 0x3100, .gdt_limit = 0x17, .idt_limit = 0,
				  .cs = 0x08, .ds = 0x10 };
	if (hc(HC_MIEE_CREATE, PAL_PAGES, 0, 0, &h))
		goto out;
	p->id = h.rbx;
	if (hc(HC_MIEE_ADD, p->id, virt_to_phys(list), PAL_PAGES, NULL) ||
	    hc(HC_MIEE_INIT, p->id, virt_to_phys(in), 0, NULL)) {
		hc(HC_MIEE_DESTROY, p->id, 0, 0, NULL);
		p->id = 0;
		goto out;
	}
	err = 0;
out:
	free_page((unsigned long)list);
	free_page((unsigned long)in);
	return err;
}

static void pal_free(struct pal *p)
{
	int i;

	if (p->id && hc(HC_MIEE_DESTROY, p->id, 0, 0, NULL))
		FAIL("cannot destroy MIEE %llu", p->id);
	for (i = 0; i < PAL_PAGES; i++)
		if (p->pg[i])
			__free_page(p->pg[i]);
}

/* Enter until the next host call; its argument (the count), or < 0. */
static long enter_to_hostcall(void *arg)
{
	struct pal *p = arg;
	struct hvcall h;
	long long r;
	int tries;

	for (tries = 0; tries < 10000; tries++) {
		r = hc(HC_MIEE_ENTER, p->id, 0, 0, &h);
		if (r)
			return r;
		if (h.rbx == MIEE_EXIT_HOSTCALL)
			return h.rcx;
		if (h.rbx != MIEE_EXIT_INTERRUPTED)
			return -1000 - (long)h.rbx;
	}
	return -ETIMEDOUT;
}

static void test_migrate(void)
{
	struct pal p = { 0 };
	int k;

	if (pal_build(&p)) {
		FAIL("migrate: cannot build the counting MIEE");
		pal_free(&p);
		return;
	}
	for (k = 1; k <= 8; k++) {
		int cpu = k & 1 ? cpu_a : cpu_b;
		long got = work_on_cpu(cpu, enter_to_hostcall, &p);

		if (got != k) {
			FAIL("migrate: entry %d on CPU %d reported count %ld", k, cpu, got);
			break;
		}
	}
	if (k > 8)
		pr_info("mieesmp: migrate: counts 1..8 entered alternately on CPUs %d and %d\n",
			cpu_a, cpu_b);
	pal_free(&p);
}

struct busy {
	struct pal *p;
	int iters;
	unsigned long ok, ebusy, other;
	long long last_bad;
	struct completion done;
};

static int busy_thread(void *arg)
{
	struct busy *b = arg;
	struct hvcall h;
	int i;

	for (i = 0; i < b->iters; i++) {
		long long r = hc(HC_MIEE_ENTER, b->p->id, 0, 0, &h);

		if (r == MIEE_EBUSY) {
			b->ebusy++;
		} else if (!r && (h.rbx == MIEE_EXIT_HOSTCALL || h.rbx == MIEE_EXIT_INTERRUPTED)) {
			b->ok++;
		} else {
			b->other++;
			b->last_bad = r ? r : -1000 - (long long)h.rbx;
		}
	}
	complete(&b->done);
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static void test_busy(void)
{
	struct pal p = { 0 };
	struct busy b[2];
	struct task_struct *t[2];
	int i;

	if (pal_build(&p)) {
		FAIL("busy: cannot build the counting MIEE");
		pal_free(&p);
		return;
	}
	for (i = 0; i < 2; i++) {
		b[i] = (struct busy){ .p = &p, .iters = 400 };
		init_completion(&b[i].done);
		t[i] = kthread_create(busy_thread, &b[i], "mieesmp-busy%d", i);
		if (IS_ERR(t[i])) {
			FAIL("busy: no thread");
			t[i] = NULL;
			continue;
		}
		kthread_bind(t[i], i ? cpu_b : cpu_a);
	}
	for (i = 0; i < 2; i++)
		if (t[i])
			wake_up_process(t[i]);
	for (i = 0; i < 2; i++)
		if (t[i]) {
			wait_for_completion(&b[i].done);
			kthread_stop(t[i]);
		}
	pr_info("mieesmp: busy: CPU %d: %lu entered, %lu MIEE_EBUSY, %lu other; CPU %d: %lu entered, %lu MIEE_EBUSY, %lu other\n",
		cpu_a, b[0].ok, b[0].ebusy, b[0].other, cpu_b, b[1].ok, b[1].ebusy, b[1].other);
	if (b[0].other || b[1].other)
		FAIL("busy: an enter failed otherwise (%lld / %lld)", b[0].last_bad, b[1].last_bad);
	if (!b[0].ebusy && !b[1].ebusy)
		FAIL("busy: no concurrent enter was refused with MIEE_EBUSY");
	if (!b[0].ok && !b[1].ok)
		FAIL("busy: no CPU entered the MIEE");
	pal_free(&p);
}

/* ---- parallel lifecycle loops */
struct loop {
	int iters;
	unsigned long done;
	long long err;
	struct completion fin;
};

static int loop_thread(void *arg)
{
	struct loop *l = arg;
	struct miee_page *list = (struct miee_page *)get_zeroed_page(GFP_KERNEL);
	struct page *pg[4] = { 0 };
	struct hvcall h;
	int i, k;

	for (k = 0; k < 4; k++)
		pg[k] = alloc_page(GFP_KERNEL);
	if (!list || !pg[0] || !pg[1] || !pg[2] || !pg[3]) {
		l->err = -ENOMEM;
		goto out;
	}
	for (k = 0; k < 4; k++)
		list[k] = (struct miee_page){ page_to_phys(pg[k]), k * PAGE_SIZE,
					      MIEE_P_R | MIEE_P_W | (k & 1 ? MIEE_P_MEASURED : 0), 0 };
	for (i = 0; i < l->iters && !l->err; i++) {
		long long r = hc(HC_MIEE_CREATE, 4, 0, 0, &h);

		if (r == MIEE_ELIMIT)
			continue;	/* every id in use right now: try again */
		if (r) {
			l->err = r;
			break;
		}
		r = hc(HC_MIEE_ADD, h.rbx, virt_to_phys(list), 4, NULL);
		if (r)
			l->err = r;
		r = hc(HC_MIEE_DESTROY, h.rbx, 0, 0, NULL);
		if (r && !l->err)
			l->err = r;
		l->done++;
	}
out:
	for (k = 0; k < 4; k++)
		if (pg[k])
			__free_page(pg[k]);
	free_page((unsigned long)list);
	complete(&l->fin);
	while (!kthread_should_stop())
		msleep(1);
	return 0;
}

static void test_parallel(void)
{
	u64 os0 = stat(HV_STAT_OS_FRAMES), os1, m1;
	struct loop *l = kcalloc(nr_cpu_ids, sizeof(*l), GFP_KERNEL);
	struct task_struct **t = kcalloc(nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	unsigned long total = 0;
	int cpu, n = 0;

	if (!l || !t) {
		FAIL("parallel: no memory");
		goto out;
	}
	for_each_online_cpu(cpu) {
		l[cpu] = (struct loop){ .iters = 60 };
		init_completion(&l[cpu].fin);
		t[cpu] = kthread_create(loop_thread, &l[cpu], "mieesmp-loop%d", cpu);
		if (IS_ERR(t[cpu])) {
			t[cpu] = NULL;
			FAIL("parallel: no thread for CPU %d", cpu);
			continue;
		}
		kthread_bind(t[cpu], cpu);
		wake_up_process(t[cpu]);
		n++;
	}
	for_each_online_cpu(cpu) {
		if (!t[cpu])
			continue;
		wait_for_completion(&l[cpu].fin);
		kthread_stop(t[cpu]);
		total += l[cpu].done;
		if (l[cpu].err)
			FAIL("parallel: CPU %d: a call failed with %lld", cpu, l[cpu].err);
	}
	os1 = stat(HV_STAT_OS_FRAMES);
	m1 = stat(HV_STAT_MIEE_FRAMES);
	pr_info("mieesmp: parallel: %d threads, %lu create/add/destroy cycles; OS frames %llu -> %llu, MIEE frames %llu\n",
		n, total, os0, os1, m1);
	if (os1 != os0 || m1)
		FAIL("parallel: the frame table is not back where it was");
	if (n < 2 || total < 2)
		FAIL("parallel: fewer than two threads ran");
out:
	kfree(l);
	kfree(t);
}

static int __init mieesmp_init(void)
{
	kind = hvc_detect();
	if (!kind)
		return -ENODEV;
	cpu_a = cpumask_first(cpu_online_mask);
	cpu_b = cpumask_next(cpu_a, cpu_online_mask);
	if (cpu_b >= nr_cpu_ids) {
		pr_err("mieesmp: FAIL: needs two online CPUs\n");
		return -ENODEV;
	}
	test_race();
	test_npf();
	test_migrate();
	test_busy();
	test_parallel();
	if (failures) {
		pr_err("mieesmp: FAIL: %d check(s) failed\n", failures);
		return -EIO;
	}
	pr_info("mieesmp: PASS\n");
	return 0;
}

static void __exit mieesmp_exit(void)
{
}

module_init(mieesmp_init);
module_exit(mieesmp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MIEEs on several CPUs: shootdown race, migration, concurrent enter, parallel lifecycle");
