/* Frame-ownership table: who owns every physical frame (hypervisor, OS,
 * an enclave, shared, MMIO).  Runs in the hypervisor; callers serialise. */
#ifndef HV_CORE_FRAMES_H
#define HV_CORE_FRAMES_H

#include "types.h"

enum frame_kind {
	FRAME_ABSENT,		/* no such frame, or a hole */
	FRAME_HV,		/* the hypervisor's own memory */
	FRAME_OS,		/* RAM owned by the OS */
	FRAME_MIEE,		/* RAM owned by enclave .miee */
	FRAME_SHARED,		/* host-call buffer of enclave .miee and the OS */
	FRAME_MMIO,		/* MMIO or reserved: never RAM */
	FRAME_KINDS
};

struct frame_owner {
	u8 kind;		/* enum frame_kind */
	u8 flags;		/* internal marks, zero between calls */
	u16 miee;		/* enclave id for MIEE/SHARED, else 0 */
};

/* Caller-provided storage: one entry per frame, pfn 0 .. nframes - 1.
 * count[] always sums to nframes. */
struct frame_table {
	struct frame_owner *e;
	u64 nframes;
	/* Frames [nframes, mmio_top) have no entry: the OS's MMIO (64-bit
	 * BARs above RAM), never RAM, never the hypervisor's, never changing
	 * owner.  mmio_top == nframes (the default) means there are none. */
	u64 mmio_top;
	u64 count[FRAME_KINDS];
	bool sealed;
};

int frames_init(struct frame_table *t, struct frame_owner *storage,
		u64 nframes);

/*
 * Boot-time classification of [base, base + size) as FRAME_ABSENT, HV, OS
 * or MMIO; -EPERM once sealed.  Only ABSENT/OS/MMIO frames change: HV wins
 * over everything and enclave-owned frames are never taken back this way.
 * Unaligned edges round in the safe direction: OS shrinks to whole frames,
 * the other kinds grow to cover any frame they touch.  Frames beyond the
 * table are ignored (and stay ABSENT to every query).
 */
int frames_set_range(struct frame_table *t, u64 base, u64 size,
		     enum frame_kind kind);
void frames_seal(struct frame_table *t);

/*
 * Declare frames [t->nframes, top) the OS's MMIO without storing them
 * (the CPU's physical address width can be 2^40 bytes and more: a table
 * entry per frame would not fit in the pool).  frames_kind() says
 * FRAME_MMIO for them, frames_hpa_mappable_by_os() allows them and
 * frames_give() refuses them with -EPERM like any MMIO frame.  -EPERM once
 * sealed, -EINVAL if top < nframes or pfn << PAGE_SHIFT would overflow.
 */
int frames_set_mmio_top(struct frame_table *t, u64 top);

/*
 * OS -> MIEE or OS -> SHARED for enclave miee (nonzero).  -ERANGE if pfn
 * is outside the table, -EINVAL for another kind or miee 0, -EPERM if the
 * frame is HV/MMIO/ABSENT, -EBUSY if it is already MIEE/SHARED.
 */
int frames_give(struct frame_table *t, u64 pfn, enum frame_kind kind,
		u16 miee);
/* Check that frames_give would succeed for every pfn in the list (and that
 * the list has no duplicates, -EBUSY), without changing anything. */
int frames_give_range_check(struct frame_table *t, const u64 *pfns, u64 n,
			    enum frame_kind kind, u16 miee);
/* All-or-nothing frames_give of a list. */
int frames_give_list(struct frame_table *t, const u64 *pfns, u64 n,
		     enum frame_kind kind, u16 miee);

/*
 * MIEE(miee) or SHARED(miee) -> OS.  MIEE frames are zeroed first, so no
 * enclave secret reaches the OS.  -EPERM if the frame is not owned by miee.
 * The caller must have removed the frame from the enclave's nested tables
 * (and flushed) before, or the enclave could write after the scrub.
 */
int frames_reclaim(struct frame_table *t, u64 pfn, u16 miee);

/* FRAME_MMIO for [nframes, mmio_top), FRAME_ABSENT / 0 beyond.
 * frames_count() counts the table's entries only. */
enum frame_kind frames_kind(const struct frame_table *t, u64 pfn);
u16 frames_miee(const struct frame_table *t, u64 pfn);
u64 frames_count(const struct frame_table *t, enum frame_kind kind);
/* Frames MIEE- or SHARED-owned by miee (a scan of the table). */
u64 frames_count_miee(const struct frame_table *t, u16 miee);

/* 1 if every frame touching [hpa, hpa + size) is OS, MMIO or SHARED, else
 * 0 (also for size 0 and frames at or beyond mmio_top).  An npt hpa_allowed
 * hook is a one-line wrapper around it. */
int frames_hpa_mappable_by_os(const struct frame_table *t, u64 hpa, u64 size);

#endif
