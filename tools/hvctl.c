/* hvctl: talk to the hypervisor from Linux user space (CPL 3) or print
 * why it cannot. Usage: hvctl version | ping [N] | launch | raw NR [RBX] |
 * stats | meminfo | detect */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hvcall.h"

static int kind;

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "version";
	struct hvcall h = { 0 };
	int64_t r;

	kind = hvc_detect();
	if (!kind) {
		fprintf(stderr, "hvctl: no two-way isolation hypervisor (CPUID 0x%x signature absent)\n",
			HV_CPUID_BASE);
		return 2;
	}
	if (!strcmp(cmd, "detect")) {
		printf("hypervisor present, hypercall instruction %s\n",
		       kind == 2 ? "vmmcall" : "vmcall");
		return 0;
	}
	if (!strcmp(cmd, "version")) {
		h.rax = HC_VERSION;
		r = hvc_call(kind, &h);
		if (r)
			goto fail;
		printf("hypervisor version %u.%u, backend %s\n", (unsigned)(h.rbx >> 16),
		       (unsigned)(h.rbx & 0xffff),
		       h.rcx == HV_BACKEND_VMX ? "vmx" : h.rcx == HV_BACKEND_SVM ? "svm" : "?");
		return 0;
	}
	if (!strcmp(cmd, "ping")) {
		uint64_t v = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x1234;

		h.rax = HC_PING;
		h.rbx = v;
		r = hvc_call(kind, &h);
		if (r)
			goto fail;
		printf("ping %#llx -> %#llx\n", (unsigned long long)v, (unsigned long long)h.rbx);
		return h.rbx == ~v ? 0 : 1;
	}
	if (!strcmp(cmd, "launch")) {
		h.rax = HC_LAUNCH_INFO;
		r = hvc_call(kind, &h);
		if (r)
			goto fail;
		printf("launch flags 0x%llx: tpm %s, drtm %s, parameters %s, dma protection %s: %s\n",
		       (unsigned long long)h.rbx, h.rbx & HV_LAUNCH_TPM ? "yes" : "no",
		       h.rbx & HV_LAUNCH_DRTM ? "yes" : "no",
		       h.rbx & HV_LAUNCH_PARAMS ? "measured" : "not measured",
		       h.rbx & HV_LAUNCH_DMA ? "on" : "NONE",
		       h.rbx & HV_LAUNCH_ATTESTABLE ? "attestable" : "NOT attestable");
		return 0;
	}
	if (!strcmp(cmd, "raw")) {
		/* raw NR [RBX]: issue any call; prints RAX (the error check test) */
		h.rax = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
		h.rbx = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
		r = hvc_call(kind, &h);
		printf("%lld\n", (long long)r);
		return 0;
	}
	if (!strcmp(cmd, "stats") || !strcmp(cmd, "meminfo")) {
		h.rax = !strcmp(cmd, "stats") ? HC_STATS : HC_MEMINFO;
		r = hvc_call(kind, &h);
		/* CPL 3: both are kernel-only and must be refused. */
		printf("%s from user space: %lld%s\n", cmd, (long long)r,
		       r == HVE_PERM ? " (refused: kernel only)" : "");
		return r == HVE_PERM ? 0 : 1;
	}
	fprintf(stderr, "usage: hvctl version | ping [N] | launch | raw NR [RBX] | stats | meminfo | detect\n");
	return 2;
fail:
	fprintf(stderr, "hvctl: %s failed: %lld\n", cmd, (long long)r);
	return 1;
}
