/* VMX entry and exit stubs (VMX root). At a VM exit the CPU loads RSP from
 * HOST_RSP, the struct host_frame at the top of this CPU's host stack
 * (include/host_frame.h; HF_* offsets generated from it). The stub saves
 * the guest GPRs into the frame and calls vmx_exit_handler(regs, vcpu),
 * which may switch to another context (VMCS) and says whether to launch or
 * resume. */
	.text
	.code64

#include "asm-offsets.h"

/* RSP is the frame. MOV leaves the flags alone: the exit stub tests EAX
 * before it loads the guest's registers. */
.macro LOAD_GUEST
	movq HF_RBX(%rsp), %rbx
	movq HF_RCX(%rsp), %rcx
	movq HF_RDX(%rsp), %rdx
	movq HF_RSI(%rsp), %rsi
	movq HF_RDI(%rsp), %rdi
	movq HF_RBP(%rsp), %rbp
	movq HF_R8(%rsp), %r8
	movq HF_R9(%rsp), %r9
	movq HF_R10(%rsp), %r10
	movq HF_R11(%rsp), %r11
	movq HF_R12(%rsp), %r12
	movq HF_R13(%rsp), %r13
	movq HF_R14(%rsp), %r14
	movq HF_R15(%rsp), %r15
	movq HF_RAX(%rsp), %rax
.endm

/* void vmx_launch(struct host_frame *frame) */
	.global vmx_launch
vmx_launch:
	movq %rdi, %rsp
	LOAD_GUEST
	vmlaunch
	jmp vmx_failed

/* HOST_RIP. The CPU has loaded RSP from HOST_RSP, the frame's address. */
	.global vmx_exit_stub
vmx_exit_stub:
	movq %rax, HF_RAX(%rsp)
	movq %rbx, HF_RBX(%rsp)
	movq %rcx, HF_RCX(%rsp)
	movq %rdx, HF_RDX(%rsp)
	movq %rsi, HF_RSI(%rsp)
	movq %rdi, HF_RDI(%rsp)
	movq %rbp, HF_RBP(%rsp)
	movq %r8, HF_R8(%rsp)
	movq %r9, HF_R9(%rsp)
	movq %r10, HF_R10(%rsp)
	movq %r11, HF_R11(%rsp)
	movq %r12, HF_R12(%rsp)
	movq %r13, HF_R13(%rsp)
	movq %r14, HF_R14(%rsp)
	movq %r15, HF_R15(%rsp)
	movq %rsp, %rdi
	movq HF_VCPU(%rsp), %rsi
	subq $8, %rsp		/* 16-byte aligned at the call */
	call vmx_exit_handler
	addq $8, %rsp
	/* Nonzero: the context to enter (the core may have switched) was
	 * never launched. */
	testl %eax, %eax
	LOAD_GUEST
	jnz 1f
	vmresume
	jmp vmx_failed
1:	vmlaunch
	jmp vmx_failed

vmx_failed:
	pushfq
	popq %rdi
	andq $-16, %rsp
	call vmx_entry_failed
1:	cli
	hlt
	jmp 1b
