/* The MIEE manager's own state, shared by its files: core/miee.c
 * (lifecycle, entering and leaving, the calls from inside),
 * core/miee_mem.c (the reserve and memory after init) and
 * core/miee_utpm.c (the uTPM calls and checked copies). Not for anyone
 * else: everything here is under hv_miee_lock (miee_lock()). */
#ifndef HV_CORE_MIEE_INT_H
#define HV_CORE_MIEE_INT_H

#include "types.h"
#include "vcpu.h"
struct bootinfo;	/* smp.h names it */
#include "smp.h"
#include "crypto/sha256.h"
#include "utpm/utpm.h"
#include "hv/miee.h"

/* The page list lives in pages of the pool allocated as pages are added
 * (a full list would be 6 MiB: more than a quarter of a small pool for
 * every MIEE, whatever it uses). */
#define PER_CHUNK (PAGE_SIZE / sizeof(struct miee_page))
#define MAX_CHUNKS ((MIEE_MAX_PAGES + PER_CHUNK - 1) / PER_CHUNK)
/* The reserve: a stack of frames (physical addresses), pages of 512. */
#define RES_PER (PAGE_SIZE / sizeof(u64))
#define RES_CHUNKS ((MIEE_MAX_PAGES + RES_PER - 1) / RES_PER)
/* Offsets HC_MIEE_MAP mapped: a bitmap, pages of 32768 bits. */
#define DYN_PER (PAGE_SIZE * 8)
#define DYN_CHUNKS ((MIEE_MAX_PAGES + DYN_PER - 1) / DYN_PER)

/* One thread slot (docs/miee.md "Thread slots"): a vCPU context of its
 * own on the MIEE's nested table. Free when its ctx.vendor is NULL. */
struct miee_slot {
	struct vcpu ctx;
	bool in_hostcall;
	struct vcpu *os;		/* the OS vCPU it runs for, NULL if not running */
	u32 cpu;			/* ... on this CPU */
};

struct miee {
	u16 id;
	u32 state;			/* 0 = free slot, else MIEE_S_* */
	u32 max_pages, npages;
	struct miee_page *chunk[MAX_CHUNKS];	/* the pages, in the order added;
						 * allocated as they fill */
	struct npt npt;
	struct sha256_ctx meas;
	u8 measurement[32];
	struct miee_slot slot[MIEE_SLOTS_MAX];	/* 0 made by HC_MIEE_INIT */
	u32 slots_live, slots_made;
	u32 running;			/* slots running on some CPU now */
	u64 vm_exits_gone;		/* VM exits of slots that ended */
	/* MIEE_S_DEAD: what every slot's HC_MIEE_ENTER returns from now on
	 * (MIEE_EXIT_DONE + status, or MIEE_EXIT_FAULT + reason, address). */
	u32 end_reason;
	u64 end_info, end_info2;
	struct utpm utpm;		/* its micro-TPM; uPCR 0 = measurement */
	u64 enters, exits;

	/* Memory after init (core/miee_mem.c). Frames it owns: npages (the
	 * image) + nreserve (donated, mapped nowhere) + nmapped (mapped by
	 * HC_MIEE_MAP), never more than max_pages. reserve[] has room for
	 * nreserve + nmapped frames at all times, so UNMAP never allocates. */
	u32 nreserve, nmapped;
	u64 *reserve[RES_CHUNKS];
	u64 *dyn[DYN_CHUNKS];
	/* Its translations on a CPU are stale after an UNMAP until that CPU
	 * flushes them: each CPU flushes before it enters the MIEE when its
	 * cpu_gen is behind tlb_gen (0 = never flushed, so a new MIEE whose
	 * table root reuses a freed page also flushes first). */
	u64 tlb_gen, cpu_gen[HV_MAX_CPUS];
};

extern struct frame_table hv_frames;
extern struct npt *hv_os_npt;

struct miee *miee_by_id(u64 id);
struct miee *miee_of(struct vcpu *v);	/* the MIEE of an MIEE context */
/* The CPUs (bit = CPU index) running one of m's slots now, but this one. */
u32 miee_cpus_running(const struct miee *m);
/* [pa, pa + len) is RAM the OS owns (hypercall arguments). */
bool miee_os_ram(u64 pa, u64 len);
/* An internal -errno as the ABI's MIEE_E* code. */
int miee_errno(int err);

/* core/miee_mem.c */
int miee_donate(struct vcpu *v);	/* HC_MIEE_DONATE */
int miee_reclaim(struct vcpu *v);	/* HC_MIEE_RECLAIM */
s64 miee_map(struct miee *m, const struct guest_regs *r);	/* HC_MIEE_MAP */
s64 miee_unmap(struct miee *m, struct vcpu *self);	/* HC_MIEE_UNMAP */
/* HC_MIEE_FLUSH, and the end of UNMAP: self (the calling slot) flushes
 * at once, every CPU running another of m's slots before this returns,
 * every other CPU before it next enters m. */
void miee_tlb_flush(struct miee *m, struct vcpu *self);
/* Before this CPU enters slot ctx of m: drop its stale translations. */
void miee_tlb_enter(struct miee *m, struct vcpu *ctx);
/* Destroy, before its nested table goes: every reserve and mapped frame
 * scrubbed and the OS's again (the caller flushes the OS's table). */
void miee_mem_release(struct miee *m);
/* The storage pages of the reserve and the bitmap back to the pool. */
void miee_mem_free(struct miee *m);

/* core/miee_utpm.c: copy len bytes between buf and the MIEE's offset off
 * (out: into the MIEE, which needs write access): 0, or MIEE_EARG with
 * nothing copied unless every page is the MIEE's. */
int miee_copy(struct miee *m, u64 off, void *buf, u64 len, bool out);
/* A uTPM call (RAX = HC_UTPM_*) of the MIEE: 0 or MIEE_E*. */
s64 miee_utpm_call(struct miee *m, struct guest_regs *r);

#endif
