/* The runner's side of the MIEE (tools/miee-image.h, miee-sha256.h,
 * miee-pal.h): its SHA-256 against OpenSSL, the image layout, the
 * measurement (recomputed independently with OpenSSL, sensitive to every
 * page's place and rights, max_pages and the initial state, blind only to
 * the contents of unmeasured pages), and the test PAL itself run in an
 * emulated MIEE: its code copied to the MIEE addresses of this process,
 * its hypercall and CPUID instructions rewritten into UD2 (so they trap on
 * any host: bare metal, KVM or another hypervisor), forbidden accesses
 * trapped as SIGSEGV. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../tools/miee-image.h"
#include "../../tools/miee-pal.h"

static void openssl_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

static void test_sha256_vs_openssl(void **state)
{
	static unsigned char data[5000];
	static const size_t lens[] = { 0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128,
				       129, 1000, 4096, 4108, 5000 };
	unsigned char a[32], b[32];
	struct mh_sha256 s;
	size_t i, j, chunk;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + (i >> 8));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		openssl_sha256(data, lens[i], b);
		/* one call, and in uneven pieces */
		mh_sha256_init(&s);
		mh_sha256_update(&s, data, lens[i]);
		mh_sha256_final(&s, a);
		assert_memory_equal(a, b, 32);
		for (chunk = 1; chunk < 100; chunk += 13) {
			mh_sha256_init(&s);
			for (j = 0; j < lens[i]; j += chunk)
				mh_sha256_update(&s, data + j, lens[i] - j < chunk ? lens[i] - j : chunk);
			mh_sha256_final(&s, a);
			assert_memory_equal(a, b, 32);
		}
	}
	/* FIPS 180-4 example "abc" */
	mh_sha256_init(&s);
	mh_sha256_update(&s, "abc", 3);
	mh_sha256_final(&s, a);
	miee_hex(a, 32, (char *)data);
	assert_string_equal((char *)data,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* A fake PAL body: the layout does not care what the code is. */
static unsigned char fake_code[1500];

static unsigned char *new_image(struct miee_image *im)
{
	unsigned char *buf = aligned_alloc(MIEE_PG, MIEE_IMG_SIZE);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < sizeof(fake_code); i++)
		fake_code[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(miee_image_build(im, buf, fake_code, sizeof(fake_code), 0x123), 0);
	return buf;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void test_layout(void **state)
{
	struct miee_image im;
	unsigned char *buf = new_image(&im);
	unsigned char seen[MIEE_IMG_PAGES] = { 0 };
	unsigned measured = 0;
	uint64_t i;
	int r;

	(void)state;
	/* Page tables: identity, [0, 2 MiB) in 4 KiB pages, the rest of the
	 * first GiB in 2 MiB pages. */
	assert_int_equal(get64(buf + MIEE_IMG_PML4) & ~0xfffull, MIEE_IMG_PDPT);
	assert_int_equal(get64(buf + MIEE_IMG_PDPT) & ~0xfffull, MIEE_IMG_PD);
	assert_int_equal(get64(buf + MIEE_IMG_PD) & ~0xfffull, MIEE_IMG_PT);
	assert_int_equal(get64(buf + MIEE_IMG_PD) & MIEE_PTE_PS, 0);
	for (i = 0; i < 512; i++) {
		uint64_t pte = get64(buf + MIEE_IMG_PT + 8 * i);

		assert_int_equal(pte & ~0xfffull, i << 12);
		assert_true(pte & MIEE_PTE_P);
		if (i) {
			uint64_t pde = get64(buf + MIEE_IMG_PD + 8 * i);

			assert_int_equal(pde & ~0xfffull, i << 21);
			assert_true((pde & MIEE_PTE_P) && (pde & MIEE_PTE_PS));
		}
	}
	assert_int_equal(get64(buf + MIEE_IMG_PML4 + 8), 0);	/* nothing else */
	assert_int_equal(get64(buf + MIEE_IMG_PDPT + 8), 0);
	/* GDT: null, code 0x08 (L=1, P), data 0x10. */
	assert_int_equal(get64(buf + MIEE_IMG_GDT), 0);
	assert_true(get64(buf + MIEE_IMG_GDT + 8) & (1ull << 53));
	assert_true(get64(buf + MIEE_IMG_GDT + 8) & (1ull << 47));
	assert_true(get64(buf + MIEE_IMG_GDT + 16) & (1ull << 47));
	assert_memory_equal(buf + MIEE_IMG_CODE, fake_code, sizeof(fake_code));

	/* Regions: aligned, inside the range, disjoint, W^X, exactly one shared
	 * page (never measured nor executable), everything else measured. */
	for (r = 0; r < im.nregions; r++) {
		const struct miee_region *g = &im.regions[r];

		assert_int_equal(g->offset % MIEE_PG, 0);
		assert_true(g->offset + (uint64_t)g->npages * MIEE_PG <= MIEE_IMG_SIZE);
		assert_false((g->flags & MIEE_P_W) && (g->flags & MIEE_P_X));
		assert_int_equal(g->flags & ~MIEE_P_ALL, 0);
		if (g->flags & MIEE_P_SHARED) {
			assert_int_equal(g->offset, MIEE_IMG_SHARED);
			assert_int_equal(g->npages, 1);
			assert_int_equal(g->flags & (MIEE_P_MEASURED | MIEE_P_X), 0);
		} else {
			assert_true(g->flags & MIEE_P_MEASURED);
			measured += g->npages;
		}
		for (i = 0; i < g->npages; i++) {
			assert_false(seen[g->offset / MIEE_PG + i]);
			seen[g->offset / MIEE_PG + i] = 1;
		}
	}
	assert_int_equal(measured, 13);
	assert_true(seen[MIEE_IMG_CODE / MIEE_PG] && seen[MIEE_IMG_DATA / MIEE_PG]);
	assert_false(seen[0x8000 / MIEE_PG] || seen[0x9000 / MIEE_PG]);	/* the guard */
	assert_true(seen[(MIEE_IMG_STACK_TOP - 8) / MIEE_PG]);

	/* Initial state. */
	assert_int_equal(im.init.rip, MIEE_IMG_CODE + 0x123);
	assert_int_equal(im.init.rsp % 16, 8);
	assert_int_equal(im.init.cr3, 0);
	assert_int_equal(im.init.gdt_base, MIEE_IMG_GDT);
	assert_int_equal(im.init.gdt_limit, 23);
	assert_int_equal(im.init.idt_base, 0);
	assert_int_equal(im.init.idt_limit, 0);
	assert_int_equal(im.init.cs, 0x08);
	assert_int_equal(im.init.ds, 0x10);
	assert_int_equal(im.init.arg, MIEE_IMG_SHARED);

	/* Too much code, or an entry outside it, is refused. */
	assert_int_equal(miee_image_build(&im, buf, buf, MIEE_IMG_CODE_PAGES * MIEE_PG + 1, 0), -1);
	assert_int_equal(miee_image_build(&im, buf, fake_code, 10, 10), -1);
	free(buf);
}

/* The definition of include/hv/miee.h (version 2), written out again with
 * OpenSSL. */
static void measure_openssl(const struct miee_image *im, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char hdr[13];
	unsigned int len = 0;
	uint32_t k, n = 0;
	int r, i;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(c, "MIEE-MEASURE/v3", 16);
	for (i = 0; i < 4; i++)
		hdr[i] = (unsigned char)(im->max_pages >> (8 * i));
	EVP_DigestUpdate(c, hdr, 4);
	for (r = 0; r < im->nregions; r++) {
		for (k = 0; k < im->regions[r].npages; k++) {
			uint64_t off = im->regions[r].offset + (uint64_t)k * MIEE_PG;

			hdr[0] = 'P';
			for (i = 0; i < 8; i++)
				hdr[1 + i] = (unsigned char)(off >> (8 * i));
			for (i = 0; i < 4; i++)
				hdr[9 + i] = (unsigned char)(im->regions[r].flags >> (8 * i));
			EVP_DigestUpdate(c, hdr, 13);
			if (im->regions[r].flags & MIEE_P_MEASURED)
				EVP_DigestUpdate(c, im->buf + off, MIEE_PG);
			n++;
		}
	}
	hdr[0] = 'I';
	for (i = 0; i < 4; i++)
		hdr[1 + i] = (unsigned char)(n >> (8 * i));
	EVP_DigestUpdate(c, hdr, 5);
	/* x86-64 is little-endian and the struct has no padding (56 bytes). */
	EVP_DigestUpdate(c, &im->init, sizeof(im->init));
	EVP_DigestFinal_ex(c, out, &len);
	EVP_MD_CTX_free(c);
}

/* im's measurement, which OpenSSL must agree with, differs from base. */
static void assert_measure_differs(const struct miee_image *im, const unsigned char base[32])
{
	unsigned char a[32], b[32];

	miee_image_measure(im, a);
	measure_openssl(im, b);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, base, 32);
}

static void test_measurement(void **state)
{
	struct miee_image im, im2;
	unsigned char *buf = new_image(&im), *buf2 = new_image(&im2);
	unsigned char a[32], b[32], base[32];

	(void)state;
	miee_image_measure(&im, base);
	measure_openssl(&im, b);
	assert_memory_equal(base, b, 32);
	assert_int_equal(im.max_pages, MIEE_IMG_PAGES);

	/* Two images built the same way measure the same. */
	miee_image_measure(&im2, a);
	assert_memory_equal(a, base, 32);

	/* One byte of code differs: different measurement (and OpenSSL agrees). */
	buf2[MIEE_IMG_CODE + 700] ^= 1;
	assert_measure_differs(&im2, base);
	buf2[MIEE_IMG_CODE + 700] ^= 1;

	/* Last byte of the stack, a page-table byte, the zero data page. */
	buf2[MIEE_IMG_STACK_TOP - 1] = 1;
	miee_image_measure(&im2, a);
	assert_memory_not_equal(a, base, 32);
	buf2[MIEE_IMG_STACK_TOP - 1] = 0;
	buf2[MIEE_IMG_PT + 8] ^= 0x80;
	miee_image_measure(&im2, a);
	assert_memory_not_equal(a, base, 32);
	buf2[MIEE_IMG_PT + 8] ^= 0x80;
	buf2[MIEE_IMG_DATA + 4095] = 0x5e;
	miee_image_measure(&im2, a);
	assert_memory_not_equal(a, base, 32);
	buf2[MIEE_IMG_DATA + 4095] = 0;

	/* The shared page's contents are not measured: any content, same
	 * measurement. Nor is memory never added. */
	memset(buf2 + MIEE_IMG_SHARED, 0xa5, MIEE_PG);
	miee_image_measure(&im2, a);
	assert_memory_equal(a, base, 32);
	memset(buf2 + MIEE_IMG_GUARD, 0x3c, 2 * MIEE_PG);
	miee_image_measure(&im2, a);
	assert_memory_equal(a, base, 32);

	/* But the guard matters once a page is added there, unmeasured or not:
	 * the review's forgery (the genuine image plus an unmeasured page of
	 * the OS's code at 0x8000) no longer measures as the genuine PAL. The
	 * unmeasured page's contents are still not hashed; its place and
	 * rights are. */
	assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_GUARD, 1,
					       MIEE_P_R | MIEE_P_W | MIEE_P_X), 0);
	assert_measure_differs(&im2, base);
	miee_image_measure(&im2, a);
	im2.regions[im2.nregions - 1].flags = MIEE_P_R | MIEE_P_X;
	assert_measure_differs(&im2, base);
	assert_measure_differs(&im2, a);
	miee_image_measure(&im2, a);
	memset(buf2 + MIEE_IMG_GUARD, 0xc3, MIEE_PG);
	miee_image_measure(&im2, b);
	assert_memory_equal(a, b, 32);
	im2.regions[im2.nregions - 1].flags = MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED;
	assert_measure_differs(&im2, a);
	im2.regions[im2.nregions - 1].offset = MIEE_IMG_GUARD + MIEE_PG;
	assert_measure_differs(&im2, base);
	im2.nregions--;
	memset(buf2 + MIEE_IMG_GUARD, 0, 2 * MIEE_PG);
	memset(buf2 + MIEE_IMG_SHARED, 0, MIEE_PG);
	miee_image_measure(&im2, a);
	assert_memory_equal(a, base, 32);

	/* The shared page: its rights and its place. */
	im2.regions[4].flags &= ~MIEE_P_W;
	assert_measure_differs(&im2, base);
	im2.regions[4].flags |= MIEE_P_W;
	im2.regions[4].offset = MIEE_IMG_GUARD;
	assert_measure_differs(&im2, base);
	im2.regions[4].offset = MIEE_IMG_SHARED;
	/* max_pages. */
	im2.max_pages = MIEE_IMG_PAGES + 1;
	assert_measure_differs(&im2, base);
	im2.max_pages = MIEE_IMG_PAGES;

	/* The initial state and the page flags are measured. */
	im2.init.arg = MIEE_IMG_SHARED + 8;
	miee_image_measure(&im2, a);
	assert_memory_not_equal(a, base, 32);
	im2.init.arg = MIEE_IMG_SHARED;
	im2.init.idt_limit = 0xfff;
	miee_image_measure(&im2, a);
	assert_memory_not_equal(a, base, 32);
	im2.init.idt_limit = 0;
	im2.regions[1].flags |= MIEE_P_W;
	assert_measure_differs(&im2, base);
	im2.regions[1].flags &= ~MIEE_P_W;
	/* So is the order pages were added in. */
	{
		struct miee_region t = im2.regions[1];

		im2.regions[1] = im2.regions[2];
		im2.regions[2] = t;
		miee_image_measure(&im2, a);
		assert_memory_not_equal(a, base, 32);
		im2.regions[2] = im2.regions[1];
		im2.regions[1] = t;
	}
	miee_image_measure(&im2, a);
	assert_memory_equal(a, base, 32);

	/* miee_image_add_region refuses what does not fit. */
	assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_SIZE, 1, MIEE_P_R), -1);
	assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_GUARD + 1, 1, MIEE_P_R), -1);
	assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_SHARED, 2, MIEE_P_R), -1);
	while (im2.nregions < MIEE_IMG_MAX_REGIONS)
		assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_GUARD, 1, MIEE_P_R), 0);
	assert_int_equal(miee_image_add_region(&im2, MIEE_IMG_GUARD, 1, MIEE_P_R), -1);
	free(buf);
	free(buf2);
}

/* ---- the PAL in an emulated MIEE ----------------------------------------
 * A child process maps the MIEE's pages at their MIEE addresses (0x5000
 * up; the PAL never touches the page tables and GDT below, the CPU does),
 * with the nested table's permissions; the address just past the range and
 * the jump target are reserved inaccessible.
 *
 * The PAL's VMCALL/VMMCALL and CPUID must never run for real here: under a
 * hypervisor (this machine is a KVM guest) a user-mode VMCALL is answered by
 * the host's hypervisor instead of raising #UD, and CPUID 0x40000001 reads
 * that hypervisor's leaves. So every such instruction in the emulator's copy
 * of the executable pages becomes UD2 (same length or shorter, padded with
 * NOP) and is recorded in a site table; the SIGILL handler looks the address
 * up and plays the hypervisor and the runner. A UD2 that is not a recorded
 * site is the PAL's own #UD. After the rewrite no hypercall byte sequence
 * is left in executable memory, so none can execute, whatever the host.
 * attest/miee-pal-check.sh checks at build time that each of these byte
 * sequences in the PAL's section is a real instruction, so the rewrite never
 * hits an operand. Each test runs the PAL as on Intel (VMCALL) and as on AMD
 * (VMMCALL): the emulated CPUID tells it which. */

struct emu_result {
	int reason;		/* MIEE_EXIT_DONE or MIEE_EXIT_FAULT; 0 none; -1 skip */
	uint64_t info, info2;
	uint64_t hostcalls, refused, yields;
	uint64_t sum, fnv, doubled, rounds;
	int secret_seen;	/* the pattern was in the data page during a yield */
};

enum emu_site_kind { EMU_SITE_VMCALL = 1, EMU_SITE_VMMCALL, EMU_SITE_CPUID };

struct emu_site {
	uint64_t addr;
	enum emu_site_kind kind;
	unsigned len;		/* of the original instruction */
};

#define EMU_MAX_SITES 64

static struct {
	int fd;
	int lie, tamper;
	int vmm;		/* the emulated CPU is AMD: VMMCALL is the hypercall */
	uint64_t yields_wanted;
	struct emu_site sites[EMU_MAX_SITES];
	int nsites;
	struct emu_result res;
} emu;

/* The emulated platform: Intel (VMCALL) or AMD (VMMCALL). */
static const int emu_flavor_vmcall = 0, emu_flavor_vmmcall = 1;
static int emu_flavor;

#define EMU_SH ((volatile struct miee_pal_shared *)(uintptr_t)MIEE_IMG_SHARED)
#define EMU_JUMP 0x1000000ull

static void emu_report(void)
{
	ssize_t w = write(emu.fd, &emu.res, sizeof(emu.res));

	_exit(w == (ssize_t)sizeof(emu.res) ? 0 : 1);
}

static uint64_t emu_serve(uint64_t nr)
{
	volatile uint64_t *data = (volatile uint64_t *)(uintptr_t)MIEE_IMG_DATA;
	uint64_t x, i;

	emu.res.hostcalls++;
	if (nr == MIEE_PAL_HC_PRINT)
		return 0;
	if (nr == MIEE_PAL_HC_DOUBLE) {
		x = EMU_SH->call_in;
		EMU_SH->call_out = emu.lie ? 2 * x + 1 : 2 * x;
		return 0;
	}
	if (nr == MIEE_PAL_HC_YIELD) {
		emu.res.secret_seen = 1;
		for (i = 0; i < MIEE_PG / 8; i++)
			if (data[i] != MIEE_PAL_SECRET_WORD(i))
				emu.res.secret_seen = 0;
		if (emu.tamper)
			data[100] ^= 1;	/* what no OS must be able to do */
		return ++emu.res.yields < emu.yields_wanted ? MIEE_PAL_GO : MIEE_PAL_STOP;
	}
	emu.res.refused++;
	return MIEE_PAL_HC_ERR;
}

static void emu_done(int reason, uint64_t info, uint64_t info2)
{
	emu.res.reason = reason;
	emu.res.info = info;
	emu.res.info2 = info2;
	emu.res.sum = EMU_SH->sum;
	emu.res.fnv = EMU_SH->fnv;
	emu.res.doubled = EMU_SH->doubled;
	emu.res.rounds = EMU_SH->rounds;
	emu_report();
}

/* Rewrite every VMCALL (0f 01 c1), VMMCALL (0f 01 d9) and CPUID (0f a2) in
 * [p, p + n) into UD2 (0f 0b), NOP-padded, and record the site. Returns the
 * number rewritten, -1 when the site table is full. */
static int emu_rewrite(unsigned char *p, size_t n)
{
	size_t i;
	int found = 0;

	for (i = 0; i + 1 < n; i++) {
		enum emu_site_kind kind = 0;
		unsigned len = 0;

		if (p[i] != 0x0f)
			continue;
		if (p[i + 1] == 0xa2) {
			kind = EMU_SITE_CPUID;
			len = 2;
		} else if (i + 2 < n && p[i + 1] == 0x01 && (p[i + 2] == 0xc1 || p[i + 2] == 0xd9)) {
			kind = p[i + 2] == 0xc1 ? EMU_SITE_VMCALL : EMU_SITE_VMMCALL;
			len = 3;
		}
		if (!kind)
			continue;
		if (emu.nsites == EMU_MAX_SITES)
			return -1;
		emu.sites[emu.nsites++] = (struct emu_site){ (uint64_t)(uintptr_t)(p + i), kind, len };
		p[i] = 0x0f;
		p[i + 1] = 0x0b;
		if (len == 3)
			p[i + 2] = 0x90;
		i += len - 1;
		found++;
	}
	return found;
}

static const struct emu_site *emu_site_at(uint64_t rip)
{
	int i;

	for (i = 0; i < emu.nsites; i++)
		if (emu.sites[i].addr == rip)
			return &emu.sites[i];
	return NULL;
}

/* CPUID as our hypervisor answers it inside an MIEE: only the leaves the
 * PAL asks for (include/hv/hypercall.h); anything else reads as zero. */
static void emu_cpuid(greg_t *g)
{
	uint32_t leaf = (uint32_t)g[REG_RAX];

	g[REG_RAX] = g[REG_RBX] = g[REG_RCX] = g[REG_RDX] = 0;
	if (leaf == HV_CPUID_FEATURES)
		g[REG_RAX] = emu.vmm ? HV_FEAT_VMMCALL : 0;
}

static void emu_sigill(int sig, siginfo_t *si, void *ctx)
{
	greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const struct emu_site *site = emu_site_at((uint64_t)g[REG_RIP]);

	(void)sig;
	(void)si;
	if (site && site->kind == EMU_SITE_CPUID) {
		emu_cpuid(g);
		g[REG_RIP] += site->len;
		return;
	}
	if (site && site->kind != (emu.vmm ? EMU_SITE_VMMCALL : EMU_SITE_VMCALL)) {
		/* The other vendor's hypercall instruction raises #UD. */
		emu_done(MIEE_EXIT_FAULT, MIEE_F_TRIPLE, (uint64_t)g[REG_RIP]);
	}
	if (site) {
		uint64_t nr = (uint64_t)g[REG_RAX], arg = (uint64_t)g[REG_RBX];

		if (nr == HC_MIEE_EXIT)
			emu_done(MIEE_EXIT_DONE, arg, 0);
		if (nr != HC_MIEE_HOSTCALL)
			emu_done(MIEE_EXIT_FAULT, MIEE_F_BADCALL, nr);
		g[REG_RAX] = (greg_t)emu_serve(arg);
		/* The OS ran in between: the PAL must not rely on what it
		 * declared clobbered. */
		g[REG_RCX] = g[REG_RDX] = g[REG_RSI] = g[REG_RDI] = (greg_t)0xdead0000dead0000ull;
		g[REG_R8] = g[REG_R9] = g[REG_R10] = g[REG_R11] = (greg_t)0xbad0bad0bad0bad0ull;
		g[REG_RIP] += site->len;
		return;
	}
	/* Any other #UD: the IDT (limit 0) cannot take it. */
	emu_done(MIEE_EXIT_FAULT, MIEE_F_TRIPLE, (uint64_t)g[REG_RIP]);
}

static void emu_sigsegv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	emu_done(MIEE_EXIT_FAULT, MIEE_F_NPF, (uint64_t)(uintptr_t)si->si_addr);
}

static int emu_map(uint64_t addr, size_t len, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	return p == (void *)(uintptr_t)addr ? 0 : -1;
}

static void emu_child(uint64_t mode)
{
	static unsigned char altstack[65536];
	struct miee_image im;
	unsigned char *img = aligned_alloc(MIEE_PG, MIEE_IMG_SIZE);
	const unsigned char *code;
	size_t len, entry;
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	int r;

	code = miee_pal_code(&len, &entry);
	if (!img || miee_image_build(&im, img, code, len, entry))
		_exit(2);
	/* The MIEE's pages from 0x5000 on at their own addresses; the guard,
	 * the address past the range and the jump target reserved. */
	if (emu_map(MIEE_IMG_CODE, MIEE_IMG_SIZE - MIEE_IMG_CODE, PROT_READ | PROT_WRITE) ||
	    emu_map(MIEE_IMG_SIZE, MIEE_PG, PROT_NONE) || emu_map(EMU_JUMP, MIEE_PG, PROT_NONE)) {
		emu.res.reason = -1;
		emu_report();
	}
	memcpy((void *)(uintptr_t)MIEE_IMG_CODE, img + MIEE_IMG_CODE, MIEE_IMG_SIZE - MIEE_IMG_CODE);
	for (r = 0; r < im.nregions; r++) {
		const struct miee_region *g = &im.regions[r];
		int prot = (g->flags & MIEE_P_R ? PROT_READ : 0) | (g->flags & MIEE_P_W ? PROT_WRITE : 0) |
			   (g->flags & MIEE_P_X ? PROT_EXEC : 0);

		if (g->offset >= MIEE_IMG_CODE && (g->flags & MIEE_P_X) &&
		    emu_rewrite((unsigned char *)(uintptr_t)g->offset, g->npages * MIEE_PG) < 0)
			_exit(3);
		if (g->offset >= MIEE_IMG_CODE &&
		    mprotect((void *)(uintptr_t)g->offset, g->npages * MIEE_PG, prot))
			_exit(2);
	}
	if (mprotect((void *)0x8000, 2 * MIEE_PG, PROT_NONE))	/* not added */
		_exit(2);

	EMU_SH->magic = MIEE_PAL_MAGIC;
	EMU_SH->mode = mode;
	EMU_SH->target = EMU_JUMP;
	EMU_SH->count = 100;
	for (r = 0; r < 100; r++)
		EMU_SH->nums[r] = (uint64_t)r + 1;
	*((volatile unsigned char *)(uintptr_t)(MIEE_IMG_SHARED + MIEE_PAL_SHARED_CODE)) = 0xc3;

	if (sigaltstack(&ss, NULL))
		_exit(2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sa.sa_sigaction = emu_sigill;
	sigaction(SIGILL, &sa, NULL);
	sa.sa_sigaction = emu_sigsegv;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Enter as the hypervisor would: RIP, RSP, RDI from struct miee_init. */
	__asm__ __volatile__("mov %0, %%rsp\n\tjmp *%1"
			     : : "r"(im.init.rsp), "r"(im.init.rip), "D"(im.init.arg) : "memory");
	__builtin_unreachable();
}

static struct emu_result emu_run(uint64_t mode, int lie, int tamper)
{
	struct emu_result res;
	int p[2], st;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(p[0]);
		memset(&emu, 0, sizeof(emu));
		emu.fd = p[1];
		emu.lie = lie;
		emu.tamper = tamper;
		emu.vmm = emu_flavor;
		emu.yields_wanted = 5;
		emu_child(mode);
	}
	close(p[1]);
	memset(&res, 0, sizeof(res));
	n = read(p[0], &res, sizeof(res));
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (n != (ssize_t)sizeof(res))
		fail_msg("emulated MIEE (mode %llu) ended without a result, wait status 0x%x",
			 (unsigned long long)mode, st);
	if (res.reason == -1)
		skip();	/* cannot map the MIEE's low addresses here (vm.mmap_min_addr) */
	return res;
}

static void test_pal_sum(void **state)
{
	uint64_t nums[100], sum, fnv;
	struct emu_result r;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		nums[i] = (uint64_t)i + 1;
	miee_pal_checksum(nums, 100, &sum, &fnv);
	assert_int_equal(sum, 5050);

	r = emu_run(MIEE_PAL_M_SUM, 0, 0);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_OK);
	assert_int_equal(r.sum, 5050);
	assert_int_equal(r.fnv, fnv);	/* the PAL's FNV-1a == the runner's */
	assert_int_equal(r.doubled, 10100);
	assert_int_equal(r.hostcalls, 2);
	assert_int_equal(r.refused, 0);

	/* The host lies about the double: the PAL notices. */
	r = emu_run(MIEE_PAL_M_SUM, 1, 0);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_IAGO);
	assert_int_equal(r.doubled, 0);
}

static void test_pal_secret(void **state)
{
	struct emu_result r;

	(void)state;
	r = emu_run(MIEE_PAL_M_SECRET, 0, 0);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_OK);
	assert_true(r.secret_seen);
	assert_int_equal(r.yields, 5);
	assert_int_equal(r.rounds, 5);
	/* Changed behind its back: it says so. */
	r = emu_run(MIEE_PAL_M_SECRET, 0, 1);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_TAMPERED);
}

static void test_pal_refused(void **state)
{
	struct emu_result r;

	(void)state;
	r = emu_run(MIEE_PAL_M_REFUSED, 0, 0);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_OK);
	assert_int_equal(r.refused, 1);
}

static void test_pal_faults(void **state)
{
	static const struct {
		uint64_t mode, reason, addr;
	} cases[] = {
		{ MIEE_PAL_M_JUMP, MIEE_F_NPF, EMU_JUMP },
		{ MIEE_PAL_M_OVERFLOW, MIEE_F_NPF, MIEE_IMG_SIZE },
		{ MIEE_PAL_M_EXEC_SHARED, MIEE_F_NPF, MIEE_IMG_SHARED + MIEE_PAL_SHARED_CODE },
		{ MIEE_PAL_M_WRITE_CODE, MIEE_F_NPF, MIEE_IMG_CODE },
		{ MIEE_PAL_M_BADCALL, MIEE_F_BADCALL, HC_MIEE_CREATE },
		{ MIEE_PAL_M_UD, MIEE_F_TRIPLE, 0 },
	};
	struct emu_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = emu_run(cases[i].mode, 0, 0);
		if (r.reason != MIEE_EXIT_FAULT || r.info != cases[i].reason ||
		    (cases[i].addr && r.info2 != cases[i].addr))
			fail_msg("mode %llu: reason %d info %llu info2 0x%llx",
				 (unsigned long long)cases[i].mode, r.reason,
				 (unsigned long long)r.info, (unsigned long long)r.info2);
	}
	/* An unknown mode is refused by the PAL itself. */
	r = emu_run(99, 0, 0);
	assert_int_equal(r.reason, MIEE_EXIT_DONE);
	assert_int_equal(r.info, MIEE_PAL_ST_BADMODE);
}

/* Each PAL test once per emulated vendor; the state names the flavour. */
static int pal_setup(void **state)
{
	emu_flavor = *(const int *)*state;
	return 0;
}

#define PAL_TEST(f, flavor)                                                                  \
	{ #f "/" #flavor, f, pal_setup, NULL, (void *)&emu_flavor_##flavor }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vs_openssl),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_measurement),
		PAL_TEST(test_pal_sum, vmcall),
		PAL_TEST(test_pal_sum, vmmcall),
		PAL_TEST(test_pal_secret, vmcall),
		PAL_TEST(test_pal_secret, vmmcall),
		PAL_TEST(test_pal_refused, vmcall),
		PAL_TEST(test_pal_refused, vmmcall),
		PAL_TEST(test_pal_faults, vmcall),
		PAL_TEST(test_pal_faults, vmmcall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
