/* The forwarded socket calls (guest OS user space): AF_INET and AF_INET6
 * only; no control messages in either direction (no fd passing). Every
 * destination and local port goes through the policy's firewall first
 * (policy_socket, _connect, _sendto, _bind; listen in hostcall.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "hostcall.h"
#include "hostcall-int.h"

#define A(i) (q->h.args[i])
#define SA_MAX 128u

static int family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* An address argument (off, len) going in: NULL for NOBUF. */
static int sa_in(struct hc_req *q, int64_t off, int64_t len, struct sockaddr **sa)
{
	sa_family_t fam;

	*sa = NULL;
	if (off == LIBOS_HC_NOBUF)
		return 0;
	if (len < (int64_t)sizeof(fam) || len > SA_MAX)
		return -EINVAL;
	if (!(*sa = hc_span(q, off, (uint64_t)len)))
		return -EINVAL;
	memcpy(&fam, *sa, sizeof(fam));
	return family_ok(fam) ? 0 : -EAFNOSUPPORT;
}

/* An address result: the buffer at off, its u32 length at len_off. */
struct sa_out {
	struct sockaddr *sa;
	socklen_t len, cap;
	void *lenp;
};

static int sa_prep(struct hc_req *q, int64_t off, int64_t len_off, struct sa_out *o)
{
	uint32_t cap;

	o->sa = NULL;
	o->lenp = NULL;
	if (off == LIBOS_HC_NOBUF)
		return 0;
	if (!(o->lenp = hc_span(q, len_off, sizeof(cap))))
		return -1;
	memcpy(&cap, o->lenp, sizeof(cap));
	if (cap > SA_MAX)
		cap = SA_MAX;
	if (!(o->sa = hc_span(q, off, cap)))
		return -1;
	o->len = o->cap = cap;
	return 0;
}

static void sa_done(struct hc_req *q, const struct sa_out *o, int64_t off)
{
	uint32_t len = o->len;

	if (!o->sa)
		return;
	memcpy(o->lenp, &len, sizeof(len));
	if ((uint64_t)off + o->cap > q->out_len)
		q->out_len = (uint64_t)off + o->cap;
}

static void h_socket(struct hc_req *q)
{
	int type = (int)A(1) & 0xf;
	long fd;

	if (!family_ok((int)A(0)) || (type != SOCK_STREAM && type != SOCK_DGRAM)) {
		q->ret = -EAFNOSUPPORT;
		return;
	}
	if ((q->ret = policy_socket(&q->s->pol, (int)A(0), type)) ||
	    (q->ret = policy_fd_new(&q->s->pol, "socket", 1)))
		return;
	fd = socket((int)A(0), (int)A(1), (int)A(2));
	q->ret = hc_new_fd_counted(q->s, fd < 0 ? -errno : fd, NULL);
}

static void h_addr_in(struct hc_req *q)
{
	struct sockaddr *sa;
	int r = sa_in(q, A(1), A(2), &sa);

	if (q->bad || (q->ret = r))
		return;
	if (!sa) {		/* NOBUF: no address to judge, as Linux */
		q->ret = -EFAULT;
		return;
	}
	r = q->h.nr == SYS_bind ? policy_bind(&q->s->pol, sa, (socklen_t)A(2)) :
				  policy_connect(&q->s->pol, sa, (socklen_t)A(2));
	if ((q->ret = r))
		return;
	r = q->h.nr == SYS_bind ? bind((int)A(0), sa, (socklen_t)A(2)) :
				  connect((int)A(0), sa, (socklen_t)A(2));
	q->ret = r < 0 ? -errno : 0;
}

static void h_accept(struct hc_req *q)
{
	struct sa_out o;
	long fd;

	if (sa_prep(q, A(1), A(2), &o) || (q->ret = policy_fd_new(&q->s->pol, "accept4", 1)))
		return;
	fd = accept4((int)A(0), o.sa, o.sa ? &o.len : NULL,
		     (int)A(3) & (SOCK_NONBLOCK | SOCK_CLOEXEC));
	q->ret = hc_new_fd_counted(q->s, fd < 0 ? -errno : fd, NULL);
	if (q->ret >= 0)
		sa_done(q, &o, A(1));
}

static void h_name(struct hc_req *q)
{
	struct sa_out o;
	int r;

	if (sa_prep(q, A(1), A(2), &o) || !o.sa) {
		q->bad = 1;
		return;
	}
	r = q->h.nr == SYS_getsockname ? getsockname((int)A(0), o.sa, &o.len) :
					 getpeername((int)A(0), o.sa, &o.len);
	q->ret = r < 0 ? -errno : 0;
	if (!r)
		sa_done(q, &o, A(1));
}

static void h_sendto(struct hc_req *q)
{
	void *buf = hc_span(q, A(1), (uint64_t)A(2));
	struct sockaddr *sa;
	int r;

	if (!buf)
		return;
	r = sa_in(q, A(4), A(5), &sa);
	if (q->bad)
		return;
	if (r || (r = policy_sendto(&q->s->pol, sa, sa ? (socklen_t)A(5) : 0))) {
		q->ret = r;
		return;
	}
	q->ret = sendto((int)A(0), buf, (size_t)A(2), (int)A(3) | MSG_NOSIGNAL, sa,
			sa ? (socklen_t)A(5) : 0);
	if (q->ret < 0)
		q->ret = -errno;
}

static void h_recvfrom(struct hc_req *q)
{
	void *buf = hc_span(q, A(1), (uint64_t)A(2));
	struct sa_out o;

	if (!buf || sa_prep(q, A(4), A(5), &o))
		return;
	q->ret = recvfrom((int)A(0), buf, (size_t)A(2), (int)A(3), o.sa, o.sa ? &o.len : NULL);
	if (q->ret < 0) {
		q->ret = -errno;
		return;
	}
	q->out_len = (uint64_t)A(1) + (uint64_t)q->ret;
	sa_done(q, &o, A(4));
}

static void h_msg(struct hc_req *q)
{
	struct libos_hc_msg w;
	struct iovec iov[UIO_MAXIOV];
	struct libos_hc_iov wi;
	struct msghdr m = { 0 };
	void *wp = hc_span(q, A(1), sizeof(w));
	const unsigned char *ia;
	uint64_t end = 0;
	uint32_t namelen_in;

	if (!wp)
		return;
	memcpy(&w, wp, sizeof(w));
	if (w.iovlen > UIO_MAXIOV || w.namelen > SA_MAX ||
	    !(ia = hc_span(q, w.iov, w.iovlen * sizeof(wi)))) {
		q->bad = 1;
		return;
	}
	for (uint64_t i = 0; i < w.iovlen; i++) {
		memcpy(&wi, ia + i * sizeof(wi), sizeof(wi));
		if (wi.off > INT64_MAX || !(iov[i].iov_base = hc_span(q, (int64_t)wi.off, wi.len)))
			return;
		iov[i].iov_len = wi.len;
	}
	if (w.name != LIBOS_HC_NOBUF && !(m.msg_name = hc_span(q, w.name, w.namelen)))
		return;
	m.msg_namelen = m.msg_name ? w.namelen : 0;
	namelen_in = m.msg_namelen;
	m.msg_iov = iov;
	m.msg_iovlen = w.iovlen;
	if (q->h.nr == SYS_sendmsg) {
		if (m.msg_name && m.msg_namelen >= sizeof(sa_family_t)) {
			sa_family_t fam;

			memcpy(&fam, m.msg_name, sizeof(fam));
			if (!family_ok(fam)) {
				q->ret = -EAFNOSUPPORT;
				return;
			}
		}
		if ((q->ret = policy_sendto(&q->s->pol, m.msg_name, m.msg_namelen)))
			return;
		q->ret = sendmsg((int)A(0), &m, (int)A(2) | MSG_NOSIGNAL);
		q->ret = q->ret < 0 ? -errno : q->ret;
		return;
	}
	q->ret = recvmsg((int)A(0), &m, (int)A(2) & ~MSG_CMSG_CLOEXEC);
	if (q->ret < 0) {
		q->ret = -errno;
		return;
	}
	w.namelen = m.msg_name ? m.msg_namelen : 0;
	w.flags = (uint32_t)m.msg_flags;
	memcpy(wp, &w, sizeof(w));
	end = (uint64_t)A(1) + sizeof(w);
	if (m.msg_name && (uint64_t)w.name + namelen_in > end)
		end = (uint64_t)w.name + namelen_in;
	for (uint64_t i = 0, left = (uint64_t)q->ret; i < w.iovlen && left; i++) {
		uint64_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
		uint64_t e = (uint64_t)((unsigned char *)iov[i].iov_base - q->b) + n;

		if (n && e > end)
			end = e;
		left -= n;
	}
	q->out_len = end;
}

static void h_sockopt(struct hc_req *q)
{
	int fd = (int)A(0), level = (int)A(1), name = (int)A(2);
	uint32_t len;
	void *val, *lenp;
	socklen_t sl;

	if (q->h.nr == SYS_setsockopt) {
		if ((uint64_t)A(4) > 64 || !(val = hc_span(q, A(3), (uint64_t)A(4)))) {
			q->bad = 1;
			return;
		}
		q->ret = setsockopt(fd, level, name, val, (socklen_t)A(4)) < 0 ? -errno : 0;
		return;
	}
	if (!(lenp = hc_span(q, A(4), sizeof(len))))
		return;
	memcpy(&len, lenp, sizeof(len));
	if (len > 64 || !(val = hc_span(q, A(3), len))) {
		q->bad = 1;
		return;
	}
	sl = len;
	q->ret = getsockopt(fd, level, name, val, &sl) < 0 ? -errno : 0;
	if (q->ret == 0) {
		uint32_t got = sl;

		memcpy(lenp, &got, sizeof(got));
		q->out_len = (uint64_t)A(3) + len;
	}
}

int hc_net_call(struct hc_req *q)
{
	switch (q->h.nr) {
	case SYS_socket:
		h_socket(q);
		return 0;
	case SYS_bind:
	case SYS_connect:
		h_addr_in(q);
		return 0;
	case SYS_accept4:
		h_accept(q);
		return 0;
	case SYS_getsockname:
	case SYS_getpeername:
		h_name(q);
		return 0;
	case SYS_sendto:
		h_sendto(q);
		return 0;
	case SYS_recvfrom:
		h_recvfrom(q);
		return 0;
	case SYS_sendmsg:
	case SYS_recvmsg:
		h_msg(q);
		return 0;
	case SYS_getsockopt:
	case SYS_setsockopt:
		h_sockopt(q);
		return 0;
	}
	return -ENOSYS;
}
