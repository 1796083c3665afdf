// SPDX-License-Identifier: GPL-2.0
/*
 * virtinsn: a hostile guest kernel module that executes every VMX and SVM
 * instruction from the OS's CPL 0 and checks each raises #UD (vector 6):
 * the hypervisor exposes no virtualization to the OS (docs/hypervisor.md,
 * "Exits"; docs/svm.md), so what exits must be refused as the CPU would
 * refuse it without VMX/SVM, and nothing may run natively. The hypercall
 * instruction of the running backend (VMCALL on VMX, VMMCALL on SVM) is the
 * one exception and is not tried.
 *
 * It also checks the EFER side of SVM: EFER reads without SVME, and setting
 * SVME faults with #GP (docs/svm.md: the VMCB keeps SVME set, hidden).
 *
 * Each instruction runs under an exception-table entry of type FAULT, so
 * a fault resumes after it with RAX = the vector; RAX = NONE means it
 * completed. Memory operands point into a zeroed page of OS RAM, so an
 * instruction that wrongly ran natively touches only that page.
 * Loading succeeds only if every check holds.
 */
#include <linux/module.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <asm/asm.h>
#include <asm/msr.h>

#define NONE 0xffffull
#define UD 6

static unsigned long page;
static int failures, checked;

/* One instruction under a FAULT fixup; m = a pointer to the scratch page,
 * p = its physical address (in RAX for the SVM instructions). */
#define TRY(name, insn, extra...)					\
	static u64 try_##name(u64 *m, u64 p)				\
	{								\
		u64 rax = p;						\
		asm volatile("1: " insn "\n"				\
			     "mov $0xffff, %%eax\n"			\
			     "2:\n"					\
			     _ASM_EXTABLE_FAULT(1b, 2b)			\
			     : "+a"(rax) : "r"(m), "c"(0ul) extra	\
			     : "memory", "rdx");			\
		return rax;						\
	}

TRY(vmxon, "vmxon (%1)")
TRY(vmxoff, "vmxoff")
TRY(vmclear, "vmclear (%1)")
TRY(vmptrld, "vmptrld (%1)")
TRY(vmptrst, "vmptrst (%1)")
TRY(vmread, "vmread %%rcx, %%rdx")
TRY(vmwrite, "vmwrite %%rcx, %%rcx")
TRY(vmlaunch, "vmlaunch")
TRY(vmresume, "vmresume")
TRY(invept, "invept (%1), %%rcx")
TRY(invvpid, "invvpid (%1), %%rcx")
TRY(vmfunc, "vmfunc")
TRY(getsec, "getsec")
TRY(vmrun, "vmrun")
TRY(vmload, "vmload")
TRY(vmsave, "vmsave")
TRY(stgi, "stgi")
TRY(clgi, "clgi")
TRY(skinit, "skinit")
TRY(invlpga, "invlpga")

struct insn {
	const char *name;
	u64 (*run)(u64 *m, u64 p);
};

static const struct insn insns[] = {
	{ "VMXON", try_vmxon }, { "VMXOFF", try_vmxoff },
	{ "VMCLEAR", try_vmclear }, { "VMPTRLD", try_vmptrld },
	{ "VMPTRST", try_vmptrst }, { "VMREAD", try_vmread },
	{ "VMWRITE", try_vmwrite }, { "VMLAUNCH", try_vmlaunch },
	{ "VMRESUME", try_vmresume }, { "INVEPT", try_invept },
	{ "INVVPID", try_invvpid }, { "VMFUNC", try_vmfunc },
	{ "GETSEC", try_getsec },
	{ "VMRUN", try_vmrun }, { "VMLOAD", try_vmload },
	{ "VMSAVE", try_vmsave }, { "STGI", try_stgi },
	{ "CLGI", try_clgi }, { "SKINIT", try_skinit },
	{ "INVLPGA", try_invlpga },
};

#define FAIL(fmt, ...) do {						\
	pr_err("virtinsn: FAIL: " fmt "\n", ##__VA_ARGS__);		\
	failures++;							\
} while (0)


static void check_efer(void)
{
	u64 efer, now;

	checked++;
	if (rdmsrl_safe(MSR_EFER, &efer)) {
		FAIL("EFER: read faulted");
		return;
	}
	if (efer & EFER_SVME)
		FAIL("EFER reads %llx: SVME is visible", efer);
	if (wrmsrl_safe(MSR_EFER, efer | EFER_SVME) == 0)
		FAIL("EFER: setting SVME succeeded");
	if (rdmsrl_safe(MSR_EFER, &now) || now != efer) {
		FAIL("EFER reads %llx after the refused write, was %llx", now, efer);
		wrmsrl_safe(MSR_EFER, efer);
	}
}

static int __init virtinsn_init(void)
{
	u64 *m, p, vec;
	unsigned long flags;
	size_t i;

	page = get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	m = (u64 *)page;
	p = virt_to_phys(m);
	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		local_irq_save(flags);
		vec = insns[i].run(m, p);
		local_irq_restore(flags);
		checked++;
		if (vec == NONE)
			FAIL("%s completed: it must raise #UD", insns[i].name);
		else if (vec != UD)
			FAIL("%s raised vector %llu, not #UD", insns[i].name, vec);
		else
			pr_info("virtinsn: %s: #UD\n", insns[i].name);
	}
	check_efer();
	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (m[i]) {
			FAIL("the scratch page changed at word %zu (%llx): an "
			     "instruction ran natively", i, m[i]);
			break;
		}
	free_page(page);
	if (failures) {
		pr_err("virtinsn: %d of %d checks failed\n", failures, checked);
		return -EINVAL;
	}
	pr_info("virtinsn: PASS: %d checks, every virtualization instruction #UD\n",
		checked);
	return 0;
}

static void __exit virtinsn_exit(void)
{
}

module_init(virtinsn_init);
module_exit(virtinsn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostile OS: virtualization instructions must be #UD");
