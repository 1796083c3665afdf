/* The libOS's frame bookkeeping (libos/frames.c) on the host, over a
 * fake hypervisor: a range of pages that are either mapped (HC_MIEE_MAP:
 * zeroed) or not. The fake checks what the hypervisor checks (map only
 * unmapped pages, unmap only mapped ones) and that the bookkeeping never
 * touches a frame it gave back (link() of an unmapped page fails the
 * test). Each test checks the invariants: a frame is handed out at most
 * once, every free-list frame is mapped, and the count of mapped frames
 * equals handed out + free + unused bump pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../libos/frames.c"

#define NPAGES 16384u			/* 64 MiB of fake range */
#define LO (1ull << 24)			/* the range starts at 16 MiB */
#define OFF(i) (LO + (uint64_t)(i) * FRAMES_PAGE)

static struct fake {
	unsigned char *mem;		/* NPAGES pages */
	unsigned char mapped[NPAGES];
	unsigned char out[NPAGES];	/* handed out by frames_alloc */
	uint64_t nmapped, maps, unmaps;
	uint64_t map_budget;		/* pages map() may still map (a reserve) */
} fk;

static struct frames fr;

static uint64_t pg(uint64_t off)
{
	assert_true(off >= LO && off < OFF(NPAGES) && off % FRAMES_PAGE == 0);
	return (off - LO) / FRAMES_PAGE;
}

static int f_map(void *ctx, uint64_t off, uint64_t n)
{
	(void)ctx;
	if (n > fk.map_budget)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		assert_false(fk.mapped[pg(off) + i]);	/* the hypervisor: MIEE_EARG */
	for (uint64_t i = 0; i < n; i++) {
		fk.mapped[pg(off) + i] = 1;
		memset(fk.mem + (pg(off) + i) * FRAMES_PAGE, 0, FRAMES_PAGE);
	}
	fk.nmapped += n;
	fk.map_budget -= n;
	fk.maps++;
	return 0;
}

static void f_unmap(void *ctx, uint64_t off, uint64_t n)
{
	(void)ctx;
	for (uint64_t i = 0; i < n; i++) {
		assert_true(fk.mapped[pg(off) + i]);
		assert_false(fk.out[pg(off) + i]);	/* never a frame in use */
		fk.mapped[pg(off) + i] = 0;
		memset(fk.mem + (pg(off) + i) * FRAMES_PAGE, 0xaa, FRAMES_PAGE);
	}
	fk.nmapped -= n;
	fk.map_budget += n;
	fk.unmaps++;
}

static uint64_t *f_link(void *ctx, uint64_t off)
{
	(void)ctx;
	assert_true(fk.mapped[pg(off)]);	/* a given-back frame is never touched */
	return (uint64_t *)(void *)(fk.mem + pg(off) * FRAMES_PAGE);
}

static const struct frame_ops ops = { f_map, f_unmap, f_link, NULL };

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.mem = aligned_alloc(FRAMES_PAGE, (size_t)NPAGES * FRAMES_PAGE);
	fk.map_budget = NPAGES;
	return fk.mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(fk.mem);
	return 0;
}

static uint64_t take(void)
{
	uint64_t off;

	assert_int_equal(frames_alloc(&fr, &off), 0);
	assert_true(fk.mapped[pg(off)]);
	assert_false(fk.out[pg(off)]);		/* never handed out twice */
	fk.out[pg(off)] = 1;
	return off;
}

static void give(uint64_t off)
{
	assert_int_equal(frames_free(&fr, off), 0);
	fk.out[pg(off)] = 0;
}

/* mapped = out + free list + bump pages not handed out yet; the list
 * holds exactly the bitmap's frames, each mapped, none out. */
static void check(void)
{
	uint64_t out = 0, n = 0, o;

	for (unsigned i = 0; i < NPAGES; i++)
		out += fk.out[i];
	for (o = fr.head; o; o = *f_link(NULL, o)) {
		assert_false(fk.out[pg(o)]);
		assert_true(bit(&fr, o));
		assert_true(++n <= NPAGES);
	}
	assert_int_equal(n, fr.nfree);
	assert_int_equal(fk.nmapped, out + fr.nfree + (fr.backed - fr.next) / FRAMES_PAGE);
}

/* Everything freed goes back in runs; taken again, the same frames come
 * out of the holes (lowest first), zeroed by the map, none twice. */
static void test_give_back_and_reuse(void **state)
{
	static uint64_t a[4096];
	uint64_t given;

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (unsigned i = 0; i < 4096; i++)
		a[i] = take();
	check();
	assert_int_equal(fk.nmapped, 4096);
	assert_int_equal(frames_trim(&fr, 0), 0);	/* nothing freed yet */
	for (unsigned i = 0; i < 4096; i++)
		give(a[i]);
	check();
	given = frames_trim(&fr, 0);
	assert_int_equal(given, 4096);
	assert_int_equal(fk.nmapped, 0);
	assert_int_equal(fr.nholes, 1);			/* one run, one hole */
	assert_int_equal(fr.given, 4096);
	check();
	for (unsigned i = 0; i < 4096; i++) {
		a[i] = take();
		assert_int_equal(a[i], OFF(i));		/* the hole, from its start */
	}
	assert_int_equal(fr.nholes, 0);
	assert_int_equal(fr.given, 0);
	assert_int_equal(fk.nmapped, 4096);
	assert_int_equal(fr.next, OFF(4096));		/* the bump end did not grow */
	check();
}

/* Short runs stay on the free list; only runs of FRAMES_TRIM_RUN go. */
static void test_short_runs_kept(void **state)
{
	static uint64_t a[2048];

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (unsigned i = 0; i < 2048; i++)
		a[i] = take();
	for (unsigned i = 0; i < 2048; i += 2)
		give(a[i]);				/* every other one: runs of 1 */
	assert_int_equal(frames_trim(&fr, 1), 0);
	assert_int_equal(fk.nmapped, 2048);
	/* frames 0 .. 2 RUN - 1 all free, and 2 RUN (even): one run of 2 RUN + 1 */
	for (unsigned i = 1; i < 2 * FRAMES_TRIM_RUN; i += 2)
		give(a[i]);
	check();
	assert_int_equal(frames_trim(&fr, 1), 2 * FRAMES_TRIM_RUN + 1);
	assert_int_equal(fk.nmapped, 2048 - 2 * FRAMES_TRIM_RUN - 1);
	check();
	/* not forced: only after FRAMES_TRIM_EVERY frees */
	for (unsigned j = 0; j < FRAMES_TRIM_EVERY - 1; j++)
		give(a[2 * FRAMES_TRIM_RUN + 1 + 2 * j]);
	assert_int_equal(fr.freed_since, FRAMES_TRIM_EVERY - 1);
	assert_int_equal(frames_trim(&fr, 0), 0);
	give(a[2 * FRAMES_TRIM_RUN + 1 + 2 * (FRAMES_TRIM_EVERY - 1)]);
	assert_int_equal(fr.freed_since, FRAMES_TRIM_EVERY);
	assert_true(frames_trim(&fr, 0) > 0);
	check();
}

/* A wrong free changes nothing: outside, unaligned, never handed out,
 * already free, given back. */
static void test_bad_free(void **state)
{
	uint64_t a, b, c[FRAMES_TRIM_RUN], nfree;

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (unsigned i = 0; i < FRAMES_TRIM_RUN; i++)
		c[i] = take();
	a = take();
	b = take();
	give(a);
	nfree = fr.nfree;
	assert_int_equal(frames_free(&fr, a), -1);		/* twice */
	assert_int_equal(frames_free(&fr, LO - FRAMES_PAGE), -1);
	assert_int_equal(frames_free(&fr, b + 8), -1);
	assert_int_equal(frames_free(&fr, fr.next), -1);	/* bump, not handed out */
	assert_int_equal(frames_free(&fr, OFF(NPAGES)), -1);
	for (unsigned i = 0; i < FRAMES_TRIM_RUN; i++)
		give(c[i]);
	assert_int_equal(frames_trim(&fr, 1), FRAMES_TRIM_RUN + 1);	/* c[] and a: one run */
	assert_int_equal(frames_free(&fr, c[3]), -1);		/* given back */
	assert_int_equal(fr.nfree, nfree - 1);
	check();
	give(b);
	check();
}

/* A full hole list: the runs past it stay on the free list, usable. */
static void test_holes_full(void **state)
{
	static uint64_t a[NPAGES];
	unsigned n = 0, stride = FRAMES_TRIM_RUN + 1, runs = FRAMES_HOLES_MAX + 8;

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (n = 0; n < runs * stride; n++)
		a[n] = take();
	for (unsigned i = 0; i < n; i++)
		if (i % stride)				/* keep one frame between runs */
			give(a[i]);
	assert_int_equal(frames_trim(&fr, 1), (uint64_t)FRAMES_HOLES_MAX * FRAMES_TRIM_RUN);
	assert_int_equal(fr.nholes, FRAMES_HOLES_MAX);
	assert_int_equal(fr.nfree, 8 * FRAMES_TRIM_RUN);
	check();
	/* everything free comes out again, from the list, then the holes */
	for (unsigned i = 0; i < runs * FRAMES_TRIM_RUN; i++)
		take();
	assert_int_equal(fr.nholes, 0);
	assert_int_equal(fr.next, OFF(n));
	check();
}

/* The reserve runs dry: -ENOMEM, the hole kept; after more, it works. */
static void test_enomem(void **state)
{
	static uint64_t a[256];
	uint64_t off;

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (unsigned i = 0; i < 256; i++)
		a[i] = take();
	for (unsigned i = 0; i < 256; i++)
		give(a[i]);
	assert_int_equal(frames_trim(&fr, 1), 256);
	fk.map_budget = 0;
	assert_int_equal(frames_alloc(&fr, &off), -ENOMEM);
	assert_int_equal(fr.nholes, 1);
	assert_int_equal(fr.holes[0].n, 256);
	check();
	fk.map_budget = FRAMES_BATCH;
	assert_int_equal(take(), OFF(0));
	check();
	/* the end of the range */
	assert_int_equal(frames_init(&fr, LO, 2 * FRAMES_PAGE, 0, &ops), 0);
	fk.map_budget = NPAGES;
	memset(fk.mapped, 0, sizeof(fk.mapped));
	memset(fk.out, 0, sizeof(fk.out));
	fk.nmapped = 0;
	take();
	take();
	assert_int_equal(frames_alloc(&fr, &off), -ENOMEM);
	assert_int_equal(frames_init(&fr, LO, (FRAMES_MAX + 1) * FRAMES_PAGE, 0, &ops), -1);
}

/* Premapped (the runner added every frame): nothing is ever given back. */
static void test_premapped(void **state)
{
	static uint64_t a[1024];

	(void)state;
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 1, &ops), 0);
	for (unsigned i = 0; i < NPAGES; i++)
		fk.mapped[i] = 1;
	fk.nmapped = NPAGES;
	for (unsigned i = 0; i < 1024; i++)
		a[i] = take();
	for (unsigned i = 0; i < 1024; i++)
		give(a[i]);
	assert_int_equal(frames_trim(&fr, 1), 0);
	assert_int_equal(fk.unmaps, 0);
	assert_int_equal(fk.maps, 0);
}

/* Random takes and frees, in phases of growth and shrinking, with trims
 * between: the invariants hold, and frames do go back. */
static void test_random(void **state)
{
	static uint64_t a[NPAGES];
	unsigned n = 0;

	(void)state;
	srand(15);
	assert_int_equal(frames_init(&fr, LO, (uint64_t)NPAGES * FRAMES_PAGE, 0, &ops), 0);
	for (unsigned step = 0; step < 200000; step++) {
		int r = rand();

		int grow = (step / 16384) % 2 ? 15 : 85;	/* phases: growing, shrinking */

		if (n < NPAGES - FRAMES_BATCH && (r % 100 < grow || !n)) {
			a[n++] = take();
		} else if (n) {
			unsigned k = (unsigned)(r >> 8) % n;

			give(a[k]);
			a[k] = a[--n];
		}
		if (step % 4096 == 0) {
			frames_trim(&fr, step % 8192 == 0);
			check();
		}
	}
	check();
	assert_true(fk.unmaps > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_give_back_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_runs_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holes_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_premapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
