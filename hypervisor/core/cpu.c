/* The hypervisor's own GDT, TSS and IDT (SDM Vol. 3A 3.4, 6.14, 7.7).
 * Root mode / host mode; any exception here is a hypervisor bug. */
#include "hv.h"
#include "console.h"
#include "x86.h"
#include "smp.h"

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM Vol. 3A 7.7)");

struct idt_entry {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off1;
	u32 off2;
	u32 reserved;
} __attribute__((packed));

/* One GDT for every CPU: code, data, then one 16-byte TSS descriptor per
 * CPU (HV_TR + 16 * index): each CPU has its own TSS and exception stack,
 * and its task register names it (cpu_index()). */
static u64 gdt[3 + 2 * HV_MAX_CPUS] __attribute__((aligned(16)));
static struct tss64 tss[HV_MAX_CPUS] __attribute__((aligned(16)));
static struct idt_entry idt[32] __attribute__((aligned(16)));
static u8 exc_stack[HV_MAX_CPUS][8192] __attribute__((aligned(16)));

extern char exc_stubs[], nmi_stub[];

struct exc_frame {
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

void exc_handler(struct exc_frame *f);

void exc_handler(struct exc_frame *f)
{
	panic("exception %lu (error %lx) in the hypervisor at rip %lx rsp %lx, CPU %u\n"
	      "  rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx cr2 %lx",
	      f->vector, f->error, f->rip, f->rsp, cpu_index(), f->rax, f->rbx, f->rcx,
	      f->rdx, f->rsi, f->rdi, f->rbp, read_cr2());
}

u32 cpu_index(void)
{
	u16 tr;

	__asm__ __volatile__("str %0" : "=r"(tr));
	return (u32)(tr - HV_TR) / 16;
}

u64 cpu_tss_base(void)
{
	return (u64)&tss[cpu_index()];
}

void cpu_tables_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;	/* HV_CS: 64-bit code */
	gdt[2] = 0x00cf92000000ffffull;	/* HV_DS */
	for (u32 i = 0; i < HV_MAX_CPUS; i++) {
		u64 base = (u64)&tss[i];

		/* Available 64-bit TSS, 16-byte descriptor (SDM 7.2.3). */
		gdt[3 + 2 * i] = (sizeof(tss[i]) - 1) | ((base & 0xffffff) << 16) |
				 (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
		gdt[4 + 2 * i] = base >> 32;
		tss[i].ist[0] = (u64)exc_stack[i] + sizeof(exc_stack[i]);
		tss[i].iomap_base = sizeof(tss[i]);
	}

	for (int v = 0; v < 32; v++) {
		u64 h = v == 2 ? (u64)nmi_stub : (u64)exc_stubs + 16 * v;

		idt[v].off0 = h & 0xffff;
		idt[v].sel = HV_CS;
		idt[v].ist = 1;		/* a known-good stack even on overflow */
		idt[v].type = 0x8e;	/* present, interrupt gate */
		idt[v].off1 = (h >> 16) & 0xffff;
		idt[v].off2 = h >> 32;
	}
	cpu_tables_load(0);
}

/* Load the shared GDT and IDT and this CPU's TSS (every CPU, once). */
void cpu_tables_load(u32 index)
{
	struct dtr gdtr, idtr;

	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (u64)gdt;
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u64)idt;
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %2\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w3, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"lidt %1\n\t"
		"ltr %w4\n\t"
		: : "m"(gdtr), "m"(idtr), "i"((u64)HV_CS), "i"(HV_DS), "r"((u16)(HV_TR + 16 * index))
		: "rax", "memory");
}
