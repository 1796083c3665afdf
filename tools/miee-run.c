/* miee-run: build the test PAL's image, load it into one or more MIEEs
 * through /dev/miee, run them and serve their host calls under a fixed
 * policy; recompute the expected measurement and compare it with the
 * hypervisor's. docs/miee-runner.md.
 *
 * Usage: miee-run [OPTIONS] -- PROGRAM [ARGS...]   (the libOS: docs/libos.md)
 *        miee-run [-n COUNT] [--info] [--keep-open SECONDS] [--lie] [--variant]
 *                 [--timeout SECONDS] [--dump DIR] [--bench N]
 *                 [--add-page OFFSET:FLAGS]... [--max-pages N]
 *                 [--confine[=MANIFEST]] [--confine-test=WHAT[,WHAT]...] MODE [ARGS]
 *   --confine         run confined (tools/miee-run/confine.c, docs/policy.md)
 *   sum [NUM...]      checksum (default: 100 numbers, MIEE k: 100k+1..100k+100)
 *   secret [SECONDS]  secret pattern, PAL kept live in host calls (default 2 s)
 *   jump [ADDR]       jump outside the MIEE (default 0x1000000, below 1 GiB)
 *   overflow | exec-shared | write-code | badcall | ud   faults
 *   refused           an unknown host call, which the policy refuses
 *   quote [NONCE]     uTPM: extend uPCR 1, read uPCRs 0 and 1, quote them with
 *                     a 32-byte nonce (64 hex digits, default random), pubkey
 *   seal              uTPM: seal, unseal, a changed blob and a stale uPCR 1 refused
 *   seal-other        uTPM: MIEE 0 seals, a variant image cannot unseal the
 *                     blob, a second MIEE of the same image can
 *   ctx               every register of its context set, a host-call round trip,
 *                     checked on both sides (tools/miee-run/ctx.c)
 *   cli-spin [MS] | tpr-spin [MS]   interrupts off / CR8 = 15 for MS (1000) ms
 *   rdmsr | wrmsr | in | out | xsetbv | hlt | vmxoff | stgi   MIEE_F_INSN
 *   two-level         CPUID/CR4/AVX inside, its own GDT/TSS/IDT, CPL 3 with a #PF,
 *                     SYSCALL round trips and a refused hypercall; VM exits
 *                     counted per stretch (tools/miee-run/pal-two.c, run-two.c)
 *   mem | mem-unmapped | mem-secret [SECONDS]   memory after init: MAP/UNMAP and
 *                     their refusals, host donations and reclaims, a page used
 *                     after its unmap, a secret in dynamic pages held live
 *                     (tools/miee-run/pal-mem.c, run-mem.c)
 * Exit: 0 all MIEEs ended with status 0 and the right result, 1 error,
 * 2 usage, 3 a fault, 4 measurement mismatch, 5 wrong status or result,
 * 6 timeout, 7 confinement failed or the confined runner was killed by its
 * seccomp filter.
 *
 * This file: main, the order of the steps. The parts are in tools/miee-run/:
 * options.c (command line), load.c (image, measurement, /dev/miee), run.c
 * (entering, host calls, results), confined.c, confine.c, manifest.c and
 * policy.c (--confine and the policy), utpm.c, ctx.c, run-two.c and run-mem.c
 * (those modes' checks), image.c (the image), pal.c, pal-ctx.c, pal-two.c and
 * pal-mem.c (the PAL itself). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "miee-run/runner.h"
#include "miee-run/libos-run.h"

struct opts o;

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("miee-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RC_ERR);
}

double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct miee ms[MAX_COUNT];
	unsigned k;
	int rc = RC_OK;

	/* `miee-run [OPTIONS] -- PROGRAM [ARGS...]`: the libOS mode
	 * (tools/miee-run/libos-run.c); the PAL modes below otherwise. */
	if (libos_mode_wanted(argc, argv))
		return libos_run_main(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argc, argv);
	for (k = 0; k < o.count; k++)
		prepare(&ms[k], (int)k);
	if (o.dump) {
		dump(&ms[0], o.dump);
		return RC_OK;
	}
	ensure_device();
	if (o.confine)
		confine_runner(ms);	/* from here on: the confined runner */
	for (k = 0; k < o.count; k++)
		load(&ms[k]);
	for (k = 0; k < o.count; k++)
		if (check_measurement(&ms[k]))
			rc = worse(rc, RC_MEAS);
	for (k = 0; k < o.count; k++) {
		if (o.count > 1)
			printf("miee-run: --- miee %u (id %u) ---\n", k, ms[k].id);
		if (o.mode == RUN_M_SEAL_OTHER && k)
			hand_blob(&ms[0], &ms[k]);
		rc = worse(rc, run(&ms[k]));
	}
	if (o.mode == RUN_M_SEAL_OTHER)
		rc = worse(rc, seal_other_verdict(ms));
	if (o.keep_open) {
		printf("miee-run: keeping %u MIEE(s) open for %u s\n", o.count, o.keep_open);
		fflush(stdout);
		sleep(o.keep_open);
	}
	for (k = 0; k < o.count; k++)
		close(ms[k].fd);	/* destroys the MIEE */
	printf("miee-run: %u MIEE(s) destroyed; exit %d\n", o.count, rc);
	return rc;
}
