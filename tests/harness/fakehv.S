/*
 * A stand-in "hypervisor" for the harness self-tests: a multiboot2 kernel
 * that GRUB loads like build/hv/hv.elf. It prints one line on COM1 and then,
 * depending on FAKEHV_MODE:
 *   1  "hv: PANIC fake panic" and halts          -> boot must report a hypervisor panic
 *   2  loads an empty IDT and raises #BP         -> triple fault
 * Built by tests/harness/lib.sh with: gcc -m32 -c, ld -m elf_i386.
 */
#define MB2_MAGIC 0xe85250d6
#define COM1 0x3f8

	.section .multiboot, "a"
	.balign 8
mb2_start:
	.long MB2_MAGIC
	.long 0
	.long mb2_end - mb2_start
	.long -(MB2_MAGIC + (mb2_end - mb2_start))
	.word 0, 0
	.long 8
mb2_end:

	.text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	movl $msg, %esi
	call puts
#if FAKEHV_MODE == 2
	lidt idt_null
	int3
#endif
1:	hlt
	jmp 1b

/* puts: write the NUL-terminated string at %esi to COM1 */
puts:
	lodsb
	testb %al, %al
	jz 3f
	movb %al, %bl
	movw $COM1 + 5, %dx
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	jmp puts
3:	ret

	.data
msg:
#if FAKEHV_MODE == 1
	.asciz "fakehv: started\r\nhv: PANIC fake panic for the harness test\r\n"
#else
	.asciz "fakehv: started, now triple-faulting\r\n"
#endif
	.balign 8
idt_null:
	.word 0
	.long 0

	.bss
	.balign 16
	.space 4096
stack_top:
