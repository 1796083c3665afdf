/* Host stand-in for core/smp.c (bare metal): one CPU, so a shootdown is
 * the caller's own flush and no request is ever pending. Linked into every
 * unit test and the MIEE fuzzer. */
#include "hv.h"
#include "vcpu.h"
#include "smp.h"

void smp_flush_os_npt(struct vcpu *self)
{
	self->ops->flush_npt(self);
}

/* Targeted shootdowns (MIEE thread slots on other CPUs): the CPUs asked,
 * and how many times, for the tests to check. */
u32 fake_smp_flush_mask;
int fake_smp_flush_calls;

void smp_flush_cpus(u32 mask)
{
	fake_smp_flush_mask |= mask;
	fake_smp_flush_calls++;
}

bool smp_flush_poll(void)
{
	return false;
}

/* The CPU the code "runs on": tests move it to check per-CPU flushes. */
u32 fake_cpu_index;

u32 cpu_index(void)
{
	return fake_cpu_index;
}
