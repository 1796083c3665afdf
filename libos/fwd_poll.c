/* Forwarded waiting: poll/ppoll, select/pselect6 (both sent to the host
 * as poll on host fds) and nanosleep/clock_nanosleep (libOS, CPL 0).
 * Signal masks of ppoll/pselect6 are not applied: signals raised outside
 * the MIEE are not delivered yet (docs/libos.md). */
#include "fwd.h"

#define POLL_MAX LIBOS_FD_MAX

/* fwd_priv split: the program's pollfds, the host's, the revents. */
#define P_USER ((struct lx_pollfd *)fwd_priv)
#define P_HOST ((struct lx_pollfd *)(fwd_priv + 8 * POLL_MAX))
#define P_REV ((int16_t *)(fwd_priv + 16 * POLL_MAX))
#define P_SETS ((uint64_t *)(fwd_priv + 18 * POLL_MAX))	/* 3 fd_sets */

static int64_t ts_to_ms(const struct lx_timespec *ts)
{
	if (ts->tv_sec > 2000000)
		return 0x7fffffff;
	return ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
}

/* Poll P_HOST[0, n) on the host (fd -1: skipped) into P_REV. */
static long host_poll(uint64_t n, int64_t timeout)
{
	struct lay l;
	struct fwd_res r;
	int64_t off;
	long ret;

	lay_init(&l);
	off = lay_alloc(&l, n * sizeof(struct lx_pollfd));
	for (uint64_t i = 0; i < n; i++) {
		struct lx_pollfd p = { P_HOST[i].fd, P_HOST[i].events, 0 };

		__builtin_memcpy(l.d + off + i * sizeof(p), &p, sizeof(p));
	}
	if (fwd_call(LX_poll, (int64_t[6]){ off, (int64_t)n, timeout }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_poll, &r, n, n * sizeof(struct lx_pollfd));
	if (ret < 0)
		return ret;
	for (uint64_t i = 0; i < n; i++)
		__builtin_memcpy(&P_REV[i], l.d + off + i * 8 + 6, sizeof(int16_t));
	if (iago_poll(LX_poll, P_HOST, P_REV, n, ret))
		return -LX_EIO;
	return ret;
}

static long do_poll(uint64_t ufds, uint64_t n, int64_t timeout)
{
	long ret, nval = 0;

	if (n > POLL_MAX)
		return -LX_EINVAL;
	if (copy_from_user(P_USER, ufds, n * sizeof(struct lx_pollfd)))
		return -LX_EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		int h = P_USER[i].fd < 0 ? -1 : fd_host(P_USER[i].fd);

		/* An fd not in the table is the libOS's POLLNVAL. */
		if (P_USER[i].fd >= 0 && h < 0)
			nval++;
		P_HOST[i].fd = h < 0 ? -1 : h;
		P_HOST[i].events = P_USER[i].events;
	}
	ret = host_poll(n, nval ? 0 : timeout);
	if (ret < 0)
		return ret;
	for (uint64_t i = 0; i < n; i++) {
		int bad = P_USER[i].fd >= 0 && P_HOST[i].fd < 0;

		P_USER[i].revents = bad ? LX_POLLNVAL : P_REV[i];
	}
	if (copy_to_user(ufds, P_USER, n * sizeof(struct lx_pollfd)))
		return -LX_EFAULT;
	return ret + nval;
}

static long do_ppoll(uint64_t ufds, uint64_t n, uint64_t uts)
{
	struct lx_timespec ts;

	if (!uts)
		return do_poll(ufds, n, -1);
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -LX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -LX_EINVAL;
	return do_poll(ufds, n, ts_to_ms(&ts));
}

#define SET_IN LX_POLLIN
#define SET_OUT LX_POLLOUT
#define SET_EX LX_POLLPRI

/* select and pselect6 as a poll of the fds in the three sets. */
static long do_select(int64_t nfds, const uint64_t sets[3], int64_t timeout)
{
	static const int16_t ev[3] = { SET_IN, SET_OUT, SET_EX };
	uint64_t words, *set[3], n = 0;
	static int idx[POLL_MAX];	/* 4 KiB: off the kernel stack */
	long ret, ready = 0;

	if (nfds < 0 || nfds > LX_FD_SETSIZE)
		return -LX_EINVAL;
	words = ((uint64_t)nfds + 63) / 64;
	for (int k = 0; k < 3; k++) {
		set[k] = P_SETS + k * (LX_FD_SETSIZE / 64);
		__builtin_memset(set[k], 0, LX_FD_SETSIZE / 8);
		if (sets[k] && copy_from_user(set[k], sets[k], words * 8))
			return -LX_EFAULT;
	}
	for (int64_t fd = 0; fd < nfds; fd++) {
		int16_t events = 0;

		for (int k = 0; k < 3; k++)
			if (set[k][fd / 64] & (1ull << (fd % 64)))
				events |= ev[k];
		if (!events)
			continue;
		if (fd_host(fd) < 0)
			return -LX_EBADF;
		P_HOST[n].fd = fd_host(fd);
		P_HOST[n].events = events;
		idx[n++] = (int)fd;
	}
	ret = host_poll(n, timeout);
	if (ret < 0)
		return ret;
	for (int k = 0; k < 3; k++)
		__builtin_memset(set[k], 0, words * 8);
	for (uint64_t i = 0; i < n; i++) {
		uint16_t got = (uint16_t)P_REV[i];
		int fd = idx[i];
		uint16_t want = (uint16_t)P_HOST[i].events;
		int hit[3] = {
			(want & SET_IN) && (got & (LX_POLLIN | LX_POLLHUP | LX_POLLERR)),
			(want & SET_OUT) && (got & (LX_POLLOUT | LX_POLLERR)),
			(want & SET_EX) && (got & LX_POLLPRI),
		};

		for (int k = 0; k < 3; k++)
			if (hit[k]) {
				set[k][fd / 64] |= 1ull << (fd % 64);
				ready++;
			}
	}
	for (int k = 0; k < 3; k++)
		if (sets[k] && copy_to_user(sets[k], set[k], words * 8))
			return -LX_EFAULT;
	return ready;
}

static long select_timeout(uint64_t utv, int is_timespec, int64_t *ms)
{
	int64_t t[2];

	*ms = -1;
	if (!utv)
		return 0;
	if (copy_from_user(t, utv, sizeof(t)))
		return -LX_EFAULT;
	if (t[0] < 0 || t[1] < 0 || t[1] >= (is_timespec ? 1000000000 : 1000000))
		return -LX_EINVAL;
	*ms = ts_to_ms(&(struct lx_timespec){ t[0], is_timespec ? t[1] : t[1] * 1000 });
	return 0;
}

static long do_sleep(int64_t clk, int64_t flags, uint64_t ureq, uint64_t urem)
{
	struct lx_timespec req, rem;
	struct lay l;
	struct fwd_res r;
	int want_rem = urem && !(flags & 1 /* TIMER_ABSTIME */);
	long ret;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -LX_EFAULT;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000)
		return -LX_EINVAL;
	lay_init(&l);
	lay_alloc(&l, sizeof(req));
	lay_alloc(&l, sizeof(rem));
	__builtin_memcpy(l.d, &req, sizeof(req));
	if (fwd_call(LX_clock_nanosleep, (int64_t[6]){ clk, flags & 1, 0,
			want_rem ? 16 : LIBOS_HC_NOBUF }, &l, &r))
		return -LX_EIO;
	ret = iago_ret(LX_clock_nanosleep, r.ret, 0);
	if (ret == -LX_EIO)
		return ret;
	if (iago_out_len(LX_clock_nanosleep, r.out_len,
			 ret == -LX_EINTR && want_rem ? 32 : 0))
		return -LX_EIO;
	if (ret == -LX_EINTR && want_rem) {
		__builtin_memcpy(&rem, l.d + 16, sizeof(rem));
		if (iago_timespec(LX_clock_nanosleep, &rem, flags & 1 ? NULL : &req))
			return -LX_EIO;
		if (copy_to_user(urem, &rem, sizeof(rem)))
			return -LX_EFAULT;
	}
	return ret;
}

long fwd_poll(unsigned int nr, const uint64_t a[6], int *handled)
{
	int64_t ms;
	long ret;

	*handled = 1;
	switch (nr) {
	case LX_poll:
		return do_poll(a[0], a[1], (int32_t)a[2] < 0 ? -1 : (int32_t)a[2]);
	case LX_ppoll:
		return do_ppoll(a[0], a[1], a[2]);
	case LX_select:
	case LX_pselect6:
		ret = select_timeout(a[4], nr == LX_pselect6, &ms);
		if (ret)
			return ret;
		return do_select((int32_t)a[0], (uint64_t[3]){ a[1], a[2], a[3] }, ms);
	case LX_nanosleep:
		return do_sleep(1 /* CLOCK_MONOTONIC */, 0, a[0], a[1]);
	case LX_clock_nanosleep:
		return do_sleep((int32_t)a[0], (int32_t)a[1], a[2], a[3]);
	}
	*handled = 0;
	return -LX_ENOSYS;
}
