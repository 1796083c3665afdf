/* Hypercall dispatch (ABI in include/hv/hypercall.h). Vendor-neutral: the
 * backend decoded the guest's hypercall instruction and calls vcpu_hypercall(). */
#include "hv.h"
#include "layout.h"
#include "console.h"
#include "measure.h"
#include "miee.h"
#include "core/frames.h"
#include "utpm/utpm.h"
#include "iommu/iommu.h"

extern struct frame_table hv_frames;
#include "vcpu.h"
#include "smp.h"
#include "x86.h"

static int hc_version(struct vcpu *v)
{
	v->regs->rbx = (HV_VERSION_MAJOR << 16) | HV_VERSION_MINOR;
	v->regs->rcx = (u64)v->ops->backend;
	return HVE_OK;
}

static int hc_ping(struct vcpu *v)
{
	v->regs->rbx = ~v->regs->rbx;
	return HVE_OK;
}

static int hc_stats(struct vcpu *v)
{
	u64 which = v->regs->rbx;

	if (which >= HV_STAT_MAX)
		return HVE_INVAL;
	if (which == HV_STAT_FREE_PAGES)
		v->stats[which] = palloc_free_pages();
	if (which == HV_STAT_OS_FRAMES)
		v->stats[which] = frames_count(&hv_frames, FRAME_OS);
	if (which == HV_STAT_SHOOTDOWNS)
		v->stats[which] = hv_shootdowns;
	if (which == HV_STAT_SHOOTDOWN_TSC)
		v->stats[which] = hv_shootdown_tsc;
	if (which == HV_STAT_CPUS)
		v->stats[which] = hv_ncpus;
	/* Blocked OS accesses: the whole machine's, whichever CPU took them
	 * (an attack loop may migrate between CPUs; hvprobe counts them). */
	if (which == HV_STAT_BLOCKED && !v->miee) {
		u64 sum = 0;

		for (u32 i = 0; i < HV_MAX_CPUS; i++)
			if (hv_cpus[i])
				sum += hv_cpus[i]->os.stats[HV_STAT_BLOCKED];
		v->regs->rbx = sum;
		return HVE_OK;
	}
	if (which == HV_STAT_MIEE_FRAMES)
		v->stats[which] = frames_count(&hv_frames, FRAME_MIEE) +
				  frames_count(&hv_frames, FRAME_SHARED);
	v->regs->rbx = v->stats[which];
	return HVE_OK;
}

static int hc_meminfo(struct vcpu *v)
{
	v->regs->rbx = hv_layout.image_base;
	v->regs->rcx = hv_layout.image_end - hv_layout.image_base;
	v->regs->rdx = 2;
	v->regs->rsi = hv_layout.pool_base;
	v->regs->rdi = hv_layout.pool_end - hv_layout.pool_base;
	return HVE_OK;
}

static int hc_launch_info(struct vcpu *v)
{
	v->regs->rbx = hv_launch_flags;
	return HVE_OK;
}

static int hc_utpm_root_pubkey(struct vcpu *v)
{
	u8 pub[UTPM_PUBKEY_SIZE];

	if (!hv_utpm_root.ready)
		return MIEE_EUTPM;
	utpm_pubkey(&hv_utpm_root, pub);
	return copy_to_os(v->regs->rbx, pub, sizeof(pub));
}

static int hc_iommu_info(struct vcpu *v)
{
	v->regs->rcx = iommu_poll_faults();
	v->regs->rbx = hv_iommu.active;
	v->regs->rdx = hv_iommu.active ? hv_iommu.ops->root_pa(hv_iommu.hw) : 0;
	v->regs->rsi = hv_iommu.active ? dmapt_root_pa(&hv_iommu.pt) : 0;
	v->regs->rdi = hv_iommu.flushes;
	return HVE_OK;
}

typedef int (*hc_fn)(struct vcpu *v);

static const hc_fn hc_table[] = {
	[HC_VERSION] = hc_version,
	[HC_PING] = hc_ping,
	[HC_STATS] = hc_stats,
	[HC_MEMINFO] = hc_meminfo,
	[HC_LAUNCH_INFO] = hc_launch_info,
	[HC_UTPM_ROOT_PUBKEY] = hc_utpm_root_pubkey,
	[HC_IOMMU_INFO] = hc_iommu_info,
};

/* Only its CPL 0 (the libOS) speaks for an MIEE: a hypercall instruction
 * at its CPL 3 (the program) is #UD through the MIEE's own IDT, as on a
 * CPU without it, and the MIEE goes on. */
bool vcpu_hypercall_refused(struct vcpu *v)
{
	if (!v->miee || v->ops->guest_cpl(v) == 0)
		return false;
	v->ops->inject_exception(v, EXC_UD, false, 0);
	return true;
}

int vcpu_hypercall(struct vcpu *v)
{
	u64 nr = v->regs->rax;
	s64 ret;
	int r;

	v->stats[HV_STAT_HYPERCALLS]++;
	if (v->miee) {
		/* From inside an MIEE: its own calls, and the harmless ones. */
		if (nr != HC_VERSION && nr != HC_PING)
			return miee_hypercall(v);
		ret = hc_table[nr](v);
		v->regs->rax = (u64)ret;
		return VCPU_SKIP;
	}
	if (nr >= HC_MIEE_CREATE && nr <= HC_MIEE_RECLAIM) {
		if (v->ops->guest_cpl(v) != 0) {
			ret = HVE_PERM;
		} else {
			r = miee_os_hypercall(v, nr, &ret);
			if (r == VCPU_SWITCHED)
				return VCPU_SWITCHED;
		}
	} else if ((nr >= HC_MIEE_EXIT && nr <= HC_MIEE_FLUSH) ||
		   (nr >= HC_UTPM_PCR_READ && nr <= HC_UTPM_PUBKEY))
		ret = HVE_PERM;		/* only from inside an MIEE */
	else if (nr >= ARRAY_SIZE(hc_table) || !hc_table[nr])
		ret = HVE_NOSYS;
	else if (v->ops->guest_cpl(v) != 0 && !HC_USER_ALLOWED(nr))
		ret = HVE_PERM;
	else
		ret = hc_table[nr](v);
	v->regs->rax = (u64)ret;
	return VCPU_SKIP;
}
