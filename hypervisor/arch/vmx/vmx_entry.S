/* VMX entry and exit stubs (VMX root). At a VM exit the CPU loads RSP from
 * HOST_RSP = stack top - 16, where [top - 8] holds the struct vcpu pointer;
 * the stub saves the guest GPRs as struct guest_regs (include/vcpu.h: rax
 * lowest) just below it and calls vmx_exit_handler(regs, vcpu), which may
 * switch to another context (VMCS) and says whether to launch or resume. */
	.text
	.code64

.macro POP_GUEST
	popq %rax
	popq %rbx
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	popq %r8
	popq %r9
	popq %r10
	popq %r11
	popq %r12
	popq %r13
	popq %r14
	popq %r15
.endm

/* void vmx_launch(struct guest_regs *regs): regs sit at HOST_RSP - 120. */
	.global vmx_launch
vmx_launch:
	movq %rdi, %rsp
	POP_GUEST
	vmlaunch
	jmp vmx_failed

	.global vmx_exit_stub
vmx_exit_stub:
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %r11
	pushq %r10
	pushq %r9
	pushq %r8
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rbx
	pushq %rax
	movq %rsp, %rdi
	movq 128(%rsp), %rsi
	subq $8, %rsp
	call vmx_exit_handler
	addq $8, %rsp
	/* Nonzero: the context to enter (the core may have switched) was
	 * never launched. POP leaves the flags alone. */
	testl %eax, %eax
	POP_GUEST
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
