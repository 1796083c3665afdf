/* The library OS's ABI: how miee-run lays out a libOS MIEE (the boot page
 * the libOS starts from), and the host-call protocol between the libOS
 * (libos/, inside the MIEE) and the runner (tools/, on the OS) through the
 * shared region. Shared by the libOS, the runner, attest/miee-measure and
 * the host unit tests. docs/libos.md.
 *
 * Everything here is little-endian, fixed-size, with no pointers: the two
 * sides distrust each other, and each copies what it reads before it
 * checks it. The constants are usable from assembly (libos/entry.S). */
#ifndef HV_ABI_LIBOS_H
#define HV_ABI_LIBOS_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* ---- the MIEE's address space (offsets = MIEE-physical addresses).
 *
 *   [0, 4 MiB)   identity-mapped, supervisor only: the libOS runs here
 *     0x000000   initial page tables built by the runner (measured, R|W):
 *                PML4, PDPT/PD for the low 4 MiB (2 MiB pages, RWX) and
 *                PDPT/PD for the direct map (below)
 *     0x005000   the boot page, struct libos_boot (measured, R)
 *     0x100000   the libOS image (struct libos_image_hdr first): text R|X,
 *                data and bss R|W, all measured
 *   [4 MiB, 4 MiB + LIBOS_SHARED_SIZE)   the shared region (MIEE_P_SHARED):
 *                struct libos_hc, then LIBOS_HC_DATA_MAX bytes of data
 *   [8 MiB, ...) the program file, then the manifest, then the argument
 *                blob, each from a page boundary, raw bytes, measured, R
 *                (the program file R|X: the libOS may map its text in
 *                place for the program)
 *   [dyn_off, max_pages * 4096)   dynamic memory: HC_MIEE_MAP at addresses
 *                the libOS chooses, never measured
 *
 * The direct map: PML4 entry 256 maps MIEE-physical [0, 1 GiB) at virtual
 * LIBOS_DIRECT_MAP (2 MiB pages, supervisor, NX). The program's own
 * mappings live in the lower half above 4 MiB, as the libOS builds them.
 * A program whose ELF asks for anything below LIBOS_USER_MIN is refused. */
#define LIBOS_PAGE 4096u
#define LIBOS_MAX_PAGES 262144u		/* 1 GiB: max_pages at HC_MIEE_CREATE */
#define LIBOS_OFF_PML4 0x0000u
#define LIBOS_OFF_BOOT 0x5000u
#define LIBOS_OFF_IMAGE 0x100000u
#define LIBOS_IMAGE_MAX (0x300000u - 0x10000u)	/* image must end below 4 MiB */
#define LIBOS_OFF_SHARED 0x400000u
#define LIBOS_SHARED_SIZE (LIBOS_PAGE + LIBOS_HC_DATA_MAX)
#define LIBOS_OFF_FILES 0x800000u
#define LIBOS_DIRECT_MAP 0xffff800000000000ull
#define LIBOS_USER_MIN 0x400000ull
#define LIBOS_USER_MAX 0x00007ffffffff000ull

/* ---- the boot page (LIBOS_OFF_BOOT), written by the runner, measured. */
#define LIBOS_BOOT_MAGIC 0x544f4f42534f424cull	/* "LBOSBOOT" */
#define LIBOS_BOOT_VERSION 1u

#ifndef __ASSEMBLER__
struct libos_boot {
	uint64_t magic;			/* LIBOS_BOOT_MAGIC */
	uint32_t version;		/* LIBOS_BOOT_VERSION */
	uint32_t flags;			/* LIBOS_BF_* */
	uint64_t max_pages;		/* given to HC_MIEE_CREATE */
	uint64_t image_off, image_size;	/* the libOS image */
	uint64_t shared_off, shared_size;
	uint64_t program_off, program_size;	/* the program's ELF file */
	uint64_t manifest_off, manifest_size;	/* 0, 0 without a manifest */
	uint64_t args_off, args_size;	/* struct libos_args and its strings */
	uint64_t dyn_off;		/* first page of dynamic memory */
	uint64_t mem_limit;		/* bytes of dynamic memory allowed */
	uint32_t threads;		/* thread slots, 1..MIEE_SLOTS_MAX (16):
					 * the most threads the program may
					 * have live at once */
	uint32_t reserved0;
	uint64_t reserved[16];		/* 0 */
};
_Static_assert(sizeof(struct libos_boot) == 256, "libos_boot layout");
#endif

/* boot.flags */
#define LIBOS_BF_PREMAPPED (1u << 0)	/* the runner added all of [dyn_off,
					 * dyn_off + mem_limit) unmeasured R|W
					 * before HC_MIEE_INIT (a hypervisor
					 * without HC_MIEE_MAP); contents are
					 * the OS's, so the libOS zeroes each
					 * page before use */

/* The argument blob: argc argv strings then envc envp strings, each
 * NUL-terminated, packed after the header; args_size covers all of it. */
#ifndef __ASSEMBLER__
struct libos_args {
	uint32_t argc, envc;
	/* char strings[]; */
};
#endif

/* ---- the libOS image (LIBOS_OFF_IMAGE): a flat binary that starts with
 * this header. The runner adds text_pages R|X, then data_pages R|W (bss
 * included, the file's bytes then zeros), all measured. */
#define LIBOS_IMAGE_MAGIC 0x474d4953424f424cull	/* "LBOSIMG" + 'G' */

#ifndef __ASSEMBLER__
struct libos_image_hdr {
	uint64_t magic;			/* LIBOS_IMAGE_MAGIC */
	uint32_t text_pages, data_pages;	/* from the image's first page */
	uint64_t entry;			/* offset of the entry in the MIEE (RIP) */
	uint64_t stack_top;		/* initial RSP (in its data pages) */
	uint64_t gdt, idt;		/* offsets of its GDT and IDT */
	uint16_t gdt_limit, idt_limit;
	uint16_t cs, ds;		/* ring-0 selectors in that GDT */
	uint64_t file_size;		/* bytes of the image file itself */
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct libos_image_hdr) == 80, "libos_image_hdr layout");
#endif
/* The entry gets RDI = LIBOS_OFF_BOOT (struct miee_init.arg). */

/* ---- host calls: HC_MIEE_HOSTCALL with RBX = LIBOS_HOSTCALL; the request
 * is struct libos_hc at the start of the shared region, its buffers in
 * data[] after it (shared_off + LIBOS_PAGE). The MIEE resumes with RAX = 0
 * when the runner has answered in ret/out_len, or RAX = 1 if the runner
 * refused the request as malformed (then ret = -EINVAL or -ENOSYS).
 *
 * Forwarded Linux system calls (nr < LIBOS_HC_FIRST) carry the Linux
 * syscall number and its six arguments, with every pointer argument (and
 * every pointer inside a struct argument: iovec, msghdr, sockaddr) replaced
 * by an offset into data[]; each buffer's size follows the Linux
 * semantics of the call (count, sizeof the struct, a NUL-terminated
 * string, *addrlen). The runner checks every [offset, offset + size)
 * against LIBOS_HC_DATA_MAX before it touches it and never follows a
 * pointer. The libOS copies results out of data[] only after its Iago
 * checks pass. */
#define LIBOS_HOSTCALL 0x4c42u		/* RBX of HC_MIEE_HOSTCALL */
#define LIBOS_HC_MAGIC 0x4c4c4143534f424cull	/* "LBOSCALL" */
#define LIBOS_HC_DATA_MAX (1024u * 1024u)

/* Marshaled forms (docs/libos.md, "Marshaling"): a pointer argument the
 * program passed as NULL is LIBOS_HC_NOBUF; an iovec array is an array of
 * struct libos_hc_iov; a msghdr is struct libos_hc_msg (no control data
 * crosses: msg_control is always LIBOS_HC_NOBUF). Results go back into
 * the same buffers; out_len is the end of the last byte the runner wrote
 * as each call's row in docs/libos.md defines it, 0 when ret < 0. */
#define LIBOS_HC_NOBUF (-1ll)

#ifndef __ASSEMBLER__
struct libos_hc_iov {
	uint64_t off, len;
};

struct libos_hc_msg {
	int64_t name;			/* offset or LIBOS_HC_NOBUF */
	uint32_t namelen, flags;	/* flags: msg_flags out */
	int64_t iov;			/* offset of struct libos_hc_iov[] */
	uint64_t iovlen;
};
_Static_assert(sizeof(struct libos_hc_msg) == 32, "libos_hc_msg layout");
#endif

/* libOS-specific requests (nr >= LIBOS_HC_FIRST) */
#define LIBOS_HC_FIRST 0x1000u
#define LIBOS_HC_GROW 0x1000u	/* args[0] = pages the libOS wants donated to
				 * its reserve (HC_MIEE_MAP found too few);
				 * ret = pages donated or -ENOMEM */
#define LIBOS_HC_LOG 0x1001u	/* data[0, args[0]) = one log line (no NUL) */
#define LIBOS_HC_STATS 0x1002u	/* args[0..3] = handled, forwarded, refused,
				 * pages mapped: for --stats at exit */
#define LIBOS_HC_PARK 0x1003u	/* threads: this slot has nothing to run;
				 * args[0] = its slot, args[1] = ns to wait at
				 * most (-1: no limit). The host thread
				 * returns (enters the slot again) after an
				 * UNPARK of this slot, one that came before
				 * this PARK included (a token, as futex
				 * wakes), or the time. ret 0. The libOS
				 * rechecks the futex word and the clock: an
				 * early, late or lost return only delays */
#define LIBOS_HC_UNPARK 0x1004u	/* threads: args[0] = a slot to wake from
				 * its PARK (or to give the token to); ret 0 */
#define LIBOS_HC_SPAWN 0x1005u	/* threads: args[0] = a slot HC_MIEE_SLOT_NEW
				 * just made: the runner starts a host thread
				 * that enters it. ret 0, or -EAGAIN (the
				 * policy's thread limit; the libOS then ends
				 * the slot and clone fails with EAGAIN) */
#define LIBOS_HC_SHRINK 0x1006u	/* args[0] = pages the libOS just gave back
				 * (HC_MIEE_UNMAP): the runner may take that
				 * many frames of the reserve back to the OS
				 * (MIEE_IOC_RECLAIM). A hint only: the
				 * hypervisor hands back reserve frames, never
				 * mapped ones. ret = pages reclaimed */

/* Checkpoint and restore (docs/libos.md, "Checkpoint and restore"). The
 * file's bytes are the libOS's (encrypted, authenticated, key sealed by
 * the uTPM): the runner only stores and returns them. */
#define LIBOS_HC_CKPT_QUERY 0x1010u	/* the libOS's first host call: ret = the
					 * checkpoint file's length when miee-run
					 * was given --restore FILE, else 0 */
#define LIBOS_HC_CKPT_READ 0x1011u	/* args[0] = file offset, args[1] = length
					 * (<= LIBOS_HC_DATA_MAX): data[0, ret) =
					 * those bytes, ret = bytes read (short at
					 * the end of the file) or -errno */
#define LIBOS_HC_CKPT_WRITE 0x1012u	/* args[0] = file offset, args[1] = length:
					 * data[0, length) into the checkpoint
					 * file; ret 0 or -errno */
#define LIBOS_HC_CKPT_DONE 0x1013u	/* args[0] = 1: the file is complete and
					 * args[1] bytes long (the runner keeps it,
					 * the MIEE then exits LIBOS_EXIT_CKPT);
					 * args[0] = 0: the libOS refused this
					 * checkpoint (logged) and runs on */
#define LIBOS_HC_CKPT_FDINFO 0x1014u	/* args[0] = a host fd of the MIEE: data =
					 * struct libos_ckpt_fdinfo, ret 0 or
					 * -EBADF; out_len = 8 + path_len */

#ifndef __ASSEMBLER__
struct libos_ckpt_fdinfo {
	uint32_t kind;			/* st_mode >> 12 (S_IFREG >> 12 = 8, ...) */
	uint32_t path_len;		/* bytes of path, no NUL, < 4096 */
	/* char path[path_len]; what /proc/self/fd/N names */
};
#endif

/* struct libos_hc.host_flags, set by the runner in every answer */
#define LIBOS_HF_CKPT (1ull << 0)	/* checkpoint now: miee-run --checkpoint
					 * got SIGUSR2 */

/* Threads and the shared region: each slot has its own request header and
 * data window, so one slot's blocking call never holds another's. Slot K's
 * struct libos_hc is at shared_off + K * sizeof(struct libos_hc) (16 of
 * them fill 2 KiB of the first page); its data window is
 * [shared_off + LIBOS_PAGE + K * W, + W) with W = LIBOS_HC_WINDOW(threads):
 * offsets in slot K's requests are from its window's start and bounded by
 * W. With threads = 1 this is the single-threaded layout above. */
#define LIBOS_HC_WINDOW(threads) ((LIBOS_HC_DATA_MAX / (threads)) & ~(uint64_t)(LIBOS_PAGE - 1))

#ifndef __ASSEMBLER__
struct libos_hc {
	uint64_t magic;			/* LIBOS_HC_MAGIC */
	uint32_t nr;			/* Linux syscall number or LIBOS_HC_* */
	uint32_t seq;			/* the libOS counts requests */
	int64_t args[6];
	uint64_t in_len;		/* bytes of data[] the libOS filled */
	int64_t ret;			/* runner: result, or -errno */
	uint64_t out_len;		/* runner: bytes of data[] it wrote */
	uint64_t host_flags;		/* runner: LIBOS_HF_*, a request only */
	uint64_t reserved[4];
};
_Static_assert(sizeof(struct libos_hc) == 128, "libos_hc layout");
#endif

/* ---- how the MIEE ends: HC_MIEE_EXIT status, and miee-run's exit code. */
#define LIBOS_EXIT_CODE(c) ((uint64_t)((c) & 0xff))	/* exit/exit_group */
#define LIBOS_EXIT_SIGNAL(s) (0x100u | ((s) & 0x7f))	/* killed by signal s:
							 * miee-run exits 128+s */
#define LIBOS_EXIT_ABORT(r) (0x10000u | ((r) & 0xffff))	/* the libOS gave up:
							 * LIBOS_ABORT_* */
#define LIBOS_ABORT_BOOT 1	/* bad boot page or image */
#define LIBOS_ABORT_ELF 2	/* the program's ELF was refused */
#define LIBOS_ABORT_NOMEM 3	/* out of memory while loading */
#define LIBOS_ABORT_FAULT 4	/* a fault in the libOS itself */
#define LIBOS_ABORT_HOST 5	/* the host broke the host-call protocol */
#define LIBOS_ABORT_CKPT 6	/* --restore: the checkpoint was refused
				 * (tampered, truncated, another PAL's or
				 * launch's); the log line names why */
#define LIBOS_EXIT_CKPT 0x20000u	/* the libOS wrote a complete checkpoint
					 * (LIBOS_HC_CKPT_DONE) and stopped */

#endif
