/* VMX entry and exit stubs (VMX root). At a VM exit the CPU loads RSP from
 * HOST_RSP, the struct host_frame at the top of this CPU's host stack
 * (include/host_frame.h; HF_* offsets generated from it). The stub saves
 * the guest GPRs into the frame (the moves shared with SVM are in
 * arch/frame-gprs.inc) and calls vmx_exit_handler(regs, vcpu),
 * which may switch to another context (VMCS) and says whether to launch or
 * resume. */
	.text
	.code64

#include "asm-offsets.h"
#include "arch/frame-gprs.inc"

/* RSP is the frame. MOV leaves the flags alone: the exit stub tests EAX
 * before it loads the guest's registers. */
.macro LOAD_GUEST
	FRAME_LOAD_GPRS
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
	FRAME_SAVE_GPRS
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
