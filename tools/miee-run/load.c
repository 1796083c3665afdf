/* miee-run: building each MIEE's image, shared page and expected
 * measurement; --dump; loading the images through /dev/miee and comparing
 * the hypervisor's measurement with the expected one. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "miee-run/pal.h"
#include "miee-run/runner.h"

#define DEV "/dev/miee"
#define MODULE "/lib/modules/extra/miee_drv.ko"
#define DEFAULT_NUMS 100u

/* Builds MIEE k's image, its shared page (the test's input) and its
 * expected measurement. Nothing here touches /dev/miee. */
void prepare(struct miee *m, int k)
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

	m->sh = (volatile struct miee_pal_shared *)(m->buf + MIEE_IMG_SHARED);
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
	/* `unseal BLOB`: the blob from the command line (seal-other hands its
	 * own later, hand_blob). */
	if (o.mode == MIEE_PAL_M_UNSEAL) {
		for (i = 0; i < o.blob_len; i++)
			m->u->blob[i] = o.blob[i];
		m->u->blob_len = o.blob_len;
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
void dump(const struct miee *m, const char *dir)
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
void ensure_device(void)
{
	pid_t pid;
	int st, i, failed;

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
	/* A failed insmod may be another runner loading the driver at the same
	 * moment ("File exists"): what counts is whether the device appears. */
	failed = waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st);
	for (i = 0; i < 100 && access(DEV, F_OK); i++)
		usleep(20000);
	if (access(DEV, F_OK))
		die(failed ? "insmod %s failed" : "%s did not appear after loading the driver",
		    failed ? MODULE : DEV);
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

void load(struct miee *m)
{
	struct miee_ioc_create cr = { .max_pages = m->im.max_pages };
	unsigned pages = 0;
	int r;

	if (!o.confine)		/* confined: opened before confinement */
		m->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (m->fd < 0)
		die("open %s: %s", DEV, strerror(errno));
	if (ioctl(m->fd, MIEE_IOC_CREATE, &cr))
		die("miee %d: MIEE_IOC_CREATE: %s (errno %d)%s", m->k, strerror(errno), errno,
		    errno == ENOSPC ? "; every MIEE id is in use: MIEE_ELIMIT" : "");
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

int get_info(struct miee *m, struct miee_info *inf)
{
	memset(inf, 0, sizeof(*inf));
	if (ioctl(m->fd, MIEE_IOC_INFO, inf)) {
		printf("miee-run: miee %d: MIEE_IOC_INFO: %s (errno %d)\n", m->k, strerror(errno), errno);
		return -1;
	}
	return 0;
}

void print_info(struct miee *m, const struct miee_info *inf)
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
int check_measurement(struct miee *m)
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

