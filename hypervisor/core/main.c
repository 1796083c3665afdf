/* Hypervisor start: take memory, build our own tables, pick the vendor
 * backend, build the OS's EPT/NPT without our memory, start Linux. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "layout.h"
#include "linux.h"
#include "measure.h"
#include "miee.h"
#include "fpu.h"
#include "iommu/iommu.h"
#include "vcpu.h"
#include "smp.h"
#include "x86.h"

struct frame_table hv_frames;
extern u64 hv_sink_page;

static struct npt os_npt;
struct npt *hv_os_npt = &os_npt;
extern u64 hv_lapic_trap;

/* The OS's EPT/NPT may map a frame only if the frame table says the OS
 * may see it; the sink page is the one hypervisor frame it may see. */
static int os_hpa_allowed(u64 hpa, u64 size)
{
	if (hpa == hv_sink_page && size == PAGE_SIZE)
		return 1;
	return frames_hpa_mappable_by_os(&hv_frames, hpa, size);
}

static void setup_frames(const struct bootinfo *bi)
{
	u64 nframes = hv_layout.phys_top >> PAGE_SHIFT;
	u64 bytes = nframes * sizeof(struct frame_owner);
	void *store = palloc_contig(ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT);

	if (!store || frames_init(&hv_frames, store, nframes))
		panic("no memory for the frame table (%lu frames)", nframes);
	frames_set_range(&hv_frames, 0, hv_layout.phys_top, FRAME_MMIO);
	for (u32 i = 0; i < bi->n_mem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		u64 b = ALIGN_UP(m->base, PAGE_SIZE), e = ALIGN_DOWN(m->base + m->len, PAGE_SIZE);

		if (m->type == E820_RAM && e > b && e <= hv_layout.phys_top)
			frames_set_range(&hv_frames, b, e - b, FRAME_OS);
	}
	frames_set_range(&hv_frames, hv_layout.image_base,
			 hv_layout.image_end - hv_layout.image_base, FRAME_HV);
	frames_set_range(&hv_frames, hv_layout.pool_base,
			 hv_layout.pool_end - hv_layout.pool_base, FRAME_HV);
	/* TPM TIS localities 1-4 (PTP 6.5.2) are the hypervisor's and the
	 * DRTM's: the OS keeps locality 0 only, TPM present or not. */
	frames_set_range(&hv_frames, TPM_TIS_BASE + PAGE_SIZE, 4 * PAGE_SIZE, FRAME_HV);
	iommu_hide_mmio(&hv_frames);	/* the IOMMU's registers */
	/* Above the table (all RAM, the image, the pool and every MMIO range
	 * the hypervisor hides lie below phys_top) up to the physical address
	 * width, there is only MMIO: the OS's 64-bit BARs. */
	if (frames_set_mmio_top(&hv_frames, hv_layout.phys_limit >> PAGE_SHIFT))
		panic("physical address width %lx is below the frame table's end %lx",
		      hv_layout.phys_limit, hv_layout.phys_top);
	/* The APs' start page (docs/smp.md): the OS must not write the code
	 * another CPU is about to run in the hypervisor. */
	frames_set_range(&hv_frames, AP_TRAMPOLINE_PA, PAGE_SIZE, FRAME_HV);
	frames_seal(&hv_frames);
}

/* The OS's EPT/NPT is the frame table's view: OS frames write-back, MMIO
 * uncached (the memory type the firmware's map implies; docs/memory.md),
 * hypervisor frames (image, pool, hidden MMIO such as TPM localities 1-4)
 * and holes absent. Built in maximal runs so large pages are used. */
static void build_os_npt(const struct vendor_ops *ops)
{
	u64 n = hv_frames.nframes, pfn = 0;

	if (npt_init(&os_npt, ops->npt_fmt, os_hpa_allowed))
		panic("cannot allocate the OS's EPT/NPT root");
	while (pfn < n) {
		enum frame_kind k = frames_kind(&hv_frames, pfn);
		u64 end = pfn + 1;
		int err;

		while (end < n && frames_kind(&hv_frames, end) == k)
			end++;
		if (k == FRAME_OS || k == FRAME_MMIO) {
			err = npt_map(&os_npt, pfn << PAGE_SHIFT, pfn << PAGE_SHIFT,
				      (end - pfn) << PAGE_SHIFT, NPT_R | NPT_W | NPT_X,
				      k == FRAME_OS ? NPT_MT_WB : NPT_MT_UC);
			if (err)
				panic("OS EPT/NPT: mapping %lx-%lx failed (%d)",
				      pfn << PAGE_SHIFT, end << PAGE_SHIFT, err);
		}
		pfn = end;
	}
	hv_printf("OS %s: %lu table pages; hypervisor frames absent: %lu\n",
		  ops->npt_fmt == NPT_FMT_EPT ? "EPT" : "NPT", os_npt.table_pages,
		  frames_count(&hv_frames, FRAME_HV));
}

static const struct vendor_ops *pick_vendor(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e)	/* GenuineIntel */
		return &vmx_ops;
	if (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163)	/* AuthenticAMD */
		return &svm_ops;
	panic("unsupported CPU vendor: neither Intel (VMX) nor AMD (SVM)");
}

void hv_main(struct bootinfo *bi)
{
	const struct vendor_ops *ops;
	struct vcpu_init_state init;
	struct percpu *bsp;
	struct vcpu *os;
	u32 a, b, c, d;
	int err;

	console_init();
	hv_printf("two-way isolation hypervisor %d.%d starting\n",
		  HV_VERSION_MAJOR, HV_VERSION_MINOR);
	if (bootinfo_check(bi))
		panic("bad boot information from the loader");
	bootinfo_dump(bi);

	layout_init(bi);
	palloc_init(hv_layout.pool_base, hv_layout.pool_end);
	hv_printf("image %lx-%lx, pool %lx-%lx (%lu MiB)\n", hv_layout.image_base,
		  hv_layout.image_end, hv_layout.pool_base, hv_layout.pool_end,
		  (hv_layout.pool_end - hv_layout.pool_base) >> 20);

	cpu_tables_init();
	paging_init(bi);
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & BIT(26))	/* XSAVE: lets us run XSETBV for the guest */
		write_cr4(read_cr4() | CR4_OSXSAVE);

	ops = pick_vendor();
	hv_printf("backend: %s\n", ops->name);
	err = ops->probe();
	if (err)
		panic("this CPU cannot run the %s backend (%d); see the messages above",
		      ops->name, err);

	iommu_probe(bi);	/* finds the DMAR and hides it from the OS */
	setup_frames(bi);
	hv_sink_page = (u64)page_alloc();
	if (!hv_sink_page)
		panic("no memory for the sink page");
	build_os_npt(ops);
	iommu_enable();		/* DMA remapping on before the OS runs */
	/* Before the modules move: their digests go into PCR 18. */
	measure_launch(bi);
	linux_prepare(bi, &init);

	/* This CPU's host stack, percpu structure and OS vCPU. */
	bsp = percpu_alloc(0);
	if (!bsp)
		panic("no memory for the boot CPU's host stack and vCPU");
	os = &bsp->os;
	os->ops = ops;
	err = ops->cpu_enable();
	if (err)
		panic("cannot enable %s on this CPU (%d)", ops->name, err);
	fpu_setup();
	miee_setup(os);
	smp_boot(bi, ops);
	if (hv_ncpus > 1) {
		/* The OS's INIT/SIPI go through its LAPIC's ICR: stores to the
		 * xAPIC page exit (core/lapic.c); reads do not. */
		hv_lapic_trap = rdmsr(MSR_APIC_BASE) & ~0xfffull & (BIT(52) - 1);
		if (frames_kind(&hv_frames, hv_lapic_trap >> PAGE_SHIFT) != FRAME_MMIO ||
		    npt_map(&os_npt, hv_lapic_trap, hv_lapic_trap, PAGE_SIZE, NPT_R | NPT_X,
			    NPT_MT_UC))
			panic("cannot write-protect the xAPIC page at %lx", hv_lapic_trap);
	}
	err = ops->vcpu_setup(os, &init);
	if (err)
		panic("cannot set up the OS vCPU (%d)", err);
	hv_printf("entering the guest at %lx\n", init.rip);
	err = ops->vcpu_run(os);
	panic("guest entry failed (%d)", err);
}
