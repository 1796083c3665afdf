/* The OS's stores to its xAPIC page (docs/smp.md): the page is read-only
 * in the OS's EPT/NPT, so every store exits. It is decoded from the
 * guest's code (the OS's own page tables, OS memory only), the ICR is
 * handed to smp_icr_write() and any other register is written to this
 * CPU's LAPIC as the OS meant. Host mode / VMX root. */
#include "hv.h"
#include "console.h"
#include "core/frames.h"
#include "miee.h"
#include "smp.h"
#include "x86.h"

#define PTE_P BIT(0)
#define PTE_PS BIT(7)
#define PTE_ADDR 0x000ffffffffff000ull

extern struct frame_table hv_frames;

/* Guest-physical address of a linear address through the OS's 4-level
 * tables; every table must be OS RAM (the OS cannot make us read ours). */
static int walk(u64 cr3, u64 la, u64 *pa)
{
	u64 table = cr3 & PTE_ADDR, e = 0;

	for (int level = 3; level >= 0; level--) {
		if (frames_kind(&hv_frames, table >> PAGE_SHIFT) != FRAME_OS)
			return -EFAULT;
		e = ((u64 *)phys_to_virt(table))[(la >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P))
			return -EFAULT;
		if (level && level < 3 && (e & PTE_PS)) {
			u64 size = 1ull << (12 + 9 * level);

			*pa = (e & PTE_ADDR & ~(size - 1)) | (la & (size - 1));
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*pa = table | (la & (PAGE_SIZE - 1));
	return 0;
}

/* Up to n bytes at the guest's RIP; returns how many could be read. */
static unsigned fetch(struct vcpu *v, u8 *buf, unsigned n)
{
	u64 cr0, cr4, efer, cr3, rip = v->ops->guest_rip(v), pa;

	v->ops->guest_paging(v, &cr0, &cr4, &efer, &cr3);
	if (!(cr0 & CR0_PG) || !(efer & EFER_LMA) || (cr4 & CR4_LA57))
		return 0;		/* Linux writes its APIC in 4-level long mode */
	for (unsigned i = 0; i < n; i++) {
		if (walk(cr3, rip + i, &pa) || frames_kind(&hv_frames, pa >> PAGE_SHIFT) != FRAME_OS)
			return i;
		buf[i] = *(u8 *)phys_to_virt(pa);
	}
	return n;
}

/* x86 register number -> struct guest_regs slot (RSP is not there). */
static u64 *gpr(struct guest_regs *r, unsigned n)
{
	u64 *slot[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi, &r->rdi,
			  &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };

	return slot[n & 15];
}

/*
 * The stores Linux uses for APIC registers (SDM Vol. 2 2.1): an optional
 * REX prefix, then MOV r/m32, r32 (89 /r), MOV r/m32, imm32 (C7 /0) or
 * XCHG r/m32, r32 (87 /r), with a memory operand. Sets the value stored,
 * the instruction length and the register an XCHG loads.
 */
static int decode(const u8 *b, u32 *val, unsigned *len, u64 **xchg, struct guest_regs *r)
{
	unsigned i = 0, rex = 0, mod, reg, rm;

	if ((b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		return -EINVAL;		/* 64-bit store: not an APIC access */
	if (b[i] != 0x89 && b[i] != 0xc7 && b[i] != 0x87)
		return -EINVAL;
	mod = b[i + 1] >> 6;
	reg = ((b[i + 1] >> 3) & 7) | (rex & 4 ? 8 : 0);
	rm = b[i + 1] & 7;
	if (mod == 3 || (b[i] == 0xc7 && (reg & 7)))
		return -EINVAL;
	i += 2;
	if (rm == 4) {			/* SIB; base 5 with mod 0: disp32 */
		if (mod == 0 && (b[i] & 7) == 5)
			i += 4;
		i++;
	} else if (mod == 0 && rm == 5) {
		i += 4;			/* RIP-relative disp32 */
	}
	i += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	*xchg = NULL;
	if (b[rex ? 1 : 0] == 0xc7) {
		*val = b[i] | b[i + 1] << 8 | b[i + 2] << 16 | (u32)b[i + 3] << 24;
		i += 4;
	} else {
		u64 *src = gpr(r, reg);

		if (!src)
			return -EINVAL;
		*val = (u32)*src;
		if (b[rex ? 1 : 0] == 0x87)
			*xchg = src;
	}
	*len = i;
	return 0;
}

int lapic_write_trap(struct vcpu *v, u64 gpa)
{
	u64 base = rdmsr(MSR_APIC_BASE) & PTE_ADDR;
	u32 off = gpa & (PAGE_SIZE - 1), val;
	volatile u32 *reg = phys_to_virt(base + off);
	u8 insn[12] = { 0 };	/* REX, opcode, ModRM, SIB, disp32, imm32 */
	unsigned len, got;
	u64 *xchg;

	/* A frame checked as the OS's must stay so while it is read: ADD
	 * on another CPU moves frames under the MIEE lock (docs/smp.md). */
	miee_lock();
	got = fetch(v, insn, sizeof(insn));
	miee_unlock();

	if ((gpa & PAGE_MASK) != base || (off & 3) ||
	    decode(insn, &val, &len, &xchg, v->regs) || len > got)
		return vcpu_fatal(v, "OS store to its xAPIC page that the hypervisor cannot "
				  "decode", gpa);
	if (xchg)
		*xchg = *reg;
	if (off == 0x300)
		smp_icr_write(v, val, *(volatile u32 *)phys_to_virt(base + 0x310) >> 24, false);
	else
		*reg = val;
	v->ops->skip_insn(v, len);
	return VCPU_RETRY;
}
