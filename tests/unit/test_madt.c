/* core/madt.c: the APIC IDs of the enabled CPUs, from RSDP -> XSDT/RSDT ->
 * MADT (ACPI 6.4 5.2.12), built in fake physical memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv.h"
#include "smp.h"
#include "support/fake_platform.h"

#define BASE 0x100000ull
#define RSDP (BASE + 0x000)
#define XSDT (BASE + 0x100)
#define RSDT (BASE + 0x200)
#define OTHER (BASE + 0x300)
#define MADT (BASE + 0x400)

static u8 *at(u64 pa)
{
	return fake_mem(pa);
}

static void w32(u64 pa, u32 v)
{
	memcpy(at(pa), &v, 4);
}

static void w64(u64 pa, u64 v)
{
	memcpy(at(pa), &v, 8);
}

static void sdt(u64 pa, const char *sig, u32 len)
{
	memcpy(at(pa), sig, 4);
	w32(pa + 4, len);
}

/* MADT with: LAPIC id 0 enabled, LAPIC id 1 disabled, an I/O APIC,
 * x2APIC id 0x100 enabled, LAPIC id 0 again (duplicate), LAPIC id 3
 * online-capable only. Returns its length. */
static u32 madt(void)
{
	u8 e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,
		0, 8, 1, 1, 0, 0, 0, 0,
		1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,
		9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0,
		0, 8, 2, 0, 1, 0, 0, 0,
		0, 8, 3, 3, 2, 0, 0, 0,
	};
	u32 len = 44 + sizeof(e);

	sdt(MADT, "APIC", len);
	memcpy(at(MADT + 44), e, sizeof(e));
	return len;
}

static void rsdp(u8 rev, u64 xsdt, u32 rsdt)
{
	memcpy(at(RSDP), "RSD PTR ", 8);
	at(RSDP)[15] = rev;
	w32(RSDP + 16, rsdt);
	w64(RSDP + 24, xsdt);
}

static int setup(void **state)
{
	(void)state;
	return fake_mem_init(BASE, 0x10000);
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_fini();
	return 0;
}

static void test_xsdt(void **state)
{
	u32 ids[8], n;

	(void)state;
	madt();
	sdt(OTHER, "FACP", 36);
	sdt(XSDT, "XSDT", 36 + 16);
	w64(XSDT + 36, OTHER);
	w64(XSDT + 44, MADT);
	rsdp(2, XSDT, 0);
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), 0);
	assert_int_equal(n, 2);		/* disabled, I/O APIC, duplicate, online-capable: not */
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 0x100);
}

static void test_rsdt_only(void **state)
{
	u32 ids[8], n;

	(void)state;
	madt();
	sdt(RSDT, "RSDT", 36 + 4);
	w32(RSDT + 36, (u32)MADT);
	rsdp(0, 0, (u32)RSDT);
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), 0);
	assert_int_equal(n, 2);
}

static void test_too_many(void **state)
{
	u32 ids[1], n;

	(void)state;
	madt();
	sdt(RSDT, "RSDT", 36 + 4);
	w32(RSDT + 36, (u32)MADT);
	rsdp(0, 0, (u32)RSDT);
	assert_int_equal(madt_apic_ids(RSDP, ids, 1, &n), -E2BIG);
}

static void test_missing_or_malformed(void **state)
{
	u32 ids[8], n = 99, len;

	(void)state;
	assert_int_equal(madt_apic_ids(0, ids, 8, &n), -ENOENT);
	assert_int_equal(n, 0);
	rsdp(0, 0, (u32)RSDT);
	memcpy(at(RSDP), "RSD PTX ", 8);
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), -ENOENT);
	rsdp(0, 0, (u32)RSDT);
	sdt(RSDT, "RSDT", 36 + 4);
	w32(RSDT + 36, (u32)OTHER);		/* no MADT listed */
	sdt(OTHER, "FACP", 36);
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), -ENOENT);
	/* An entry running past the table's end stops the walk there. */
	len = madt();
	w32(RSDT + 36, (u32)MADT);
	at(MADT + 44 + 8)[1] = 200;		/* second entry claims 200 bytes */
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), 0);
	assert_int_equal(n, 1);
	/* A zero-length entry too (it would loop forever). */
	madt();
	at(MADT + 44)[1] = 0;
	assert_int_equal(madt_apic_ids(RSDP, ids, 8, &n), 0);
	assert_int_equal(n, 0);
	(void)len;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdt_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_or_malformed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
