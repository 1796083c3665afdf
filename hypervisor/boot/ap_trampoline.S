/* Start code of the application processors (docs/smp.md). core/smp.c
 * copies ap_tramp_start..ap_tramp_end to AP_TRAMPOLINE_PA (0x8000) and
 * fills the four data words; the SIPI starts the AP here in real mode at
 * CS = 0x0800, IP = 0 (SDM Vol. 3A 9.4.4). Real mode -> protected mode ->
 * long mode on the hypervisor's own page tables (SDM Vol. 3A 9.8.5),
 * then ap_main(percpu) on that CPU's host stack. */

#define TRAMP_PA 0x8000
#define T(x) ((x) - ap_tramp_start + TRAMP_PA)
#define MSR_EFER 0xc0000080

	.section .rodata.ap_tramp, "a"
	.code16
	.global ap_tramp_start, ap_tramp_end
	.global ap_tramp_cr3, ap_tramp_entry, ap_tramp_stack, ap_tramp_arg
ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl ap_gdtr - ap_tramp_start
	movl %cr0, %eax
	orl $1, %eax			/* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(ap_pm32)

	.code32
ap_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl T(ap_tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x900, %eax		/* LME | NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax		/* PG: IA-32e mode */
	movl %eax, %cr0
	ljmpl $0x18, $T(ap_lm64)

	.code64
ap_lm64:
	movq T(ap_tramp_stack), %rsp
	movq T(ap_tramp_arg), %rdi
	movq T(ap_tramp_entry), %rax
	pushq $0			/* no return address: ap_main never returns */
	jmpq *%rax

	.align 8
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
ap_gdtr:
	.word 31
	.long T(ap_gdt)
	.align 8
ap_tramp_cr3:	.quad 0		/* the hypervisor's PML4 (below 4 GiB) */
ap_tramp_entry:	.quad 0		/* ap_main */
ap_tramp_stack:	.quad 0		/* host stack top of this AP */
ap_tramp_arg:	.quad 0		/* its struct percpu */
ap_tramp_end:
