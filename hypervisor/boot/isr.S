/* Exception entry stubs of the hypervisor itself: push a uniform frame and
 * call exc_handler(), which reports and halts (the hypervisor never expects
 * an exception in root mode). */
	.text
	.code64

.macro EXC_NOERR n
	.align 16
	pushq $0
	pushq $\n
	jmp exc_common
.endm
.macro EXC_ERR n
	.align 16
	pushq $\n
	jmp exc_common
.endm

/* NMI in host mode (IST 1, this CPU's exception stack): on SVM only in
 * the NMI exit's GIF window, on VMX whenever one arrives in VMX root.
 * smp_host_nmi() answers a TLB shootdown or keeps the NMI for the OS
 * (docs/smp.md). The interrupted code's caller-saved registers are kept. */
	.global nmi_stub
	.align 16
nmi_stub:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq %rsp, %rax
	andq $-16, %rsp
	pushq %rax
	pushq %rax
	cld
	call smp_host_nmi
	popq %rax
	movq %rax, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	iretq

	.global exc_stubs
	.align 16
exc_stubs:
	EXC_NOERR 0
	EXC_NOERR 1
	EXC_NOERR 2
	EXC_NOERR 3
	EXC_NOERR 4
	EXC_NOERR 5
	EXC_NOERR 6
	EXC_NOERR 7
	EXC_ERR 8
	EXC_NOERR 9
	EXC_ERR 10
	EXC_ERR 11
	EXC_ERR 12
	EXC_ERR 13
	EXC_ERR 14
	EXC_NOERR 15
	EXC_NOERR 16
	EXC_ERR 17
	EXC_NOERR 18
	EXC_NOERR 19
	EXC_NOERR 20
	EXC_ERR 21
	EXC_NOERR 22
	EXC_NOERR 23
	EXC_NOERR 24
	EXC_NOERR 25
	EXC_NOERR 26
	EXC_NOERR 27
	EXC_NOERR 28
	EXC_ERR 29
	EXC_ERR 30
	EXC_NOERR 31

exc_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	movq %rsp, %rdi
	andq $-16, %rsp
	call exc_handler
1:	cli
	hlt
	jmp 1b
