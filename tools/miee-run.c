/* miee-run: build the test PAL's image, load it into one or more MIEEs
 * through /dev/miee, run them and serve their host calls under a fixed
 * policy; recompute the expected measurement and compare it with the
 * hypervisor's. docs/miee-runner.md.
 *
 * Usage: miee-run [OPTIONS] -- PROGRAM [ARGS...]   (the libOS: docs/libos.md)
 *        miee-run [-n COUNT] [--info] [--keep-open SECONDS] [--lie] [--variant]
 *                 [--timeout SECONDS] [--dump DIR] [--bench N]
 *                 [--add-page OFFSET:FLAGS]... [--max-pages N] MODE [ARGS]
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
 *                     checked on both sides (tools/miee-pal-ctx.h)
 *   cli-spin [MS] | tpr-spin [MS]   interrupts off / CR8 = 15 for MS (1000) ms
 *   rdmsr | wrmsr | in | out | xsetbv | hlt | vmxoff | stgi   MIEE_F_INSN
 *   two-level         CPUID/CR4/AVX inside, its own GDT/TSS/IDT, CPL 3 with a #PF,
 *                     SYSCALL round trips and a refused hypercall; VM exits
 *                     counted per stretch (tools/miee-pal-two.h)
 *   mem | mem-unmapped | mem-secret [SECONDS]   memory after init: MAP/UNMAP and
 *                     their refusals, host donations and reclaims, a page used
 *                     after its unmap, a secret in dynamic pages held live
 *                     (tools/miee-run-mem.h)
 * Exit: 0 all MIEEs ended with status 0 and the right result, 1 error,
 * 2 usage, 3 a fault, 4 measurement mismatch, 5 wrong status or result,
 * 6 timeout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/miee.h"
#include "miee-image.h"
#include "miee-pal.h"
#include "miee-run/libos-run.h"

#define DEV "/dev/miee"
#define MODULE "/lib/modules/extra/miee_drv.ko"
#define MAX_COUNT MIEE_MAX
#define DEFAULT_NUMS 100u
#define DEFAULT_JUMP 0x1000000ull	/* 16 MiB: OS RAM (the kernel), not the MIEE's */
#define MAX_EXTRA (MIEE_IMG_MAX_REGIONS - MIEE_IMG_NREGIONS)	/* --add-page */

/* Runner-only mode: three MIEEs (seal, unseal in a variant image, unseal in
 * the same image); never written to a shared page. */
#define RUN_M_SEAL_OTHER 0x100
/* Script modes (tools/miee-run-mem.h); the PAL runs MIEE_PAL_M_SCRIPT. */
#define RUN_M_MEM 0x200		/* map, use, refusals, unmap, reclaim */
#define RUN_M_MEM_UNMAPPED 0x201	/* a page used after its unmap: MIEE_F_NPF */
#define RUN_M_MEM_SECRET 0x202	/* the secret in dynamic pages, held live */

enum { RC_OK = 0, RC_ERR = 1, RC_USAGE = 2, RC_FAULT = 3, RC_MEAS = 4, RC_WRONG = 5,
       RC_TIMEOUT = 6 };

static const struct {
	const char *name;
	uint64_t mode;
} modes[] = {
	{ "sum", MIEE_PAL_M_SUM },
	{ "secret", MIEE_PAL_M_SECRET },
	{ "jump", MIEE_PAL_M_JUMP },
	{ "overflow", MIEE_PAL_M_OVERFLOW },
	{ "exec-shared", MIEE_PAL_M_EXEC_SHARED },
	{ "write-code", MIEE_PAL_M_WRITE_CODE },
	{ "refused", MIEE_PAL_M_REFUSED },
	{ "badcall", MIEE_PAL_M_BADCALL },
	{ "ud", MIEE_PAL_M_UD },
	{ "quote", MIEE_PAL_M_QUOTE },
	{ "seal", MIEE_PAL_M_SEAL },
	{ "seal-other", RUN_M_SEAL_OTHER },
	{ "ctx", MIEE_PAL_M_CTX },
	{ "cli-spin", MIEE_PAL_M_CLI_SPIN },
	{ "tpr-spin", MIEE_PAL_M_TPR_SPIN },
	{ "rdmsr", MIEE_PAL_M_RDMSR },
	{ "wrmsr", MIEE_PAL_M_WRMSR },
	{ "in", MIEE_PAL_M_IN },
	{ "out", MIEE_PAL_M_OUT },
	{ "xsetbv", MIEE_PAL_M_XSETBV },
	{ "hlt", MIEE_PAL_M_HLT },
	{ "vmxoff", MIEE_PAL_M_VMXOFF },
	{ "stgi", MIEE_PAL_M_STGI },
	{ "two-level", MIEE_PAL_M_TWO },
	{ "mem", RUN_M_MEM },
	{ "mem-unmapped", RUN_M_MEM_UNMAPPED },
	{ "mem-secret", RUN_M_MEM_SECRET },
};

struct opts {
	unsigned count;
	int info, lie, variant;
	unsigned keep_open, timeout, secret_s;
	unsigned bench;		/* --bench N: N host calls, timed (secret mode) */
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
};

struct miee {
	int k;			/* index 0..count-1 */
	int fd;
	uint32_t id;
	unsigned char *buf;	/* the image, MIEE_IMG_SIZE, page-aligned */
	struct miee_image im;
	pal_shared_t *sh;	/* buf + MIEE_IMG_SHARED */
	volatile struct miee_pal_utpm *u;	/* its uTPM area */
	uint64_t mode;		/* MIEE_PAL_M_* written to its shared page */
	int variant;		/* image with one measured byte changed */
	unsigned char nonce[MIEE_PAL_NONCE_LEN];
	unsigned char expect[32];
	uint64_t entries, hostcalls, interrupted, refused, yields;
	uint64_t add_tsc, add_pages, rt_min, rt_sum, rt_n;	/* --bench */
	uint64_t exp_sum, exp_fnv;
	int rc;			/* of its run */
};

static struct opts o;

static void die(const char *fmt, ...);
static double now(void);
static inline uint64_t tsc(void);
#include "miee-run-ctx.h"
static int get_info(struct miee *m, struct miee_info *inf);
#include "miee-run-two.h"
#include "miee-run-mem.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: miee-run [-n COUNT] [--info] [--keep-open SECONDS] [--lie] [--variant]\n"
		"                [--timeout SECONDS] [--dump DIR] [--bench N]\n"
		"                [--add-page OFFSET:FLAGS]... [--max-pages N] MODE [ARGS]\n"
		"modes: sum [NUM...] | secret [SECONDS] | jump [ADDR] | overflow | exec-shared |\n"
		"       write-code | refused | badcall | ud | quote [NONCE] | seal | seal-other |\n"
		"       ctx | cli-spin [MS] | tpr-spin [MS] | rdmsr | wrmsr | in | out | xsetbv |\n"
		"       hlt | vmxoff | stgi | two-level | mem | mem-unmapped | mem-secret [SECONDS]\n");
	exit(RC_USAGE);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("miee-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RC_ERR);
}

static uint64_t num_arg(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-') {
		fprintf(stderr, "miee-run: bad %s '%s'\n", what, s);
		usage();
	}
	return v;
}

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *fault_name(uint64_t r)
{
	switch (r) {
	case MIEE_F_TRIPLE: return "MIEE_F_TRIPLE";
	case MIEE_F_NPF: return "MIEE_F_NPF";
	case MIEE_F_BADCALL: return "MIEE_F_BADCALL";
	case MIEE_F_INSN: return "MIEE_F_INSN";
	default: return "unknown";
	}
}

static const char *status_name(uint64_t s)
{
	switch (s) {
	case MIEE_PAL_ST_OK: return "ok";
	case MIEE_PAL_ST_BADINPUT: return "bad input";
	case MIEE_PAL_ST_BADMODE: return "bad mode";
	case MIEE_PAL_ST_IAGO: return "the host lied";
	case MIEE_PAL_ST_TAMPERED: return "secret page tampered with";
	case MIEE_PAL_ST_NOFAULT: return "a forbidden access did not fault";
	case MIEE_PAL_ST_HOSTERR: return "a refused host call was answered";
	case MIEE_PAL_ST_U_EXT0: return "uTPM: extending uPCR 0 was accepted";
	case MIEE_PAL_ST_U_ACCEPTED: return "uTPM: a bad buffer, index or mask was accepted";
	case MIEE_PAL_ST_U_EXTEND: return "uTPM: extending uPCR 1 failed";
	case MIEE_PAL_ST_U_READ: return "uTPM: reading a uPCR failed";
	case MIEE_PAL_ST_U_QUOTE: return "uTPM: the quote failed";
	case MIEE_PAL_ST_U_PUBKEY: return "uTPM: HC_UTPM_PUBKEY failed";
	case MIEE_PAL_ST_U_SEAL: return "uTPM: seal failed or wrong blob size";
	case MIEE_PAL_ST_U_UNSEAL: return "uTPM: unsealing its own blob failed";
	case MIEE_PAL_ST_U_ROUNDTRIP: return "uTPM: the unsealed bytes differ";
	case MIEE_PAL_ST_U_TAMPER: return "uTPM: a changed blob was not refused";
	case MIEE_PAL_ST_U_STALE: return "uTPM: a blob opened after uPCR 1 changed";
	case MIEE_PAL_ST_U_LEAK: return "uTPM: a refused unseal wrote its output";
	case MIEE_PAL_ST_NOTAVAIL: return "not available on this CPU";
	default: return "?";
	}
}

/* --add-page OFFSET:FLAGS: one more page of the image's buffer (so below
 * MIEE_IMG_SIZE: the unadded guard 0x8000-0x9fff is what is free), added
 * after the image's own regions with FLAGS as given. The hypervisor judges
 * the flags; the measurement covers the page whatever they are. */
static void extra_arg(const char *arg)
{
	char off[64], *colon = strchr(arg, ':');

	if (!colon || (size_t)(colon - arg) >= sizeof(off)) {
		fprintf(stderr, "miee-run: --add-page wants OFFSET:FLAGS, not '%s'\n", arg);
		usage();
	}
	if (o.nextra == MAX_EXTRA) {
		fprintf(stderr, "miee-run: at most %u --add-page\n", (unsigned)MAX_EXTRA);
		usage();
	}
	memcpy(off, arg, (size_t)(colon - arg));
	off[colon - arg] = 0;
	o.extra[o.nextra].offset = num_arg(off, "page offset");
	o.extra[o.nextra].flags = (uint32_t)num_arg(colon + 1, "page flags");
	o.extra[o.nextra].npages = 1;
	if (o.extra[o.nextra].offset % MIEE_PG || o.extra[o.nextra].offset >= MIEE_IMG_SIZE) {
		fprintf(stderr, "miee-run: --add-page offset must be page-aligned and below 0x%x\n",
			MIEE_IMG_SIZE);
		usage();
	}
	o.nextra++;
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "info", no_argument, NULL, 'i' },
		{ "keep-open", required_argument, NULL, 'k' },
		{ "lie", no_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dump", required_argument, NULL, 'd' },
		{ "variant", no_argument, NULL, 'v' },
		{ "bench", required_argument, NULL, 'b' },
		{ "add-page", required_argument, NULL, 'a' },
		{ "max-pages", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	o.count = 1;
	o.timeout = 120;
	o.secret_s = 2;
	o.target = DEFAULT_JUMP;
	rc_ctx.spin_ms = RUN_SPIN_MS;
	while ((c = getopt_long(argc, argv, "+n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': {
			uint64_t n = num_arg(optarg, "count");

			o.count = n > MAX_COUNT ? 0 : (unsigned)n;
			break;
		}
		case 'i': o.info = 1; break;
		case 'k': o.keep_open = (unsigned)num_arg(optarg, "seconds"); break;
		case 'l': o.lie = 1; break;
		case 't': o.timeout = (unsigned)num_arg(optarg, "seconds"); break;
		case 'd': o.dump = optarg; break;
		case 'v': o.variant = 1; break;
		case 'b': o.bench = (unsigned)num_arg(optarg, "host calls"); break;
		case 'a': extra_arg(optarg); break;
		case 'm': {
			uint64_t n = num_arg(optarg, "max_pages");

			if (n < MIEE_IMG_PAGES || n > MIEE_MAX_PAGES) {
				fprintf(stderr, "miee-run: --max-pages must be %u..%u (the image needs %u)\n",
					MIEE_IMG_PAGES, MIEE_MAX_PAGES, MIEE_IMG_PAGES);
				usage();
			}
			o.max_pages = (uint32_t)n;
			break;
		}
		default: usage();
		}
	}
	if (o.count < 1 || o.count > MAX_COUNT) {
		fprintf(stderr, "miee-run: COUNT must be 1..%u\n", MAX_COUNT);
		usage();
	}
	if (optind >= argc)
		usage();
	o.mode_name = argv[optind++];
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, o.mode_name))
			o.mode = modes[i].mode;
	if (!o.mode) {
		fprintf(stderr, "miee-run: unknown mode '%s'\n", o.mode_name);
		usage();
	}
	if (o.mode == MIEE_PAL_M_SUM) {
		if (argc - optind > (int)MIEE_PAL_MAX_NUMS)
			die("at most %u numbers", MIEE_PAL_MAX_NUMS);
		while (optind < argc)
			o.nums[o.nnums++] = num_arg(argv[optind++], "number");
	} else if ((o.mode == MIEE_PAL_M_SECRET || o.mode == RUN_M_MEM_SECRET) && optind < argc) {
		o.secret_s = (unsigned)num_arg(argv[optind++], "seconds");
	} else if (o.mode == MIEE_PAL_M_QUOTE && optind < argc) {
		const char *h = argv[optind++];

		if (strlen(h) != 2 * MIEE_PAL_NONCE_LEN || strspn(h, "0123456789abcdefABCDEF") != strlen(h)) {
			fprintf(stderr, "miee-run: the nonce must be %u hex digits\n", 2 * MIEE_PAL_NONCE_LEN);
			usage();
		}
		for (i = 0; i < MIEE_PAL_NONCE_LEN; i++)
			sscanf(h + 2 * i, "%2hhx", &o.nonce[i]);
		o.have_nonce = 1;
	} else if ((o.mode == MIEE_PAL_M_CLI_SPIN || o.mode == MIEE_PAL_M_TPR_SPIN) &&
		   optind < argc) {
		rc_ctx.spin_ms = (unsigned)num_arg(argv[optind++], "milliseconds");
	} else if (o.mode == MIEE_PAL_M_JUMP && optind < argc) {
		o.target = num_arg(argv[optind++], "address");
		if (o.target >= (1ull << 30))
			fprintf(stderr, "miee-run: note: the PAL's page tables map only [0, 1 GiB); "
				"0x%" PRIx64 " will triple-fault rather than reach the nested table\n",
				o.target);
	}
	if (optind < argc)
		usage();
	if (o.mode == RUN_M_SEAL_OTHER) {
		if (o.count != 1 || o.variant) {
			fprintf(stderr, "miee-run: seal-other runs its own three MIEEs: no -n, no --variant\n");
			usage();
		}
		o.count = 3;
	}
}

/* Builds MIEE k's image, its shared page (the test's input) and its
 * expected measurement. Nothing here touches /dev/miee. */
static void prepare(struct miee *m, int k)
{
	const unsigned char *code;
	size_t len, entry;
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->k = k;
	m->fd = -1;
	/* Its own pages for every MIEE: a frame can belong to one MIEE only. */
	m->buf = mmap(NULL, MIEE_IMG_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m->buf == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	code = miee_pal_code(&len, &entry);
	if (miee_image_build(&m->im, m->buf, code, len, entry))
		die("the PAL's code (%zu bytes, entry at %zu) does not fit %u pages", len, entry,
		    MIEE_IMG_CODE_PAGES);

	/* seal-other: MIEE 0 seals; MIEE 1, one measured byte different,
	 * and MIEE 2, the same image as MIEE 0, try to unseal its blob. */
	m->mode = o.mode;
	m->variant = o.variant;
	if (o.mode == RUN_M_SEAL_OTHER) {
		m->mode = k ? MIEE_PAL_M_UNSEAL : MIEE_PAL_M_SEAL;
		m->variant = k == 1;
	}
	if (m->variant)
		miee_image_variant(&m->im);
	if (o.max_pages)
		m->im.max_pages = o.max_pages;
	for (i = 0; i < o.nextra; i++)
		if (miee_image_add_region(&m->im, o.extra[i].offset, 1, o.extra[i].flags))
			die("--add-page 0x%" PRIx64 ": no room in the image", o.extra[i].offset);

	m->sh = (pal_shared_t *)(m->buf + MIEE_IMG_SHARED);
	m->u = (volatile struct miee_pal_utpm *)(m->buf + MIEE_IMG_SHARED + MIEE_PAL_UTPM_OFF);
	m->sh->magic = MIEE_PAL_MAGIC;
	m->sh->mode = m->mode;
	m->sh->target = o.target;
	if (o.nnums) {
		m->sh->count = o.nnums;
		for (i = 0; i < o.nnums; i++)
			m->sh->nums[i] = o.nums[i];
	} else {
		/* Different numbers per MIEE: a mix-up of shared pages shows. */
		m->sh->count = DEFAULT_NUMS;
		for (i = 0; i < DEFAULT_NUMS; i++)
			m->sh->nums[i] = 100ull * (unsigned)k + i + 1;
	}
	{
		uint64_t nums[MIEE_PAL_MAX_NUMS];

		for (i = 0; i < m->sh->count; i++)
			nums[i] = m->sh->nums[i];
		miee_pal_checksum(nums, m->sh->count, &m->exp_sum, &m->exp_fnv);
	}
	m->buf[MIEE_IMG_SHARED + MIEE_PAL_SHARED_CODE] = 0xc3;	/* RET, for exec-shared */
	if (m->mode == MIEE_PAL_M_QUOTE) {
		if (o.have_nonce)
			memcpy(m->nonce, o.nonce, sizeof(m->nonce));
		else if (getrandom(m->nonce, sizeof(m->nonce), 0) != (ssize_t)sizeof(m->nonce))
			die("getrandom: %s", strerror(errno));
		for (i = 0; i < MIEE_PAL_NONCE_LEN; i++)
			m->u->nonce[i] = m->nonce[i];
	}

	run_ctx_prepare(m);
	run_script_prepare(m);

	/* Must happen before MIEE_IOC_ADD: afterwards the private pages may no
	 * longer be the process's to read. */
	miee_image_measure(&m->im, m->expect);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		die("%s: %s", path, strerror(errno));
}

/* --dump DIR: the inputs attest/miee-measure recomputes the measurement from. */
static void dump(const struct miee *m, const char *dir)
{
	char text[4096], hex[65];
	const struct miee_init *in = &m->im.init;
	size_t n = 0;
	int r;

	if (mkdir(dir, 0755) && errno != EEXIST)
		die("mkdir %s: %s", dir, strerror(errno));
	write_file(dir, "image.bin", m->buf, MIEE_IMG_SIZE);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
		"# miee-run image: regions in the order added (offset npages flags), the\n"
		"# initial state; page contents in image.bin at offset == MIEE address\n"
		"image image.bin\nsize 0x%x\nmax_pages %u\n", MIEE_IMG_SIZE, m->im.max_pages);
	for (r = 0; r < m->im.nregions; r++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "region 0x%" PRIx64 " %u 0x%x\n",
				      m->im.regions[r].offset, m->im.regions[r].npages,
				      m->im.regions[r].flags);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
		"init rip 0x%" PRIx64 " rsp 0x%" PRIx64 " cr3 0x%" PRIx64 " gdt_base 0x%" PRIx64
		" idt_base 0x%" PRIx64 " gdt_limit 0x%x idt_limit 0x%x cs 0x%x ds 0x%x arg 0x%" PRIx64 "\n",
		(uint64_t)in->rip, (uint64_t)in->rsp, (uint64_t)in->cr3, (uint64_t)in->gdt_base,
		(uint64_t)in->idt_base, in->gdt_limit, in->idt_limit, in->cs, in->ds,
		(uint64_t)in->arg);
	write_file(dir, "manifest", text, n);
	miee_hex(m->expect, 32, hex);
	n = (size_t)snprintf(text, sizeof(text), "%s\n", hex);
	write_file(dir, "expected", text, n);
	printf("miee-run: dumped the image to %s; measurement (expected) %s\n", dir, hex);
}

/* /dev/miee, loading the driver first if the node is missing. */
static void ensure_device(void)
{
	pid_t pid;
	int st, i;

	if (!access(DEV, F_OK))
		return;
	printf("miee-run: %s missing, insmod %s\n", DEV, MODULE);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		execlp("insmod", "insmod", MODULE, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("insmod %s failed", MODULE);
	for (i = 0; i < 50 && access(DEV, F_OK); i++)
		usleep(20000);
	if (access(DEV, F_OK))
		die("%s did not appear after loading the driver", DEV);
}

/* What the driver's errno for a refused MIEE_IOC_ADD means, by the
 * hypervisor's code (docs/driver.md); the driver's dmesg line names it. */
static const char *add_error(int e)
{
	switch (e) {
	case EPERM: return "; hypervisor MIEE_EWX: writable and executable, but not measured "
			   "with MIEE_P_WX (W^X)";
	case EINVAL: return "; hypervisor MIEE_EFLAGS or MIEE_ERANGE: bad flags or offset";
	case EEXIST: return "; hypervisor MIEE_EDUP: offset or frame given twice";
	case EACCES: return "; hypervisor MIEE_EFRAME: a frame is not free OS RAM";
	case ENOSPC: return "; no room: MIEE_ELIMIT";
	case EBUSY: return "; hypervisor MIEE_ESTATE: already initialised";
	default: return "";
	}
}

static void load(struct miee *m)
{
	struct miee_ioc_create cr = { .max_pages = m->im.max_pages };
	unsigned pages = 0;
	int r;

	m->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (m->fd < 0)
		die("open %s: %s", DEV, strerror(errno));
	if (ioctl(m->fd, MIEE_IOC_CREATE, &cr))
		die("miee %d: MIEE_IOC_CREATE: %s (errno %d)", m->k, strerror(errno), errno);
	m->id = cr.id;
	for (r = 0; r < m->im.nregions; r++) {
		const struct miee_region *g = &m->im.regions[r];
		struct miee_ioc_add a = {
			.uaddr = (uint64_t)(uintptr_t)(m->buf + g->offset),
			.offset = g->offset,
			.npages = g->npages,
			.flags = g->flags,
		};

		uint64_t t0 = tsc();

		if (ioctl(m->fd, MIEE_IOC_ADD, &a)) {
			int e = errno;

			die("miee %d: MIEE_IOC_ADD offset 0x%" PRIx64 " (%u pages, flags 0x%x): %s "
			    "(errno %d%s)", m->k, g->offset, g->npages, g->flags, strerror(e), e,
			    add_error(e));
		}
		if (r >= MIEE_IMG_NREGIONS)
			printf("miee-run: miee %d: added page 0x%" PRIx64 " flags 0x%x on top of the PAL's "
			       "image (--add-page)\n", m->k, g->offset, g->flags);
		pages += g->npages;
		m->add_tsc += tsc() - t0;
		m->add_pages += g->npages;
	}
	if (ioctl(m->fd, MIEE_IOC_INIT, &m->im.init))
		die("miee %d: MIEE_IOC_INIT: %s (errno %d)", m->k, strerror(errno), errno);
	printf("miee-run: miee %d: id %u, %u pages added (%d regions), initialised, entry 0x%" PRIx64 "\n",
	       m->k, m->id, pages, m->im.nregions, (uint64_t)m->im.init.rip);
}

static int get_info(struct miee *m, struct miee_info *inf)
{
	memset(inf, 0, sizeof(*inf));
	if (ioctl(m->fd, MIEE_IOC_INFO, inf)) {
		printf("miee-run: miee %d: MIEE_IOC_INFO: %s (errno %d)\n", m->k, strerror(errno), errno);
		return -1;
	}
	return 0;
}

static void print_info(struct miee *m, const struct miee_info *inf)
{
	char hex[65];

	miee_hex(inf->measurement, 32, hex);
	printf("miee-run: miee %d: info state %u (%s), pages %u, measurement %s%s, enters %" PRIu64
	       ", exits %" PRIu64 "\n", m->k, inf->state,
	       inf->state == MIEE_S_ADDING ? "adding" : inf->state == MIEE_S_READY ? "ready" :
	       inf->state == MIEE_S_DEAD ? "dead" : "?", inf->pages, hex,
	       inf->measurement_ready ? "" : " (not ready)", (uint64_t)inf->enters,
	       (uint64_t)inf->exits);
}

/* The hypervisor's measurement against ours. 0 match, -1 otherwise. */
static int check_measurement(struct miee *m)
{
	struct miee_info inf;
	char a[65], b[65];

	miee_hex(m->expect, 32, b);
	if (get_info(m, &inf)) {
		printf("miee-run: measurement (expected)   %s\n", b);
		printf("miee-run: measurement UNKNOWN (no answer from the hypervisor)\n");
		return -1;
	}
	if (o.info)
		print_info(m, &inf);
	miee_hex(inf.measurement, 32, a);
	printf("miee-run: measurement (hypervisor) %s\n", a);
	printf("miee-run: measurement (expected)   %s\n", b);
	if (!inf.measurement_ready) {
		printf("miee-run: measurement NOT READY after init\n");
		return -1;
	}
	if (memcmp(inf.measurement, m->expect, 32)) {
		printf("miee-run: measurement MISMATCH\n");
		return -1;
	}
	printf("miee-run: measurement match\n");
	return 0;
}

/* For an attack test: the frames of the MIEE's private pages (pinned by the
 * driver, so stable; /proc/self/pagemap gives PFNs to root only) and a
 * secret word, in the form tests/guest/kmod/mieeattack takes them. */
static void print_attack_params(struct miee *m)
{
	char line[2048];
	size_t n = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), r;
	uint32_t k;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "pfns=");
	for (r = 0; fd >= 0 && r < m->im.nregions; r++) {
		const struct miee_region *g = &m->im.regions[r];

		if (g->flags & MIEE_P_SHARED)
			continue;
		for (k = 0; k < g->npages; k++) {
			uint64_t va = (uint64_t)(uintptr_t)(m->buf + g->offset) + (uint64_t)k * MIEE_PG;
			uint64_t e = 0;

			if (pread(fd, &e, 8, (off_t)(va / MIEE_PG * 8)) != 8 || !(e >> 63) ||
			    !(e & ((1ull << 55) - 1))) {
				close(fd);
				fd = -1;
				break;
			}
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s0x%" PRIx64,
					      n > 5 ? "," : "", (uint64_t)(e & ((1ull << 55) - 1)));
		}
	}
	if (fd < 0) {
		printf("miee-run: attack-params unavailable (no PFNs in /proc/self/pagemap)\n");
		return;
	}
	close(fd);
	printf("miee-run: attack-params %s secret=0x%" PRIx64 "\n", line,
	       (uint64_t)MIEE_PAL_SECRET_WORD(1));
}

/* The host-call policy: only the calls the PAL is known to make, each
 * with its operand checked; anything else gets MIEE_PAL_HC_ERR. */
static uint64_t serve(struct miee *m, uint64_t nr, double secret_until)
{
	uint64_t x;

	if (run_script_serve(m, nr, secret_until, &x))
		return x;
	if (nr == MIEE_PAL_HC_PRINT && o.mode == MIEE_PAL_M_SUM) {
		printf("miee-run: host call print: sum %" PRIu64 " fnv 0x%016" PRIx64 "\n",
		       (uint64_t)m->sh->sum, (uint64_t)m->sh->fnv);
		return 0;
	}
	if (nr == MIEE_PAL_HC_DOUBLE && o.mode == MIEE_PAL_M_SUM) {
		x = m->sh->call_in;	/* read once */
		if (x > 0xffffffffull) {
			printf("miee-run: host call double: operand 0x%" PRIx64 " out of range, refused\n", x);
			m->refused++;
			return MIEE_PAL_HC_ERR;
		}
		m->sh->call_out = o.lie ? 2 * x + 1 : 2 * x;
		printf("miee-run: host call double: %" PRIu64 " -> %" PRIu64 "%s\n", x,
		       (uint64_t)m->sh->call_out, o.lie ? " (a lie, --lie)" : "");
		return 0;
	}
	if (nr == MIEE_PAL_HC_YIELD && o.mode == MIEE_PAL_M_SECRET) {
		if (!m->yields++)
			printf("miee-run: host call yield: the secret is in MIEE page 0x%x (pid %d, "
			       "user address %p before it was added); keeping the PAL live %u s\n",
			       MIEE_IMG_DATA, (int)getpid(), (void *)(m->buf + MIEE_IMG_DATA),
			       o.secret_s);
		if (m->yields == 1)
			print_attack_params(m);
		if (o.bench)
			return m->yields < o.bench ? MIEE_PAL_GO : MIEE_PAL_STOP;
		if (now() < secret_until) {
			usleep(1000);	/* give the CPU to whoever else wants it */
			return MIEE_PAL_GO;
		}
		printf("miee-run: host call yield: %" PRIu64 " served, stop\n", m->yields);
		return MIEE_PAL_STOP;
	}
	if (nr == MIEE_PAL_HC_CTX && o.mode == MIEE_PAL_M_CTX)
		return MIEE_PAL_CTX_ANSWER;
	if (nr == MIEE_PAL_HC_MARK && o.mode == MIEE_PAL_M_TWO)
		return run_two_mark(m);
	printf("miee-run: host call 0x%" PRIx64 " refused (not in the policy for mode %s)\n", nr,
	       o.mode_name);
	m->refused++;
	return MIEE_PAL_HC_ERR;
}

/* The worse of two outcomes: fault > wrong > measurement > timeout > ok. */
static int worse(int a, int b)
{
	static const int rank[] = { [RC_OK] = 0, [RC_ERR] = 9, [RC_USAGE] = 9, [RC_FAULT] = 5,
				    [RC_MEAS] = 3, [RC_WRONG] = 4, [RC_TIMEOUT] = 2 };

	return rank[b] > rank[a] ? b : a;
}

/* ---- uTPM modes: what the PAL left in the shared page */

static void get_bytes(unsigned char *dst, const volatile unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

static void print_hex(const char *what, const unsigned char *p, size_t n)
{
	char hex[2 * 256 + 1];

	if (n > 256)
		n = 256;
	miee_hex(p, n, hex);
	printf("miee-run: utpm %s %s\n", what, hex);
}

static const char *rax_name(uint64_t rax)
{
	switch ((int64_t)rax) {
	case 0: return "ok";
	case HVE_NOSYS: return "HVE_NOSYS";
	case HVE_PERM: return "HVE_PERM";
	case HVE_INVAL: return "HVE_INVAL";
	case MIEE_EARG: return "MIEE_EARG";
	case MIEE_EUTPM: return "MIEE_EUTPM";
	default: return "?";
	}
}

static void sha256_2(const void *a, size_t na, const void *b, size_t nb, unsigned char out[32])
{
	struct mh_sha256 h;

	mh_sha256_init(&h);
	mh_sha256_update(&h, a, na);
	mh_sha256_update(&h, b, nb);
	mh_sha256_final(&h, out);
}

/* The value uPCR 1 has after one extend with the fixed digest. */
static void expected_upcr1(unsigned char out[32])
{
	unsigned char zero[32] = { 0 }, d[32];
	unsigned i;

	for (i = 0; i < 32; i++)
		d[i] = MIEE_PAL_EXTEND_BYTE(i);
	sha256_2(zero, 32, d, 32, out);
}

static void match_line(const char *what, int ok)
{
	printf("miee-run: utpm check %s: %s\n", what, ok ? "match" : "MISMATCH");
}

/* `quote`: the six lines a verifier takes (tests/harness/utpm-quote.sh runs
 * tpm2_checkquote on them), then what the runner can check without the
 * signature: uPCR 0 = its own measurement, uPCR 1 = the extend, the attest
 * fields (nonce, selection, pcrDigest), the refusals. */
static int check_quote(struct miee *m)
{
	static const char *const rname[MIEE_PAL_NREFUSED] = {
		"extend-upcr0", "past-end", "read-only", "guard", "index-8", "request-end",
		"mask-no-upcr0",
	};
	volatile struct miee_pal_utpm *u = m->u;
	unsigned char att[sizeof(u->attest)], sig[sizeof(u->sig)], pub[MIEE_PAL_PUBKEY_LEN];
	unsigned char p0[32], p1[32], want[32];
	uint64_t alen = u->attest_len, slen = u->sig_len;
	const unsigned char *a = att;
	size_t n = MIEE_PAL_NONCE_LEN;
	int rc = RC_OK, ok;
	unsigned i;

	if (alen != MIEE_PAL_ATTEST_LEN || slen != MIEE_PAL_SIG_LEN) {
		printf("miee-run: utpm quote sizes WRONG: attest %" PRIu64 " (want %u), sig %" PRIu64
		       " (want %u)\n", alen, MIEE_PAL_ATTEST_LEN, slen, MIEE_PAL_SIG_LEN);
		return RC_WRONG;
	}
	get_bytes(att, u->attest, alen);
	get_bytes(sig, u->sig, slen);
	get_bytes(pub, u->pubkey, sizeof(pub));
	get_bytes(p0, u->upcr0, 32);
	get_bytes(p1, u->upcr1, 32);
	print_hex("nonce", m->nonce, MIEE_PAL_NONCE_LEN);
	print_hex("attest", att, alen);
	print_hex("sig", sig, slen);
	print_hex("pubkey", pub, sizeof(pub));
	print_hex("upcr0", p0, 32);
	print_hex("upcr1", p1, 32);

	ok = !memcmp(p0, m->expect, 32);
	match_line("upcr0 = measurement", ok);
	if (!ok)
		rc = worse(rc, RC_MEAS);
	expected_upcr1(want);
	ok = !memcmp(p1, want, 32);
	match_line("upcr1 = extend of the fixed digest", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);

	/* TPMS_ATTEST, docs/utpm.md: magic, type, signer name algorithm,
	 * extraData, one sha256 selection of uPCRs 0 and 1, pcrDigest. */
	sha256_2(p0, 32, p1, 32, want);
	ok = !memcmp(a, "\xff\x54\x43\x47\x80\x18\x00\x22\x00\x0b", 10) &&
	     a[42] == 0 && a[43] == n && !memcmp(a + 44, m->nonce, n) &&
	     !memcmp(a + 69 + n, "\x00\x00\x00\x01\x00\x0b\x03\x03\x00\x00\x00\x20", 12) &&
	     !memcmp(a + 81 + n, want, 32);
	match_line("attest fields (magic, type, nonce, selection 0,1, pcrDigest)", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);
	/* TPMT_SIGNATURE: ECDSA, SHA-256, two 32-byte TPM2B numbers. */
	ok = !memcmp(sig, "\x00\x18\x00\x0b\x00\x20", 6) && sig[38] == 0 && sig[39] == 32 &&
	     pub[0] == 4;
	match_line("signature and key format (ECDSA P-256, SHA-256)", ok);
	if (!ok)
		rc = worse(rc, RC_WRONG);

	printf("miee-run: utpm refused:");
	for (i = 0; i < MIEE_PAL_NREFUSED; i++)
		printf(" %s %" PRId64 " (%s)", rname[i], (int64_t)u->refused[i], rax_name(u->refused[i]));
	printf("\n");
	for (i = 0; i < MIEE_PAL_NREFUSED; i++)
		if (!u->refused[i])
			rc = worse(rc, RC_WRONG);
	return rc;
}

/* `seal`: the blob (version 1, mask 0b11, policy = SHA-256(uPCR 0 || uPCR 1)
 * at seal time = SHA-256(measurement || 32 zero bytes)). */
static int check_seal(struct miee *m)
{
	unsigned char blob[sizeof(m->u->blob)], zero[32] = { 0 }, policy[32];
	uint64_t len = m->u->blob_len;
	int ok;

	if (len != MIEE_PAL_BLOB_LEN) {
		printf("miee-run: utpm blob length %" PRIu64 " WRONG (want %u)\n", len, MIEE_PAL_BLOB_LEN);
		return RC_WRONG;
	}
	get_bytes(blob, m->u->blob, len);
	print_hex("blob", blob, len);
	sha256_2(m->expect, 32, zero, 32, policy);
	ok = !memcmp(blob, "\x00\x00\x00\x01\x00\x00\x00\x03", 8) && !memcmp(blob + 8, policy, 32);
	match_line("blob header (version 1, uPCRs 0,1, policy of measurement and zero uPCR 1)", ok);
	if (!ok)
		return RC_WRONG;
	printf("miee-run: utpm seal: %u-byte secret sealed, unsealed equal; blob with byte %u "
	       "changed refused; after extending uPCR 1 refused; outputs left zero: ok\n",
	       MIEE_PAL_SECRET_LEN, MIEE_PAL_BLOB_FLIP);
	return RC_OK;
}

/* `unseal`: only reported here; seal_other_verdict judges. */
static void report_unseal(struct miee *m)
{
	uint64_t res = m->u->unseal_result, err = m->u->err;

	if (res == MIEE_PAL_U_OPENED)
		printf("miee-run: utpm unseal: opened, the secret (%" PRIu64 " bytes)\n",
		       (uint64_t)m->u->unseal_len);
	else if (res == MIEE_PAL_U_REFUSED)
		printf("miee-run: utpm unseal: refused, RAX %" PRId64 " (%s), output left zero\n",
		       (int64_t)err, rax_name(err));
	else
		printf("miee-run: utpm unseal: WRONG outcome %" PRIu64 ", RAX %" PRId64 " (%s), "
		       "%" PRIu64 " bytes\n", res, (int64_t)err, rax_name(err),
		       (uint64_t)m->u->unseal_len);
}

/* seal-other: before MIEE k (1, 2) runs, MIEE 0's blob goes into its
 * shared page. */
static void hand_blob(struct miee *from, struct miee *to)
{
	uint64_t len = from->u->blob_len;
	unsigned char blob[sizeof(from->u->blob)];
	size_t i;

	if (len > sizeof(blob))
		len = 0;
	get_bytes(blob, from->u->blob, len);
	for (i = 0; i < len; i++)
		to->u->blob[i] = blob[i];
	to->u->blob_len = len;
	printf("miee-run: seal-other: blob of miee %d (%" PRIu64 " bytes) copied to miee %d (%s)\n",
	       from->k, len, to->k, to->variant ? "variant image, one measured byte different" :
	       "same image");
}

static int seal_other_verdict(struct miee *ms)
{
	struct miee *a = &ms[0], *b = &ms[1], *c = &ms[2];
	int differ = memcmp(a->expect, b->expect, 32) != 0, same = !memcmp(a->expect, c->expect, 32);
	int b_ok = b->rc == RC_OK && b->u->unseal_result == MIEE_PAL_U_REFUSED &&
		   (int64_t)b->u->err == MIEE_EUTPM;
	int c_ok = c->rc == RC_OK && c->u->unseal_result == MIEE_PAL_U_OPENED;
	int ok = a->rc == RC_OK && differ && same && b_ok && c_ok;

	printf("miee-run: seal-other: miee 0 sealed: %s\n", a->rc == RC_OK ? "ok" : "FAILED");
	printf("miee-run: seal-other: variant image (measurement %s): unseal %s\n",
	       differ ? "differs" : "SAME", b_ok ? "refused with MIEE_EUTPM: ok" : "NOT refused: WRONG");
	printf("miee-run: seal-other: same image (measurement %s): unseal %s\n",
	       same ? "equal" : "DIFFERENT", c_ok ? "opened the secret: ok" : "failed: WRONG");
	printf("miee-run: seal-other result: %s\n", ok ? "ok" : "WRONG");
	return ok ? RC_OK : RC_WRONG;
}

/* Runs MIEE m until it ends. Returns an RC_* code. */
static int run(struct miee *m)
{
	struct miee_ioc_enter e;
	double start = now(), secret_until = start + o.secret_s;
	double deadline = start + o.timeout +
			  (o.mode == MIEE_PAL_M_SECRET || o.mode == RUN_M_MEM_SECRET ? o.secret_s : 0);
	uint64_t ret = 0;
	int rc;

	run_script_begin(m);
	if (run_is_ctx_mode(m->mode))
		run_ctx_begin(m);
	for (;;) {
		memset(&e, 0, sizeof(e));
		e.hostcall_ret = ret;
		uint64_t t0 = tsc();

		if (run_is_ctx_mode(m->mode) ? run_ctx_enter(m, &e) : ioctl(m->fd, MIEE_IOC_ENTER, &e)) {
			if (errno == EINTR)
				continue;	/* same hostcall_ret again */
			die("miee %d: MIEE_IOC_ENTER: %s (errno %d)", m->k, strerror(errno), errno);
		}
		t0 = tsc() - t0;
		/* A round trip: resume after a host call to the next host call. */
		if (o.bench && e.reason == MIEE_EXIT_HOSTCALL && m->hostcalls) {
			if (!m->rt_n || t0 < m->rt_min)
				m->rt_min = t0;
			m->rt_sum += t0;
			m->rt_n++;
		}
		m->entries++;
		ret = 0;
		if (e.reason == MIEE_EXIT_INTERRUPTED) {
			m->interrupted++;
			rc_ctx.slices += e.info == MIEE_INTR_SLICE;
		} else if (e.reason == MIEE_EXIT_HOSTCALL) {
			m->hostcalls++;
			ret = serve(m, e.info, secret_until);
		} else if (e.reason == MIEE_EXIT_DONE) {
			if (e.info == MIEE_PAL_ST_OK)
				printf("miee-run: exit status 0\n");
			else
				printf("miee-run: exit status %" PRIu64 " (0x%" PRIx64 ": %s; progress %" PRIu64 ")\n",
				       (uint64_t)e.info, (uint64_t)e.info, status_name(e.info),
				       (uint64_t)m->sh->progress);
			rc = e.info == MIEE_PAL_ST_OK ? RC_OK : RC_WRONG;
			if (rc != RC_OK && m->mode >= MIEE_PAL_M_QUOTE && m->mode <= MIEE_PAL_M_UNSEAL)
				printf("miee-run: utpm failing call: RAX/value %" PRId64 " (%s)\n",
				       (int64_t)m->u->err, rax_name(m->u->err));
			break;
		} else if (e.reason == MIEE_EXIT_FAULT) {
			printf("miee-run: fault reason %" PRIu64 " at 0x%" PRIx64 " (%s; progress %" PRIu64 ")\n",
			       (uint64_t)e.info, (uint64_t)e.info2, fault_name(e.info),
			       (uint64_t)m->sh->progress);
			if (e.info == MIEE_F_INSN)
				run_print_insn(e.info2);
			rc = RC_FAULT;
			break;
		} else {
			die("miee %d: unknown exit reason %u", m->k, e.reason);
		}
		if (now() > deadline) {
			printf("miee-run: miee %d: gave up after %.0f s (--timeout %u)\n", m->k,
			       now() - start, o.timeout);
			rc = RC_TIMEOUT;
			break;
		}
	}
	printf("miee-run: entries %" PRIu64 ", host calls %" PRIu64 " (%" PRIu64
	       " refused), interrupted exits %" PRIu64 "\n", m->entries, m->hostcalls, m->refused,
	       m->interrupted);

	if (rc == RC_OK && o.mode == MIEE_PAL_M_SUM) {
		uint64_t s = m->sh->sum, f = m->sh->fnv, d = m->sh->doubled;
		int ok = s == m->exp_sum && f == m->exp_fnv && d == 2 * (m->exp_sum & 0xffffffff);

		printf("miee-run: result sum %" PRIu64 " fnv 0x%016" PRIx64 " doubled %" PRIu64 ": %s\n",
		       s, f, d, ok ? "ok" : "WRONG");
		if (!ok) {
			printf("miee-run: expected sum %" PRIu64 " fnv 0x%016" PRIx64 " doubled %" PRIu64 "\n",
			       m->exp_sum, m->exp_fnv, 2 * (m->exp_sum & 0xffffffff));
			rc = RC_WRONG;
		}
	}
	if (rc == RC_OK && o.mode == MIEE_PAL_M_SECRET)
		printf("miee-run: result secret intact after %" PRIu64 " host calls\n",
		       (uint64_t)m->sh->rounds);
	if (o.bench && m->rt_n) {
		struct miee_info inf;

		printf("bench miee host-call round trip (user space -> driver -> hypervisor -> PAL -> back): "
		       "%" PRIu64 " calls, tsc min %" PRIu64 " mean %" PRIu64 "\n",
		       m->rt_n, m->rt_min, m->rt_sum / m->rt_n);
		if (!get_info(m, &inf) && m->hostcalls)
			printf("bench miee VM transitions per host call: %.2f (%" PRIu64 " enters + %"
			       PRIu64 " exits over %" PRIu64 " host calls)\n",
			       (double)(inf.enters + inf.exits) / (double)m->hostcalls,
			       (uint64_t)inf.enters, (uint64_t)inf.exits, m->hostcalls);
		printf("bench miee add: tsc per page %" PRIu64 " (%" PRIu64 " pages, measured ones hashed)\n",
		       m->add_tsc / (m->add_pages ? m->add_pages : 1), m->add_pages);
	}
	if (rc == RC_OK && m->mode == MIEE_PAL_M_CTX)
		rc = run_ctx_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_TWO)
		rc = run_two_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_SCRIPT)
		rc = run_script_verdict(m);
	if (rc == RC_OK && (m->mode == MIEE_PAL_M_CLI_SPIN || m->mode == MIEE_PAL_M_TPR_SPIN))
		rc = run_spin_verdict(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_QUOTE)
		rc = check_quote(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_SEAL)
		rc = check_seal(m);
	if (rc == RC_OK && m->mode == MIEE_PAL_M_UNSEAL)
		report_unseal(m);
	if (o.info) {
		struct miee_info inf;

		if (!get_info(m, &inf))
			print_info(m, &inf);
	}
	m->rc = rc;
	return rc;
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
