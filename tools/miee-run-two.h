/* miee-run's side of the two-level mode (tools/miee-pal-two.h,
 * docs/miee-runner.md "Two-level mode"): HC_MIEE_INFO at each of the PAL's
 * marks, then the judgement of what the PAL recorded and of the VM exits
 * of each stretch. Include only from tools/miee-run.c, after its helpers. */
#ifndef TOOLS_MIEE_RUN_TWO_H
#define TOOLS_MIEE_RUN_TWO_H

#define RUN_TWO_MARKS 3

static struct {
	unsigned marks;
	uint64_t exits[RUN_TWO_MARKS], vm_exits[RUN_TWO_MARKS];
} rc_two;

/* A mark: the counters as they stand at this host call's exit. */
static uint64_t run_two_mark(struct miee *m)
{
	struct miee_info inf;

	if (rc_two.marks >= RUN_TWO_MARKS || get_info(m, &inf)) {
		m->refused++;
		return MIEE_PAL_HC_ERR;
	}
	rc_two.exits[rc_two.marks] = inf.exits;
	rc_two.vm_exits[rc_two.marks] = inf.vm_exits;
	rc_two.marks++;
	return 0;
}

/* One judged line: "miee-run: two WHAT: DETAIL (ok|WRONG)". */
#define RUN_TWO_CHECK(what, cond, ...)                                            \
	do {                                                                      \
		int c_ = (cond);                                                  \
		printf("miee-run: two %s: ", what);                               \
		printf(__VA_ARGS__);                                              \
		printf(" (%s)\n", c_ ? "ok" : "WRONG");                           \
		ok &= c_;                                                         \
	} while (0)

/* VM exits the OS never saw between marks i and i + 1. */
static uint64_t run_two_hidden(unsigned i)
{
	return (rc_two.vm_exits[i + 1] - rc_two.vm_exits[i]) - (rc_two.exits[i + 1] - rc_two.exits[i]);
}

static int run_two_verdict(struct miee *m)
{
	volatile struct miee_pal_two *t =
		(volatile struct miee_pal_two *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_TWO_OFF);
	uint64_t ecx = t->cpuid1_ecx, ext = t->cpuid_ext_ecx, cr4 = t->cr4;
	int ok = 1, osx = (cr4 >> 18) & 1;

	if (rc_two.marks != RUN_TWO_MARKS) {
		printf("miee-run: two: %u marks, expected %u\n", rc_two.marks, RUN_TWO_MARKS);
		return RC_WRONG;
	}
	RUN_TWO_CHECK("CPUID VMX/SVM bits", !(ecx & (1u << 5)) && !(ext & (1u << 2)),
			    "1:ECX.VMX %" PRIu64 ", 0x80000001:ECX.SVM %" PRIu64,
			    (ecx >> 5) & 1, (ext >> 2) & 1);
	RUN_TWO_CHECK("CPUID hypervisor bit, x2APIC", (ecx >> 31) & 1 && !(ecx & (1u << 21)),
			    "hypervisor %" PRIu64 ", x2APIC %" PRIu64, (ecx >> 31) & 1,
			    (ecx >> 21) & 1);
	/* The hypervisor switches XSAVE state wherever the CPU has XSAVE
	 * (core/fpu.c), so that is where the MIEE gets CR4.OSXSAVE. */
	RUN_TWO_CHECK("CR4.OSXSAVE", osx == (int)((ecx >> 26) & 1),
			    "%" PRIu64 " with CPUID XSAVE %" PRIu64, (uint64_t)osx, (ecx >> 26) & 1);
	RUN_TWO_CHECK("CPUID OSXSAVE = CR4.OSXSAVE", ((ecx >> 27) & 1) == (uint64_t)osx,
			    "%" PRIu64 " and %" PRIu64, (ecx >> 27) & 1, (uint64_t)osx);
	RUN_TWO_CHECK("CPUID at CPL 3 = at CPL 0", t->user_cpuid1_ecx == ecx,
			    "ECX 0x%" PRIx64 " and 0x%" PRIx64, (uint64_t)t->user_cpuid1_ecx, ecx);
	RUN_TWO_CHECK("SSE2", t->sse == MIEE_PAL_TWO_V_OK, "PADDQ on XMM");
	if (t->avx == MIEE_PAL_TWO_V_NONE)
		printf("miee-run: two AVX: not available (CPUID AVX %" PRIu64 ", XCR0 0x%" PRIx64 ")\n",
		       (ecx >> 28) & 1, (uint64_t)t->xcr0);
	else
		RUN_TWO_CHECK("AVX", t->avx == MIEE_PAL_TWO_V_OK, "VADDPD on YMM");
	RUN_TWO_CHECK("SYSCALL/SYSRET round trips", t->syscalls == MIEE_PAL_TWO_SYSCALLS,
			    "%" PRIu64 " of %u", (uint64_t)t->syscalls, MIEE_PAL_TWO_SYSCALLS);
	RUN_TWO_CHECK("CPL 3 #PF taken by its IDT", t->pf_count == 1 &&
			    t->pf_cr2 == PAL_TWO_SUPER && t->pf_err == 5 && t->pf_cs == PAL_TWO_UCS,
			    "count %" PRIu64 ", CR2 0x%" PRIx64, (uint64_t)t->pf_count,
			    (uint64_t)t->pf_cr2);
	printf("miee-run: two #PF error code 0x%" PRIx64 " (present, user, read), from CS 0x%" PRIx64
	       ", handler RSP 0x%" PRIx64 "\n", (uint64_t)t->pf_err, (uint64_t)t->pf_cs,
	       (uint64_t)t->pf_rsp);
	/* Five words of frame plus the error code below TSS.RSP0, then the
	 * handler's two pushes. */
	RUN_TWO_CHECK("#PF on the TSS's stack", t->pf_rsp == PAL_TWO_RSP0 - 8 * 8,
			    "RSP 0x%" PRIx64 ", expected 0x%x", (uint64_t)t->pf_rsp,
			    PAL_TWO_RSP0 - 8 * 8);
	RUN_TWO_CHECK("CPL 3 hypercall refused (#UD at it)", t->ud_count == 1 &&
			    t->ud_rip == t->hc_rip && t->ud_cs == PAL_TWO_UCS && !t->user_r13,
			    "#UD at 0x%" PRIx64 ", the instruction at 0x%" PRIx64, (uint64_t)t->ud_rip,
			    (uint64_t)t->hc_rip);
	RUN_TWO_CHECK("no #GP", t->gp_count == 0, "%" PRIu64 " (last at 0x%" PRIx64 ")",
			    (uint64_t)t->gp_count, (uint64_t)t->gp_rip);
	RUN_TWO_CHECK("VM exits the OS did not see, LGDT/LTR/LIDT, WRMSRs, CPL 3, #PF, "
			    "SYSCALLs", run_two_hidden(0) == 0, "%" PRIu64 " (expected 0)",
			    run_two_hidden(0));
	RUN_TWO_CHECK("VM exits the OS did not see, CPUIDs and the CPL 3 hypercall",
			    run_two_hidden(1) == MIEE_PAL_TWO_CPUIDS + 2,
			    "%" PRIu64 " (expected %u)", run_two_hidden(1),
			    MIEE_PAL_TWO_CPUIDS + 2);
	printf("miee-run: two result: %s\n", ok ? "ok" : "WRONG");
	return ok ? RC_OK : RC_WRONG;
}

#endif
