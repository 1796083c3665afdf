/* The UEFI loader's last instructions: copied into the hand-off block below
 * 1 MiB and entered after ExitBootServices, with interrupts off. */

	.text
	.code64
	.globl ldr_tramp, ldr_tramp_end
/*
 * In: rdi = struct bootinfo *, rsi = hypervisor entry64, rdx = CR3 of the
 * loader's identity map, rcx = GDTR (a copy of the firmware's GDT: the
 * segment registers keep their selectors and descriptors), rsp = top of a
 * stack in the block. The block is identity-mapped both by the firmware's
 * tables and by the new ones, so switching CR3 here is safe. The
 * firmware's IDT stays loaded: interrupts are off, and its exception
 * handlers print a dump if the hypervisor faults before loading its own.
 * Out: the SysV call hv_entry64(bootinfo).
 */
ldr_tramp:
	cli
	lgdt (%rcx)
	movq %rdx, %cr3
	xorl %ebp, %ebp
	/* The entry gets a SysV-aligned stack as if called. */
	andq $-16, %rsp
	pushq $0
	jmpq *%rsi
ldr_tramp_end:

	.section .note.GNU-stack, "", @progbits
