/* SVM VMRUN loop (SVM host mode). RSP is the struct host_frame at the top
 * of this CPU's host stack (include/host_frame.h; HF_* offsets generated
 * from it): the guest GPRs, the PA of the VMCB to run and the vcpu. The
 * last two are read again every round: a context switch (core vcpu_switch,
 * svm_ctx_switch) rewrites them. VMRUN and #VMEXIT switch only RAX, RSP, RIP,
 * RFLAGS and the segment/control state (APM Vol. 2 15.5.1, 15.6): the
 * other GPRs are swapped here (arch/frame-gprs.inc, shared with VMX);
 * guest RAX lives in the VMCB and svm_exit_handler copies it to and from
 * regs->rax. */
	.text
	.code64

#include "asm-offsets.h"
#include "arch/frame-gprs.inc"

/* void svm_launch(struct host_frame *frame) */
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
	movq HF_VMCB_PA(%rsp), %rax
	/* The guest's FS/GS/TR/LDTR hidden state, KERNEL_GS_BASE,
	 * STAR/LSTAR/CSTAR/SFMASK and SYSENTER MSRs are not loaded by VMRUN
	 * (APM Vol. 2 15.5.2): VMLOAD them from the guest VMCB first. */
	vmload %rax
	FRAME_LOAD_GPRS
	vmrun %rax
	/* Where #VMEXIT resumes: the RIP VMRUN saves in the host-save area. */
	.global svm_vmrun_ret
svm_vmrun_ret:

	/* #VMEXIT (or VMEXIT_INVALID): RSP and RAX are the host's again. */
	FRAME_SAVE_GPRS
	movq HF_VMCB_PA(%rsp), %rax
	/* Keep the guest's VMLOAD state in its VMCB, then put back the
	 * host's: the host uses no FS/GS base or syscall MSRs, but its TR
	 * (the TSS with the exception stack, core/cpu.c) must be its own
	 * before anything can fault here. */
	vmsave %rax
	movq HF_SIZE + PERCPU_VENDOR_HOST(%rsp), %rax	/* this CPU's host-state area */
	vmload %rax
	movq %rsp, %rdi
	movq HF_VCPU(%rsp), %rsi
	subq $8, %rsp		/* 16-byte aligned at the call */
	call svm_exit_handler
	addq $8, %rsp
	jmp svm_run
