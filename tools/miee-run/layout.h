/* The test PAL's MIEE image as miee-run builds it: where each page lies
 * (buffer offset == MIEE address) and the page-table and descriptor bits it
 * uses. Shared by the runner, the PAL and the host unit tests.
 * docs/miee-runner.md. */
#ifndef MIEE_RUN_LAYOUT_H
#define MIEE_RUN_LAYOUT_H

#include "hv/miee.h"

#define MIEE_PG 4096u
#define MIEE_IMG_PML4 0x0000u
#define MIEE_IMG_PDPT 0x1000u
#define MIEE_IMG_PD 0x2000u
#define MIEE_IMG_PT 0x3000u
#define MIEE_IMG_GDT 0x4000u
#define MIEE_IMG_CODE 0x5000u	/* the PAL's code, MIEE_IMG_CODE_PAGES pages */
#define MIEE_IMG_CODE_PAGES 3u
#define MIEE_IMG_DATA 0x8000u	/* one private data page (the `secret` mode's) */
#define MIEE_IMG_GUARD 0x9000u	/* 0x9000-0xafff: not added (guard below the stack) */
#define MIEE_IMG_STACK 0xb000u
#define MIEE_IMG_STACK_PAGES 5u
#define MIEE_IMG_STACK_TOP 0x10000u
#define MIEE_IMG_SHARED 0x10000u	/* the one shared page, the last */
#define MIEE_IMG_SIZE 0x11000u	/* the MIEE's range [0, size) */
#define MIEE_IMG_PAGES (MIEE_IMG_SIZE / MIEE_PG)	/* max_pages at create */
#define MIEE_IMG_GDT_LIMIT (3 * 8 - 1)
#define MIEE_IMG_CS 0x08u
#define MIEE_IMG_DS 0x10u

/* x86 page-table and descriptor bits used above. */
#define MIEE_PTE_P (1ull << 0)
#define MIEE_PTE_RW (1ull << 1)
#define MIEE_PTE_A (1ull << 5)
#define MIEE_PTE_D (1ull << 6)
#define MIEE_PTE_PS (1ull << 7)
#define MIEE_GDT_CODE64 0x00af9b000000ffffull	/* P, DPL 0, exec/read, accessed, L */
#define MIEE_GDT_DATA 0x00cf93000000ffffull	/* P, DPL 0, read/write, accessed */

#define MIEE_F_RWM (MIEE_P_R | MIEE_P_W | MIEE_P_MEASURED)
#define MIEE_F_RXM (MIEE_P_R | MIEE_P_X | MIEE_P_MEASURED)
#define MIEE_F_SHR (MIEE_P_SHARED | MIEE_P_R | MIEE_P_W)

/* The variant image (`--variant`, `seal-other`'s second MIEE): one byte of
 * the measured data page differs, so the measurement (uPCR 0) does. */
#define MIEE_IMG_VARIANT_OFF (MIEE_IMG_DATA + MIEE_PG - 1)

#endif
