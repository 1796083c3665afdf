/* Internals of the host-call server (tools/miee-run/hostcall*.c). */
#ifndef MIEE_RUN_HOSTCALL_INT_H
#define MIEE_RUN_HOSTCALL_INT_H

#include <stdint.h>

#include "hostcall.h"

/* One request being served: a private copy of the header and of data[]. */
struct hc_req {
	struct hostcall *s;
	struct libos_hc h;
	unsigned char *b;	/* s->buf: the copy of data[0, in_len) */
	uint64_t in_len;
	int bad;		/* a buffer out of bounds: refuse the request */
	int64_t ret;
	uint64_t out_len;
};

/* [off, off + len) inside the request's data, or NULL (and q->bad). */
void *hc_span(struct hc_req *q, int64_t off, uint64_t len);
/* A NUL-terminated string at off inside the data, or NULL (and q->bad). */
const char *hc_str(struct hc_req *q, int64_t off);
int hc_fd_ok(const struct hostcall *s, int64_t fd);
/* A new fd for the MIEE that the policy counted (policy_openat): recorded,
 * or closed past HOSTCALL_FD_MAX (-EMFILE). */
long hc_new_fd(struct hostcall *s, long fd, const char *path);
/* The same after policy_fd_new (dup, pipe2, socket, accept4): the count
 * given back when the call failed (fd < 0). */
long hc_new_fd_counted(struct hostcall *s, long fd, const char *path);

/* Families served elsewhere: 0 when nr was theirs, -ENOSYS if not. */
int hc_path_call(struct hc_req *q);
int hc_net_call(struct hc_req *q);
/* Falsify q's result per s->lie (test-only). */
void hc_lie(struct hc_req *q);

#endif
