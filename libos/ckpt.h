/* The libOS checkpoint file format and its pure parser/serialiser
 * (ckpt_fmt.c: freestanding, also built for the host unit test and the
 * fuzzer); the MIEE side that takes and restores a checkpoint is ckpt.c.
 * docs/libos.md, "Checkpoint and restore".
 *
 * File: struct ckpt_hdr | sealed blob (blob_len bytes: the uTPM's seal
 * of struct ckpt_secret) | nchunks chunks, each AES-256-GCM ciphertext
 * of chunk_size plaintext bytes (the last one shorter) then its 16-byte
 * tag. Chunk i: IV = "CKPT" || i (u64 LE), AAD = the 64-byte header.
 * The plaintext is a stream of sections: struct ckpt_sec then len bytes,
 * in the order of the CKPT_SEC_* numbers, each once, END last and at
 * exactly plain_len. */
#ifndef LIBOS_CKPT_H
#define LIBOS_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/gcm.h"

#define CKPT_MAGIC 0x54504b43534f424cull	/* "LBOSCKPT" */
#define CKPT_VERSION 1u
#define CKPT_CHUNK 65536u
#define CKPT_BLOB_MAX 4352u		/* >= sealed 96 bytes + the uTPM's 84 */
#define CKPT_PLAIN_MAX (1ull << 31)	/* 2 GiB: more than an MIEE holds */

struct ckpt_hdr {
	uint64_t magic;			/* CKPT_MAGIC */
	uint32_t version;		/* CKPT_VERSION */
	uint32_t chunk_size;		/* CKPT_CHUNK */
	uint64_t plain_len;		/* bytes of the section stream */
	uint32_t nchunks;		/* ceil(plain_len / chunk_size) */
	uint32_t blob_len;		/* 1..CKPT_BLOB_MAX */
	uint8_t upcr0[32];		/* uPCR 0 (the measurement) at checkpoint,
					 * for a clear error: the seal enforces it */
};
_Static_assert(sizeof(struct ckpt_hdr) == 64, "ckpt_hdr layout");

/* What the uTPM seals (bound to uPCR 0, the launch's seal secret): the
 * GCM key and the header it belongs to. */
struct ckpt_secret {
	uint8_t key[32];
	struct ckpt_hdr hdr;
};
_Static_assert(sizeof(struct ckpt_secret) == 96, "ckpt_secret layout");

#define CKPT_SEC_STATE 1u	/* struct ckpt_state */
#define CKPT_SEC_DYN 2u		/* dynamic memory [addr = dyn_off, + len) */
#define CKPT_SEC_LIBOS 3u	/* the libOS's data and bss [addr, + len) */
#define CKPT_SEC_PT 4u		/* the initial page tables [0, CKPT_PT_LEN) */
#define CKPT_SEC_FDS 5u		/* struct ckpt_fd[] */
#define CKPT_SEC_END 6u		/* len 0 */
#define CKPT_PT_LEN (5u * 4096u)

struct ckpt_sec {
	uint32_t type, reserved;	/* CKPT_SEC_*, 0 */
	uint64_t addr, len;
};
_Static_assert(sizeof(struct ckpt_sec) == 24, "ckpt_sec layout");

#define CKPT_NREGS 22		/* struct regs of kernel.h */
struct ckpt_state {
	uint64_t regs[CKPT_NREGS];	/* the program's registers at the point it
					 * resumes (after its system call, or
					 * before it when that call was EINTR) */
	uint64_t fs_base, gs_base;
	uint64_t dyn_backed;		/* end of the frames HC_MIEE_MAP backed */
	uint64_t reserved[7];
	uint8_t fx[512];		/* FXSAVE64 of x87/SSE */
};
_Static_assert(sizeof(struct ckpt_state) == 768, "ckpt_state layout");

#define CKPT_PATH_MAX 256
#define CKPT_FD_STDIO 0u	/* host fd 0..2: the runner's own stdio */
#define CKPT_FD_PATH 1u		/* reopened by path, flags, offset */
struct ckpt_fd {
	int32_t fd, host;		/* program fd, host fd at checkpoint */
	uint32_t how, flags;		/* CKPT_FD_*, F_GETFL's value */
	int64_t offset;			/* lseek(fd, 0, SEEK_CUR), -1: not seekable */
	char path[CKPT_PATH_MAX];	/* NUL-terminated, absolute */
};
_Static_assert(sizeof(struct ckpt_fd) == 280, "ckpt_fd layout");

/* What a restore accepts: the addresses of this libOS and this MIEE. */
struct ckpt_limits {
	uint64_t libos_lo, libos_len;	/* the saved libOS data range */
	uint64_t dyn_lo, dyn_hi;	/* dynamic memory */
	uint32_t fd_max;		/* program fds */
};

/* Header checks: 0, or -EINVAL with *why set. file_len is the file's
 * length as the host reports it (the exact length is required). */
int ckpt_hdr_check(const struct ckpt_hdr *h, uint64_t file_len, const char **why);
uint64_t ckpt_file_len(const struct ckpt_hdr *h);
uint64_t ckpt_chunk_off(const struct ckpt_hdr *h, uint32_t i);
uint32_t ckpt_chunk_len(const struct ckpt_hdr *h, uint32_t i);	/* plaintext bytes */
void ckpt_iv(uint32_t i, uint8_t iv[GCM_IV_SIZE]);
/* Chunk i in place: encrypt (tag out) or authenticate and decrypt (0, or
 * -1 with buf zeroed when the tag is wrong). */
void ckpt_chunk_seal(const struct gcm_ctx *g, const struct ckpt_hdr *h, uint32_t i, uint8_t *buf,
		     uint32_t len, uint8_t tag[GCM_TAG_SIZE]);
int ckpt_chunk_open(const struct gcm_ctx *g, const struct ckpt_hdr *h, uint32_t i, uint8_t *buf,
		    uint32_t len, const uint8_t tag[GCM_TAG_SIZE]);

/* The section stream parser, fed the authenticated plaintext in pieces.
 * It checks each section header against the limits and the order, then
 * hands every body byte to sink with its section and address. */
struct ckpt_parser;
typedef int (*ckpt_sink)(void *ctx, const struct ckpt_sec *s, uint64_t at, const uint8_t *p,
			 size_t n);
struct ckpt_parser {
	struct ckpt_limits lim;
	ckpt_sink sink;
	void *ctx;
	uint64_t total, fed;		/* plain_len, bytes so far */
	uint32_t last;			/* type of the last section begun */
	uint32_t hgot;			/* bytes of the pending header */
	uint8_t hbuf[sizeof(struct ckpt_sec)];
	struct ckpt_sec cur;
	uint64_t left;			/* body bytes of cur still to come */
	const char *why;		/* the first error */
};
void ckpt_parse_init(struct ckpt_parser *p, const struct ckpt_limits *lim, uint64_t plain_len,
		     ckpt_sink sink, void *ctx);
/* 0, or -EINVAL (p->why) for a bad section, or the sink's error. */
int ckpt_parse_feed(struct ckpt_parser *p, const uint8_t *buf, size_t n);
/* After the last byte: 0 if END came exactly at the end. */
int ckpt_parse_finish(struct ckpt_parser *p);

/* The section header for a body of len bytes at addr. */
void ckpt_sec_make(struct ckpt_sec *s, uint32_t type, uint64_t addr, uint64_t len);

#endif
