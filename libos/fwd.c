/* The forwarding layer's core: laying out a request in the shared region,
 * making the host call, and the checks all calls share (libOS, CPL 0). */
#include "fwd.h"

unsigned char fwd_privs[FWD_SLOTS][FWD_PRIV_SIZE];

void lay_init(struct lay *l)
{
	l->d = hc_data();
	l->len = 0;
}

int64_t lay_alloc(struct lay *l, uint64_t n)
{
	uint64_t off = (l->len + 7) & ~7ull;

	if (n > hc_window() || off > hc_window() - n)
		return -LX_E2BIG;
	l->len = off + n;
	return (int64_t)off;
}

int64_t lay_user(struct lay *l, uint64_t uaddr, uint64_t n)
{
	int64_t off = lay_alloc(l, n);

	if (off < 0)
		return off;
	if (n && copy_from_user(l->d + off, uaddr, n))
		return -LX_EFAULT;
	return off;
}

int64_t lay_path(struct lay *l, uint64_t uaddr)
{
	int64_t off = lay_alloc(l, FWD_PATH_MAX);
	long n;

	if (off < 0)
		return off;
	n = strncpy_from_user((char *)l->d + off, uaddr, FWD_PATH_MAX);
	if (n < 0)
		return n;
	l->len = (uint64_t)off + (uint64_t)n + 1;
	return off;
}

int fwd_call(unsigned int nr, const int64_t args[6], const struct lay *l,
	     struct fwd_res *r)
{
	struct libos_hc *hc = hc_request();
	volatile struct libos_hc *v = hc;

	v->nr = nr;
	for (int i = 0; i < 6; i++)
		v->args[i] = args[i];
	v->in_len = l->len;
	v->ret = 0;
	v->out_len = 0;
	if (hc_call())
		return -LX_EIO;
	r->ret = v->ret;
	r->out_len = v->out_len;
	return 0;
}

long fwd_check(unsigned int nr, const struct fwd_res *r, uint64_t limit,
	       uint64_t want)
{
	long ret = iago_ret(nr, r->ret, limit);

	if (ret == -LX_EIO && r->ret != -LX_EIO)
		return ret;
	if (iago_out_len(nr, r->out_len, r->ret >= 0 ? want : 0))
		return -LX_EIO;
	return ret;
}

int64_t fwd_dirfd(int64_t dirfd)
{
	if ((int32_t)dirfd == LX_AT_FDCWD)
		return LX_AT_FDCWD;
	return fd_host((int32_t)dirfd);
}

long fwd_new_fd(unsigned int nr, int slot, int64_t host)
{
	if (host < 0 || host >= LIBOS_HOST_FD_MAX)
		return iago_fail(nr, "fd range");
	if (fd_host_used((int)host))
		return iago_fail(nr, "fd already in the table");
	fd_set_host(slot, (int)host);
	return slot;
}

void fwd_close_host(int host)
{
	struct lay l;
	struct fwd_res r;
	int64_t args[6] = { host };

	lay_init(&l);
	(void)fwd_call(LX_close, args, &l, &r);
}

long libos_forward(unsigned int nr, const uint64_t a[6], int *handled)
{
	long ret;

	fwd_ra_before(nr, a);
	ret = fwd_file(nr, a, handled);
	if (*handled)
		return ret;
	ret = fwd_fdops(nr, a, handled);
	if (*handled)
		return ret;
	ret = fwd_poll(nr, a, handled);
	if (*handled)
		return ret;
	return fwd_net(nr, a, handled);
}
