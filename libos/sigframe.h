/* The FP part of an x86-64 Linux signal frame (the uapi asm/sigcontext.h
 * layout): an FXSAVE image, or an XSAVE image whose FXSAVE tail carries the
 * software bytes (struct sigfp_sw) and FP_XSTATE_MAGIC2 after its end.
 * Pure and freestanding: the libOS (signal.c) and the host unit test
 * (tests/unit/test_libos_sigframe.c) build the same file. */
#ifndef LIBOS_SIGFRAME_H
#define LIBOS_SIGFRAME_H

#include <stddef.h>
#include <stdint.h>

#define SIGFP_MAGIC1 0x46505853u	/* "SXPF" in sw bytes: an XSAVE frame */
#define SIGFP_MAGIC2 0x46505845u	/* "EXPF" just after the XSAVE area */
#define SIGFP_MAGIC2_SIZE 4u
#define SIGFP_FX_SIZE 512u		/* FXSAVE image (SDM Vol. 1 10.5.1) */
#define SIGFP_SW_OFF 464u		/* bytes 464-511: free for software */
#define SIGFP_HDR_OFF 512u		/* XSAVE header (SDM Vol. 1 13.4.2) */
#define SIGFP_XSAVE_MIN 576u		/* legacy region + header */
#define SIGFP_LEGACY 3ull		/* XCR0 x87 | SSE */
/* The libOS's buffer for one frame's FP part (signal.c): the largest
 * standard-format area of today's CPUs (AMX: 11008 bytes) and MAGIC2. */
#define SIGFP_MAX 12288u
#define SIGFP_UC_FP_XSTATE 1ull		/* uc_flags: fpstate is an XSAVE frame */

struct sigfp_sw {			/* Linux's struct _fpx_sw_bytes */
	uint32_t magic1;
	uint32_t extended_size;		/* xstate_size + SIGFP_MAGIC2_SIZE */
	uint64_t xfeatures;		/* components the frame carries */
	uint32_t xstate_size;		/* the XSAVE area, MAGIC2 at this offset */
	uint32_t pad[7];
};
_Static_assert(sizeof(struct sigfp_sw) == 48, "sw bytes fill 464-511");

/* How this MIEE's frames look, fixed at the first signal. xcr0 == 0:
 * FXSAVE frames (no OSXSAVE, or XCR0 only x87|SSE). Otherwise XSAVE frames
 * of xstate_size bytes; save and restore act on mask, XCR0 less the
 * components with extended feature disable (XFD: XRSTOR of one the host
 * left armed would be #NM in the libOS). */
struct sigfp_cfg {
	uint64_t xcr0, mask;
	uint32_t xstate_size;
};

/* 0, or -EINVAL with *why if an XSAVE frame cannot be built from what
 * CPUID and XGETBV said (size outside [576, SIGFP_MAX - 4], XCR0 without
 * x87|SSE). xfd: components CPUID 0xd marks XFD-capable. */
int sigfp_setup(struct sigfp_cfg *c, int osxsave, uint64_t xcr0, uint32_t size, uint64_t xfd,
		const char **why);

/* Bytes of the program's stack the FP part takes (64-byte aligned start). */
uint32_t sigfp_frame_size(const struct sigfp_cfg *c);

/* The area (sigfp_frame_size bytes) was zeroed, then FXSAVE or XSAVE (with
 * c->mask) filled it: write the software bytes and MAGIC2 (XSAVE), or keep
 * 464-511 zero (FXSAVE). Returns the uc_flags bit to set. */
uint64_t sigfp_seal(const struct sigfp_cfg *c, uint8_t *area);

/* After the first SIGFP_FX_SIZE bytes were copied from the program:
 * 1 if the rest (up to sigfp_frame_size) must be copied too (an XSAVE
 * frame's MAGIC1), 0 if the frame is an FXSAVE image only. */
int sigfp_is_xsave(const struct sigfp_cfg *c, const uint8_t *area);

/* Checks a frame's FP part copied from the program and makes it loadable:
 * 0 and the area is what FXRSTOR (c->xcr0 == 0) or XRSTOR with c->mask may
 * load without a fault, or -EINVAL with *why (the program gets SIGSEGV).
 * An FXSAVE-only frame under XSAVE gets a header of x87|SSE (the other
 * components to their init state, as Linux does). mxcsr_mask: the CPU's. */
int sigfp_check(const struct sigfp_cfg *c, uint8_t *area, uint32_t mxcsr_mask, const char **why);

#endif
