/* TEST ONLY: the hostile runner. Each lie performs the real call, then
 * falsifies its result the way a malicious OS could, so the tests can see
 * the libOS's Iago checks catch every one (tests/unit/test_libos_fwd.c,
 * tests/guest/libos-iago.sh). Enabled only with MIEE_RUN_TEST_HOSTILE=1
 * in the environment. docs/libos.md, "Iago checks". */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostcall.h"
#include "hostcall-int.h"

#define A(i) (q->h.args[i])

enum lie {
	L_READ_COUNT, L_READ_OUTLEN, L_READ_ERRNO, L_READ_ERANGE, L_WRITE_COUNT,
	L_PREAD_COUNT, L_READV_COUNT, L_WRITEV_COUNT, L_LSEEK_RANGE,
	L_OPEN_FD_RANGE, L_OPEN_FD_DUP, L_OPEN_ERRNO, L_CLOSE_RET,
	L_DUP_FD_RANGE, L_DUP_FD_DUP, L_FSTAT_SIZE, L_FSTAT_MODE,
	L_FSTAT_BLOCKS, L_FSTAT_OUTLEN, L_STAT_NSEC, L_STATX_SIZE,
	L_DENTS_RECLEN0, L_DENTS_UNALIGNED, L_DENTS_PAST_END, L_DENTS_NONUL,
	L_DENTS_COUNT, L_READLINK_COUNT, L_GETCWD_NONUL, L_GETCWD_RELATIVE,
	L_PIPE_SAME, L_PIPE_RANGE, L_POLL_COUNT, L_POLL_REVENTS,
	L_POLL_READY, L_POLL_NEGFD, L_SLEEP_REM, L_SOCKET_FD_RANGE,
	L_ACCEPT_ADDRLEN, L_SOCKNAME_ADDRLEN, L_RECVFROM_COUNT,
	L_RECVFROM_ADDRLEN, L_SENDTO_COUNT, L_RECVMSG_NAMELEN,
	L_RECVMSG_FLAGS, L_GETSOCKOPT_LEN, L_IOCTL_OUTLEN, L_FCNTL_GETFD,
	L_CONNECT_ERRNO, L_SENDMSG_COUNT, L_COUNT
};

static const struct {
	const char *name;
	unsigned int nr;
} lies[L_COUNT] = {
	[L_READ_COUNT] = { "read-count", SYS_read },
	[L_READ_OUTLEN] = { "read-outlen", SYS_read },
	[L_READ_ERRNO] = { "read-errno", SYS_read },
	[L_READ_ERANGE] = { "read-negative", SYS_read },
	[L_WRITE_COUNT] = { "write-count", SYS_write },
	[L_PREAD_COUNT] = { "pread-count", SYS_pread64 },
	[L_READV_COUNT] = { "readv-count", SYS_readv },
	[L_WRITEV_COUNT] = { "writev-count", SYS_writev },
	[L_LSEEK_RANGE] = { "lseek-range", SYS_lseek },
	[L_OPEN_FD_RANGE] = { "open-fd-range", SYS_openat },
	[L_OPEN_FD_DUP] = { "open-fd-in-table", SYS_openat },
	[L_OPEN_ERRNO] = { "open-errno", SYS_openat },
	[L_CLOSE_RET] = { "close-ret", SYS_close },
	[L_DUP_FD_RANGE] = { "dup-fd-range", SYS_dup },
	[L_DUP_FD_DUP] = { "dup-fd-in-table", SYS_dup },
	[L_FSTAT_SIZE] = { "fstat-size", SYS_fstat },
	[L_FSTAT_MODE] = { "fstat-mode", SYS_fstat },
	[L_FSTAT_BLOCKS] = { "fstat-blocks", SYS_fstat },
	[L_FSTAT_OUTLEN] = { "fstat-outlen", SYS_fstat },
	[L_STAT_NSEC] = { "stat-nsec", SYS_newfstatat },
	[L_STATX_SIZE] = { "statx-size", SYS_statx },
	[L_DENTS_RECLEN0] = { "dents-reclen0", SYS_getdents64 },
	[L_DENTS_UNALIGNED] = { "dents-unaligned", SYS_getdents64 },
	[L_DENTS_PAST_END] = { "dents-past-end", SYS_getdents64 },
	[L_DENTS_NONUL] = { "dents-no-nul", SYS_getdents64 },
	[L_DENTS_COUNT] = { "dents-count", SYS_getdents64 },
	[L_READLINK_COUNT] = { "readlink-count", SYS_readlinkat },
	[L_GETCWD_NONUL] = { "getcwd-no-nul", SYS_getcwd },
	[L_GETCWD_RELATIVE] = { "getcwd-relative", SYS_getcwd },
	[L_PIPE_SAME] = { "pipe-same-fd", SYS_pipe2 },
	[L_PIPE_RANGE] = { "pipe-fd-range", SYS_pipe2 },
	[L_POLL_COUNT] = { "poll-count", SYS_poll },
	[L_POLL_REVENTS] = { "poll-revents", SYS_poll },
	[L_POLL_READY] = { "poll-ready", SYS_poll },
	[L_POLL_NEGFD] = { "poll-negative-fd", SYS_poll },
	[L_SLEEP_REM] = { "sleep-remaining", SYS_clock_nanosleep },
	[L_SOCKET_FD_RANGE] = { "socket-fd-range", SYS_socket },
	[L_ACCEPT_ADDRLEN] = { "accept-addrlen", SYS_accept4 },
	[L_SOCKNAME_ADDRLEN] = { "sockname-addrlen", SYS_getsockname },
	[L_RECVFROM_COUNT] = { "recvfrom-count", SYS_recvfrom },
	[L_RECVFROM_ADDRLEN] = { "recvfrom-addrlen", SYS_recvfrom },
	[L_SENDTO_COUNT] = { "sendto-count", SYS_sendto },
	[L_RECVMSG_NAMELEN] = { "recvmsg-namelen", SYS_recvmsg },
	[L_RECVMSG_FLAGS] = { "recvmsg-flags", SYS_recvmsg },
	[L_GETSOCKOPT_LEN] = { "getsockopt-optlen", SYS_getsockopt },
	[L_IOCTL_OUTLEN] = { "ioctl-outlen", SYS_ioctl },
	[L_FCNTL_GETFD] = { "fcntl-getfd", SYS_fcntl },
	[L_CONNECT_ERRNO] = { "connect-errno", SYS_connect },
	[L_SENDMSG_COUNT] = { "sendmsg-count", SYS_sendmsg },
};

int hostcall_lie_count(void)
{
	return L_COUNT;
}

const char *hostcall_lie_name(int i, unsigned int *nr)
{
	if (i < 0 || i >= L_COUNT)
		return NULL;
	if (nr)
		*nr = lies[i].nr;
	return lies[i].name;
}

int hostcall_set_lie(struct hostcall *s, const char *name)
{
	const char *env = getenv("MIEE_RUN_TEST_HOSTILE");

	if (!env || strcmp(env, "1"))
		return -EPERM;
	if (!name) {
		s->lie = 0;
		return 0;
	}
	for (int i = 0; i < L_COUNT; i++)
		if (!strcmp(lies[i].name, name)) {
			s->lie = i + 1;
			return 0;
		}
	return -ENOENT;
}

/* The buffer at off, if the request has it (the lie needs it). */
static unsigned char *at(struct hc_req *q, int64_t off, uint64_t len)
{
	if (off < 0 || (uint64_t)off > q->in_len || len > q->in_len - (uint64_t)off)
		return NULL;
	return q->b + off;
}

/* A new fd the lie replaces: closed, so only the lie remains. */
static void drop_fd(struct hc_req *q, int64_t fd)
{
	if (fd >= 0 && fd < HOSTCALL_FD_MAX) {
		close((int)fd);
		q->s->fd_ok[fd] = 0;
	}
}

static void set_u32(unsigned char *p, uint32_t v)
{
	if (p)
		memcpy(p, &v, sizeof(v));
}

static void lie_stat(struct hc_req *q, enum lie l, int64_t off)
{
	struct stat st;
	unsigned char *p = at(q, off, sizeof(st));

	if (!p || q->ret != 0)
		return;
	memcpy(&st, p, sizeof(st));
	if (l == L_FSTAT_SIZE)
		st.st_size = -1;
	else if (l == L_FSTAT_MODE)
		st.st_mode = 0777;	/* no file type */
	else if (l == L_FSTAT_BLOCKS)
		st.st_blocks = (blkcnt_t)1 << 50;
	else if (l == L_STAT_NSEC)
		st.st_mtim.tv_nsec = 2000000000;
	else if (l == L_FSTAT_OUTLEN)
		q->out_len += 8;
	memcpy(p, &st, sizeof(st));
}

static void lie_dents(struct hc_req *q, enum lie l)
{
	unsigned char *p = at(q, A(1), q->ret > 0 ? (uint64_t)q->ret : 0);
	uint16_t reclen;

	if (!p || q->ret <= 0)
		return;
	memcpy(&reclen, p + 16, sizeof(reclen));
	switch (l) {
	case L_DENTS_RECLEN0:
		reclen = 0;
		break;
	case L_DENTS_UNALIGNED:
		reclen -= 1;
		break;
	case L_DENTS_PAST_END:
		reclen = (uint16_t)(q->ret + 8);
		break;
	case L_DENTS_NONUL:
		memset(p + 19, 'A', reclen - 19u);
		break;
	default:
		q->ret = A(2) + 8;
		q->out_len = (uint64_t)A(1) + (uint64_t)q->ret;
		return;
	}
	memcpy(p + 16, &reclen, sizeof(reclen));
}

static void lie_poll(struct hc_req *q, enum lie l)
{
	uint64_t n = (uint64_t)A(1);
	struct pollfd *p = (struct pollfd *)at(q, A(0), n * sizeof(*p));

	if (!p || q->ret < 0)
		return;
	switch (l) {
	case L_POLL_COUNT:
		q->ret = (int64_t)n + 1;
		break;
	case L_POLL_REVENTS:
		for (uint64_t i = 0; i < n; i++)
			if (p[i].fd >= 0 && !(p[i].events & POLLRDBAND)) {
				p[i].revents |= POLLRDBAND;
				q->ret += !(p[i].revents & ~POLLRDBAND);
				break;
			}
		break;
	case L_POLL_READY:
		q->ret = q->ret > 0 ? q->ret - 1 : 1;
		break;
	default:		/* L_POLL_NEGFD */
		for (uint64_t i = 0; i < n; i++)
			if (p[i].fd < 0) {
				p[i].revents = POLLIN;
				q->ret++;
				break;
			}
	}
}

void hc_lie(struct hc_req *q)
{
	enum lie l = (enum lie)(q->s->lie - 1);
	unsigned char *p;

	/* The stat lies hit fstat and newfstatat alike (glibc's fstat is
	 * newfstatat(fd, "", AT_EMPTY_PATH)). */
	int stat_lie = l == L_FSTAT_SIZE || l == L_FSTAT_MODE || l == L_FSTAT_BLOCKS;

	if (lies[l].nr != q->h.nr && !(stat_lie && q->h.nr == SYS_newfstatat))
		return;
	switch (l) {
	case L_READ_COUNT: case L_PREAD_COUNT: case L_RECVFROM_COUNT:
		if (q->ret >= 0)
			q->ret = A(2) + 1;
		q->out_len = (uint64_t)A(1) + (uint64_t)q->ret;
		break;
	case L_READ_OUTLEN:
		q->out_len += 16;
		break;
	case L_READ_ERRNO: case L_OPEN_ERRNO: case L_CONNECT_ERRNO:
		if (l == L_OPEN_ERRNO)
			drop_fd(q, q->ret);
		q->ret = -133;	/* EHWPOISON: no such call fails so */
		q->out_len = 0;
		break;
	case L_READ_ERANGE:
		q->ret = -100000;
		q->out_len = 0;
		break;
	case L_WRITE_COUNT: case L_SENDTO_COUNT:
		q->ret = A(2) + 1;
		break;
	case L_READV_COUNT: case L_WRITEV_COUNT: case L_SENDMSG_COUNT:
		q->ret = LIBOS_HC_DATA_MAX + 1;
		break;
	case L_LSEEK_RANGE:
		q->ret = (int64_t)1 << 62;
		break;
	case L_OPEN_FD_RANGE: case L_DUP_FD_RANGE: case L_SOCKET_FD_RANGE:
		drop_fd(q, q->ret);
		q->ret = 70000;
		break;
	case L_OPEN_FD_DUP: case L_DUP_FD_DUP:
		drop_fd(q, q->ret);
		q->ret = 1;	/* the program's stdout is already host fd 1 */
		break;
	case L_CLOSE_RET:
		q->ret = 3;
		break;
	case L_FSTAT_SIZE: case L_FSTAT_MODE: case L_FSTAT_BLOCKS: case L_FSTAT_OUTLEN:
		lie_stat(q, l, q->h.nr == SYS_fstat ? A(1) : A(2));
		break;
	case L_STAT_NSEC:
		lie_stat(q, l, A(2));
		break;
	case L_STATX_SIZE:
		if ((p = at(q, A(4), 256)) && q->ret == 0)
			memset(p + 40, 0xff, 8);	/* stx_size = 2^64 - 1 */
		break;
	case L_DENTS_RECLEN0: case L_DENTS_UNALIGNED: case L_DENTS_PAST_END:
	case L_DENTS_NONUL: case L_DENTS_COUNT:
		lie_dents(q, l);
		break;
	case L_READLINK_COUNT:
		q->ret = A(3) + 1;
		q->out_len = (uint64_t)A(2) + (uint64_t)q->ret;
		break;
	case L_GETCWD_NONUL: case L_GETCWD_RELATIVE:
		if (q->ret > 0 && (p = at(q, A(0), (uint64_t)q->ret)))
			p[l == L_GETCWD_NONUL ? q->ret - 1 : 0] = 'x';
		break;
	case L_PIPE_SAME: case L_PIPE_RANGE:
		if (q->ret == 0 && (p = at(q, A(0), 8))) {
			int fds[2];

			memcpy(fds, p, sizeof(fds));
			drop_fd(q, fds[1]);
			fds[1] = l == L_PIPE_SAME ? fds[0] : 80000;
			memcpy(p, fds, sizeof(fds));
		}
		break;
	case L_POLL_COUNT: case L_POLL_REVENTS: case L_POLL_READY: case L_POLL_NEGFD:
		lie_poll(q, l);
		break;
	case L_SLEEP_REM:
		if ((p = at(q, A(3), 16)) && (A(1) & 1) == 0) {
			int64_t ts[2];

			memcpy(ts, at(q, A(2), 16), sizeof(ts));
			ts[0] += 5;
			memcpy(p, ts, sizeof(ts));
			q->ret = -EINTR;
			q->out_len = (uint64_t)A(3) + 16;
		}
		break;
	case L_ACCEPT_ADDRLEN:
		set_u32(at(q, A(2), 4), 200);
		break;
	case L_SOCKNAME_ADDRLEN:
		set_u32(at(q, A(2), 4), 129);
		break;
	case L_RECVFROM_ADDRLEN:
		if (q->ret >= 0)
			set_u32(at(q, A(5), 4), 4096);
		break;
	case L_RECVMSG_NAMELEN: case L_RECVMSG_FLAGS:
		if (q->ret >= 0 && (p = at(q, A(1), sizeof(struct libos_hc_msg)))) {
			struct libos_hc_msg w;

			memcpy(&w, p, sizeof(w));
			if (l == L_RECVMSG_NAMELEN)
				w.namelen = 300;
			else
				w.flags |= 0x40000000;
			memcpy(p, &w, sizeof(w));
		}
		break;
	case L_GETSOCKOPT_LEN:
		set_u32(at(q, A(4), 4), 1000);
		break;
	case L_IOCTL_OUTLEN:
		q->out_len += 4;
		break;
	case L_FCNTL_GETFD:
		if (A(1) == 1 /* F_GETFD */)
			q->ret = 7;
		break;
	case L_COUNT:
		break;
	}
}
