/* Host unit tests for the libOS's VMA map (libos/vma.c): insert, split on
 * remove and protect, gaps searched from the top, a full array refusing
 * without changing anything, and a long random run against a page-by-page
 * reference model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "../../libos/vma.h"

#define P 4096ull
#define LO 0x400000ull
#define HI (LO + 1024 * P)	/* a 4 MiB test range: 1024 pages */

static struct vma_map m;

static void check_sorted(void)
{
	unsigned i;

	for (i = 0; i < m.n; i++) {
		assert_true(m.v[i].start < m.v[i].end);
		if (i)
			assert_true(m.v[i - 1].end <= m.v[i].start);
	}
}

static void test_insert_find(void **st)
{
	(void)st;
	vma_init(&m, LO, HI);
	assert_int_equal(vma_insert(&m, LO + 4 * P, LO + 8 * P, 3, VMA_ANON, 0), 0);
	assert_int_equal(vma_insert(&m, LO, LO + 2 * P, 1, VMA_FILE, 0x800000), 0);
	assert_int_equal(vma_insert(&m, LO + 7 * P, LO + 9 * P, 3, VMA_ANON, 0), -EEXIST);
	assert_int_equal(vma_insert(&m, LO + 3 * P, LO + 3 * P, 3, VMA_ANON, 0), -EINVAL);
	assert_int_equal(vma_insert(&m, LO - P, LO, 3, VMA_ANON, 0), -EINVAL);
	assert_int_equal(vma_insert(&m, LO + 1, LO + P + 1, 3, VMA_ANON, 0), -EINVAL);
	assert_int_equal(m.n, 2);
	assert_null(vma_find(&m, LO + 3 * P));
	assert_int_equal(vma_find(&m, LO + 5 * P + 17)->prot, 3);
	assert_int_equal(vma_find(&m, LO)->kind, VMA_FILE);
	assert_true(vma_covered(&m, LO + 4 * P, LO + 8 * P));
	assert_false(vma_covered(&m, LO, LO + 5 * P));
	check_sorted();
}

static void test_remove_split(void **st)
{
	const struct vma *v;

	(void)st;
	vma_init(&m, LO, HI);
	assert_int_equal(vma_insert(&m, LO, LO + 10 * P, 1, VMA_FILE, 0x800000), 0);
	assert_int_equal(vma_remove(&m, LO + 3 * P, LO + 5 * P), 0);
	assert_int_equal(m.n, 2);
	v = vma_find(&m, LO + 5 * P);
	assert_non_null(v);
	assert_int_equal(v->start, LO + 5 * P);
	assert_int_equal(v->back, 0x800000 + 5 * P);	/* the file offset follows the split */
	assert_null(vma_find(&m, LO + 4 * P));
	/* Removing over a hole and two areas' edges. */
	assert_int_equal(vma_remove(&m, LO + 2 * P, LO + 6 * P), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.v[0].end, LO + 2 * P);
	assert_int_equal(m.v[1].start, LO + 6 * P);
	assert_int_equal(vma_remove(&m, LO, HI), 0);
	assert_int_equal(m.n, 0);
	check_sorted();
}

static void test_protect(void **st)
{
	(void)st;
	vma_init(&m, LO, HI);
	assert_int_equal(vma_insert(&m, LO, LO + 10 * P, 3, VMA_ANON, 0), 0);
	assert_int_equal(vma_protect(&m, LO + 2 * P, LO + 4 * P, 1), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(vma_find(&m, LO + 3 * P)->prot, 1);
	assert_int_equal(vma_find(&m, LO + 4 * P)->prot, 3);
	/* A range with a hole is refused and nothing changes. */
	assert_int_equal(vma_protect(&m, LO + 8 * P, LO + 12 * P, 0), -ENOMEM);
	assert_int_equal(m.n, 3);
	assert_int_equal(vma_find(&m, LO + 9 * P)->prot, 3);
}

static void test_gap(void **st)
{
	uint64_t at;

	(void)st;
	vma_init(&m, LO, HI);
	assert_int_equal(vma_find_gap(&m, 4 * P, LO, HI, &at), 0);
	assert_int_equal(at, HI - 4 * P);
	assert_int_equal(vma_insert(&m, at, HI, 3, VMA_ANON, 0), 0);
	assert_int_equal(vma_insert(&m, HI - 10 * P, HI - 6 * P, 3, VMA_ANON, 0), 0);
	/* The 2-page hole between them is found first, from the top. */
	assert_int_equal(vma_find_gap(&m, 2 * P, LO, HI, &at), 0);
	assert_int_equal(at, HI - 6 * P);
	assert_int_equal(vma_find_gap(&m, 3 * P, LO, HI, &at), 0);
	assert_int_equal(at, HI - 13 * P);
	assert_int_equal(vma_find_gap(&m, 3 * P, HI - 12 * P, HI, &at), -ENOMEM);
	assert_int_equal(vma_find_gap(&m, 1024 * P, LO, HI, &at), -ENOMEM);
	assert_int_equal(vma_find_gap(&m, P + 1, LO, HI, &at), -EINVAL);
}

static void test_full(void **st)
{
	unsigned i;

	(void)st;
	vma_init(&m, LO, LO + 2 * VMA_MAX * P);
	for (i = 0; i < VMA_MAX; i++)
		assert_int_equal(vma_insert(&m, LO + 2 * i * P, LO + (2 * i + 1) * P, 3, VMA_ANON, 0), 0);
	assert_int_equal(vma_insert(&m, LO + P, LO + 2 * P, 3, VMA_ANON, 0), -ENOMEM);
	vma_init(&m, LO, HI);
	assert_int_equal(vma_insert(&m, LO, LO + 4 * P, 3, VMA_ANON, 0), 0);
	for (i = 1; i < VMA_MAX; i++)
		assert_int_equal(vma_insert(&m, LO + (4 + i) * P, LO + (5 + i) * P, 3, VMA_ANON, 0), 0);
	/* Splitting the first area needs a slot: refused, map unchanged. */
	assert_int_equal(vma_remove(&m, LO + P, LO + 2 * P), -ENOMEM);
	assert_int_equal(vma_protect(&m, LO + P, LO + 2 * P, 1), -ENOMEM);
	assert_int_equal(m.n, VMA_MAX);
	assert_int_equal(m.v[0].end, LO + 4 * P);
	assert_int_equal(m.v[0].prot, 3);
	/* Removing a whole area needs none. */
	assert_int_equal(vma_remove(&m, LO, LO + 4 * P), 0);
	assert_int_equal(m.n, VMA_MAX - 1);
}

/* Random operations against a model with one prot per page (0xff: none). */
static void test_random_model(void **st)
{
	static unsigned char model[1024];
	unsigned iter, pg;

	(void)st;
	srand(1234);
	vma_init(&m, LO, HI);
	memset(model, 0xff, sizeof(model));
	for (iter = 0; iter < 20000; iter++) {
		unsigned a = (unsigned)rand() % 1024, len = 1 + (unsigned)rand() % 40;
		unsigned prot = (unsigned)rand() % 4, op = (unsigned)rand() % 3, k;
		uint64_t s, e;
		int r, free_all = 1, covered = 1;

		if (a + len > 1024)
			len = 1024 - a;
		s = LO + a * P;
		e = s + len * P;
		for (k = a; k < a + len; k++) {
			if (model[k] != 0xff)
				free_all = 0;
			else
				covered = 0;
		}
		if (op == 0) {
			r = vma_insert(&m, s, e, prot, VMA_ANON, 0);
			if (free_all && r == 0)
				memset(model + a, (int)prot, len);
			else
				assert_true(r == -EEXIST || r == -ENOMEM);
			if (r == -EEXIST)
				assert_false(free_all);
		} else if (op == 1) {
			r = vma_remove(&m, s, e);
			if (r == 0)
				memset(model + a, 0xff, len);
			else
				assert_int_equal(r, -ENOMEM);
		} else {
			r = vma_protect(&m, s, e, prot);
			if (r == 0) {
				assert_true(covered);
				memset(model + a, (int)prot, len);
			} else {
				assert_int_equal(r, -ENOMEM);
			}
		}
		check_sorted();
		if (iter % 64 == 0)
			for (pg = 0; pg < 1024; pg++) {
				const struct vma *v = vma_find(&m, LO + pg * P);

				if (model[pg] == 0xff)
					assert_null(v);
				else
					assert_int_equal(v ? v->prot : 0xffu, model[pg]);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find),
		cmocka_unit_test(test_remove_split),
		cmocka_unit_test(test_protect),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
