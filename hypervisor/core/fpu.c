/* x87/SSE/AVX register state of the guest contexts: saved and restored
 * when the CPU switches between the OS and an MIEE, so neither sees the
 * other's vector registers (SDM Vol. 1 13.7-13.8). Root / host mode. */
#include "hv.h"
#include "console.h"
#include "fpu.h"
#include "smp.h"
#include "x86.h"

static bool use_xsave;

static u64 hw_xgetbv0(void)
{
	u32 lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

#ifdef HV_HOST_TEST
/* Host unit tests run in user space, where XSETBV faults: the CPU's XCR0
 * is this variable (tests/unit/test_fpu.c), and XSAVE/XRSTOR run with
 * the part of it the host's own XCR0 enables. */
u64 fpu_test_xcr0 = 1;

void fpu_test_use_xsave(bool on)
{
	use_xsave = on;
}

static u64 xgetbv0(void)
{
	return fpu_test_xcr0;
}

static void xsetbv0(u64 v)
{
	fpu_test_xcr0 = v;
}

static u64 insn_mask(u64 m)
{
	return m & hw_xgetbv0();
}
#else
static u64 xgetbv0(void)
{
	return hw_xgetbv0();
}

static void xsetbv0(u64 v)
{
	xsetbv(0, v);
}

static u64 insn_mask(u64 m)
{
	return m;
}
#endif

void fpu_setup(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	use_xsave = (c & BIT(26)) && (read_cr4() & CR4_OSXSAVE);
	if (use_xsave) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		if (c > PAGE_SIZE)
			panic("XSAVE area of %u bytes does not fit a page", c);
	}
	/* The hypervisor itself uses no vector registers; make sure the
	 * instructions are allowed in root mode. */
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

bool fpu_xsave(void)
{
	return use_xsave;
}

u64 fpu_xcr0(void)
{
	return use_xsave ? xgetbv0() : 0;
}

void fpu_reset_xcr0(void)
{
	if (use_xsave)
		xsetbv0(1);
}

/* A fresh context starts with every component in its initial state: an
 * XSAVE area whose header says "nothing saved" (XSTATE_BV = 0) makes
 * XRSTOR load the init values, except MXCSR, which XRSTOR loads from the
 * area whenever SSE or AVX is restored (SDM Vol. 1 13.8.1): its default
 * 0x1f80 (every SIMD exception masked), as for FXRSTOR, with FCW. */
void fpu_init_area(void *area)
{
	memset(area, 0, PAGE_SIZE);
	*(u32 *)((u8 *)area + 24) = 0x1f80;	/* MXCSR */
	if (!use_xsave)
		*(u16 *)area = 0x37f;		/* FCW */
}

u64 fpu_save(void *area)
{
	if (use_xsave) {
		u64 xcr0 = xgetbv0(), m = insn_mask(xcr0);

		__asm__ __volatile__("xsave64 %0" : "=m"(*(u8 (*)[PAGE_SIZE])area)
				     : "a"((u32)m), "d"((u32)(m >> 32)) : "memory");
		return xcr0;
	}
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(u8 (*)[512])area) : : "memory");
	return 0;
}

/* SDM Vol. 1 13.8.1: the standard form of XRSTOR faults (#GP) unless
 * the header's XSTATE_BV names only components XCR0 enables, XCOMP_BV is
 * 0 and header bytes 16-63 are 0. */
int fpu_area_check(const void *area, u64 xcr0)
{
	const u64 *h = (const u64 *)((const u8 *)area + FPU_XSAVE_HEADER);

	if (h[0] & ~xcr0)
		return -EINVAL;
	for (unsigned i = 1; i < 8; i++)
		if (h[i])
			return -EINVAL;
	return 0;
}

void fpu_restore(const void *area, u64 xcr0)
{
	if (use_xsave) {
		u64 m = xcr0;
		const u64 *h = (const u64 *)((const u8 *)area + FPU_XSAVE_HEADER);

		/* A context always has one (bit 0 is set in every valid XCR0):
		 * XSETBV would fault. */
		if (!(m & 1))
			panic("context with XCR0 %lx on CPU %u: not saved or created", m, cpu_index());
		if (fpu_area_check(area, m))
			panic("XSAVE area %p: XSTATE_BV %lx XCOMP_BV %lx, XCR0 %lx on CPU %u: XRSTOR would fault",
			      area, h[0], h[1], m, cpu_index());
		if (xgetbv0() != m)
			xsetbv0(m);
		m = insn_mask(m);

		__asm__ __volatile__("xrstor64 %0" : : "m"(*(const u8 (*)[PAGE_SIZE])area),
				     "a"((u32)m), "d"((u32)(m >> 32)) : "memory");
	} else {
		__asm__ __volatile__("fxrstor64 %0" : : "m"(*(const u8 (*)[512])area) : "memory");
	}
}
