/* Forwarded socket calls (libOS, CPL 0): AF_INET and AF_INET6 only (a
 * Unix socket's path would bypass the runner's file rules); no control
 * messages cross, so no fd can be passed in either direction. */
#include "fwd.h"

#define SA_MAX LX_SOCKADDR_MAX
/* The layout of a sockaddr result: its length (u32) at 0, the address
 * (SA_MAX bytes, the runner's buffer) at 8. */
#define SA_LEN_OFF 0
#define SA_OFF 8
#define SA_END (SA_OFF + SA_MAX)

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Room for a sockaddr result at the start of l. */
static void sa_lay(struct lay *l)
{
	uint32_t cap = SA_MAX;

	lay_alloc(l, 8);
	lay_alloc(l, SA_MAX);
	__builtin_memcpy(l->d + SA_LEN_OFF, &cap, sizeof(cap));
}

/* Give the program the address the host wrote: the length checked
 * against the runner's buffer, the bytes cut to the program's. */
static long sa_out(unsigned int nr, const struct lay *l, uint64_t uaddr,
		   uint64_t ulen)
{
	uint32_t got, have;
	unsigned char sa[SA_MAX];

	__builtin_memcpy(&got, l->d + SA_LEN_OFF, sizeof(got));
	if (iago_addrlen(nr, got, SA_MAX))
		return -LX_EIO;
	__builtin_memcpy(sa, l->d + SA_OFF, got);
	if (copy_from_user(&have, ulen, sizeof(have)))
		return -LX_EFAULT;
	if (copy_to_user(uaddr, sa, min_u64(have, got)) ||
	    copy_to_user(ulen, &got, sizeof(got)))
		return -LX_EFAULT;
	return 0;
}

/* The program's addrlen pointer, read (and checked as Linux does). */
static long sa_check_len(uint64_t uaddr, uint64_t ulen)
{
	int32_t have;

	if (!uaddr)
		return 0;
	if (copy_from_user(&have, ulen, sizeof(have)))
		return -LX_EFAULT;
	return have < 0 ? -LX_EINVAL : 0;
}

static long do_socket(int64_t domain, int64_t type, int64_t proto)
{
	int slot = fd_lowest_free(0);
	struct lay l;
	struct fwd_res r;
	long ret;

	if ((int32_t)domain != LX_AF_INET && (int32_t)domain != LX_AF_INET6) {
		libos_log("fwd: socket domain %ld refused", (long)domain);
		return -LX_EAFNOSUPPORT;
	}
	if (slot < 0)
		return slot;
	lay_init(&l);
	if (fwd_call(LX_socket, (int64_t[6]){ (int32_t)domain, (int32_t)type, (int32_t)proto }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_socket, &r, 0, 0);
	if (ret < 0)
		return ret;
	return fwd_new_fd(LX_socket, slot, ret);
}

/* bind, connect: an address in. */
static long do_addr_in(unsigned int nr, int64_t fd, uint64_t uaddr, int64_t len)
{
	int h = fd_host((int32_t)fd);
	struct lay l;
	struct fwd_res r;
	int64_t off;

	if (h < 0)
		return h;
	if ((int32_t)len < 0 || (int32_t)len > (int32_t)SA_MAX)
		return -LX_EINVAL;
	lay_init(&l);
	if ((off = lay_user(&l, uaddr, (uint32_t)len)) < 0)
		return off;
	if (fwd_call(nr, (int64_t[6]){ h, off, (int32_t)len }, &l, &r))
		return -LX_EIO;
	return fwd_check(nr, &r, 0, 0);
}

static long do_accept(int64_t fd, uint64_t uaddr, uint64_t ulen, int64_t flags)
{
	int h = fd_host((int32_t)fd), slot = fd_lowest_free(0);
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	if (slot < 0)
		return slot;
	if ((ret = sa_check_len(uaddr, ulen)))
		return ret;
	lay_init(&l);
	sa_lay(&l);
	if (fwd_call(LX_accept4, (int64_t[6]){ h, uaddr ? SA_OFF : LIBOS_HC_NOBUF,
			uaddr ? SA_LEN_OFF : LIBOS_HC_NOBUF, (int32_t)flags }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_accept4, &r, 0, uaddr ? SA_END : 0);
	if (ret < 0)
		return ret;
	if (uaddr) {
		uint32_t got;

		__builtin_memcpy(&got, l.d + SA_LEN_OFF, sizeof(got));
		if (iago_addrlen(LX_accept4, got, SA_MAX))
			return -LX_EIO;
	}
	if (fwd_new_fd(LX_accept4, slot, ret) < 0)
		return -LX_EIO;
	if (uaddr && sa_out(LX_accept4, &l, uaddr, ulen)) {
		fd_clear(slot);
		fwd_close_host((int)ret);
		return -LX_EFAULT;
	}
	return slot;
}

/* getsockname, getpeername. */
static long do_name(unsigned int nr, int64_t fd, uint64_t uaddr, uint64_t ulen)
{
	int h = fd_host((int32_t)fd);
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	if ((ret = sa_check_len(1, ulen)))
		return ret;
	lay_init(&l);
	sa_lay(&l);
	if (fwd_call(nr, (int64_t[6]){ h, SA_OFF, SA_LEN_OFF }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, 0, SA_END);
	if (ret < 0)
		return ret;
	return sa_out(nr, &l, uaddr, ulen);
}

static long do_sendto(const uint64_t a[6])
{
	int h = fd_host((int32_t)a[0]);
	uint64_t n = min_u64(a[2], hc_window() - SA_END);
	struct lay l;
	struct fwd_res r;
	int64_t aoff = LIBOS_HC_NOBUF, boff;

	if (h < 0)
		return h;
	if (a[4] && ((int32_t)a[5] < 0 || (int32_t)a[5] > (int32_t)SA_MAX))
		return -LX_EINVAL;
	lay_init(&l);
	if (a[4] && (aoff = lay_user(&l, a[4], (uint32_t)a[5])) < 0)
		return aoff;
	if ((boff = lay_user(&l, a[1], n)) < 0)
		return boff;
	if (fwd_call(LX_sendto, (int64_t[6]){ h, boff, (int64_t)n, (int32_t)a[3],
			aoff, a[4] ? (int32_t)a[5] : 0 }, &l, &r))
		return -LX_EIO;
	return fwd_check(LX_sendto, &r, n, 0);
}

static long do_recvfrom(const uint64_t a[6])
{
	int h = fd_host((int32_t)a[0]);
	uint64_t n = min_u64(a[2], hc_window() - SA_END);
	struct lay l;
	struct fwd_res r;
	int has_addr = a[4] != 0;
	long ret;

	if (h < 0)
		return h;
	if ((ret = sa_check_len(a[4], a[5])))
		return ret;
	lay_init(&l);
	sa_lay(&l);
	lay_alloc(&l, n);
	if (fwd_call(LX_recvfrom, (int64_t[6]){ h, SA_END, (int64_t)n, (int32_t)a[3],
			has_addr ? SA_OFF : LIBOS_HC_NOBUF,
			has_addr ? SA_LEN_OFF : LIBOS_HC_NOBUF }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_recvfrom, &r, n, SA_END + (uint64_t)r.ret);
	if (ret < 0)
		return ret;
	if (has_addr) {
		uint32_t got;

		__builtin_memcpy(&got, l.d + SA_LEN_OFF, sizeof(got));
		if (iago_addrlen(LX_recvfrom, got, SA_MAX))
			return -LX_EIO;
	}
	if (ret > 0 && copy_to_user(a[1], l.d + SA_END, (size_t)ret))
		return -LX_EFAULT;
	if (has_addr && sa_out(LX_recvfrom, &l, a[4], a[5]))
		return -LX_EFAULT;
	return ret;
}

/* sendmsg, recvmsg: the msghdr marshaled as struct libos_hc_msg with
 * the name's room at SA_OFF, then the iovec array, then the buffers. */
#define MSG_FLAGS_OK (0x1 | 0x8 | 0x20 | 0x80 | 0x2000)	/* OOB CTRUNC TRUNC EOR ERRQUEUE */
static long do_msg(unsigned int nr, int64_t fd, uint64_t umsg, int64_t flags)
{
	int h = fd_host((int32_t)fd);
	struct lx_msghdr m;
	struct lx_iovec *iov = (struct lx_iovec *)fwd_priv;
	struct libos_hc_msg w;
	struct libos_hc_iov *wi;
	uint64_t start, total = 0, moff;
	struct lay l;
	struct fwd_res r;
	long ret;

	if (h < 0)
		return h;
	if (copy_from_user(&m, umsg, sizeof(m)))
		return -LX_EFAULT;
	if (m.iovlen > LX_UIO_MAXIOV || m.namelen > SA_MAX)
		return -LX_EINVAL;
	if (m.controllen && nr == LX_sendmsg) {
		libos_log("fwd: sendmsg control data refused (no fd passing)");
		return -LX_EOPNOTSUPP;
	}
	if (copy_from_user(iov, m.iov, m.iovlen * sizeof(*iov)))
		return -LX_EFAULT;
	lay_init(&l);
	sa_lay(&l);
	if (nr == LX_sendmsg && m.name && m.namelen &&
	    copy_from_user(l.d + SA_OFF, m.name, m.namelen))
		return -LX_EFAULT;
	moff = (uint64_t)lay_alloc(&l, sizeof(w));
	wi = (struct libos_hc_iov *)(l.d + lay_alloc(&l, m.iovlen * sizeof(*wi)));
	start = l.len;
	for (uint64_t i = 0; i < m.iovlen; i++) {
		uint64_t n = min_u64(iov[i].len, hc_window() - l.len);

		if (iov[i].len > 0x7ffff000 - total)
			return -LX_EINVAL;
		wi[i].off = l.len;
		wi[i].len = n;
		if (nr == LX_sendmsg && n && copy_from_user(l.d + l.len, iov[i].base, n))
			return -LX_EFAULT;
		l.len += n;
		total += iov[i].len;
	}
	w.name = m.name ? SA_OFF : LIBOS_HC_NOBUF;
	w.namelen = m.name ? (nr == LX_sendmsg ? m.namelen : SA_MAX) : 0;
	w.flags = 0;
	w.iov = (int64_t)(moff + sizeof(w));
	w.iovlen = m.iovlen;
	__builtin_memcpy(l.d + moff, &w, sizeof(w));
	if (fwd_call(nr, (int64_t[6]){ h, (int64_t)moff, (int32_t)flags }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, l.len - start, nr == LX_sendmsg ? 0 :
			r.ret > 0 ? start + (uint64_t)r.ret : moff + sizeof(w));
	if (ret < 0 || nr == LX_sendmsg)
		return ret;
	__builtin_memcpy(&w, l.d + moff, sizeof(w));
	if (m.name && iago_addrlen(nr, w.namelen, SA_MAX))
		return -LX_EIO;
	if (w.flags & ~(uint32_t)MSG_FLAGS_OK)
		return iago_fail(nr, "msg_flags");
	{
		uint64_t left = (uint64_t)ret, pos = start;
		unsigned char sa[SA_MAX];

		for (uint64_t i = 0; i < m.iovlen && left; i++) {
			uint64_t n = min_u64(iov[i].len, left);

			if (copy_to_user(iov[i].base, l.d + pos, n))
				return -LX_EFAULT;
			pos += n;
			left -= n;
		}
		if (m.name) {
			__builtin_memcpy(sa, l.d + SA_OFF, w.namelen);
			if (copy_to_user(m.name, sa, min_u64(m.namelen, w.namelen)))
				return -LX_EFAULT;
		}
	}
	m.namelen = m.name ? w.namelen : 0;
	m.controllen = 0;
	m.flags = (int32_t)w.flags;
	if (copy_to_user(umsg, &m, sizeof(m)))
		return -LX_EFAULT;
	return ret;
}

/* The socket options programs commonly use; others: ENOPROTOOPT. */
static int sockopt_ok(int32_t level, int32_t name)
{
	if (level == LX_SOL_SOCKET)
		switch (name) {
		case LX_SO_REUSEADDR: case LX_SO_TYPE: case LX_SO_ERROR:
		case LX_SO_BROADCAST: case LX_SO_SNDBUF: case LX_SO_RCVBUF:
		case LX_SO_KEEPALIVE: case LX_SO_LINGER: case LX_SO_REUSEPORT:
		case LX_SO_RCVTIMEO: case LX_SO_SNDTIMEO:
			return 1;
		}
	return level == LX_IPPROTO_TCP && name == LX_TCP_NODELAY;
}

#define OPT_MAX 64u

static long do_sockopt(unsigned int nr, const uint64_t a[6])
{
	int h = fd_host((int32_t)a[0]);
	int32_t level = (int32_t)a[1], name = (int32_t)a[2];
	struct lay l;
	struct fwd_res r;
	int32_t len;
	uint32_t got;
	unsigned char val[OPT_MAX];
	long ret;

	if (h < 0)
		return h;
	if (!sockopt_ok(level, name)) {
		libos_log("fwd: socket option %d/%d refused", level, name);
		return -LX_ENOPROTOOPT;
	}
	lay_init(&l);
	if (nr == LX_setsockopt) {
		int64_t off;

		if ((int32_t)a[4] < 0 || (int32_t)a[4] > (int32_t)OPT_MAX)
			return -LX_EINVAL;
		if ((off = lay_user(&l, a[3], (uint32_t)a[4])) < 0)
			return off;
		if (fwd_call(nr, (int64_t[6]){ h, level, name, off, (int32_t)a[4] }, &l, &r))
			return -LX_EIO;
		return fwd_check(nr, &r, 0, 0);
	}
	if (copy_from_user(&len, a[4], sizeof(len)))
		return -LX_EFAULT;
	if (len < 0)
		return -LX_EINVAL;
	got = (uint32_t)min_u64((uint32_t)len, OPT_MAX);
	lay_alloc(&l, 8);
	lay_alloc(&l, OPT_MAX);
	__builtin_memcpy(l.d, &got, sizeof(got));
	if (fwd_call(nr, (int64_t[6]){ h, level, name, 8, 0 }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(nr, &r, 0, 8 + got);
	if (ret < 0)
		return ret;
	{
		uint32_t asked = got;

		__builtin_memcpy(&got, l.d, sizeof(got));
		if (got > asked)
			return iago_fail(nr, "optlen > buffer");
	}
	__builtin_memcpy(val, l.d + 8, got);
	if (copy_to_user(a[3], val, got) || copy_to_user(a[4], &got, sizeof(got)))
		return -LX_EFAULT;
	return 0;
}

static long do_int2(unsigned int nr, int64_t fd, int64_t arg)
{
	int h = fd_host((int32_t)fd);
	struct lay l;
	struct fwd_res r;

	if (h < 0)
		return h;
	lay_init(&l);
	if (fwd_call(nr, (int64_t[6]){ h, (int32_t)arg }, &l, &r))
		return -LX_EIO;
	return fwd_check(nr, &r, 0, 0);
}

long fwd_net(unsigned int nr, const uint64_t a[6], int *handled)
{
	*handled = 1;
	switch (nr) {
	case LX_socket:
		return do_socket((int64_t)a[0], (int64_t)a[1], (int64_t)a[2]);
	case LX_bind:
	case LX_connect:
		return do_addr_in(nr, (int64_t)a[0], a[1], (int64_t)a[2]);
	case LX_listen:
	case LX_shutdown:
		return do_int2(nr, (int64_t)a[0], (int64_t)a[1]);
	case LX_accept:
		return do_accept((int64_t)a[0], a[1], a[2], 0);
	case LX_accept4:
		return do_accept((int64_t)a[0], a[1], a[2], (int64_t)a[3]);
	case LX_getsockname:
	case LX_getpeername:
		return do_name(nr, (int64_t)a[0], a[1], a[2]);
	case LX_sendto:
		return do_sendto(a);
	case LX_recvfrom:
		return do_recvfrom(a);
	case LX_sendmsg:
	case LX_recvmsg:
		return do_msg(nr, (int64_t)a[0], a[1], (int64_t)a[2]);
	case LX_getsockopt:
	case LX_setsockopt:
		return do_sockopt(nr, a);
	}
	*handled = 0;
	return -LX_ENOSYS;
}
