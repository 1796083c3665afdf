/* Descriptor tables, exceptions and the SYSCALL MSRs of the libOS. A fault
 * of the program (CPL 3) becomes a signal; a fault of the libOS itself
 * (CPL 0) ends the MIEE with LIBOS_ABORT_FAULT. SDM Vol. 3A 6.14 (64-bit
 * IDT gates), 7.7 (64-bit TSS). */
#include "kernel.h"

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_SFMASK 0xc0000084u
#define RFLAGS_MASK_ON_SYSCALL 0x47700ull	/* TF IF DF IOPL NT AC cleared */

extern uint64_t gdt[], gdt_end[], tss_desc[];
extern unsigned char idt[], tss[];
extern const uint64_t isr_table[32];
extern unsigned char kstack_top[];
extern void syscall_entry(void);
extern const unsigned char libos_hdr[];

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_gate(unsigned vec, uint64_t fn)
{
	unsigned char *g = idt + vec * 16;
	uint64_t lo = (fn & 0xffff) | (uint64_t)SEL_KCODE << 16 |
		      (uint64_t)0x8e << 40 |	/* P, DPL 0, 64-bit interrupt gate */
		      ((fn >> 16) & 0xffff) << 48;
	uint64_t hi = fn >> 32;

	memcpy(g, &lo, 8);
	memcpy(g + 8, &hi, 8);
}

void trap_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)tss, rsp0 = (uint64_t)(uintptr_t)kstack_top;
	struct dtr g = { (uint16_t)((uintptr_t)gdt_end - (uintptr_t)gdt - 1), (uint64_t)(uintptr_t)gdt };
	struct dtr i = { 256 * 16 - 1, (uint64_t)(uintptr_t)idt };
	unsigned v;

	memset(tss, 0, 104);
	memcpy(tss + 4, &rsp0, 8);		/* RSP0 */
	tss[102] = 104;				/* I/O map base beyond the limit: no map */
	tss_desc[0] = 103 | (base & 0xffffff) << 16 | 0x89ull << 40 | ((base >> 24) & 0xff) << 56;
	tss_desc[1] = base >> 32;
	for (v = 0; v < 32; v++)
		set_gate(v, isr_table[v]);
	__asm__ __volatile__("lgdt %0; lidt %1" : : "m"(g), "m"(i) : "memory");
	__asm__ __volatile__("ltr %w0" : : "r"((uint16_t)SEL_TSS));
	trap_syscall_msrs();
}

void trap_syscall_msrs(void)
{
	/* SYSCALL: kernel CS/SS from STAR[47:32], SYSRET's base at [63:48]. */
	wrmsr(MSR_STAR, (uint64_t)SEL_UCODE32 << 48 | (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_MASK_ON_SYSCALL);
}

static const char *const vec_name[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP",
	"#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define BUS_ADRALN 1

/* SYSCALL raised #UD because EFER.SCE is clear (a hypervisor that does not
 * give the MIEE SYSCALL yet): the same call, through the same dispatcher.
 * 1 if it was one. */
static int syscall_by_ud(struct regs *r)
{
	unsigned char op[2];

	if (copy_from_user(op, r->rip, 2) || op[0] != 0x0f || op[1] != 0x05)
		return 0;
	r->rip += 2;
	r->rcx = r->rip;
	r->r11 = r->rflags;
	r->vec = VEC_SYSCALL;
	syscall_dispatch(r);
	return 1;
}

void trap(struct regs *r)
{
	uint64_t cr2 = r->vec == 14 ? read_cr2() : 0;

	if ((r->cs & 3) == 0) {
		const char *n = r->vec < 32 && vec_name[r->vec] ? vec_name[r->vec] : "?";

		libos_abort(LIBOS_ABORT_FAULT,
			    "libos: fault %s (vector %lu, error 0x%lx) in the libOS at rip 0x%lx, cr2 0x%lx, rsp 0x%lx",
			    n, r->vec, r->err, r->rip, cr2, r->rsp);
	}
	switch (r->vec) {
	case 14:
		/* Demand paging: error code bit 1 = write, bit 4 = fetch. */
		if (!mm_touch(cr2, r->err & 16 ? 2 : r->err & 2 ? 1 : 0))
			return;
		sig_fault(r, SIGSEGV, r->err & 1 ? SEGV_ACCERR : SEGV_MAPERR, cr2);
		break;
	case 6:
		if (syscall_by_ud(r))
			return;
		sig_fault(r, SIGILL, ILL_ILLOPN, r->rip);
		break;
	case 0:
		sig_fault(r, SIGFPE, FPE_INTDIV, r->rip);
		break;
	case 16:
	case 19:
		sig_fault(r, SIGFPE, 0, r->rip);
		break;
	case 17:
		sig_fault(r, SIGBUS, BUS_ADRALN, r->rip);
		break;
	case 1:
	case 3:
		sig_fault(r, SIGTRAP, 0, r->rip);
		break;
	default:
		sig_fault(r, SIGSEGV, 0x80, 0);	/* SI_KERNEL, as Linux for #GP */
		break;
	}
}
