// SPDX-License-Identifier: GPL-2.0
/*
 * The OS's debug registers for tests/guest/miee-ctx.sh: at load, DR0-DR3
 * of every CPU get a pattern (DRSET_VAL, DR7 left as it is: the
 * breakpoints stay disabled), so an MIEE that found the OS's DR0-3 at its
 * first entry would see non-zero values; at unload each CPU's DR0-3 are
 * read back, one line per CPU ("intact" or "changed" with the values),
 * then cleared. Between the two, the MIEEs run; the hypervisor must give
 * the OS back its own DR0-3 (docs/miee.md, "Per-MIEE state").
 */
#include <linux/module.h>
#include <linux/smp.h>
#include <asm/debugreg.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("set DR0-3 on every CPU; check them at unload");

#define DRSET_VAL(i) (0x00006f7364720000ull | ((u64)(i) << 8) | 0x40)

static void drset_set(void *unused)
{
	set_debugreg(DRSET_VAL(0), 0);
	set_debugreg(DRSET_VAL(1), 1);
	set_debugreg(DRSET_VAL(2), 2);
	set_debugreg(DRSET_VAL(3), 3);
}

static void drset_check(void *unused)
{
	unsigned long d[4];
	int i, bad = 0;

	get_debugreg(d[0], 0);
	get_debugreg(d[1], 1);
	get_debugreg(d[2], 2);
	get_debugreg(d[3], 3);
	for (i = 0; i < 4; i++)
		bad |= d[i] != DRSET_VAL(i);
	if (bad)
		pr_info("drset: cpu %d: DR0-3 changed: %lx %lx %lx %lx\n", smp_processor_id(),
			d[0], d[1], d[2], d[3]);
	else
		pr_info("drset: cpu %d: DR0-3 intact\n", smp_processor_id());
	set_debugreg(0, 0);
	set_debugreg(0, 1);
	set_debugreg(0, 2);
	set_debugreg(0, 3);
}

static int __init drset_init(void)
{
	on_each_cpu(drset_set, NULL, 1);
	pr_info("drset: DR0-3 set on %u CPUs\n", num_online_cpus());
	return 0;
}

static void __exit drset_exit(void)
{
	on_each_cpu(drset_check, NULL, 1);
}

module_init(drset_init);
module_exit(drset_exit);
