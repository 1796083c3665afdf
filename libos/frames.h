/* The libOS's bookkeeping of dynamic-memory frames (docs/libos.md,
 * "Memory"): which MIEE offsets are backed (HC_MIEE_MAP), handed out,
 * free, or given back (HC_MIEE_UNMAP). Pure bookkeeping: the hypervisor
 * calls and the frames' own memory are reached through struct frame_ops,
 * so tests/unit/test_libos_frames.c runs it on the host over a fake.
 * Callers hold the one libOS lock. Freestanding (libOS, CPL 0). */
#ifndef LIBOS_FRAMES_H
#define LIBOS_FRAMES_H

#include <stdint.h>

#define FRAMES_PAGE 4096ull
#define FRAMES_MAX 262144ull	/* frames of the dynamic range (1 GiB) */
#define FRAMES_BATCH 64u	/* pages per map when backing more */
#define FRAMES_TRIM_RUN 64u	/* the shortest run of free frames given back */
#define FRAMES_TRIM_EVERY 512u	/* frames freed before a trim is worth a look */
#define FRAMES_HOLES_MAX 128u	/* ranges given back and not mapped again */

struct frame_ops {
	/* Back [off, off + n pages) (zeroed frames): 0, or -ENOMEM. */
	int (*map)(void *ctx, uint64_t off, uint64_t n);
	/* Give [off, off + n pages) back (each one map()ped); never fails
	 * (a refusal is a broken libOS: the implementation aborts). */
	void (*unmap)(void *ctx, uint64_t off, uint64_t n);
	/* The first word of the backed frame at off (the free-list link). */
	uint64_t *(*link)(void *ctx, uint64_t off);
	void *ctx;
};

struct frames {
	uint64_t lo, hi;	/* the dynamic range [lo, hi) */
	uint64_t backed;	/* [lo, backed) was mapped (less the holes) */
	uint64_t next;		/* bump pointer: [next, backed) never handed out */
	uint64_t head;		/* free list, linked through each frame's first word */
	uint64_t nfree;		/* frames on it */
	uint64_t freed_since;	/* frees since the last trim */
	uint64_t given;		/* frames given back so far (for --stats and tests) */
	int premapped;		/* the runner added the whole range: nothing to give */
	unsigned nholes;
	struct { uint64_t off, n; } holes[FRAMES_HOLES_MAX];	/* n pages from off */
	uint64_t bits[FRAMES_MAX / 64];	/* 1: on the free list */
	const struct frame_ops *ops;
};

/* [lo, lo + size) (size a multiple of a page, at most FRAMES_MAX pages):
 * 0, or -1 when too large. premapped: every frame is backed already. */
int frames_init(struct frames *f, uint64_t lo, uint64_t size, int premapped,
		const struct frame_ops *ops);
/* A frame (not zeroed here): 0 and *off, or -ENOMEM. Holes are mapped
 * again first, then the bump end grows. */
int frames_alloc(struct frames *f, uint64_t *off);
/* 0, or -1 for an offset outside the range, unaligned, never handed out
 * or already free (nothing changes). */
int frames_free(struct frames *f, uint64_t off);
/* Every maximal run of at least FRAMES_TRIM_RUN free frames is given
 * back (ops->unmap) and noted as a hole, while the hole list has room;
 * the free list is rebuilt from what is left. force 0: only once
 * FRAMES_TRIM_EVERY frames were freed since the last trim. The frames
 * given back. */
uint64_t frames_trim(struct frames *f, int force);
/* A restore (ckpt.c): back the bump end up to end, in the same batches
 * as frames_alloc() would: 0, -ENOMEM, or -EINVAL when the batches do not
 * end exactly at end. */
int frames_back_to(struct frames *f, uint64_t end);

#endif
