/* miee-run's libOS mode (libos-run.h): options, the MIEE built per
 * libos-layout.h through /dev/miee, the enter loop and the host calls
 * that are the runner's own (LIBOS_HC_GROW, _LOG, _STATS, the libOS's
 * clock); forwarded system calls go to the host-call server
 * (hostcall.c). Guest user space. docs/libos.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "miee-run/image.h"
#include "checkpoint.h"
#include "confine.h"
#include "libos-layout.h"
#include "libos-run.h"
#include "manifest.h"
#include "policy.h"
#include "threads.h"

#if __has_include("hostcall.h")
#include "hostcall.h"
#define HAVE_HOSTCALL_SERVER 1
#else
/* Bring-up until the forwarding layer's server lands: write(2) to fds 1
 * and 2, nothing else (the libOS's weak libos_forward sends only that). */
struct hostcall {
	int unused;
};

static int hostcall_init(struct hostcall *s)
{
	(void)s;
	return 0;
}

static int hostcall_add_root(struct hostcall *s, const char *path, int writable)
{
	(void)s;
	(void)writable;
	return access(path, F_OK) ? -errno : 0;
}

static int hostcall_serve(struct hostcall *s, struct libos_hc *hc, unsigned char *data)
{
	uint64_t off = (uint64_t)hc->args[1], n = (uint64_t)hc->args[2];

	(void)s;
	if (hc->nr != 1 || (hc->args[0] != 1 && hc->args[0] != 2) || off > LIBOS_HC_DATA_MAX ||
	    n > LIBOS_HC_DATA_MAX - off) {
		hc->ret = -ENOSYS;
		hc->out_len = 0;
		return 1;
	}
	hc->ret = write((int)hc->args[0], data + off, n);
	if (hc->ret < 0)
		hc->ret = -errno;
	hc->out_len = 0;
	return 0;
}

static int hostcall_serve_slot(struct hostcall *s, struct libos_hc *hc, unsigned char *data,
			       uint64_t win, unsigned char *buf)
{
	(void)win;
	(void)buf;
	return hostcall_serve(s, hc, data);
}
#endif

#define DEV "/dev/miee"
#define MODULE "/lib/modules/extra/miee_drv.ko"
#define MAX_ROOTS 32
#define GROW_MAX 4096u		/* pages donated per LIBOS_HC_GROW at most */

struct lopts {
	const char *libos, *manifest, *program;
	const char *ro[MAX_ROOTS], *rw[MAX_ROOTS];
	unsigned nro, nrw;
	const char *rule[MAX_ROOTS];	/* --connect, --bind, --limit, --policy: manifest lines */
	char rule_buf[MAX_ROOTS][256];
	unsigned nrule;
	int confine, noseccomp, broken;	/* --confine, --confine-test=noseccomp,broken */
	uint64_t memory;
	int stats, premapped, dynamic, info;
	unsigned threads;	/* --threads N: thread slots, 1..MIEE_SLOTS_MAX */
	const char *hostile;	/* TEST ONLY: --hostile LIE (hostcall.h) */
	const char *checkpoint, *restore;	/* FILE (checkpoint.h) */
	char **argv;		/* PROGRAM ARGS... */
	unsigned argc;
};

static struct lopts lo;

static void lfail(int rc, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void lfail(int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("miee-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(rc);
}

int libos_mode_wanted(int argc, char **argv)
{
	static const char *const flags[] = { "--memory", "--stats", "--ro", "--rw", "--manifest",
					     "--libos", "--premapped", "--dynamic", "--hostile",
					     "--connect", "--bind", "--limit", "--policy", "--threads",
					     "--checkpoint", "--restore" };
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 1;
		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (!strncmp(argv[i], flags[k], strlen(flags[k])))
				return 1;
	}
	return 0;
}

static uint64_t size_arg(const char *s)
{
	char *end;
	uint64_t v, mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		lfail(LRC_USAGE, "bad --memory '%s'", s);
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	else if (*end)
		lfail(LRC_USAGE, "bad --memory '%s' (a number with K, M or G)", s);
	if (*end && end[1])
		lfail(LRC_USAGE, "bad --memory '%s'", s);
	if (v > (1ull << 40) / mul)
		lfail(LRC_USAGE, "--memory '%s' too large", s);
	return v * mul;
}

static void lusage(void)
{
	fprintf(stderr,
		"usage: miee-run [--manifest FILE | [--ro PATH]... [--rw PATH]... [--memory SIZE]\n"
		"                 [--connect 'ADDR[/N] PORTS']... [--bind PORTS]... [--limit 'WHAT N']...\n"
		"                 [--policy enforce|null] [--threads N (1..16)]]\n"
		"                [--confine] [--stats] [--libos FILE] [--premapped | --dynamic] [--info]\n"
		"                [--checkpoint FILE (on SIGUSR2) | --restore FILE]\n"
		"                [--hostile LIE | --confine-test=noseccomp,broken (tests only)]\n"
		"                -- PROGRAM [ARGS...]   (PROGRAM and ARGS: the manifest's, if it has them)\n");
	exit(LRC_USAGE);
}

static void lparse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "manifest", required_argument, NULL, 'M' },
		{ "ro", required_argument, NULL, 'r' },
		{ "rw", required_argument, NULL, 'w' },
		{ "memory", required_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 's' },
		{ "libos", required_argument, NULL, 'l' },
		{ "premapped", no_argument, NULL, 'p' },
		{ "dynamic", no_argument, NULL, 'd' },
		{ "info", no_argument, NULL, 'i' },
		{ "hostile", required_argument, NULL, 'H' },	/* test only */
		{ "connect", required_argument, NULL, 'C' },
		{ "bind", required_argument, NULL, 'B' },
		{ "limit", required_argument, NULL, 'L' },
		{ "policy", required_argument, NULL, 'P' },
		{ "confine", no_argument, NULL, 'c' },
		{ "confine-test", required_argument, NULL, 'T' },	/* test only */
		{ "threads", required_argument, NULL, 't' },
		{ "checkpoint", required_argument, NULL, 'K' },
		{ "restore", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	lo.libos = LIBOS_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'M': lo.manifest = optarg; break;
		case 'r':
			if (lo.nro == MAX_ROOTS)
				lfail(LRC_USAGE, "at most %d --ro", MAX_ROOTS);
			lo.ro[lo.nro++] = optarg;
			break;
		case 'w':
			if (lo.nrw == MAX_ROOTS)
				lfail(LRC_USAGE, "at most %d --rw", MAX_ROOTS);
			lo.rw[lo.nrw++] = optarg;
			break;
		case 'm': lo.memory = size_arg(optarg); break;
		case 's': lo.stats = 1; break;
		case 'l': lo.libos = optarg; break;
		case 'p': lo.premapped = 1; break;
		case 'd': lo.dynamic = 1; break;
		case 'i': lo.info = 1; break;
		case 'H': lo.hostile = optarg; break;
		case 'C': case 'B': case 'L': case 'P':
			/* The shorthand is the manifest line itself. */
			if (lo.nrule == MAX_ROOTS)
				lfail(LRC_USAGE, "at most %d --connect/--bind/--limit/--policy", MAX_ROOTS);
			snprintf(lo.rule_buf[lo.nrule], sizeof(lo.rule_buf[0]), "%s %s",
				 c == 'C' ? "connect" : c == 'B' ? "bind" : c == 'L' ? "limit" : "policy",
				 optarg);
			lo.rule[lo.nrule] = lo.rule_buf[lo.nrule];
			lo.nrule++;
			break;
		case 'c': lo.confine = 1; break;
		case 'T': {
			char buf[64], *w, *save = NULL;

			snprintf(buf, sizeof(buf), "%s", optarg);
			for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (!strcmp(w, "noseccomp"))
					lo.noseccomp = 1;
				else if (!strcmp(w, "broken"))
					lo.broken = 1;
				else
					lfail(LRC_USAGE, "--confine-test: '%s' (noseccomp, broken)", w);
			}
			break;
		}
		case 't': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > MIEE_SLOTS_MAX)
				lfail(LRC_USAGE, "bad --threads '%s' (1..%d)", optarg, MIEE_SLOTS_MAX);
			lo.threads = (unsigned)n;
			break;
		}
		case 'K': lo.checkpoint = optarg; break;
		case 'R': lo.restore = optarg; break;
		default: lusage();
		}
	}
	if (lo.manifest && (lo.nro || lo.nrw || lo.nrule || lo.memory || lo.threads))
		lfail(LRC_USAGE, "--ro, --rw, --memory, --connect, --bind, --limit, --policy, --threads "
		      "with --manifest: the manifest is the whole policy (put the rule in it)");
	if (lo.premapped && lo.dynamic)
		lfail(LRC_USAGE, "--premapped and --dynamic exclude each other");
	if (lo.checkpoint && lo.restore)
		lfail(LRC_USAGE, "--checkpoint and --restore exclude each other");
	/* The confined runner's seccomp filter and root hold neither the
	 * checkpoint file's writes nor its rename (docs/libos.md). */
	if (lo.confine && (lo.checkpoint || lo.restore))
		lfail(LRC_USAGE, "--checkpoint and --restore are refused with --confine: the confined "
		      "runner's root and seccomp filter keep neither the checkpoint file nor its "
		      "rename (run unconfined to checkpoint)");
	if (optind >= argc && !lo.manifest)
		lusage();
	lo.program = optind < argc ? argv[optind] : NULL;
	lo.argv = argv + optind;
	lo.argc = (unsigned)(argc - optind);
}

/* A whole file, at most max bytes. */
static unsigned char *slurp(const char *path, size_t max, size_t *len)
{
	struct stat st;
	unsigned char *p;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		lfail(LRC_LOAD, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		lfail(LRC_LOAD, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > max)
		lfail(LRC_LOAD, "%s: %lld bytes, more than the %zu the MIEE takes", path,
		      (long long)st.st_size, max);
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p)
		lfail(LRC_LOAD, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);

		if (n <= 0)
			lfail(LRC_LOAD, "%s: read: %s", path, n ? strerror(errno) : "short file");
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return p;
}

/* Does the driver know MIEE_IOC_DONATE (a hypervisor with HC_MIEE_MAP)? A
 * donation of 0 pages before init is refused either way; ENOTTY means the
 * ioctl does not exist. */
static int driver_has_donate(int fd)
{
	struct miee_ioc_mem m = { 0, 0, 0 };

	return ioctl(fd, MIEE_IOC_DONATE, &m) == 0 || errno != ENOTTY;
}

static const char *abort_name(uint64_t r)
{
	switch (r) {
	case LIBOS_ABORT_BOOT: return "bad boot page or image";
	case LIBOS_ABORT_ELF: return "the program's ELF was refused";
	case LIBOS_ABORT_NOMEM: return "out of memory while loading";
	case LIBOS_ABORT_FAULT: return "a fault in the libOS itself";
	case LIBOS_ABORT_HOST: return "the host broke the host-call protocol";
	case LIBOS_ABORT_CKPT: return "the checkpoint was refused";
	default: return "unknown reason";
	}
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void log_line(const unsigned char *p, uint64_t n)
{
	char line[520];
	uint64_t i;

	if (n > 512)
		n = 512;
	for (i = 0; i < n; i++)
		line[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	line[n] = 0;
	fprintf(stderr, "miee-run: %s\n", line);
}

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static int srv_fd_ok(void *s, int fd)
{
#ifdef HAVE_HOSTCALL_SERVER
	struct hostcall *h = s;

	return fd >= 0 && fd < HOSTCALL_FD_MAX && h->fd_ok[fd];
#else
	(void)s;
	(void)fd;
	return 0;
#endif
}

/* One host call (threads.h). Slots call concurrently: the counters are
 * atomic, LIBOS_HC_GROW comes only under the libOS's lock. */
uint64_t lrun_serve(struct lrun *r, struct libos_hc *hc, unsigned char *data, unsigned char *buf)
{
	struct libos_hc h;
	int k;

	memcpy(&h, hc, sizeof(h));	/* once: the MIEE may change it */
	count(&r->hostcalls);
	if (policy_hostcall(&r->srv->pol, (uint64_t)(mono() * 1e9))) {
		hc->ret = -EAGAIN;	/* `limit calls`: the call is answered, not performed */
		hc->out_len = 0;
		return 0;
	}
	if (h.magic != LIBOS_HC_MAGIC) {
		count(&r->refused);
		hc->ret = -EINVAL;
		return 1;
	}
	if ((k = ckpt_host_serve(&r->ck, &h, hc, data, r->win, srv_fd_ok, r->srv)) >= 0) {
		if (k) {
			count(&r->refused);
			hc->ret = -EINVAL;
		}
		return (uint64_t)k;
	}
	switch (h.nr) {
	case LIBOS_HC_LOG:
		if ((uint64_t)h.args[0] > r->win) {
			count(&r->refused);
			hc->ret = -EINVAL;
			return 1;
		}
		log_line(data, (uint64_t)h.args[0]);
		hc->ret = 0;
		hc->out_len = 0;
		return 0;
	case LIBOS_HC_STATS:
		memcpy(r->st, h.args, sizeof(r->st));
		r->have_st = 1;
		hc->ret = 0;
		return 0;
	case LIBOS_HC_GROW: {
		struct miee_ioc_mem m = { 0, 0, 0 };
		uint64_t room = r->max_pages - r->added - r->donated;

		/* Never past max_pages: the hypervisor refuses a donation
		 * that would not fit, all of it. */
		m.npages = h.args[0] <= 0 ? 0 : h.args[0] > GROW_MAX ? GROW_MAX : (uint32_t)h.args[0];
		if (m.npages > room)
			m.npages = (uint32_t)room;
		/* The manifest's memory: donations beyond it are ENOMEM (and a
		 * log line); a request that straddles it gets what fits. */
		if (r->srv->pol.m->memory && (r->donated + m.npages) * 4096 > r->srv->pol.m->memory) {
			uint64_t left = r->srv->pol.m->memory / 4096 > r->donated ?
				r->srv->pol.m->memory / 4096 - r->donated : 0;

			if (!left)
				policy_limit(&r->srv->pol, LIMIT_MEMORY,
					     (r->donated + m.npages) * 4096);
			m.npages = (uint32_t)(m.npages < left ? m.npages : left);
		}
		if (!m.npages || ioctl(r->fd, MIEE_IOC_DONATE, &m) || !m.done) {
			hc->ret = -ENOMEM;
		} else {
			r->donated += m.done;
			hc->ret = m.done;
		}
		hc->out_len = 0;
		return 0;
	}
	case LIBOS_HC_SHRINK: {
		/* The frames it gave back go from the reserve to the OS. A
		 * hint: the hypervisor hands back reserve frames only, so a
		 * libOS that asks for too much only has to grow again. */
		struct miee_ioc_mem m = { 0, 0, 0 };

		if (h.args[0] <= 0) {
			count(&r->refused);
			hc->ret = -EINVAL;
			return 1;
		}
		m.npages = (uint64_t)h.args[0] > r->donated ? (uint32_t)r->donated :
			   (uint32_t)h.args[0];
		if (m.npages && ioctl(r->fd, MIEE_IOC_RECLAIM, &m) == 0) {
			r->donated -= m.done < r->donated ? m.done : r->donated;
			r->reclaimed += m.done;
			hc->ret = m.done;
		} else {
			hc->ret = m.npages ? -errno : 0;
		}
		hc->out_len = 0;
		return 0;
	}
	case 228: {		/* clock_gettime for the libOS's clocks */
		struct timespec ts;
		int64_t t[2];
		uint64_t off = (uint64_t)h.args[1];

		if (off > r->win - sizeof(t)) {
			count(&r->refused);
			hc->ret = -EINVAL;
			return 1;
		}
		if (clock_gettime((clockid_t)h.args[0], &ts)) {
			hc->ret = -errno;
			hc->out_len = 0;
			return 0;
		}
		t[0] = ts.tv_sec;
		t[1] = ts.tv_nsec;
		memcpy(data + off, t, sizeof(t));
		hc->ret = 0;
		hc->out_len = sizeof(t);
		return 0;
	}
	default: {
		int rc;

		memcpy(hc, &h, sizeof(h));	/* the server reads the checked copy */
		rc = hostcall_serve_slot(r->srv, hc, data, r->win, buf);
		if (rc)
			count(&r->refused);
		return rc ? 1 : 0;
	}
	}
}

static void print_stats(struct lrun *r)
{
	struct miee_info inf;

	memset(&inf, 0, sizeof(inf));
	ioctl(r->fd, MIEE_IOC_INFO, &inf);
	if (r->have_st)
		fprintf(stderr, "miee-run: stats: syscalls handled inside %" PRIu64 ", forwarded %" PRIu64
			", refused %" PRIu64 "; host calls %" PRIu64 " (%" PRIu64 " refused by the runner)"
			"; VM exits %" PRIu64 ", entries %" PRIu64 "; pages: %u owned, %" PRIu64
			" dynamic in use, %" PRIu64 " donated, %u mapped, %u in reserve, %" PRIu64
			" back to the OS\n", r->st[0], r->st[1],
			r->st[2], r->hostcalls, r->refused, (uint64_t)inf.exits, (uint64_t)inf.enters, inf.pages,
			r->st[3], r->donated + r->reclaimed, inf.mapped, inf.reserve, r->reclaimed);
	else
		fprintf(stderr, "miee-run: stats: (the libOS sent none) host calls %" PRIu64
			"; VM exits %" PRIu64 ", entries %" PRIu64 "; pages %u\n", r->hostcalls,
			(uint64_t)inf.exits, (uint64_t)inf.enters, inf.pages);
}

static void print_times(struct lrun *r)
{
	r->t_end = mono();
	fprintf(stderr, "miee-run: times: read+layout+hash %.1f ms, add (hypervisor measures) %.1f ms, "
		"init %.1f ms, run %.1f ms\n", 1e3 * (r->t_plan - r->t0), 1e3 * (r->t_add - r->t_plan),
		1e3 * (r->t_init - r->t_add), 1e3 * (r->t_end - r->t_init));
}

int lrun_finish(struct lrun *r, const struct miee_ioc_enter *e)
{
	switch (e->reason) {
	case MIEE_EXIT_DONE:
		if (r->stats) {
			print_stats(r);
			print_times(r);
		}
		if (e->info == LIBOS_EXIT_CKPT && r->ck.done) {
			fprintf(stderr, "miee-run: checkpointed to %s\n", r->ck.path);
			return 0;
		}
		if (e->info <= 0xff && r->ck.refused && !r->ck.done) {
			fprintf(stderr, "miee-run: --checkpoint: the libOS refused the checkpoint; the "
				"program ran to its end (status %u)\n", (unsigned)e->info);
			return LRC_NOCKPT;
		}
		if (e->info <= 0xff)
			return (int)e->info;
		if ((e->info & ~0x7full) == 0x100u)
			return 128 + (int)(e->info & 0x7f);
		if ((e->info & ~0xffffull) == 0x10000u) {
			fprintf(stderr, "miee-run: the libOS gave up: %s (LIBOS_ABORT %" PRIu64 ")\n",
				abort_name(e->info & 0xffff), (uint64_t)(e->info & 0xffff));
			return LRC_ABORT;
		}
		fprintf(stderr, "miee-run: the MIEE ended with status 0x%" PRIx64
			", outside the protocol\n", (uint64_t)e->info);
		return LRC_PROTOCOL;
	case MIEE_EXIT_FAULT:
		if (r->stats)
			print_stats(r);
		fprintf(stderr, "miee-run: the MIEE faulted: reason %" PRIu64 " (%s) at 0x%" PRIx64 "\n",
			(uint64_t)e->info,
			e->info == MIEE_F_TRIPLE ? "triple fault" : e->info == MIEE_F_NPF ?
			"access outside its memory" : e->info == MIEE_F_BADCALL ? "bad hypercall" :
			e->info == MIEE_F_INSN ? "forbidden instruction" : "?", (uint64_t)e->info2);
		return LRC_FAULT;
	default:
		fprintf(stderr, "miee-run: unknown MIEE exit reason %u\n", e->reason);
		return LRC_PROTOCOL;
	}
}

static void add_region(int fd, unsigned char *buf, const struct ll_region *g)
{
	struct miee_ioc_add a = {
		.uaddr = (uint64_t)(uintptr_t)(buf + g->offset),
		.offset = g->offset,
		.npages = g->npages,
		.flags = g->flags,
	};

	if (ioctl(fd, MIEE_IOC_ADD, &a))
		lfail(LRC_LOAD, "MIEE_IOC_ADD offset 0x%" PRIx64 " (%u pages, flags 0x%x): %s",
		      g->offset, g->npages, g->flags, strerror(errno));
}

/* The command line's ARGS (after PROGRAM) are the manifest's argv[1..]. */
static int same_args(char *const *argv, unsigned argc)
{
	unsigned i;

	if (lo.argc != argc)
		return 0;
	for (i = 1; i < argc; i++)
		if (strcmp(lo.argv[i], argv[i]))
			return 0;
	return 1;
}

/* The run's one policy (docs/policy.md): the manifest (the bytes that
 * are measured) when given, else the flags' rules in the server's own
 * manifest. The manifest's program and argv are what runs; a different
 * PROGRAM or ARGS on the command line is refused. The program itself is
 * always readable (a `file ro` rule added by the runner). */
static const struct manifest *policy_setup(struct hostcall *srv, struct ll_input *in)
{
	static struct manifest mf;
	struct manifest_error err;
	unsigned i;
	int k;

	if (!lo.manifest) {
		for (i = 0; i < lo.nro; i++)
			if ((k = hostcall_add_root(srv, lo.ro[i], 0)))
				lfail(LRC_USAGE, "--ro %s: %s", lo.ro[i], strerror(-k));
		for (i = 0; i < lo.nrw; i++)
			if ((k = hostcall_add_root(srv, lo.rw[i], 1)))
				lfail(LRC_USAGE, "--rw %s: %s", lo.rw[i], strerror(-k));
		for (i = 0; i < lo.nrule; i++)
			if (hostcall_add_rule(srv, lo.rule[i], &err))
				lfail(LRC_USAGE, "--%s: %s", lo.rule[i], err.reason);
		/* -EINVAL: the same path is a rule already. */
		if ((k = hostcall_add_root(srv, lo.program, 0)) && k != -EINVAL)
			lfail(LRC_LOAD, "%s: cannot allow the program itself: %s", lo.program,
			      strerror(-k));
		return &srv->own;
	}
	if (manifest_parse((const char *)in->manifest, in->manifest_len, &mf, &err))
		lfail(LRC_USAGE, "%s:%u: %s", lo.manifest, err.line, err.reason);
	if (mf.program) {
		if (lo.program && strcmp(lo.program, mf.program))
			lfail(LRC_USAGE, "the command line's program %s is not the manifest's %s",
			      lo.program, mf.program);
		lo.program = mf.program;
	} else if (!lo.program) {
		lfail(LRC_USAGE, "%s: no 'program' line, and no PROGRAM after --", lo.manifest);
	}
	if (mf.argc) {
		if (lo.argc > 1 && !same_args(mf.argv, mf.argc))
			lfail(LRC_USAGE, "the command line's ARGS are not the manifest's 'arg' lines");
		lo.argv = mf.argv;
		lo.argc = mf.argc;
	} else if (!lo.argc) {
		lo.argv = &mf.program;
		lo.argc = 1;
	}
	if (mf.envc)
		lfail(LRC_USAGE, "%s: 'env' lines are not passed to a libOS program yet "
		      "(the argument blob has envc = 0)", lo.manifest);
	if (mf.memory)
		lo.memory = mf.memory;
	if (mf.threads > MIEE_SLOTS_MAX)
		lfail(LRC_USAGE, "%s: threads %u: a libOS program has at most %d thread slots",
		      lo.manifest, mf.threads, MIEE_SLOTS_MAX);
	lo.threads = mf.threads;
	for (i = 0; i < mf.nfiles; i++)
		if (!strcmp(mf.files[i].path, lo.program))
			break;
	if (i == mf.nfiles && manifest_add_file(&mf, FILE_RO, lo.program, &err))
		lfail(LRC_USAGE, "the program %s: %s", lo.program, err.reason);
	return &mf;
}

/* --confine (docs/policy.md, "Confinement"): /dev/miee is open, the
 * libOS, the program and the manifest read; the runner enters its
 * namespaces and tree and drops everything, then opens the policy's
 * paths inside the tree, then installs the filter. Before any MIEE
 * memory exists (the MIEE's pages must be the confined process's own). */
static void confine_setup(struct hostcall *srv, const struct manifest *m, int fd)
{
	static struct confine c;

	if (lo.confine) {
		c.m = m;
		c.no_seccomp = lo.noseccomp;
		c.libos = 1;
		c.miee_fds[0] = fd;
		c.nfds = 1;
		confine_enter(&c);
	}
	if (hostcall_use_manifest(srv, m))
		lfail(lo.confine ? CONFINE_EXIT : LRC_LOAD, "the policy's paths cannot be opened");
	if (lo.broken && policy_set_bypass(&srv->pol))
		lfail(LRC_USAGE, "--confine-test=broken: test only (MIEE_RUN_TEST_BROKEN=1 is not set)");
	if (!lo.confine)
		return;
	fprintf(stderr, "miee-run: confined: namespaces user mount pid ipc uts%s, root %s, uid %u "
		"outside, no capabilities, no_new_privs, seccomp %s%s\n", c.new_net ? " net" : "",
		c.pivoted ? "pivot_root" : "moved + chroot (rootfs)", c.uid,
		c.no_seccomp ? "OFF (test)" : "on", lo.broken ? ", policy BYPASSED (test)" : "");
	confine_seccomp(&c);
}

int libos_run_main(int argc, char **argv)
{
	static struct hostcall srv;
	const struct manifest *pol;
	struct ll_input in;
	struct ll_layout l;
	struct lrun r;
	struct miee_ioc_create cr;
	struct miee_info inf;
	unsigned char expect[32];
	char err[256], hex[65], hex2[65];
	int k;

	lparse(argc, argv);
	memset(&in, 0, sizeof(in));
	memset(&r, 0, sizeof(r));
	r.t0 = mono();
	in.libos = slurp(lo.libos, LIBOS_IMAGE_MAX, &in.libos_len);
	if (lo.manifest)
		in.manifest = slurp(lo.manifest, MANIFEST_MAX_BYTES, &in.manifest_len);
	if (hostcall_init(&srv))
		lfail(LRC_LOAD, "the host-call server would not start");
	pol = policy_setup(&srv, &in);
	in.program = slurp(lo.program, (size_t)MIEE_MAX_PAGES * 4096, &in.program_len);
	in.argv = (const char *const *)lo.argv;
	in.argc = lo.argc;
	in.memory = lo.memory;
	if (!lo.threads)
		lo.threads = 1;
	in.threads = lo.threads;
#ifdef HAVE_HOSTCALL_SERVER
	/* The hostile runner is for tests/guest/libos-iago.sh only: refused
	 * unless the environment also says MIEE_RUN_TEST_HOSTILE=1. */
	if (lo.hostile && !strncmp(lo.hostile, "threads-", 8)) {
		if (!threads_hostile_ok(lo.hostile))
			lfail(LRC_USAGE, "--hostile %s: %s", lo.hostile,
			      getenv("MIEE_RUN_TEST_HOSTILE") ? "no such thread mode" :
			      "test only (MIEE_RUN_TEST_HOSTILE=1 is not set)");
	} else if (lo.hostile && (k = hostcall_set_lie(&srv, lo.hostile)))
		lfail(LRC_USAGE, "--hostile %s: %s", lo.hostile,
		      k == -EPERM ? "test only (MIEE_RUN_TEST_HOSTILE=1 is not set)" : "no such lie");
#else
	if (lo.hostile)
		lfail(LRC_USAGE, "--hostile: no host-call server in this build");
#endif

	if ((k = ckpt_host_open(&r.ck, lo.checkpoint, lo.restore)))
		lfail(lo.restore ? LRC_USAGE : LRC_LOAD, "%s %s: %s", lo.restore ? "--restore" : "--checkpoint",
		      lo.restore ? lo.restore : lo.checkpoint, k == -EINVAL ? "not a non-empty regular file" :
		      strerror(-k));

	if (access(DEV, F_OK)) {
		pid_t pid = fork();
		int st = 0;

		if (pid == 0) {
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0)
				dup2(nul, 1);	/* the program's stdout stays its own */
			execlp("insmod", "insmod", MODULE, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			lfail(LRC_LOAD, "%s missing and insmod %s failed", DEV, MODULE);
		for (k = 0; k < 50 && access(DEV, F_OK); k++)
			usleep(20000);
	}
	r.fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (r.fd < 0)
		lfail(LRC_LOAD, "open %s: %s (is the driver loaded?)", DEV, strerror(errno));
	confine_setup(&srv, pol, r.fd);
	in.premapped = lo.premapped || (!lo.dynamic && !driver_has_donate(r.fd));
	if (ll_plan(&in, &l, err, sizeof(err)))
		lfail(LRC_LOAD, "%s", err);
	r.buf = mmap(NULL, (size_t)l.max_pages * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r.buf == MAP_FAILED)
		lfail(LRC_LOAD, "mmap %u pages: %s", l.max_pages, strerror(errno));
	ll_fill(&in, &l, r.buf);
	ll_measure(&l, r.buf, expect);
	r.t_plan = mono();

	cr.max_pages = l.max_pages;
	cr.id = 0;
	if (ioctl(r.fd, MIEE_IOC_CREATE, &cr))
		lfail(LRC_LOAD, "MIEE_IOC_CREATE (%u pages): %s", l.max_pages, strerror(errno));
	for (k = 0; k < l.nregions; k++)
		add_region(r.fd, r.buf, &l.regions[k]);
	r.t_add = mono();
	if (ioctl(r.fd, MIEE_IOC_INIT, &l.init))
		lfail(LRC_LOAD, "MIEE_IOC_INIT: %s", strerror(errno));
	memset(&inf, 0, sizeof(inf));
	if (ioctl(r.fd, MIEE_IOC_INFO, &inf))
		lfail(LRC_LOAD, "MIEE_IOC_INFO: %s", strerror(errno));
	miee_hex(inf.measurement, 32, hex);
	miee_hex(expect, 32, hex2);
	fprintf(stderr, "miee-run: measurement (hypervisor) %s\n", hex);
	fprintf(stderr, "miee-run: measurement (expected)   %s\n", hex2);
	fprintf(stderr, "miee-run: layout: max_pages %u, memory %" PRIu64 " bytes, %s, %" PRIu64
		" pages added; recompute: miee-measure --libos %s --program %s%s%s --memory %" PRIu64
		"%s --\n", l.max_pages, l.boot.mem_limit, in.premapped ? "premapped" : "dynamic",
		l.npages, lo.libos, lo.program, lo.manifest ? " --manifest " : "",
		lo.manifest ? lo.manifest : "", l.boot.mem_limit, in.premapped ? " --premapped" : "");
	if (!inf.measurement_ready || memcmp(inf.measurement, expect, 32))
		lfail(LRC_MEASURE, "measurement MISMATCH between the hypervisor and the runner");

	r.t_init = mono();
	r.max_pages = l.max_pages;
	r.added = l.npages;
	r.hc = (struct libos_hc *)(r.buf + LIBOS_OFF_SHARED);
	r.data = r.buf + LIBOS_OFF_SHARED + LIBOS_PAGE;
	r.srv = &srv;
	r.threads = lo.threads;
	r.win = LIBOS_HC_WINDOW(lo.threads);
	r.stats = lo.stats;
	fflush(stdout);
	k = threads_run(&r, lo.hostile && !strncmp(lo.hostile, "threads-", 8) ? lo.hostile : NULL);
	fflush(stdout);
	ckpt_host_close(&r.ck);
	close(r.fd);
	return k;
}
