/* SVM VMRUN loop (SVM host mode). The host stack top holds the struct vcpu
 * pointer at [top - 8] and the guest VMCB's physical address at
 * [top - 16]; struct guest_regs (include/vcpu.h, rax lowest) sits just
 * below, as in vmx_entry.S. Both words are read again every round: a
 * context switch (core vcpu_switch, svm_ctx_switch) rewrites them. VMRUN and #VMEXIT switch only RAX, RSP, RIP,
 * RFLAGS and the segment/control state (APM Vol. 2 15.5.1, 15.6): the
 * other GPRs are swapped here; guest RAX lives in the VMCB and
 * svm_exit_handler copies it to and from regs->rax. */
	.text
	.code64

#define REGS_VMCB 120		/* sizeof(struct guest_regs) */
#define REGS_VCPU 128
#define REGS_PERCPU 136		/* the stack top: struct percpu, vendor_host first */

/* void svm_launch(struct guest_regs *regs): regs sit at top - 16 - 120. */
	.global svm_launch
svm_launch:
	movq %rdi, %rsp
	/* The host runs with GIF = 0 from here on; #VMEXIT clears it again
	 * after every run and we never STGI, so interrupts and NMIs that
	 * arrive while we handle an exit stay pending and are taken by the
	 * guest after the next VMRUN sets GIF (APM Vol. 2 15.17). */
	clgi
	/* With GIF = 0 the host takes no interrupt whatever its RFLAGS.IF,
	 * but IF still matters while a guest runs with V_INTR_MASKING set:
	 * physical interrupts then follow the host's IF saved at VMRUN
	 * (APM Vol. 2 15.21.1). Isolated contexts run that way, so that
	 * their own CLI cannot hold back the OS's interrupts. */
	sti

svm_run:
	movq REGS_VMCB(%rsp), %rax
	/* The guest's FS/GS/TR/LDTR hidden state, KERNEL_GS_BASE,
	 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER MSRs are not loaded by VMRUN
	 * (APM Vol. 2 15.5.2): VMLOAD them from the guest VMCB first. */
	vmload %rax
	movq 8(%rsp), %rbx
	movq 16(%rsp), %rcx
	movq 24(%rsp), %rdx
	movq 32(%rsp), %rsi
	movq 40(%rsp), %rdi
	movq 48(%rsp), %rbp
	movq 56(%rsp), %r8
	movq 64(%rsp), %r9
	movq 72(%rsp), %r10
	movq 80(%rsp), %r11
	movq 88(%rsp), %r12
	movq 96(%rsp), %r13
	movq 104(%rsp), %r14
	movq 112(%rsp), %r15
	vmrun %rax

	/* #VMEXIT (or VMEXIT_INVALID): RSP and RAX are the host's again. */
	movq %rbx, 8(%rsp)
	movq %rcx, 16(%rsp)
	movq %rdx, 24(%rsp)
	movq %rsi, 32(%rsp)
	movq %rdi, 40(%rsp)
	movq %rbp, 48(%rsp)
	movq %r8, 56(%rsp)
	movq %r9, 64(%rsp)
	movq %r10, 72(%rsp)
	movq %r11, 80(%rsp)
	movq %r12, 88(%rsp)
	movq %r13, 96(%rsp)
	movq %r14, 104(%rsp)
	movq %r15, 112(%rsp)
	movq REGS_VMCB(%rsp), %rax
	/* Keep the guest's VMLOAD state in its VMCB, then put back the
	 * host's: the host uses no FS/GS base or syscall MSRs, but its TR
	 * (the TSS with the exception stack, core/cpu.c) must be its own
	 * before anything can fault here. */
	vmsave %rax
	movq REGS_PERCPU(%rsp), %rax	/* this CPU's host-state area */
	vmload %rax
	movq %rsp, %rdi
	movq REGS_VCPU(%rsp), %rsi
	subq $8, %rsp		/* 16-byte aligned at the call */
	call svm_exit_handler
	addq $8, %rsp
	jmp svm_run
