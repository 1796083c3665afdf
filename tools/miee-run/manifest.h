/* The MIEE manifest: one policy for a run (program, fixed argv/env, memory,
 * threads, files, network, limits), parsed from a versioned line-based text
 * (docs/policy.md, "Manifest"). The miee-run flags --ro/--rw/--memory fill
 * the same struct. Host user space; no I/O here. */
#ifndef TOOLS_MIEE_RUN_MANIFEST_H
#define TOOLS_MIEE_RUN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_VERSION_LINE "miee-manifest 1"
#define MANIFEST_MAX_BYTES 65536u	/* the whole file */
#define MANIFEST_MAX_LINE 4096u		/* one line, without its '\n' */
#define MANIFEST_MAX_ARGS 256u
#define MANIFEST_MAX_ENV 256u
#define MANIFEST_MAX_FILES 64u
#define MANIFEST_MAX_NET 64u		/* connect rules, bind rules: each */
#define MANIFEST_MAX_THREADS 64u
#define MANIFEST_MIN_MEMORY (1ull << 20)
#define MANIFEST_MAX_MEMORY (64ull << 30)

/* Rights on a path prefix; each implies the ones before it. */
enum file_right { FILE_RO = 1, FILE_RW = 2, FILE_CREATE = 3 };

struct manifest_file {
	char *path;		/* absolute, normalized: no '.', '..', '//', trailing '/' */
	size_t len;
	enum file_right right;
};

/* An address block and a port range: `connect` targets, `bind` ports. */
struct manifest_net {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	unsigned prefix;	/* leading bits that must match */
	uint16_t port_lo, port_hi;
};

enum policy_mode { POLICY_ENFORCE = 0, POLICY_NULL = 1 };

struct manifest {
	char *program;			/* NULL: none given */
	char *argv[MANIFEST_MAX_ARGS];
	unsigned argc;
	char *env[MANIFEST_MAX_ENV];	/* "NAME=VALUE" */
	unsigned envc;
	uint64_t memory;		/* bytes; 0: the runner's default */
	unsigned threads;		/* 0: the runner's default (1) */
	struct manifest_file files[MANIFEST_MAX_FILES];
	unsigned nfiles;
	struct manifest_net connect[MANIFEST_MAX_NET];
	unsigned nconnect;
	struct manifest_net bind[MANIFEST_MAX_NET];	/* bind and listen */
	unsigned nbind;
	uint64_t limit_fds;		/* 0 in these three: no limit */
	uint64_t limit_fsize;
	uint64_t limit_calls;		/* host calls per second */
	enum policy_mode mode;
};

struct manifest_error {
	unsigned line;		/* 1-based; 0: not tied to a line (e.g. a flag) */
	char reason[160];
};

/* Parses len bytes. 0 and *m filled, or -EINVAL with *err set and *m left
 * all zero (nothing partial). *m must not hold a parsed manifest. */
int manifest_parse(const char *buf, size_t len, struct manifest *m, struct manifest_error *err);

/* The flags' shorthands: --ro/--rw PATH (right FILE_RO / FILE_RW; a
 * relative path is refused), --memory SIZE. 0 or -EINVAL with *err. */
int manifest_add_file(struct manifest *m, enum file_right right, const char *path,
		      struct manifest_error *err);
int manifest_set_memory(struct manifest *m, const char *size, struct manifest_error *err);

/* "4096", "64K", "256M", "1G": 0 and *out, or -EINVAL (also on overflow). */
int manifest_parse_size(const char *s, uint64_t *out);

/* 1 if the path is absolute and normalized (the form `file` lines need). */
int manifest_path_ok(const char *p, size_t len);

/* Frees what m owns and zeroes it. */
void manifest_free(struct manifest *m);

/* Whether a network namespace of its own fits this policy: 1 if no rule
 * names an address other than loopback (bind rules are local ports). */
int manifest_loopback_only(const struct manifest *m);

#endif
