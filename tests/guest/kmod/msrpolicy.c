// SPDX-License-Identifier: GPL-2.0
/*
 * msrpolicy: a hostile guest kernel module that tries every MSR the
 * hypervisor's table (include/hv/msr-policy.h) refuses, fixes or drops,
 * and checks each behaves as its row says:
 *   GP     rdmsr_safe / wrmsr_safe fault;
 *   CONST  reads give the row's value; writing it succeeds, another faults;
 *   DROP   the write succeeds and the MSR reads back unchanged;
 *   CHECK  IA32_APIC_BASE: moving the APIC over the hypervisor's pool
 *          faults and leaves the base where it was; rewriting the current
 *          value works. IA32_MISC_ENABLE: setting XD disable faults,
 *          rewriting the current value works. x2APIC ICR: a write with
 *          reserved bits faults.
 * MSRs the table does not name must fault too (default deny), and RDPMC
 * must exit and fault (the OS has no counters). PASS and
 * BACKEND rows are not touched. Loading succeeds only if every check holds.
 */
#include <linux/module.h>
#include <linux/irqflags.h>
#include <asm/asm.h>
#include <asm/msr.h>

#include "hv/hvcall.h"
#include "hv/msr-policy.h"

struct row {
	const char *name;
	u32 first, last;
	u8 rd, wr;
	u64 value;
};

#define ROW(n, f, l, r, w, v, why) { n, f, l, r, w, v },
static const struct row vmx_rows[] = { HV_MSR_VMX(ROW) };
static const struct row svm_rows[] = { HV_MSR_SVM(ROW) };
#undef ROW

/* Not in either table: each must fault (inside and outside the bitmaps). */
static const u32 unlisted[] = {
	0x1fff, 0x2000, 0x40000000, 0x40000100, 0xc0000105, 0xc0001fff,
	0xc0002000, 0xc0010400, 0xc0011fff, 0xc0012000, 0xffffffff,
};

static int kind, failures, checked, absent;
static u64 pool_base;

#define FAIL(fmt, ...) do {						\
	pr_err("msrpolicy: FAIL: " fmt "\n", ##__VA_ARGS__);		\
	failures++;							\
} while (0)

static bool rd(u32 msr, u64 *v)
{
	return rdmsrl_safe(msr, v) == 0;
}

static bool wr(u32 msr, u64 v)
{
	return wrmsrl_safe(msr, v) == 0;
}

static const struct row *row_of(const struct row *rows, int n, u32 msr)
{
	int i;

	for (i = 0; i < n; i++)
		if (msr >= rows[i].first && msr <= rows[i].last)
			return &rows[i];
	return NULL;
}

static void check_read(const struct row *r, u32 msr, bool ok, u64 v)
{
	if (r->rd == HV_MSR_GP && ok)
		FAIL("%s %x: read gave %llx, the table says #GP", r->name, msr, v);
	if (r->rd == HV_MSR_CONST && (!ok || v != r->value))
		FAIL("%s %x: read %s %llx, the table says %llx", r->name, msr,
		     ok ? "gave" : "faulted", v, r->value);
}

static void check_apic_base(const struct row *r, u64 cur)
{
	u64 moved = (cur & 0xfffull) | pool_base, now = 0;

	if (!wr(r->first, cur))
		FAIL("%s: rewriting the current value %llx faulted", r->name, cur);
	if (wr(r->first, moved))
		FAIL("%s: moving the APIC to %llx (the hypervisor's pool) succeeded",
		     r->name, moved);
	if (!rd(r->first, &now) || now != cur) {
		FAIL("%s: base is %llx after the refused move, was %llx", r->name, now, cur);
		wr(r->first, cur);
	}
}

static void check_write(const struct row *r, u32 msr, bool read_ok, u64 v)
{
	u64 now = 0;

	switch (r->wr) {
	case HV_MSR_GP:
		/* Rewriting what it holds is harmless even if it got through. */
		if (wr(msr, read_ok ? v : 0))
			FAIL("%s %x: write succeeded, the table says #GP", r->name, msr);
		break;
	case HV_MSR_CONST:
		if (!wr(msr, r->value))
			FAIL("%s %x: writing %llx faulted", r->name, msr, r->value);
		if (wr(msr, r->value ^ 1)) {
			FAIL("%s %x: writing %llx succeeded", r->name, msr, r->value ^ 1);
			wr(msr, r->value);
		}
		break;
	case HV_MSR_DROP:
		if (!read_ok) {
			absent++;	/* this CPU model lacks it */
			return;
		}
		if (!wr(msr, v ^ r->value))
			FAIL("%s %x: write of %llx faulted, the table says dropped", r->name,
			     msr, v ^ r->value);
		if (!rd(msr, &now) || now != v) {
			FAIL("%s %x: reads %llx after a dropped write, was %llx", r->name, msr,
			     now, v);
			wr(msr, v);
		}
		break;
	case HV_MSR_CHECK:
		if (msr == HV_MSR_APIC_BASE) {
			check_apic_base(r, v);
		} else if (msr == HV_MSR_MISC_ENABLE) {
			if (!read_ok) {
				absent++;
				return;
			}
			if (!wr(msr, v))
				FAIL("%s: rewriting the current value %llx faulted", r->name, v);
			if (wr(msr, v ^ HV_MISC_ENABLE_XD_DISABLE))
				FAIL("%s: flipping XD disable succeeded", r->name);
			if (!rd(msr, &now) || now != v) {
				FAIL("%s: reads %llx after a refused write, was %llx", r->name, now, v);
				wr(msr, v);
			}
		} else if (msr == HV_MSR_X2APIC_ICR) {
			if (wr(msr, 1ull << 13))
				FAIL("%s: a write with a reserved bit succeeded", r->name);
		} else {
			FAIL("%s %x: CHECK row this test does not know", r->name, msr);
		}
		break;
	default:
		return;
	}
}

static u64 hv_exits(void)
{
	struct hvcall h;

	memset(&h, 0, sizeof(h));
	h.rax = HC_STATS;
	h.rbx = HV_STAT_EXITS;
	hvc_call(kind, &h);
	return h.rbx;
}

/* RDPMC must exit and fault (#GP from the hypervisor; TCG alone raises
 * #UD, a CPU with counters returns one): the exit count between two
 * HC_STATS calls is the second call's exit plus RDPMC's. */
static void check_rdpmc(void)
{
	unsigned long flags;
	u32 lo, hi;
	int fault = 1;
	u64 e0, e1;

	local_irq_save(flags);
	e0 = hv_exits();
	asm volatile("1: rdpmc\n\tmovl $0, %[f]\n2:\n" _ASM_EXTABLE(1b, 2b)
		     : [f] "+r"(fault), "=a"(lo), "=d"(hi) : "c"(0));
	e1 = hv_exits();
	local_irq_restore(flags);
	if (!fault || e1 - e0 != 2)
		FAIL("RDPMC %s with %llu exits (expected a fault and 2 exits)",
		     fault ? "faulted" : "returned", e1 - e0);
	checked++;
}

static void check_rows(const struct row *rows, int n)
{
	unsigned long flags;
	int i;
	u64 msr;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if ((r->rd == HV_MSR_PASS || r->rd == HV_MSR_BACKEND) &&
		    (r->wr == HV_MSR_PASS || r->wr == HV_MSR_BACKEND))
			continue;
		for (msr = r->first; msr <= r->last; msr++) {
			u64 v = 0;
			bool ok;

			local_irq_save(flags);
			ok = rd((u32)msr, &v);
			check_read(r, (u32)msr, ok, v);
			check_write(r, (u32)msr, ok, v);
			local_irq_restore(flags);
			checked++;
		}
		pr_info("msrpolicy: %-34s %x-%x read %u write %u checked\n", r->name, r->first,
			r->last, r->rd, r->wr);
	}
}

static int __init msrpolicy_init(void)
{
	const struct row *rows;
	struct hvcall h;
	int n, i;

	kind = hvc_detect();
	if (!kind) {
		pr_err("msrpolicy: FAIL: no hypervisor detected\n");
		return -ENODEV;
	}
	memset(&h, 0, sizeof(h));
	h.rax = HC_VERSION;
	hvc_call(kind, &h);
	if (h.rcx == HV_BACKEND_VMX) {
		rows = vmx_rows;
		n = ARRAY_SIZE(vmx_rows);
	} else if (h.rcx == HV_BACKEND_SVM) {
		rows = svm_rows;
		n = ARRAY_SIZE(svm_rows);
	} else {
		pr_err("msrpolicy: FAIL: unknown backend %llu\n", h.rcx);
		return -ENODEV;
	}
	memset(&h, 0, sizeof(h));
	h.rax = HC_MEMINFO;
	if (hvc_call(kind, &h)) {
		pr_err("msrpolicy: FAIL: HC_MEMINFO refused\n");
		return -EIO;
	}
	pool_base = h.rsi;
	pr_info("msrpolicy: backend %s, %d rows, pool at %llx\n",
		rows == vmx_rows ? "vmx" : "svm", n, pool_base);

	check_rows(rows, n);
	check_rdpmc();
	for (i = 0; i < ARRAY_SIZE(unlisted); i++) {
		u32 msr = unlisted[i];
		u64 v = 0;

		if (row_of(rows, n, msr)) {
			FAIL("unlisted MSR %x is in the table: fix the test", msr);
			continue;
		}
		if (rd(msr, &v))
			FAIL("MSR %x outside the table: read gave %llx, default is #GP", msr, v);
		if (wr(msr, 0))
			FAIL("MSR %x outside the table: write succeeded, default is #GP", msr);
		checked++;
	}

	memset(&h, 0, sizeof(h));
	h.rax = HC_PING;
	h.rbx = 0x1234;
	if (hvc_call(kind, &h) || h.rbx != ~0x1234ull)
		FAIL("the hypervisor no longer answers");
	if (failures) {
		pr_err("msrpolicy: FAIL: %d of %d MSR checks broke the table\n", failures, checked);
		return -EIO;
	}
	pr_info("msrpolicy: PASS: %d MSRs behave as the table says (%d DROP MSRs absent on this CPU)\n",
		checked, absent);
	return 0;
}

static void __exit msrpolicy_exit(void)
{
}

module_init(msrpolicy_init);
module_exit(msrpolicy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MSR policy attack test");
