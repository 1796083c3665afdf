// SPDX-License-Identifier: GPL-2.0
/*
 * hvbench: the null-hypercall path, measured from the guest kernel. Counts
 * VM exits per HC_PING through the hypervisor's own counter and reads the
 * TSC around each call (under Bochs with a fixed ips the TSC counts
 * instructions, so the figure is the hypervisor's path length).
 */
#include <linux/module.h>
#include <linux/irqflags.h>
#include <asm/msr.h>

#include "hv/hvcall.h"

#define ROUNDS 2000

static int __init hvbench_init(void)
{
	u64 exits0, exits1, best = ~0ull, total = 0, base = ~0ull;
	struct hvcall h;
	unsigned long flags;
	int kind = hvc_detect(), i;

	if (!kind) {
		pr_err("hvbench: no hypervisor\n");
		return -ENODEV;
	}
	memset(&h, 0, sizeof(h));
	h.rax = HC_STATS;
	h.rbx = HV_STAT_EXITS;
	hvc_call(kind, &h);
	exits0 = h.rbx;

	local_irq_save(flags);
	for (i = 0; i < ROUNDS; i++) {
		u64 t0, t1;

		memset(&h, 0, sizeof(h));
		h.rax = HC_PING;
		t0 = rdtsc_ordered();
		hvc_call(kind, &h);
		t1 = rdtsc_ordered();
		total += t1 - t0;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	/* The cost of the two TSC reads alone, to subtract. */
	for (i = 0; i < ROUNDS; i++) {
		u64 t0 = rdtsc_ordered(), t1 = rdtsc_ordered();

		if (t1 - t0 < base)
			base = t1 - t0;
	}
	local_irq_restore(flags);

	memset(&h, 0, sizeof(h));
	h.rax = HC_STATS;
	h.rbx = HV_STAT_EXITS;
	hvc_call(kind, &h);
	exits1 = h.rbx;
	/* exits1 - exits0 includes the second HC_STATS call itself. */
	pr_info("bench null-hypercall: %d calls, vm exits per call %llu.%02llu, tsc per round trip min %llu mean %llu (tsc-read overhead %llu)\n",
		ROUNDS, (exits1 - exits0 - 1) / ROUNDS, ((exits1 - exits0 - 1) % ROUNDS) * 100 / ROUNDS,
		best - base, total / ROUNDS - base, base);
	return 0;
}

static void __exit hvbench_exit(void)
{
}

module_init(hvbench_init);
module_exit(hvbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Null-hypercall benchmark");
