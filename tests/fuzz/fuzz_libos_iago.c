/* libFuzzer harness for the libOS's Iago checks (libos/fwd*.c, iago.c,
 * fd.c): the host's answer to each forwarded call (ret, out_len and the
 * shared data[]) comes from the input. Whatever it is, the libOS must not
 * crash, must copy to the program only inside the buffers the program
 * passed, must return >= 0 or an errno, and must keep its fd table sound
 * (host fds in range, none twice). */
#include <string.h>

#include "fuzz.h"
#include "../../libos/api.h"
#include "../../libos/fd.h"
#include "../../libos/iago.h"

static struct {
	struct libos_hc hc;
	unsigned char pad[LIBOS_PAGE - sizeof(struct libos_hc)];
	unsigned char data[LIBOS_HC_DATA_MAX];
} shared;

static const uint8_t *in;
static size_t in_left;

static uint64_t take(size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && in_left; i++, in_left--)
		v |= (uint64_t)*in++ << (8 * i);
	return v;
}

/* The program's memory: a few buffers, each readable; writable ones
 * marked. A copy must fit one buffer entirely. */
#define UB 8
static struct ubuf {
	uint64_t addr, size;
	int writable;
	unsigned char *mem;
} ub[UB];
static int nub;

static uint64_t ualloc(uint64_t size, int writable)
{
	struct ubuf *b = &ub[nub];

	FUZZ_CHECK(nub < UB);
	b->addr = 0x10000000ull + (uint64_t)nub * 0x1000000ull;
	b->size = size;
	b->writable = writable;
	b->mem = calloc(1, size ? size : 1);
	nub++;
	return b->addr;
}

static struct ubuf *find(uint64_t a, size_t n)
{
	for (int i = 0; i < nub; i++)
		if (a >= ub[i].addr && n <= ub[i].size && a - ub[i].addr <= ub[i].size - n)
			return &ub[i];
	return NULL;
}

int copy_from_user(void *dst, uint64_t uaddr, size_t n)
{
	struct ubuf *b = find(uaddr, n);

	if (!b)
		return -14;
	memcpy(dst, b->mem + (uaddr - b->addr), n);
	return 0;
}

int copy_to_user(uint64_t uaddr, const void *src, size_t n)
{
	struct ubuf *b = find(uaddr, n);

	FUZZ_CHECK(b && b->writable);	/* only into the program's out buffers */
	memcpy(b->mem + (uaddr - b->addr), src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t uaddr, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		struct ubuf *b = find(uaddr + i, 1);

		if (!b)
			return -14;
		dst[i] = (char)b->mem[uaddr + i - b->addr];
		if (!dst[i])
			return (long)i;
	}
	return -36;
}

struct libos_hc *hc_request(void)
{
	return &shared.hc;
}

unsigned char *hc_data(void)
{
	return shared.data;
}

/* One thread slot: the whole data area is its window. */
uint64_t hc_window(void)
{
	return LIBOS_HC_DATA_MAX;
}

unsigned int libos_slot(void)
{
	return 0;
}

unsigned int libos_threads_live(void)
{
	return 1;
}

/* The hostile host: ret, out_len and some of data[] from the input. */
int hc_call(void)
{
	uint8_t mode = (uint8_t)take(1);
	uint64_t n, off;

	if (mode & 0x80)
		return -5;	/* refused */
	switch (mode % 4) {
	case 0: shared.hc.ret = (int64_t)take(1); break;
	case 1: shared.hc.ret = -(int64_t)take(1); break;
	case 2: shared.hc.ret = (int64_t)take(8); break;
	default: shared.hc.ret = 0;
	}
	switch ((mode >> 2) % 3) {
	case 0: shared.hc.out_len = shared.hc.ret > 0 ? (uint64_t)shared.hc.ret : 0; break;
	case 1: shared.hc.out_len = shared.hc.in_len; break;
	default: shared.hc.out_len = take(8);
	}
	off = take(2) % 4096;
	n = take(2) % 1024;
	for (uint64_t i = 0; i < n && in_left; i++)
		shared.data[off + i] = (uint8_t)take(1);
	return 0;
}

void libos_log(const char *fmt, ...)
{
	(void)fmt;
}

static void check_table(void)
{
	int32_t t[LIBOS_FD_MAX];

	fd_snapshot(t);
	for (int i = 0; i < LIBOS_FD_MAX; i++) {
		if (t[i] < 0)
			continue;
		FUZZ_CHECK(t[i] < LIBOS_HOST_FD_MAX);
		for (int j = i + 1; j < LIBOS_FD_MAX; j++)
			FUZZ_CHECK(t[j] != t[i]);
	}
}

static const unsigned int calls[] = {
	LX_read, LX_pread64, LX_readv, LX_write, LX_fstat, LX_stat, LX_statx,
	LX_getdents64, LX_readlink, LX_getcwd, LX_open, LX_close, LX_dup,
	LX_dup2, LX_fcntl, LX_pipe2, LX_poll, LX_select, LX_nanosleep,
	LX_socket, LX_accept4, LX_getsockname, LX_recvfrom, LX_recvmsg,
	LX_getsockopt, LX_ioctl, LX_lseek, LX_sendmsg,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int nr;
	uint64_t a[6] = { 0 }, buf, len;
	uint64_t count;
	int handled;
	long r;

	if (size < 2)
		return 0;
	in = data + 2;
	in_left = size - 2;
	nr = calls[data[0] % (sizeof(calls) / sizeof(calls[0]))];
	count = (uint64_t)data[1] * 64;
	fd_init();
	fd_set_host(3, 10);
	fd_set_host(4, 11);
	nub = 0;
	buf = ualloc(count + 256, 1);	/* fixed-size results fit too */
	len = ualloc(8, 1);
	{
		uint32_t l = count < 128 ? (uint32_t)count : 128;	/* buf and the addresses hold l */
		memcpy(ub[1].mem, &l, 4);
	}
	switch (nr) {
	case LX_stat: case LX_readlink: case LX_open:
		a[0] = ualloc(2, 0);	/* path "a" */
		ub[2].mem[0] = 'a';
		a[1] = nr == LX_open ? 0 : buf;
		a[2] = count;
		break;
	case LX_statx:
		a[0] = (uint64_t)-100;
		a[1] = ualloc(2, 0);
		ub[2].mem[0] = 'a';
		a[4] = ualloc(256, 1);
		break;
	case LX_readv: case LX_recvmsg: case LX_sendmsg: {
		uint64_t iov = ualloc(32, 0);
		uint64_t v[4] = { buf, count / 2, buf + count / 2, count - count / 2 };

		memcpy(ub[2].mem, v, sizeof(v));
		if (nr == LX_readv) {
			a[0] = 3; a[1] = iov; a[2] = 2;
		} else {
			uint64_t m = ualloc(56, 1), name = ualloc(128, 1);
			uint64_t mh[7] = { name, 128, iov, 2, 0, 0, 0 };

			memcpy(ub[3].mem, mh, sizeof(mh));
			a[0] = 4; a[1] = m;
		}
		break;
	}
	case LX_poll: case LX_select: {
		uint64_t p = ualloc(24, 1);
		int32_t pf[6] = { 3, 1 | (4 << 16), -1, 1, 4, 5 };

		memcpy(ub[2].mem, pf, sizeof(pf));
		if (nr == LX_poll) {
			a[0] = p; a[1] = 3; a[2] = 0;
		} else {
			ub[2].mem[0] = 0x18;	/* fds 3 and 4 in the read set */
			a[0] = 5; a[1] = p;
		}
		break;
	}
	case LX_nanosleep: {
		uint64_t ts = ualloc(16, 0);

		ub[2].mem[8] = 1;
		a[0] = ts; a[1] = ualloc(16, 1);
		break;
	}
	case LX_socket:
		a[0] = 2; a[1] = 1;
		break;
	case LX_accept4: case LX_getsockname: case LX_getsockopt:
		a[0] = 3;
		a[1] = nr == LX_getsockopt ? 1 : ualloc(128, 1);
		a[2] = nr == LX_getsockopt ? 3 : len;
		a[3] = buf;
		a[4] = len;
		break;
	case LX_recvfrom:
		a[0] = 4; a[1] = buf; a[2] = count; a[4] = ualloc(128, 1); a[5] = len;
		break;
	case LX_dup2:
		a[0] = 3; a[1] = 4;
		break;
	case LX_fcntl:
		a[0] = 3; a[1] = data[1] & 1 ? 1030 : 1; a[2] = 7;
		break;
	case LX_pipe2: case LX_getcwd:
		a[0] = buf; a[1] = count;
		break;
	case LX_ioctl:
		a[0] = 3; a[1] = data[1] & 1 ? 0x5401 : 0x5413; a[2] = buf;
		break;
	default:
		a[0] = 3; a[1] = buf; a[2] = count;
	}
	handled = 0;
	r = libos_forward(nr, a, &handled);
	FUZZ_CHECK(handled);
	FUZZ_CHECK(r >= -4095);
	if (r >= 0 && (nr == LX_read || nr == LX_pread64 || nr == LX_getdents64 ||
		       nr == LX_readlink || nr == LX_getcwd || nr == LX_recvfrom))
		FUZZ_CHECK((uint64_t)r <= count);
	if (r >= 0 && nr == LX_getdents64)
		FUZZ_CHECK(iago_dirents(nr, ub[0].mem, (uint64_t)r) == 0);
	if (r >= 0 && (nr == LX_open || nr == LX_dup || nr == LX_socket || nr == LX_accept4))
		FUZZ_CHECK(r < LIBOS_FD_MAX && fd_host(r) >= 0);
	check_table();
	for (int i = 0; i < nub; i++)
		free(ub[i].mem);
	return 0;
}
