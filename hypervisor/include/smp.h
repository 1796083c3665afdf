/* Every CPU under the hypervisor: the per-CPU structure, AP bring-up and
 * the emulation of the OS's INIT/SIPI (docs/smp.md). Host mode / VMX root. */
#ifndef HV_SMP_H
#define HV_SMP_H

#include "types.h"
#include "vcpu.h"

struct bootinfo;

#define HV_MAX_CPUS 16

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC BIT(10)
#define MSR_X2APIC_ICR 0x830

/* Low page the APs start in (real mode, SIPI vector 0x08). Hypervisor
 * memory: e820-reserved and absent from the OS's EPT/NPT. */
#define AP_TRAMPOLINE_PA 0x8000ull

enum cpu_state {
	CPU_ABSENT,		/* not in the MADT, or not started */
	CPU_STARTING,		/* INIT-SIPI-SIPI sent, trampoline running */
	CPU_PARKED,		/* virtualization on; waits for the OS's SIPI */
	CPU_RUNNING,		/* runs its OS vCPU */
};

/*
 * One per CPU, in the page right above that CPU's host stack: the OS
 * vCPU's host_stack_top points at it, so the entry stubs find the first
 * word at [stack top + 0] without a CPU number (svm_entry.S).
 */
struct percpu {
	u64 vendor_host;	/* SVM: PA of the VMSAVE host-state area */
	u32 index;		/* 0 = the boot CPU; TR = HV_TR + 16 * index */
	u32 apic_id;
	volatile u32 state;	/* enum cpu_state */
	volatile u32 sipi_vector;	/* the OS's SIPI vector, set once */
	volatile u32 init_seen;		/* the OS sent INIT: SIPI may follow */
	volatile u32 os_nmi;		/* an NMI for the OS, not yet injected */
	u64 exit_stack_top;	/* backend: stack top of the exit in progress */
	volatile u64 flush_req;	/* shootdown generation asked of this CPU */
	volatile u64 flush_ack;	/* the last one it acknowledged */
	volatile u64 nmi_sent;	/* shootdown NMIs sent to this CPU */
	u64 nmi_seen;		/* ... and accounted for by it */
	struct vcpu os;		/* the OS's vCPU on this CPU */
};
_Static_assert(__builtin_offsetof(struct percpu, vendor_host) == 0,
	       "svm_entry.S reads vendor_host at the stack top");

extern struct percpu *hv_cpus[HV_MAX_CPUS];
extern u32 hv_ncpus;		/* CPUs under the hypervisor */

/* The CPU this code runs on (from its task register). */
u32 cpu_index(void);
static inline struct percpu *cpu_this(void)
{
	return hv_cpus[cpu_index()];
}

/* core/smp.c */
struct percpu *percpu_alloc(u32 index);
/* Find the APs in the MADT and start each into CPU_PARKED; the boot CPU
 * must already run with virtualization enabled. Panics on a CPU that
 * does not come up (it would run outside the hypervisor). */
void smp_boot(const struct bootinfo *bi, const struct vendor_ops *ops);
/* The OS wrote its LAPIC's ICR (xAPIC or x2APIC form: destination in
 * dest, APIC ID). INIT and SIPI are emulated, everything else is sent.
 * Returns 0, or -EINVAL for a form it refuses (logged). */
int smp_icr_write(struct vcpu *v, u32 low, u32 dest, bool x2apic);

/* Shootdown (docs/smp.md): after an edit that takes access away in the
 * OS's EPT/NPT, flush it on this CPU and on every other running CPU and
 * return only when each has acknowledged. Called with hv_miee_lock held. */
void smp_flush_os_npt(struct vcpu *self);
/* The same for the CPUs in mask (bit = CPU index) but this one, each
 * flushing the MIEE thread slot it runs (HC_MIEE_UNMAP, HC_MIEE_FLUSH), or
 * made to leave it (an MIEE that ended). Called with hv_miee_lock held. */
void smp_flush_cpus(u32 mask);
/* This CPU: handle a pending shootdown request (flush its OS vCPU's
 * translations before its next entry, acknowledge). True if there was one.
 * Called on NMI exits and while spinning for a lock. */
bool smp_flush_poll(void);
/* An NMI reached this CPU (an NMI exit, or the host IDT): answers any
 * shootdown request; true if a shootdown NMI was outstanding (then the
 * NMI was the hypervisor's), false if it is the OS's. */
bool smp_nmi(void);
/* The host IDT's NMI entry (boot/isr.S): smp_nmi(), and an NMI that is the
 * OS's is kept for it (smp_os_nmi_take). */
void smp_host_nmi(void);
/* An NMI for the OS was kept on this CPU: take it (true) to inject it. */
bool smp_os_nmi_take(void);
/* It could not be injected yet: keep it for after the next exit. */
void smp_os_nmi_keep(void);
extern u64 hv_shootdowns, hv_shootdown_tsc;

/* core/madt.c: APIC IDs of the enabled processors listed in the MADT
 * (ACPI 6.4 5.2.12), at most max; -ENOENT without a MADT. */
int madt_apic_ids(u64 rsdp_pa, u32 *ids, u32 max, u32 *n);

/* core/lapic.c: the OS wrote its xAPIC page (write-trapped in the OS's
 * EPT/NPT): decode the store, emulate it. */
#define LAPIC_DEFAULT_BASE 0xfee00000ull
int lapic_write_trap(struct vcpu *v, u64 gpa);

#endif
