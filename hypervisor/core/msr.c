/* The OS's intercepted MSR accesses, handled as its backend's table says
 * (include/hv/msr-policy.h, docs/hypervisor.md "MSRs"). An MIEE may touch
 * no MSR at all: the access ends it. Root / host mode. */
#include "hv.h"
#include "console.h"
#include "vcpu.h"
#include "miee.h"
#include "smp.h"
#include "msr_policy.h"
#include "x86.h"

static u64 msr_refusals;

static int msr_refuse(struct vcpu *v, u32 msr, bool write, u64 val)
{
	const struct msr_rule *r = msr_rule_find(v->ops->msr_policy, msr);

	/* Rate-limited: the first 32, then every power of two. */
	msr_refusals++;
	if (msr_refusals <= 32 || !(msr_refusals & (msr_refusals - 1)))
		hv_printf("refused guest %s of MSR %x (%s) value %lx at rip %lx [%lu refused]\n",
			  write ? "wrmsr" : "rdmsr", msr, r ? r->name : "not in the table",
			  val, v->ops->guest_rip(v), msr_refusals);
	v->ops->inject_exception(v, EXC_GP, true, 0);
	return VCPU_INJECTED;
}

static int msr_unexpected(struct vcpu *v, u32 msr)
{
	/* A PASS or BACKEND access reaching the core: the backend's bitmap
	 * or exit decoding does not match its table. */
	return vcpu_fatal(v, "MSR exit the policy does not send to the core", msr);
}

/* Mode changes only, never a move (msr_apic_base_check). */
static int msr_apic_base_write(struct vcpu *v, u64 val)
{
	u32 a, b, c, d, maxphy = 36;
	bool x2apic;

	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = c & CPUID_1_ECX_X2APIC;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		maxphy = a & 0xff;	/* MAXPHYADDR */
	}
	if (msr_apic_base_check(rdmsr(MSR_APIC_BASE), val, maxphy, x2apic))
		return msr_refuse(v, MSR_APIC_BASE, true, val);
	wrmsr(MSR_APIC_BASE, val);
	return VCPU_SKIP;
}

/* XD disable would make every NX bit in the hypervisor's page tables a
 * reserved bit; limit-CPUID would hide leaves the hypervisor reads. */
static int msr_misc_enable_write(struct vcpu *v, u64 val)
{
	if (msr_misc_enable_check(rdmsr(HV_MSR_MISC_ENABLE), val))
		return msr_refuse(v, HV_MSR_MISC_ENABLE, true, val);
	wrmsr(HV_MSR_MISC_ENABLE, val);
	return VCPU_SKIP;
}

/* The x2APIC ICR sends IPIs: once the write is checked not to fault here
 * (x2APIC mode on, no reserved bits), smp_icr_write() emulates INIT and
 * SIPI and sends every other IPI from root mode (docs/smp.md, "x2APIC
 * ICR": not reachable on the emulators here). */
static int msr_x2apic_icr_write(struct vcpu *v, u64 val)
{
	if (!(rdmsr(MSR_APIC_BASE) & HV_APIC_BASE_EXTD) || (val & X2APIC_ICR_RESERVED))
		return msr_refuse(v, MSR_X2APIC_ICR, true, val);
	/* INIT and SIPI are emulated, other IPIs sent (docs/smp.md). */
	smp_icr_write(v, (u32)val, (u32)(val >> 32), true);
	return VCPU_SKIP;
}

int vcpu_rdmsr(struct vcpu *v, u32 msr)
{
	const struct msr_rule *r;

	if (v->miee)	/* an MIEE may not touch machine state */
		return miee_insn(v, MIEE_I_RDMSR, msr);
	r = msr_rule_find(v->ops->msr_policy, msr);
	switch (r ? r->read : HV_MSR_GP) {
	case HV_MSR_GP:
		return msr_refuse(v, msr, false, 0);
	case HV_MSR_CONST:
		v->regs->rax = (u32)r->value;
		v->regs->rdx = r->value >> 32;
		return VCPU_SKIP;
	default:
		return msr_unexpected(v, msr);
	}
}

int vcpu_wrmsr(struct vcpu *v, u32 msr)
{
	u64 val = (v->regs->rdx << 32) | (u32)v->regs->rax;
	const struct msr_rule *r;

	if (v->miee)
		return miee_insn(v, MIEE_I_WRMSR, msr);
	r = msr_rule_find(v->ops->msr_policy, msr);
	switch (r ? r->write : HV_MSR_GP) {
	case HV_MSR_GP:
		return msr_refuse(v, msr, true, val);
	case HV_MSR_CONST:
		if (val != r->value)
			return msr_refuse(v, msr, true, val);
		return VCPU_SKIP;
	case HV_MSR_DROP:
		return VCPU_SKIP;
	case HV_MSR_CHECK:
		if (msr == MSR_APIC_BASE)
			return msr_apic_base_write(v, val);
		if (msr == HV_MSR_MISC_ENABLE)
			return msr_misc_enable_write(v, val);
		if (msr == MSR_X2APIC_ICR)
			return msr_x2apic_icr_write(v, val);
		return vcpu_fatal(v, "CHECK row without a check", msr);
	default:
		return msr_unexpected(v, msr);
	}
}
