/* Read-ahead for sequential read() of regular files (libOS, CPL 0;
 * docs/libos.md, "Read-ahead"). Each forwarded read is a host call (an
 * exit to the OS and back); a program that reads a file 4 KiB at a time
 * pays that per 4 KiB. After two reads in a row on the same fd, with no
 * other file call in between, the libOS reads a growing window (up to
 * FWD_RA_SIZE) with one host call into a private buffer and serves the
 * program's reads from it.
 *
 * One buffer, for one fd at a time. The host's file offset is then ahead
 * of the program's by the unread rest; every forwarded call other than a
 * few that neither look at that offset nor change a file
 * (fwd_ra_before()) first seeks the host back by the rest
 * (lseek(-rest, SEEK_CUR)) and drops the buffer. So lseek, write, dup,
 * close, fcntl, ... all see the offset the program expects, and a write
 * through any fd that may be a regular file drops what was read ahead.
 * Only fds >= 3 that the program opened (host fd >= 3 as well: 0-2 are
 * the runner's own and shared with its parent), whose fstat says
 * S_IFREG, are read ahead. The fill is checked like any read (ret <=
 * window, out_len = ret); what the program gets is at most what it
 * asked for, by construction. */
#include "fwd.h"

#define KIND_REG 1
#define KIND_OTHER 2

static unsigned char ra_buf[FWD_RA_SIZE];
static struct {
	int fd, host;		/* owner of ra_buf, fd = -1 when empty */
	uint64_t pos, len;	/* ra_buf[pos, len) is not read yet */
	int last;		/* fd of the last read, its run length */
	unsigned int streak;
	uint64_t window;	/* next fill's size */
} ra = { -1, -1, 0, 0, -1, 0, 0 };

/* The file type per program fd, valid while kind_ep[fd] == epoch; the
 * epoch moves on every call that may change the fd table. */
static uint8_t kind[LIBOS_FD_MAX];
static uint32_t kind_ep[LIBOS_FD_MAX];
static uint32_t epoch = 1;

struct fwd_ra_stats fwd_ra_stats;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* KIND_REG or KIND_OTHER for program fd fd (host fd host): one fstat
 * host call per fd and epoch. A failed or lying fstat is KIND_OTHER. */
static int fd_kind(int fd, int64_t host)
{
	struct lx_stat st;
	struct lay l;
	struct fwd_res r;

	if (fd < 0 || fd >= LIBOS_FD_MAX)
		return KIND_OTHER;
	if (kind_ep[fd] == epoch)
		return kind[fd];
	lay_init(&l);
	lay_alloc(&l, sizeof(st));
	kind[fd] = KIND_OTHER;
	if (!fwd_call(LX_fstat, (int64_t[6]){ host }, &l, &r) &&
	    fwd_check(LX_fstat, &r, 0, sizeof(st)) == 0) {
		__builtin_memcpy(&st, l.d, sizeof(st));
		if (!iago_stat(LX_fstat, &st) && (st.st_mode & LX_S_IFMT) == 0100000)
			kind[fd] = KIND_REG;
	}
	kind_ep[fd] = epoch;
	return kind[fd];
}

/* Give the unread rest back to the host's offset and empty the buffer.
 * The buffer is emptied before the host call (which drops the libOS lock
 * when threads live), so no other thread can sync the same rest twice. */
static void ra_sync(void)
{
	uint64_t rest = ra.len - ra.pos;
	int fd = ra.fd, host = ra.host;
	struct lay l;
	struct fwd_res r;

	ra.fd = -1;
	ra.pos = ra.len = 0;
	if (fd >= 0 && rest && fd_host(fd) == host) {
		lay_init(&l);
		fwd_ra_stats.rewinds++;
		if (fwd_call(LX_lseek, (int64_t[6]){ host, -(int64_t)rest, 1 }, &l, &r) ||
		    fwd_check(LX_lseek, &r, 0, 0) < 0)
			libos_log("libos: read-ahead: seeking fd %d back by %lu failed", fd,
				  (unsigned long)rest);
	}
}

/* Sync and empty the buffer; keep_kinds = 0 forgets the fd types too
 * (the call may change the fd table). */
static void drop(int keep_kinds)
{
	ra_sync();
	ra.last = -1;
	ra.streak = 0;
	if (!keep_kinds)
		epoch++;
}

void fwd_ra_drop(void)
{
	drop(0);
}

void fwd_ra_before(unsigned int nr, const uint64_t a[6])
{
	int fd = (int32_t)a[0];
	int64_t h;

	switch (nr) {
	case LX_read:		/* fwd_ra_read() keeps the buffer right */
	case LX_pread64:	/* no offset, no change */
	case LX_fstat:
	case LX_stat:
	case LX_lstat:
	case LX_newfstatat:
	case LX_statx:
	case LX_getdents64:
	case LX_readlink:
	case LX_readlinkat:
	case LX_access:
	case LX_faccessat:
	case LX_getcwd:
	case LX_poll:
	case LX_ppoll:
	case LX_select:
	case LX_pselect6:
	case LX_nanosleep:
	case LX_clock_nanosleep:
	case LX_ioctl:		/* TCGETS and TIOCGWINSZ only */
		return;
	case LX_readv:		/* moves only its own fd's offset */
		if (fd != ra.fd)
			return;
		drop(1);
		return;
	case LX_write:		/* to a pipe, tty, /dev/null, socket: nothing */
	case LX_writev:
		h = fd_host(fd);
		if (fd != ra.fd && h >= 0 && fd_kind(fd, h) == KIND_OTHER)
			return;
		drop(1);
		return;
	case LX_pwrite64:	/* act on one fd: the table stays */
	case LX_lseek:
	case LX_ftruncate:
	case LX_fsync:
		drop(1);
		return;
	}
	drop(0);
}

/* One read of up to n bytes straight from the host: to the program at
 * ubuf (fill = 0) or into ra_buf (fill = 1). ret for the program. */
static long host_read(int fd, int64_t host, uint64_t ubuf, uint64_t n, int fill)
{
	struct lay l;
	struct fwd_res r;
	long ret;

	lay_init(&l);
	if (lay_alloc(&l, n) < 0)
		return -LX_EIO;		/* callers keep n within hc_window() */
	fwd_ra_stats.host_reads++;
	if (fwd_call(LX_read, (int64_t[6]){ host, 0, (int64_t)n, 0 }, &l, &r))
		return -LX_EIO;
	ret = fwd_check(LX_read, &r, n, (uint64_t)r.ret);
	if (ret <= 0)
		return ret;
	if (!fill)
		return copy_to_user(ubuf, l.d, (size_t)ret) ? -LX_EFAULT : ret;
	__builtin_memcpy(ra_buf, l.d, (size_t)ret);
	ra.fd = fd;
	ra.host = (int)host;
	ra.pos = 0;
	ra.len = (uint64_t)ret;
	return ret;
}

/* Copy up to n buffered bytes to the program: how many, or -EFAULT. */
static long serve(uint64_t ubuf, uint64_t n)
{
	n = min_u64(n, ra.len - ra.pos);
	if (n && copy_to_user(ubuf, ra_buf + ra.pos, (size_t)n))
		return -LX_EFAULT;
	ra.pos += n;
	return (long)n;
}

long fwd_ra_read(const uint64_t a[6])
{
	int fd = (int32_t)a[0];
	int64_t host = fd_host(fd);
	uint64_t ubuf = a[1], count = min_u64(a[2], FWD_RA_SIZE), done = 0;
	long got;

	if (host < 0)
		return host;
	if (libos_threads_live() > 1) {
		/* One buffer for the whole libOS, and the lock is dropped
		 * around each host call: with threads, plain reads only. */
		drop(1);
		return host_read(fd, host, ubuf, min_u64(a[2], hc_window()), 0);
	}
	if (ra.fd >= 0 && ra.host != host && ra.fd == fd)
		ra.fd = -1;	/* cannot happen: the fd table changes drop it */
	if (fd != ra.last) {
		ra.last = fd;
		ra.streak = 0;
		ra.window = 0;
	}
	if (ra.streak < 2)
		ra.streak++;
	if (ra.fd == fd && ra.pos < ra.len) {
		got = serve(ubuf, count);
		if (got < 0)
			return got;
		fwd_ra_stats.served++;
		done = (uint64_t)got;
		if (done == count || count == 0)
			return (long)done;
	}
	/* The buffer has nothing more for fd: fill it again, or read plainly. */
	if (ra.streak >= 2 && fd >= 3 && host >= 3 && count && a[2] < FWD_RA_SIZE &&
	    fd_kind(fd, host) == KIND_REG) {
		uint64_t want = min_u64(min_u64(FWD_RA_SIZE, hc_window()),
					ra.window > count ? ra.window : 4 * count);

		if (ra.fd >= 0)
			ra_sync();	/* another fd's rest, or an empty buffer */
		ra.window = min_u64(FWD_RA_SIZE, 2 * want);
		got = host_read(fd, host, 0, want, 1);
		if (got > 0)
			got = serve(ubuf + done, count - done);
	} else {
		/* the remainder or the whole read (count - done > 0 here) */
		got = host_read(fd, host, ubuf + done, min_u64(a[2] - done, hc_window()), 0);
	}
	if (got < 0)
		return done ? (long)done : got;
	return (long)(done + (uint64_t)got);
}
