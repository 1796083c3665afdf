/* miee-run's command line (the usage in tools/miee-run.c) into struct opts. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "miee-run/runner.h"

#define DEFAULT_JUMP 0x1000000ull	/* 16 MiB: OS RAM (the kernel), not the MIEE's */

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
	{ "seal-lt", MIEE_PAL_M_SEAL_LT },
	{ "unseal", MIEE_PAL_M_UNSEAL },
	{ "utpm-args", MIEE_PAL_M_UTPM_ARGS },
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

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr,
		"usage: miee-run [-n COUNT] [--info] [--keep-open SECONDS] [--lie] [--variant]\n"
		"                [--timeout SECONDS] [--dump DIR] [--bench N]\n"
		"                [--add-page OFFSET:FLAGS]... [--max-pages N]\n"
		"                [--confine[=MANIFEST]] [--confine-test=WHAT[,WHAT]...] MODE [ARGS]\n"
		"modes: sum [NUM...] | secret [SECONDS] | jump [ADDR] | overflow | exec-shared |\n"
		"       write-code | refused | badcall | ud | quote [NONCE] | seal | seal-other |\n"
		"       seal-lt | unseal BLOB | utpm-args | ctx | cli-spin [MS] | tpr-spin [MS] | rdmsr | wrmsr |\n"
		"       in | out | xsetbv | hlt | vmxoff | stgi | two-level | mem | mem-unmapped |\n"
		"       mem-secret [SECONDS]\n");
	exit(RC_USAGE);
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

/* --add-page OFFSET:FLAGS: one more page of the image's buffer (so below
 * MIEE_IMG_SIZE: the unadded guard 0x9000-0xafff is what is free), added
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

void parse(int argc, char **argv)
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
		{ "confine", optional_argument, NULL, 'C' },
		{ "confine-test", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	o.count = 1;
	o.timeout = 120;
	o.secret_s = 2;
	o.target = DEFAULT_JUMP;
	o.spin_ms = RUN_SPIN_MS;
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
		case 'C':
			o.confine = 1;
			o.confine_manifest = optarg;
			break;
		case 'T':
			confine_test_arg(optarg);
			break;
		default: usage();
		}
	}
	if ((o.confine_noseccomp || o.attack) && !o.confine) {
		fprintf(stderr, "miee-run: --confine-test needs --confine\n");
		usage();
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
	} else if (o.mode == MIEE_PAL_M_UNSEAL) {
		const char *h = optind < argc ? argv[optind++] : "";
		size_t n = strlen(h);

		if (!n || n % 2 || n / 2 > sizeof(o.blob) ||
		    strspn(h, "0123456789abcdefABCDEF") != n) {
			fprintf(stderr, "miee-run: unseal wants a blob of 1..%zu bytes in hex\n",
				sizeof(o.blob));
			usage();
		}
		for (i = 0; i < n / 2; i++)
			sscanf(h + 2 * i, "%2hhx", &o.blob[i]);
		o.blob_len = n / 2;
	} else if ((o.mode == MIEE_PAL_M_CLI_SPIN || o.mode == MIEE_PAL_M_TPR_SPIN) &&
		   optind < argc) {
		o.spin_ms = (unsigned)num_arg(argv[optind++], "milliseconds");
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

