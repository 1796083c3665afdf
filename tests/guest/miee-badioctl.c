/* emulators: bochs qemu */
/*
 * miee-badioctl.c: in-guest test of /dev/miee (guest-driver/miee_drv.c,
 * docs/driver.md) with bad input: every refused ioctl must fail with the
 * documented errno, nothing may crash, and no page may stay pinned once the
 * files are closed or their process killed (the kernel's FOLL_PIN counters
 * in /proc/vmstat). Loads /lib/modules/extra/miee_drv.ko if /dev/miee is
 * missing. Expects the final behaviour: the HC_MIEE_* hypercalls present.
 * Exit status: 0 every check passed, 1 a check failed, 77 (SKIP) every check
 * that ran passed but the kernel has no FOLL_PIN counters, so the pin checks
 * could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hvcall.h"
#include "hv/miee.h"

#define PG 4096ul
#define KERNEL_ADDR 0xffff888000000000ull	/* the kernel's direct map */
#define NONCANONICAL 0x0000800000000000ull

static int failures;
static long pin_base;

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "success";

	return n ? n : "?";
}

/* ret, errno of one ioctl: pass if it failed with want or want2 (0: success). */
static int check2(const char *what, int ret, int want, int want2)
{
	int got = ret < 0 ? errno : 0;

	if (got == want || got == want2) {
		printf("ok   %s: %s\n", what, ename(got));
		return 1;
	}
	printf("FAIL %s: got %s, want %s", what, ename(got), ename(want));
	if (want2 != want)
		printf(" or %s", ename(want2));
	printf("\n");
	failures++;
	return 0;
}

static int check(const char *what, int ret, int want)
{
	return check2(what, ret, want, want);
}

static void fail(const char *what)
{
	printf("FAIL %s\n", what);
	failures++;
}

/*
 * Pages pinned with FOLL_PIN anywhere in the kernel, or -1 if not shown.
 * The counters keep per-CPU deltas; writing vm.stat_refresh folds them in.
 */
static long pins(void)
{
	int rfd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	FILE *f;
	char name[64];
	long v, acq = -1, rel = -1;

	if (rfd >= 0) {
		if (write(rfd, "1\n", 2) < 0)
			perror("vm.stat_refresh");
		close(rfd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? -1 : acq - rel;
}

static void check_pins(const char *what, long extra)
{
	long p = pins();

	if (p < 0 || pin_base < 0)
		return;
	if (p == pin_base + extra) {
		printf("ok   %s: %ld pages pinned\n", what, extra);
	} else {
		printf("FAIL %s: %ld pages pinned, want %ld\n", what, p - pin_base, extra);
		failures++;
	}
}

static void *map(size_t npages, int prot)
{
	void *p = mmap(NULL, npages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static int open_miee(void)
{
	int fd = open("/dev/miee", O_RDWR);

	if (fd < 0) {
		perror("open /dev/miee");
		exit(1);
	}
	return fd;
}

static int create(int fd, uint32_t max_pages, uint32_t *id)
{
	struct miee_ioc_create c = { .max_pages = max_pages };
	int r = ioctl(fd, MIEE_IOC_CREATE, &c);

	if (id)
		*id = c.id;
	return r;
}

static int add(int fd, uint64_t uaddr, uint64_t offset, uint32_t npages, uint32_t flags)
{
	struct miee_ioc_add a = { uaddr, offset, npages, flags };

	return ioctl(fd, MIEE_IOC_ADD, &a);
}

static int info(int fd, struct miee_info *in)
{
	memset(in, 0, sizeof(*in));
	return ioctl(fd, MIEE_IOC_INFO, in);
}

static int enter(int fd, struct miee_ioc_enter *e)
{
	memset(e, 0, sizeof(*e));
	return ioctl(fd, MIEE_IOC_ENTER, e);
}

/* Checks on struct miee_ioc_add alone: the same with or without an MIEE. */
/* MIEE_IOC_DONATE / MIEE_IOC_RECLAIM with npages, done and reserve as given. */
static int mem(int fd, unsigned long cmd, uint32_t npages, uint32_t done, uint64_t reserve,
	       struct miee_ioc_mem *out)
{
	struct miee_ioc_mem r = { .npages = npages, .done = done, .reserve = reserve };
	int ret = ioctl(fd, cmd, &r);

	if (out)
		*out = r;
	return ret;
}

/* Bad DONATE / RECLAIM structures: EINVAL or EFAULT, whatever the MIEE. */
static void mem_argument_checks(int fd, const char *when)
{
	char what[96];
	static const unsigned long cmds[2] = { MIEE_IOC_DONATE, MIEE_IOC_RECLAIM };

	for (int i = 0; i < 2; i++) {
		const char *c = i ? "RECLAIM" : "DONATE";

#define MEMCHECK(desc, call, want) \
		(snprintf(what, sizeof(what), "%s %s %s", c, desc, when), check(what, call, want))
		MEMCHECK("NULL", ioctl(fd, cmds[i], NULL), EFAULT);
		MEMCHECK("kernel pointer", ioctl(fd, cmds[i], (void *)KERNEL_ADDR), EFAULT);
		MEMCHECK("npages 0", mem(fd, cmds[i], 0, 0, 0, NULL), EINVAL);
		MEMCHECK("npages MIEE_MAX_PAGES+1", mem(fd, cmds[i], MIEE_MAX_PAGES + 1, 0, 0, NULL),
			 EINVAL);
		MEMCHECK("with done set", mem(fd, cmds[i], 1, 1, 0, NULL), EINVAL);
		MEMCHECK("with reserve set", mem(fd, cmds[i], 1, 0, 1, NULL), EINVAL);
#undef MEMCHECK
	}
}

static void add_argument_checks(int fd, uint64_t buf)
{
	check("ADD unaligned uaddr", add(fd, buf + 8, 0, 1, MIEE_P_R), EINVAL);
	check("ADD unaligned offset", add(fd, buf, 0x10, 1, MIEE_P_R), EINVAL);
	check("ADD npages 0", add(fd, buf, 0, 0, MIEE_P_R), EINVAL);
	check("ADD npages MIEE_MAX_PAGES+1", add(fd, buf, 0, MIEE_MAX_PAGES + 1, MIEE_P_R), E2BIG);
	check("ADD npages 2^32-1", add(fd, buf, 0, 0xffffffffu, MIEE_P_R), E2BIG);
	check("ADD uaddr range wraps", add(fd, -2 * PG, 0, 2, MIEE_P_R), EINVAL);
	check("ADD offset range wraps", add(fd, buf, -PG, 2, MIEE_P_R), EINVAL);
	check("ADD flags MIEE_P_ALL + 1", add(fd, buf, 0, 1, MIEE_P_ALL + 1), EINVAL);
	check("ADD flags 0x80000000", add(fd, buf, 0, 1, 0x80000000u | MIEE_P_R), EINVAL);
}

static void no_miee_checks(int fd, struct miee_init *ok_init, uint64_t buf)
{
	struct miee_info in;
	struct miee_ioc_enter e;
	uint64_t big = 0;

	check("unknown ioctl nr", ioctl(fd, _IO(MIEE_IOC_MAGIC, 0x7f)), ENOTTY);
	check("CREATE nr with a wrong size", ioctl(fd, _IOWR(MIEE_IOC_MAGIC, 1, uint32_t), &big),
	      ENOTTY);
	check("INFO nr with another magic", ioctl(fd, _IOR('X', 5, struct miee_info), &in), ENOTTY);
	check("ioctl 0", ioctl(fd, 0, 0), ENOTTY);

	check("ADD before CREATE", add(fd, buf, 0, 1, MIEE_P_R), ENXIO);
	check("INIT before CREATE", ioctl(fd, MIEE_IOC_INIT, ok_init), ENXIO);
	check("ENTER before CREATE", enter(fd, &e), ENXIO);
	check("INFO before CREATE", info(fd, &in), ENXIO);
	check("DONATE before CREATE", mem(fd, MIEE_IOC_DONATE, 1, 0, 0, NULL), ENXIO);
	check("RECLAIM before CREATE", mem(fd, MIEE_IOC_RECLAIM, 1, 0, 0, NULL), ENXIO);
	mem_argument_checks(fd, "before CREATE");
	add_argument_checks(fd, buf);

	check("CREATE NULL", ioctl(fd, MIEE_IOC_CREATE, NULL), EFAULT);
	check("CREATE kernel pointer", ioctl(fd, MIEE_IOC_CREATE, (void *)KERNEL_ADDR), EFAULT);
	check("CREATE max_pages 0", create(fd, 0, NULL), EINVAL);
	check("CREATE max_pages MIEE_MAX_PAGES+1", create(fd, MIEE_MAX_PAGES + 1, NULL), E2BIG);
	check("CREATE max_pages 2^32-1", create(fd, 0xffffffffu, NULL), E2BIG);
	check_pins("no MIEE: nothing pinned", 0);
}

/*
 * Pages that add_pin_checks() cannot pin: each ADD must fail with EFAULT
 * and leave nothing pinned.
 */
static void add_pin_checks(int fd)
{
	char *ro = map(1, PROT_READ);
	char *hole = map(3, PROT_READ | PROT_WRITE);
	char *gone = map(1, PROT_READ | PROT_WRITE);

	munmap(hole + 2 * PG, PG);
	munmap(gone, PG);
	check("ADD uaddr NULL", add(fd, 0, 0, 1, MIEE_P_R), EFAULT);
	check("ADD uaddr unmapped", add(fd, (uintptr_t)gone, 0, 1, MIEE_P_R), EFAULT);
	check("ADD last page unmapped", add(fd, (uintptr_t)hole, 0, 3, MIEE_P_R), EFAULT);
	check("ADD kernel address", add(fd, KERNEL_ADDR, 0, 1, MIEE_P_R), EFAULT);
	check("ADD non-canonical address", add(fd, NONCANONICAL, 0, 1, MIEE_P_R), EFAULT);
	check("ADD read-only mapping", add(fd, (uintptr_t)ro, 0, 1, MIEE_P_R), EFAULT);
	check_pins("failed pins released", 0);
	munmap(ro, PG);
	munmap(hole, 2 * PG);
}

/*
 * A small MIEE image whose state HC_MIEE_INIT must accept: 4-level page
 * tables at 0x1000-0x4fff mapping offsets 0x1000-0x7fff one to one, code at
 * 0x5000 (HC_MIEE_EXIT with status 7), GDT and IDT at 0x6000, stack 0x7000.
 */
#define IMG_PAGES 7
static void build_image(unsigned char *img, struct miee_init *init)
{
	static const unsigned char code[] = {
		0xb8, HC_MIEE_EXIT, 0, 0, 0,	/* mov $HC_MIEE_EXIT, %eax */
		0xbb, 7, 0, 0, 0,		/* mov $7, %ebx */
		0x0f, 0x01, 0xc1,		/* vmcall (vmmcall: 0f 01 d9) */
		0x0f, 0x0b,			/* ud2 */
	};
	uint64_t *pml4 = (uint64_t *)img, *pdpt = pml4 + 512, *pd = pdpt + 512, *pt = pd + 512;
	uint64_t *gdt = (uint64_t *)(img + 5 * PG);
	int i;

	memset(img, 0, IMG_PAGES * PG);
	pml4[0] = 0x2000 | 3;
	pdpt[0] = 0x3000 | 3;
	pd[0] = 0x4000 | 3;
	for (i = 1; i <= IMG_PAGES; i++)
		pt[i] = (uint64_t)i * PG | 3;
	memcpy(img + 4 * PG, code, sizeof(code));
	if (hvc_detect() == 2)
		img[4 * PG + 12] = 0xd9;
	gdt[1] = 0x00af9b000000ffffull;	/* 64-bit code, DPL 0, accessed */
	gdt[2] = 0x00cf93000000ffffull;	/* data, DPL 0, accessed */
	memset(init, 0, sizeof(*init));
	init->rip = 0x5000;
	init->rsp = 0x8000;
	init->cr3 = 0x1000;
	init->gdt_base = 0x6000;
	init->gdt_limit = 3 * 8 - 1;
	init->idt_base = 0x6800;
	init->idt_limit = 32 * 16 - 1;
	init->cs = 0x08;
	init->ds = 0x10;
}

static int add_image(int fd, unsigned char *img)
{
	uintptr_t u = (uintptr_t)img;
	const uint32_t rwm = MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED;

	return add(fd, u, 0x1000, 4, rwm) || add(fd, u + 4 * PG, 0x5000, 1,
						    MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED) ||
		add(fd, u + 5 * PG, 0x6000, 1, MIEE_P_R | MIEE_P_MEASURED) ||
		add(fd, u + 6 * PG, 0x7000, 1, MIEE_P_R | MIEE_P_W) ? -1 : 0;
}

/* fd1 has MIEE 1 page, pinned. The lifecycle with bad calls in between. */
static void lifecycle_checks(void)
{
	unsigned char *img = map(IMG_PAGES, PROT_READ | PROT_WRITE);
	unsigned char *extra = map(1, PROT_READ | PROT_WRITE);
	struct miee_init init, bad;
	struct miee_info in;
	struct miee_ioc_enter e;
	int fd = open_miee(), i, r = 0;

	build_image(img, &init);
	if (!check("image: CREATE", create(fd, 16, NULL), 0) ||
	    !check("image: ADD its pages", add_image(fd, img), 0))
		goto out;
	check_pins("image: its pages pinned", 1 + IMG_PAGES);
	check("image: INIT NULL", ioctl(fd, MIEE_IOC_INIT, NULL), EFAULT);
	bad = init;
	bad.cr3 = 1ull << 40;
	check("image: INIT with cr3 outside the MIEE", ioctl(fd, MIEE_IOC_INIT, &bad), EINVAL);
	if (!check("image: INIT", ioctl(fd, MIEE_IOC_INIT, &init), 0))
		goto out;
	check("image: second INIT", ioctl(fd, MIEE_IOC_INIT, &init), EBUSY);
	check("image: ADD after INIT", add(fd, (uintptr_t)extra, 0x9000, 1, MIEE_P_R), EBUSY);
	check_pins("image: refused ADD released its pin", 1 + IMG_PAGES);
	if (check("image: INFO", info(fd, &in), 0) &&
	    (in.state != MIEE_S_READY || in.pages != IMG_PAGES || !in.measurement_ready)) {
		printf("  state %u pages %u measurement_ready %llu\n", in.state, in.pages,
		       (unsigned long long)in.measurement_ready);
		fail("image: INFO after INIT: want READY, 7 pages, measurement ready");
	}
	/* Its reserve: donations within max_pages, reclaims of what is there. */
	{
		struct miee_ioc_mem r;

		mem_argument_checks(fd, "when READY");
		if (check("image: DONATE 2", mem(fd, MIEE_IOC_DONATE, 2, 0, 0, &r), 0) &&
		    (r.done != 2 || r.reserve != 2))
			fail("image: DONATE 2: want done 2, reserve 2");
		check("image: DONATE past max_pages", mem(fd, MIEE_IOC_DONATE, 16 - IMG_PAGES - 1,
							   0, 0, NULL), ENOSPC);
		if (check("image: INFO after the donations", info(fd, &in), 0) &&
		    (in.reserve != 2 || in.mapped != 0 || in.pages != IMG_PAGES + 2))
			fail("image: INFO: want reserve 2, mapped 0, pages 2 more: a refused "
			     "DONATE left something behind");
		if (check("image: RECLAIM 5", mem(fd, MIEE_IOC_RECLAIM, 5, 0, 0, &r), 0) &&
		    (r.done != 2 || r.reserve != 0))
			fail("image: RECLAIM 5: want done 2, reserve 0");
		if (check("image: RECLAIM of an empty reserve", mem(fd, MIEE_IOC_RECLAIM, 1, 0, 0,
								     &r), 0) && r.done)
			fail("image: RECLAIM of an empty reserve: want done 0");
		check("image: DONATE 1 (kept until close)", mem(fd, MIEE_IOC_DONATE, 1, 0, 0, NULL), 0);
	}
	/* It runs to its HC_MIEE_EXIT; then it can only be destroyed. */
	for (i = 0; i < 1000; i++) {
		r = enter(fd, &e);
		if (r < 0 || e.reason != MIEE_EXIT_INTERRUPTED)
			break;
	}
	if (check("image: ENTER until it ends", r, 0)) {
		printf("  exit reason %u info %llu info2 0x%llx after %d interrupts\n", e.reason,
		       (unsigned long long)e.info, (unsigned long long)e.info2, i);
		/* The image's code is HC_MIEE_EXIT with status 7: anything
		 * else (a fault, another status) means it did not run as built. */
		if (e.reason != MIEE_EXIT_DONE || e.info != 7)
			fail("image: ENTER: want exit reason DONE (1) with status 7");
	}
	check("image: ENTER after it ended", enter(fd, &e), EBUSY);
out:
	close(fd);
	check_pins("image: closed, its pages unpinned", 1);
	munmap(img, IMG_PAGES * PG);
	munmap(extra, PG);
}

/* A process killed with an MIEE: its pages must come back. */
static void kill_checks(void)
{
	int p[2], st;
	char c;
	pid_t pid;

	if (pipe(p) < 0) {
		perror("pipe");
		exit(1);
	}
	pid = fork();
	if (pid == 0) {
		char *buf = map(4, PROT_READ | PROT_WRITE);
		int fd = open_miee();

		c = create(fd, 8, NULL) || add(fd, (uintptr_t)buf, 0, 4, MIEE_P_R | MIEE_P_W);
		if (write(p[1], &c, 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c)
		fail("kill: child could not create and add 4 pages");
	else
		check_pins("kill: child's 4 pages pinned", 4);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(p[0]);
	check_pins("kill: child killed, its pages unpinned", 0);
}

/* All MIEE_MAX ids, twice: closing must give every one back. */
static void slot_checks(void)
{
	int fds[MIEE_MAX + 1], round, i, ok;

	for (round = 0; round < 2; round++) {
		ok = 1;
		for (i = 0; i <= MIEE_MAX; i++) {
			fds[i] = open_miee();
			if (i < MIEE_MAX && create(fds[i], 1, NULL) < 0) {
				printf("FAIL slots: CREATE %d of %d: %s\n", i + 1, MIEE_MAX,
				       ename(errno));
				failures++;
				ok = 0;
			}
		}
		if (ok)
			check("slots: CREATE beyond MIEE_MAX", create(fds[MIEE_MAX], 1, NULL),
			      ENOSPC);
		for (i = 0; i <= MIEE_MAX; i++)
			close(fds[i]);
	}
}

/*
 * One ADD larger than a hypercall's list whose later frames repeat earlier
 * ones (a memfd mapped twice, back to back): the chunks before the bad one
 * stay in the MIEE, pinned, and nothing else does.
 */
static void partial_add_checks(void)
{
	const size_t n = 200, dup = 100;
	struct miee_info in;
	int mfd = memfd_create("miee-dup", 0), fd;
	char *r;
	long p;

	if (mfd < 0 || ftruncate(mfd, n * PG) < 0) {
		perror("memfd");
		exit(1);
	}
	r = mmap(NULL, (n + dup) * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (r == MAP_FAILED ||
	    mmap(r + n * PG, dup * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0) ==
	    MAP_FAILED) {
		perror("mmap memfd");
		exit(1);
	}
	memset(r, 0x5a, n * PG);
	fd = open_miee();
	if (!check("partial: CREATE", create(fd, 512, NULL), 0))
		goto out;
	check2("partial: ADD with repeated frames", add(fd, (uintptr_t)r, 0, n + dup,
							MIEE_P_R | MIEE_P_W), EEXIST, EACCES);
	p = pins();
	if (check("partial: INFO", info(fd, &in), 0)) {
		printf("  MIEE kept %u of %zu pages\n", in.pages, n + dup);
		if (in.pages >= n || (p >= 0 && pin_base >= 0 && p - pin_base != in.pages))
			fail("partial: pages kept and pages pinned differ, or a bad chunk was kept");
	}
out:
	close(fd);
	check_pins("partial: closed, all unpinned", 0);
	munmap(r, (n + dup) * PG);
	close(mfd);
}

int main(void)
{
	unsigned char *page = map(1, PROT_READ | PROT_WRITE);
	unsigned char *other = map(1, PROT_READ | PROT_WRITE);
	uint64_t buf = (uintptr_t)page;
	struct miee_init init;
	struct miee_info in;
	struct miee_ioc_enter e;
	unsigned char *img = map(IMG_PAGES, PROT_READ | PROT_WRITE);
	uint32_t id = 0;
	int fd, r;

	if (access("/dev/miee", F_OK) != 0 &&
	    system("insmod /lib/modules/extra/miee_drv.ko") != 0) {
		printf("FAIL insmod /lib/modules/extra/miee_drv.ko\n");
		return 1;
	}
	pin_base = pins();
	if (pin_base < 0)
		printf("no FOLL_PIN counters in /proc/vmstat: the pin checks cannot run\n");
	build_image(img, &init);
	fd = open_miee();
	no_miee_checks(fd, &init, buf);

	r = create(fd, 16, &id);
	if (r < 0 && errno == ENOSYS) {
		printf("FAIL CREATE: the hypervisor has no HC_MIEE_* calls (HVE_NOSYS)\n");
		return 1;
	}
	if (!check("CREATE max_pages 16", r, 0))
		return 1;
	if (id < 1 || id > MIEE_MAX)
		fail("CREATE: id outside 1..MIEE_MAX");
	check("second CREATE", create(fd, 16, NULL), EBUSY);
	check("ADD NULL", ioctl(fd, MIEE_IOC_ADD, NULL), EFAULT);
	check("INIT NULL", ioctl(fd, MIEE_IOC_INIT, NULL), EFAULT);
	check("ENTER NULL", ioctl(fd, MIEE_IOC_ENTER, NULL), EFAULT);
	check("INFO NULL", ioctl(fd, MIEE_IOC_INFO, NULL), EFAULT);
	check("INFO kernel pointer", ioctl(fd, MIEE_IOC_INFO, (void *)KERNEL_ADDR), EFAULT);
	add_argument_checks(fd, buf);
	check("ADD more pages than max_pages", add(fd, (uintptr_t)img, 0, 17, MIEE_P_R), ENOSPC);
	add_pin_checks(fd);
	check("ENTER before INIT", enter(fd, &e), EBUSY);
	check("DONATE before INIT", mem(fd, MIEE_IOC_DONATE, 1, 0, 0, NULL), EBUSY);
	check("RECLAIM before INIT", mem(fd, MIEE_IOC_RECLAIM, 1, 0, 0, NULL), EBUSY);
	if (check("INFO", info(fd, &in), 0) && (in.state != MIEE_S_ADDING || in.pages))
		fail("INFO: want state ADDING, 0 pages");

	check("ADD one page", add(fd, buf, 0, 1, MIEE_P_R | MIEE_P_W), 0);
	check_pins("one page pinned", 1);
	check("ADD another page at the same offset", add(fd, (uintptr_t)other, 0, 1, MIEE_P_R),
	      EEXIST);
	check2("ADD the same page at another offset", add(fd, buf, PG, 1, MIEE_P_R), EEXIST,
	       EACCES);
	check_pins("refused ADDs released their pins", 1);
	if (check("INFO", info(fd, &in), 0) && in.pages != 1)
		fail("INFO: want 1 page");

	lifecycle_checks();
	close(fd);
	check_pins("closed: nothing pinned", 0);
	kill_checks();
	partial_add_checks();
	slot_checks();
	check_pins("end: nothing pinned", 0);

	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	if (!failures && pin_base < 0) {
		/* Everything else passed, but part of the test did not run. */
		printf("SKIP: pin checks not run (no FOLL_PIN counters)\n");
		return 77;
	}
	return failures ? 1 : 0;
}
