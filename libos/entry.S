/* The libOS's entry, image header, descriptor tables and the program's
 * ways in: exception stubs and the SYSCALL entry. CPL 0 of the MIEE.
 *
 * Threads: in the libOS the GS base is the running slot's struct thread
 * (libos/thread.h); the program's GS base waits in KERNEL_GS_BASE. Every
 * way in from CPL 3 SWAPGSes first, every way out last. SYSCALL parks the
 * program's RSP at %gs:16, switches to the slot's kernel stack (%gs:8, also
 * its TSS's RSP0) and builds the same struct regs (kernel.h) an exception
 * builds. Every return to the program
 * is IRETQ (never SYSRET: no non-canonical RCX hazard, and a signal can
 * change any register). docs/libos.md, "Entry". */
#include "hv/libos.h"

#define KSTACK_SIZE 32768

	.section .hdr, "a"
	.globl libos_hdr
libos_hdr:
	.quad LIBOS_IMAGE_MAGIC
	.long __text_pages
	.long __data_pages
	.quad libos_entry
	.quad kstack_top
	.quad gdt
	.quad idt
	.word gdt_end - gdt - 1
	.word 256 * 16 - 1
	.word 0x08, 0x10
	.quad __file_size
	.quad 0, 0

	.text
	.globl libos_entry
libos_entry:
	lea kstack_top(%rip), %rsp
	xor %ebp, %ebp
	call libos_main
	ud2

/* Exception stubs: vectors without an error code push a 0 first. */
.macro STUB vec, err
	.align 16
isr_\vec:
	.if \err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp common_entry
.endm

STUB 0,0
STUB 1,0
STUB 2,0
STUB 3,0
STUB 4,0
STUB 5,0
STUB 6,0
STUB 7,0
STUB 8,1
STUB 9,0
STUB 10,1
STUB 11,1
STUB 12,1
STUB 13,1
STUB 14,1
STUB 15,0
STUB 16,0
STUB 17,1
STUB 18,0
STUB 19,0
STUB 20,0
STUB 21,1
STUB 22,0
STUB 23,0
STUB 24,0
STUB 25,0
STUB 26,0
STUB 27,0
STUB 28,0
STUB 29,1
STUB 30,1
STUB 31,0

	.section .rodata
	.globl isr_table
	.align 8
isr_table:
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr

	.text
.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

common_entry:
	testb $3, 24(%rsp)	/* the CS of the IRETQ frame: from the program? */
	jz 1f
	swapgs
1:	cld
	PUSH_GPRS
	mov %rsp, %rdi
	call trap_locked	/* a fault at CPL 0 never returns */
	jmp return_to_user

/* SYSCALL (SDM Vol. 2B): RCX = return RIP, R11 = RFLAGS, SFMASK has
 * cleared IF/TF/DF/AC. */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:16
	mov %gs:8, %rsp
	pushq $0x23		/* SS */
	pushq %gs:16		/* RSP */
	push %r11		/* RFLAGS */
	pushq $0x2b		/* CS */
	push %rcx		/* RIP */
	pushq $0		/* error code */
	pushq $256		/* VEC_SYSCALL */
	PUSH_GPRS
	mov %rsp, %rdi
	call syscall_locked
	/* fall through */
return_to_user:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	swapgs
	iretq

/* enter_user(struct regs *r): the first entry into the program. */
	.globl enter_user
enter_user:
	mov %gs:8, %rsp
	sub $22 * 8, %rsp
	mov %rsp, %rax
	mov $22, %ecx
1:	mov (%rdi), %rdx
	mov %rdx, (%rax)
	add $8, %rdi
	add $8, %rax
	dec %ecx
	jnz 1b
	jmp return_to_user

/* A new thread slot's first instruction (libos/thread.c sys_clone): RDI =
 * its struct thread, RSP = its kernel stack, GS base = RDI. */
	.globl thread_entry
thread_entry:
	xor %ebp, %ebp
	call thread_start
	ud2

	.data
	.align 16
	.globl gdt, tss_desc
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf93000000ffff	/* 0x10 kernel data */
	.quad 0x00cffb000000ffff	/* 0x18 user code, 32-bit (STAR base) */
	.quad 0x00cff3000000ffff	/* 0x20 user data */
	.quad 0x00affb000000ffff	/* 0x28 user code, 64-bit */
tss_desc:
	.quad 0, 0			/* 0x30 TSS, filled in by trap_init */
	.skip 16 * 15			/* 0x40..: the other threads' TSSs (thread.c) */
	.globl gdt_end
gdt_end:

	.bss
	.align 4096
	.globl idt, tss
idt:
	.skip 256 * 16
tss:
	.skip 104
	.align 16
	.globl kstack, kstack_top
kstack:
	.skip KSTACK_SIZE
kstack_top:
