/* Every CPU under the hypervisor (docs/smp.md): the per-CPU structures,
 * AP bring-up from the MADT with INIT-SIPI-SIPI through a low trampoline,
 * the APs' parking in host mode, and the emulation of the OS's INIT and
 * SIPI. Host mode / VMX root. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "fpu.h"
#include "smp.h"
#include "miee.h"
#include "x86.h"

#define HOST_STACK_PAGES 4
#define LAPIC_ID 0x20
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
/* ICR fields (SDM Vol. 3A 11.6.1). */
#define ICR_MODE(l) (((l) >> 8) & 7)
#define ICR_MODE_NMI 4
#define ICR_MODE_INIT 5
#define ICR_MODE_SIPI 6
#define ICR_LOGICAL BIT(11)
#define ICR_BUSY BIT(12)
#define ICR_ASSERT BIT(14)
#define ICR_LEVEL BIT(15)
#define ICR_SHORTHAND(l) (((l) >> 18) & 3)
#define SIPI_VALID 0x100u

struct percpu *hv_cpus[HV_MAX_CPUS];
u32 hv_ncpus;
u64 hv_shootdowns, hv_shootdown_tsc;
static u64 flush_gen;
extern struct npt *hv_os_npt;
extern struct frame_table hv_frames;

extern char ap_tramp_start[], ap_tramp_end[];
extern u64 ap_tramp_cr3, ap_tramp_entry, ap_tramp_stack, ap_tramp_arg;

static const struct vendor_ops *smp_ops;
static u64 bsp_cr0, bsp_cr4;

struct percpu *percpu_alloc(u32 index)
{
	u8 *stack = palloc_contig(HOST_STACK_PAGES + 1);
	struct percpu *c;

	if (!stack || index >= HV_MAX_CPUS)
		return NULL;
	c = (struct percpu *)(stack + HOST_STACK_PAGES * PAGE_SIZE);
	c->index = index;
	c->os.host_stack_top = (u64)c;
	c->os.npt = hv_os_npt;
	c->os.fpu = page_alloc();
	if (!c->os.fpu)
		return NULL;
	hv_cpus[index] = c;
	return c;
}

static bool x2apic_on(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC;
}

static volatile u32 *lapic_reg(u32 off)
{
	return phys_to_virt((rdmsr(MSR_APIC_BASE) & ~0xfffull & (BIT(52) - 1)) + off);
}

static u32 lapic_id(void)
{
	return x2apic_on() ? (u32)rdmsr(0x802) : *lapic_reg(LAPIC_ID) >> 24;
}

/* Send an IPI from this CPU's LAPIC (xAPIC: high half first). */
static void lapic_send(u32 low, u32 dest)
{
	if (x2apic_on()) {
		wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | low);
		return;
	}
	*lapic_reg(LAPIC_ICR_HI) = dest << 24;
	*lapic_reg(LAPIC_ICR_LO) = low;
	while (*lapic_reg(LAPIC_ICR_LO) & ICR_BUSY)
		__asm__ __volatile__("pause");
}

static void tsc_wait(u64 ticks)
{
	u64 t = rdtsc();

	while (rdtsc() - t < ticks)
		__asm__ __volatile__("pause");
}

void ap_main(struct percpu *c) __attribute__((noreturn));

/* First C code of an AP, on its own host stack (ap_trampoline.S). */
void ap_main(struct percpu *c)
{
	u32 vec;
	int err;

	cpu_tables_load(c->index);
	write_cr0(bsp_cr0);
	write_cr4(bsp_cr4);
	fpu_setup();
	/* Its OS vCPU starts as after INIT (XCR0 1); each context's XCR0 is
	 * then set by the switch into it (core/fpu.c). */
	fpu_reset_xcr0();
	err = smp_ops->cpu_enable();
	if (err)
		panic("CPU %u: cannot enable %s (%d)", c->index, smp_ops->name, err);
	__atomic_store_n(&c->state, CPU_PARKED, __ATOMIC_RELEASE);

	/* Parked: the OS's SIPI (smp_icr_write) names the vector. */
	while (!((vec = __atomic_load_n(&c->sipi_vector, __ATOMIC_ACQUIRE)) & SIPI_VALID))
		__asm__ __volatile__("pause" ::: "memory");
	err = smp_ops->vcpu_sipi(&c->os, (u8)vec);
	if (err)
		panic("CPU %u: cannot set up its OS vCPU (%d)", c->index, err);
	c->state = CPU_RUNNING;
	err = smp_ops->vcpu_run(&c->os);
	panic("CPU %u: guest entry failed (%d)", c->index, err);
}

static void start_ap(u32 apic_id)
{
	struct percpu *c = percpu_alloc(hv_ncpus);
	u64 t;

	if (!c)
		panic("no memory for CPU %u (APIC ID %u)", hv_ncpus, apic_id);
	c->apic_id = apic_id;
	c->os.ops = smp_ops;
	c->state = CPU_STARTING;
	/* ap_main runs in the lower half of the host stack: vcpu_sipi
	 * writes the guest frame at its top (struct percpu, docs/smp.md). */
	paging_tramp_writable(true);
	*(u64 *)(AP_TRAMPOLINE_PA + ((u8 *)&ap_tramp_stack - (u8 *)ap_tramp_start)) =
		(u64)c - HOST_STACK_PAGES / 2 * PAGE_SIZE;
	*(u64 *)(AP_TRAMPOLINE_PA + ((u8 *)&ap_tramp_arg - (u8 *)ap_tramp_start)) = (u64)c;
	paging_tramp_writable(false);

	/* INIT, 10 ms, SIPI, 200 us, SIPI again unless it runs (SDM Vol. 3A
	 * 9.4.4.1). The TSC runs at GHz rates on the machines we target. */
	lapic_send(ICR_LEVEL | ICR_ASSERT | ICR_MODE_INIT << 8, apic_id);
	tsc_wait(10000000);
	for (int i = 0; i < 2 && c->state == CPU_STARTING; i++) {
		lapic_send(ICR_MODE_SIPI << 8 | (AP_TRAMPOLINE_PA >> PAGE_SHIFT), apic_id);
		tsc_wait(200000);
	}
	t = rdtsc();
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_PARKED) {
		if (rdtsc() - t > 20000000000ull)
			panic("CPU with APIC ID %u did not start: it would run outside the "
			      "hypervisor", apic_id);
		__asm__ __volatile__("pause");
	}
	hv_printf("SMP: CPU %u (APIC ID %u) parked, host stack top %lx\n", c->index, apic_id,
		  (u64)c);
	hv_ncpus++;
}

void smp_boot(const struct bootinfo *bi, const struct vendor_ops *ops)
{
	u32 ids[HV_MAX_CPUS], n, self = lapic_id();
	int err = madt_apic_ids(bi->rsdp, ids, HV_MAX_CPUS, &n);

	smp_ops = ops;
	hv_cpus[0]->apic_id = self;
	hv_cpus[0]->state = CPU_RUNNING;
	hv_ncpus = 1;
	if (err == -E2BIG)
		panic("the MADT lists more than %u CPUs", HV_MAX_CPUS);
	if (err) {
		hv_printf("SMP: no MADT: only the boot CPU runs\n");
		return;
	}
	bsp_cr0 = read_cr0();
	bsp_cr4 = read_cr4();
	paging_tramp_writable(true);
	memcpy((void *)AP_TRAMPOLINE_PA, ap_tramp_start, ap_tramp_end - ap_tramp_start);
	*(u64 *)(AP_TRAMPOLINE_PA + ((u8 *)&ap_tramp_cr3 - (u8 *)ap_tramp_start)) = read_cr3();
	*(u64 *)(AP_TRAMPOLINE_PA + ((u8 *)&ap_tramp_entry - (u8 *)ap_tramp_start)) =
		(u64)ap_main;
	paging_tramp_writable(false);
	for (u32 i = 0; i < n; i++)
		if (ids[i] != self)
			start_ap(ids[i]);
	hv_printf("SMP: %u CPUs under the hypervisor (boot CPU APIC ID %u), APs parked\n",
		  hv_ncpus, self);
}

/*
 * The initiator (holding hv_miee_lock, so one at a time) flushes itself,
 * posts a new generation to every other running CPU and sends it an NMI:
 * in a guest the NMI exits (the OS's and the MIEEs' VMCBs intercept it),
 * in host mode it waits behind GIF = 0 until the next entry, which exits
 * at once. Each CPU acknowledges once its OS vCPU's next entry is sure to
 * flush, before any translation can be used again.
 */
/* A shootdown of the running CPUs in mask (bit = CPU index), never this
 * one: each flushes what it runs (smp_flush_poll) and acknowledges. */
static void shootdown(u32 mask)
{
	struct percpu *me = cpu_this();
	u64 gen = ++flush_gen, t0 = rdtsc();
	bool sent = false;

	for (u32 i = 0; i < hv_ncpus; i++) {
		struct percpu *t = hv_cpus[i];

		if (t == me || t->state != CPU_RUNNING || !(mask & BIT(i)))
			continue;	/* a parked CPU's first entry flushes all */
		__atomic_store_n(&t->flush_req, gen, __ATOMIC_RELEASE);
		__atomic_add_fetch(&t->nmi_sent, 1, __ATOMIC_RELEASE);
		lapic_send(ICR_MODE_NMI << 8, t->apic_id);
		sent = true;
	}
	for (u32 i = 0; i < hv_ncpus; i++) {
		struct percpu *t = hv_cpus[i];
		u64 t1 = rdtsc();

		if (t == me || t->state != CPU_RUNNING || !(mask & BIT(i)))
			continue;
		while (__atomic_load_n(&t->flush_ack, __ATOMIC_ACQUIRE) < gen) {
			if (rdtsc() - t1 > 20000000000ull)
				panic("CPU %u did not acknowledge TLB shootdown %lu", i, gen);
			__asm__ __volatile__("pause" ::: "memory");
		}
	}
	if (sent) {
		hv_shootdowns++;
		hv_shootdown_tsc += rdtsc() - t0;
	}
}

void smp_flush_os_npt(struct vcpu *self)
{
	self->ops->flush_npt(self);
	shootdown(~0u);
}

void smp_flush_cpus(u32 mask)
{
	shootdown(mask);
}

/* Also runs in the host NMI handler, which may interrupt it: the
 * acknowledgement only ever grows. */
bool smp_flush_poll(void)
{
	struct percpu *c = cpu_this();
	u64 req = __atomic_load_n(&c->flush_req, __ATOMIC_ACQUIRE);
	u64 ack = __atomic_load_n(&c->flush_ack, __ATOMIC_ACQUIRE);

	if (req <= ack)
		return false;
	c->os.ops->flush_npt(&c->os);
	miee_flush_here();	/* and the MIEE thread slot it runs, if any */
	while (ack < req && !__atomic_compare_exchange_n(&c->flush_ack, &ack, req, false,
							 __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		;
	return true;
}

/*
 * Which NMI is whose: the initiator counts the NMIs it sends a CPU
 * (nmi_sent) before sending. A CPU may have answered the request already
 * (spinning for the MIEE lock) when its NMI arrives, and two NMIs may
 * merge into one: any NMI that finds sent NMIs not yet accounted for is
 * the hypervisor's; one that finds none is the OS's.
 */
bool smp_nmi(void)
{
	struct percpu *c = cpu_this();
	u64 sent = __atomic_load_n(&c->nmi_sent, __ATOMIC_ACQUIRE);
	bool ours = sent != c->nmi_seen;

	c->nmi_seen = sent;
	smp_flush_poll();
	return ours;
}

void smp_host_nmi(void)
{
	u32 i = cpu_index();

	if (i >= HV_MAX_CPUS || !hv_cpus[i] || hv_cpus[i]->state != CPU_RUNNING)
		return;		/* not started, or parked: no OS on it yet */
	if (!smp_nmi())
		hv_cpus[i]->os_nmi = 1;
}

bool smp_os_nmi_take(void)
{
	struct percpu *c = cpu_this();

	if (!c->os_nmi)
		return false;
	c->os_nmi = 0;
	return true;
}

void smp_os_nmi_keep(void)
{
	cpu_this()->os_nmi = 1;
}

static struct percpu *cpu_by_apic(u32 id)
{
	for (u32 i = 0; i < hv_ncpus; i++)
		if (hv_cpus[i]->apic_id == id)
			return hv_cpus[i];
	return NULL;
}

/* INIT or SIPI from the OS to one CPU: a parked CPU takes INIT, then the
 * first SIPI; anything else is dropped, as a CPU outside wait-for-SIPI
 * drops a SIPI (SDM Vol. 3A 9.4.4). */
static void emulate(struct percpu *t, u32 low)
{
	static u32 refused;
	u32 vec = low & 0xff;

	if (t->state != CPU_PARKED) {
		if (ICR_MODE(low) == ICR_MODE_INIT && refused++ < 8)
			hv_printf("SMP: INIT to CPU %u, which runs: refused (no CPU re-start, "
				  "docs/smp.md)\n", t->index);
		return;
	}
	if (ICR_MODE(low) == ICR_MODE_INIT) {
		t->init_seen = 1;
		return;
	}
	if (!t->init_seen || (t->sipi_vector & SIPI_VALID))
		return;
	if (frames_kind(&hv_frames, vec) != FRAME_OS) {
		hv_printf("SMP: SIPI vector %x names memory the OS does not own: dropped\n", vec);
		return;
	}
	__atomic_store_n(&t->sipi_vector, SIPI_VALID | vec, __ATOMIC_RELEASE);
}

int smp_icr_write(struct vcpu *v, u32 low, u32 dest, bool x2apic)
{
	(void)x2apic;
	struct percpu *self = cpu_this(), *t;
	u32 mode = ICR_MODE(low), sh = ICR_SHORTHAND(low);

	(void)v;
	if (mode != ICR_MODE_INIT && mode != ICR_MODE_SIPI) {
		lapic_send(low, dest);		/* fixed, NMI, ...: the OS's own */
		return 0;
	}
	if (mode == ICR_MODE_INIT && !(low & ICR_ASSERT))
		return 0;			/* INIT level de-assert: no effect */
	if (sh == 1 || (sh == 0 && (low & ICR_LOGICAL))) {
		hv_printf("SMP: %s with %s destination refused\n",
			  mode == ICR_MODE_INIT ? "INIT" : "SIPI", sh ? "self" : "logical");
		return -EINVAL;
	}
	if (sh == 0) {
		t = cpu_by_apic(dest);
		if (t && t != self)
			emulate(t, low);
		return 0;
	}
	for (u32 i = 0; i < hv_ncpus; i++)	/* all (excluding self) */
		if (hv_cpus[i] != self)
			emulate(hv_cpus[i], low);
	return 0;
}
