/* Nested page tables (GPA -> HPA) for both vendors: Intel EPT and AMD NPT.
 * Runs in the hypervisor (and on the host in unit tests); not reentrant. */
#ifndef HV_MM_NPT_H
#define HV_MM_NPT_H

#include "types.h"

/*
 * One 4-level walker/splitter serves both formats; only the entry encoding
 * differs (SDM Vol. 3C 29.3.2 for EPT, APM Vol. 2 15.25.5 for NPT, which
 * uses ordinary long-mode entries).  Leaves are 4 KiB or 2 MiB, never 1 GiB.
 *
 * TLB invalidation is the caller's job: after npt_map/npt_unmap/npt_protect
 * changes or removes a translation, the backend must flush before any vCPU
 * using these tables runs again (INVEPT single-context on VMX, an ASID flush
 * via the TLB control of the SVM backend).  Table pages freed by these calls
 * go back to page_free() at once, so that flush must also happen before the
 * pages can be reused, because paging-structure caches may still hold them.
 *
 * Tables are edited in place with single 64-bit stores and a new table is
 * filled before it is linked, so a concurrent hardware walk sees the old or
 * the new translation of each page, never a half-built table.  Callers
 * serialise all edits of one struct npt.
 */

#define NPT_R 1u
#define NPT_W 2u
#define NPT_X 4u
#define NPT_RWX (NPT_R | NPT_W | NPT_X)

/* Highest guest physical address + 1 a 4-level table translates. */
#define NPT_GPA_LIMIT (1ull << 48)

enum npt_fmt { NPT_FMT_EPT, NPT_FMT_AMD };
enum npt_mt { NPT_MT_UC, NPT_MT_WB };

struct npt {
	enum npt_fmt fmt;
	u64 *root;			/* 4-level PML4, virtual address */
	/* Nonzero if hpa..hpa+size may be mapped; NULL allows everything. */
	int (*hpa_allowed)(u64 hpa, u64 size);
	u64 table_pages;		/* table pages in use, root included */
};

int npt_init(struct npt *n, enum npt_fmt fmt,
	     int (*hpa_allowed)(u64 hpa, u64 size));

/*
 * Map [gpa, gpa + size) to [hpa, hpa + size).  All three must be 4 KiB
 * aligned and size nonzero.  2 MiB leaves are used where gpa, hpa and the
 * remaining size allow, 4 KiB leaves elsewhere.  Whatever was mapped there
 * before is replaced; large pages straddling the range edges are split.
 *
 * perms is a nonzero subset of NPT_RWX.  Not every subset is encodable:
 * EPT forbids write without read (SDM Vol. 3C 29.3.3.1, misconfiguration);
 * AMD has no "not readable" (a present entry is readable), so NPT_R is
 * required there.  Execute-only is accepted for EPT; the backend must check
 * IA32_VMX_EPT_VPID_CAP bit 0 before relying on it.  Unencodable: -EINVAL.
 *
 * Returns -EPERM (nothing mapped) if hpa_allowed refuses the range, and
 * -ENOMEM with the tables unchanged: every page the call needs is
 * allocated before the first entry is written.
 */
int npt_map(struct npt *n, u64 gpa, u64 hpa, u64 size, unsigned perms,
	    enum npt_mt mt);

/* Remove [gpa, gpa + size); splits large pages at the edges (so it can
 * fail with -ENOMEM, then changing nothing) and frees emptied tables.
 * Unmapping something that is not mapped is not an error. */
int npt_unmap(struct npt *n, u64 gpa, u64 size);

/*
 * Set the permissions of the one 4 KiB frame containing gpa, keeping its
 * hpa and memory type.  A 2 MiB leaf is first split into 512 4 KiB leaves
 * with the same hpa/perms/type.  perms == 0 unmaps the frame.  -ENOENT if
 * the frame is unmapped; granting access (perms != 0) re-checks hpa_allowed
 * for that frame, so a frame the hook now refuses cannot be re-enabled.
 */
int npt_protect(struct npt *n, u64 gpa, unsigned perms);

/* Translate gpa (any offset).  Any output pointer may be NULL.  *hpa keeps
 * gpa's offset in the page; *page_size is 4096 or 2 MiB.  -ENOENT if not
 * mapped. */
int npt_lookup(const struct npt *n, u64 gpa, u64 *hpa, unsigned *perms,
	       enum npt_mt *mt, unsigned *page_size);

/* Physical address of the PML4: EPTP bits 51:12 (the backend adds the
 * walk length and memory type, SDM Vol. 3C 25.6.11) or the nested CR3 of the SVM backend. */
u64 npt_root_pa(const struct npt *n);

/* Free every table page; n is left empty (root NULL). */
void npt_destroy(struct npt *n);

#endif
