/* Offsets for the entry stubs, generated from the C structures. Compiled
 * to assembly only, never linked (hypervisor/build.mk): every DEFINE()
 * leaves a line "@asm-offset NAME value" in the .s output, which the build
 * turns into asm-offsets.h for arch/vmx/vmx_entry.S and
 * arch/svm/svm_entry.S. */
#include "host_frame.h"
#include "smp.h"

#define DEFINE(name, value) \
	__asm__ __volatile__("\n.ascii \"@asm-offset " #name " %c0\"" : : "i"(value))
#define OFFSET(name, type, member) DEFINE(name, __builtin_offsetof(type, member))

/* Every GPR slot by its own name: the stubs never compute 8 * index. */
#define GPR(name, reg) OFFSET(name, struct host_frame, regs.reg)

void asm_offsets(void);
void asm_offsets(void)
{
	GPR(HF_RAX, rax);
	GPR(HF_RBX, rbx);
	GPR(HF_RCX, rcx);
	GPR(HF_RDX, rdx);
	GPR(HF_RSI, rsi);
	GPR(HF_RDI, rdi);
	GPR(HF_RBP, rbp);
	GPR(HF_R8, r8);
	GPR(HF_R9, r9);
	GPR(HF_R10, r10);
	GPR(HF_R11, r11);
	GPR(HF_R12, r12);
	GPR(HF_R13, r13);
	GPR(HF_R14, r14);
	GPR(HF_R15, r15);
	OFFSET(HF_VMCB_PA, struct host_frame, vmcb_pa);
	OFFSET(HF_VCPU, struct host_frame, vcpu);
	DEFINE(HF_SIZE, sizeof(struct host_frame));
	/* struct percpu begins at the stack top, right above the frame. */
	OFFSET(PERCPU_VENDOR_HOST, struct percpu, vendor_host);
}
