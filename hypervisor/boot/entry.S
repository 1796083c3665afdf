/* Hypervisor entry points: the multiboot2 32-bit entry (GRUB) that switches
 * to long mode, and the 64-bit entry the UEFI loader jumps to. */

#include "hv/bootinfo.h"

#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Module alignment tag (multiboot2 spec 3.1.11): page-aligned modules. */
	.align 8
	.word 6, 0
	.long 8
	.align 8
	.word 0, 0
	.long 8
mb2_header_end:

	/* Image header for the UEFI loader (include/hv/bootinfo.h): it finds
	 * this by its magic in the first 32 KiB and jumps to entry64. */
	.align 8
	.global hv_image_header
hv_image_header:
	.quad HV_IMAGE_MAGIC
	.quad hv_entry64
	.quad __hv_start
	.quad __hv_end

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	movl %eax, %ebp			/* multiboot2 magic */
	movl %ebx, %esi			/* multiboot2 information */

	/* Zero .bss: a loader may not (the stack and tables live there). */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	movl %ebp, mb2_magic
	movl %esi, mb2_info
	movl $boot_stack_top, %esp

	/* Identity-map the first 4 GiB with 2 MiB pages, enough to reach the
	 * image, the multiboot2 data and the modules. hv_main() then builds
	 * the final tables. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* P | RW | PS */
	movl %eax, (%edi, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, 4(%edi, %ecx, 8)	/* bits 63:32 of the 2 MiB frame */
	incl %ecx
	cmpl $2048, %ecx
	jne 1b

	movl $boot_pdpt, %edi
	movl $boot_pd, %eax
	orl $3, %eax
	xorl %ecx, %ecx
2:	movl %eax, (%edi, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 2b

	movl $boot_pdpt, %eax
	orl $3, %eax
	movl %eax, boot_pml4

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	movl mb2_magic(%rip), %edi
	movl mb2_info(%rip), %esi
	call mb2_main
3:	cli
	hlt
	jmp 3b

/* 64-bit entry for the UEFI loader: RDI = struct bootinfo *, paging on with
 * an identity map, interrupts off. Boot services have exited. */
	.global hv_entry64
hv_entry64:
	cli
	cld
	movq %rdi, %rbx
	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movq $boot_stack_top, %rsp
	movq %rbx, %rdi
	call hv_main
4:	cli
	hlt
	jmp 4b

	.section .data
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.quad boot_gdt
mb2_magic:
	.long 0
mb2_info:
	.long 0

	.section .bss
	.align 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.global boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
