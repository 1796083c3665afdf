/* What the parts of miee-run share (tools/miee-run.c and the .c files beside this header):
 * the options, one MIEE's state, the exit codes and the functions each part
 * offers the others. docs/miee-runner.md. */
#ifndef MIEE_RUN_RUNNER_H
#define MIEE_RUN_RUNNER_H

#include <stdint.h>

#include "hv/miee.h"
#include "miee-run/image.h"
#include "miee-run/protocol.h"

struct policy;

#define MAX_COUNT MIEE_MAX
#define MAX_EXTRA (MIEE_IMG_MAX_REGIONS - MIEE_IMG_NREGIONS)	/* --add-page */
#define RUN_SPIN_MS 1000u	/* cli-spin, tpr-spin default */

/* Runner-only mode: three MIEEs (seal, unseal in a variant image, unseal in
 * the same image); never written to a shared page. */
#define RUN_M_SEAL_OTHER 0x100
/* Script modes (run-mem.c); the PAL runs MIEE_PAL_M_SCRIPT. */
#define RUN_M_MEM 0x200		/* map, use, refusals, unmap, reclaim */
#define RUN_M_MEM_UNMAPPED 0x201	/* a page used after its unmap: MIEE_F_NPF */
#define RUN_M_MEM_SECRET 0x202	/* the secret in dynamic pages, held live */

enum { RC_OK = 0, RC_ERR = 1, RC_USAGE = 2, RC_FAULT = 3, RC_MEAS = 4, RC_WRONG = 5,
       RC_TIMEOUT = 6, RC_CONFINE = 7 /* = CONFINE_EXIT, from the supervisor */ };

struct opts {
	unsigned count;
	int info, lie, variant;
	unsigned keep_open, timeout, secret_s;
	unsigned bench;		/* --bench N: N host calls, timed (secret mode) */
	unsigned spin_ms;	/* cli-spin, tpr-spin: MS */
	const char *dump;
	struct miee_region extra[MAX_EXTRA];	/* --add-page, in the order given */
	unsigned nextra;
	uint32_t max_pages;	/* --max-pages; 0: the image's own */
	uint64_t mode;
	const char *mode_name;
	uint64_t nums[MIEE_PAL_MAX_NUMS];
	unsigned nnums;		/* 0: the default numbers */
	uint64_t target;
	int have_nonce;
	unsigned char nonce[MIEE_PAL_NONCE_LEN];	/* `quote NONCE` */
	int confine;			/* --confine[=MANIFEST] */
	const char *confine_manifest;
	int confine_noseccomp;		/* --confine-test=noseccomp (test only) */
	const char *attack;		/* --confine-test=ATTACK (test only) */
	struct policy *policy;		/* --confine: the manifest's policy; else NULL */
	unsigned char blob[192];	/* `unseal BLOB` (struct miee_pal_utpm.blob) */
	unsigned blob_len;
};

struct miee {
	int k;			/* index 0..count-1 */
	int fd;
	uint32_t id;
	unsigned char *buf;	/* the image, MIEE_IMG_SIZE, page-aligned */
	struct miee_image im;
	volatile struct miee_pal_shared *sh;	/* buf + MIEE_IMG_SHARED */
	volatile struct miee_pal_utpm *u;	/* its uTPM area */
	uint64_t mode;		/* MIEE_PAL_M_* written to its shared page */
	int variant;		/* image with one measured byte changed */
	unsigned char nonce[MIEE_PAL_NONCE_LEN];
	unsigned char expect[32];
	uint64_t entries, hostcalls, interrupted, refused, yields;
	uint64_t slices;		/* interrupted exits that were MIEE_INTR_SLICE */
	uint64_t add_tsc, add_pages, rt_min, rt_sum, rt_n;	/* --bench */
	uint64_t exp_sum, exp_fnv;
	int rc;			/* of its run */
};

extern struct opts o;

/* miee-run.c */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
double now(void);	/* CLOCK_MONOTONIC, seconds */

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* options.c: the command line into o; exits with RC_USAGE on a bad one. */
void parse(int argc, char **argv);

/* load.c: the image and its expected measurement, --dump, /dev/miee. */
void prepare(struct miee *m, int k);
void dump(const struct miee *m, const char *dir);
void ensure_device(void);
void load(struct miee *m);
int get_info(struct miee *m, struct miee_info *inf);
void print_info(struct miee *m, const struct miee_info *inf);
int check_measurement(struct miee *m);

/* confined.c: --confine (tools/miee-run/confine.c, docs/policy.md): opens
 * /dev/miee for every MIEE into ms[k].fd, then continues only in the
 * confined runner; --confine-test's words into o. */
void confine_runner(struct miee *ms);
void confine_test_arg(const char *arg);

/* run.c: one MIEE's run and its host-call policy; the worse of two RC_*. */
int run(struct miee *m);
int worse(int a, int b);

/* utpm.c: what the uTPM modes left in the shared page. */
const char *rax_name(uint64_t rax);
int check_quote(struct miee *m);
int check_seal(struct miee *m);
void report_unseal(struct miee *m);
int report_uargs(struct miee *m, int rc);
void hand_blob(struct miee *from, struct miee *to);
int seal_other_verdict(struct miee *ms);

/* ctx.c: the context and instruction modes. */
int run_is_ctx_mode(uint64_t mode);
void run_ctx_prepare(struct miee *m);
void run_ctx_begin(struct miee *m);
int run_ctx_enter(struct miee *m, struct miee_ioc_enter *e);
int run_ctx_verdict(struct miee *m);
int run_spin_verdict(struct miee *m);
void run_print_insn(uint64_t info2);

/* run-two.c: the two-level mode. */
uint64_t run_two_mark(struct miee *m);	/* MIEE_PAL_HC_MARK: its answer */
int run_two_verdict(struct miee *m);

/* run-mem.c: the script modes (RUN_M_MEM*). */
int run_is_script(uint64_t mode);
void run_script_prepare(struct miee *m);	/* before the measurement */
void run_script_begin(struct miee *m);		/* before the first entry */
/* A host call of a script mode: 1 and *ans, or 0 if it is not one of its. */
int run_script_serve(struct miee *m, uint64_t nr, double secret_until, uint64_t *ans);
int run_script_verdict(struct miee *m);

#endif
