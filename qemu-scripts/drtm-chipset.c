/* drtm-chipset.c: the emulated DRTM "chipset"; a host program that runs beside QEMU.
 * Proxies swtpm's control channel; on request over COM2 takes the locality-4 measurement. */
/*
 * QEMU (TCG or KVM) cannot run GETSEC[SENTER] or SKINIT, so the platform
 * takes the DRTM measurement the way a chipset would: it pauses the VM,
 * reads the image from guest memory and feeds it to the TPM through the
 * locality-4 hash sequence (_TPM_Hash_Start/Data/End), which resets PCR 17
 * and extends it with the image's digest. See docs/drtm.md for the protocol,
 * the trust argument and how to run it by hand.
 *
 * Connections (all unix stream sockets):
 *   QEMU   --ctrl-->   [--ctrl-listen]  drtm-chipset  --> swtpm --ctrl (type=unixio)
 *   QEMU's data fd (SCM_RIGHTS) --> relay thread --> socketpair end given to swtpm
 *   QEMU COM2 chardev  [--serial-listen] (launch requests, answers)
 *   drtm-chipset  -->  QEMU's QMP server [--qmp] (stop, pmemsave, cont)
 *
 * Control-channel wire format: swtpm_ioctls(3) and /usr/include/swtpm/
 * tpm_ioctl.h (package swtpm-dev): a 4-byte big-endian command code, then
 * the request part of the command's structure; the answer is the response
 * part, whose first 4 bytes are a TPM result code. The request and response
 * sizes below were taken from those definitions, from what QEMU 7.2 sends
 * (backends/tpm/tpm_emulator.c) and from how swtpm frames and answers each
 * command (src/swtpm/ctrlchannel.c), including its short 4-byte error
 * answers.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

/* ---- control channel protocol (swtpm_ioctls(3), tpm_ioctl.h "CMD_*") */
enum {
	CTRL_GET_CAPABILITY = 0x01,
	CTRL_INIT = 0x02,
	CTRL_SHUTDOWN = 0x03,
	CTRL_GET_TPMESTABLISHED = 0x04,
	CTRL_SET_LOCALITY = 0x05,
	CTRL_HASH_START = 0x06,
	CTRL_HASH_DATA = 0x07,
	CTRL_HASH_END = 0x08,
	CTRL_CANCEL_TPM_CMD = 0x09,
	CTRL_STORE_VOLATILE = 0x0a,
	CTRL_RESET_TPMESTABLISHED = 0x0b,
	CTRL_GET_STATEBLOB = 0x0c,
	CTRL_SET_STATEBLOB = 0x0d,
	CTRL_STOP = 0x0e,
	CTRL_GET_CONFIG = 0x0f,
	CTRL_SET_DATAFD = 0x10,
	CTRL_SET_BUFFERSIZE = 0x11,
	CTRL_GET_INFO = 0x12,
	CTRL_NR = 0x13,
};

/* ptm_hdata.u.req.data[4096]: the most one CMD_HASH_DATA may carry. */
#define HASH_DATA_MAX 4096
/* PTM_CAP_* bits 0..15 name exactly the commands above; newer ones are masked. */
#define CAPS_KNOWN ((uint64_t)0xffff)
/* TPM 1.2 result codes swtpm uses on this channel (TPM 1.2 Part 2, TPM_RESULT). */
#define TPM_BAD_PARAMETER 0x03
#define TPM_BAD_ORDINAL 0x0a
#define TPM_IOERROR 0x1f
#define TPM_BAD_LOCALITY 0x3d

/* TPM 2.0 command/response header (TPM 2.0 Part 1, 18.2): tag, size, code. */
#define TPM_HDR_LEN 10
#define TPM2_CC_STARTUP 0x144
#define TPM2_RC_INITIALIZE 0x100 /* "TPM not initialized" on a 2nd Startup */

enum body_kind { BODY_FIXED, BODY_VARLEN };

struct ctrl_desc {
	const char *name;
	enum body_kind kind;
	uint16_t min, max;  /* BODY_FIXED: request body size range */
	uint16_t hdr, lenoff; /* BODY_VARLEN: header size, offset of its be32 length */
	bool chipset_only;  /* the chipset's own; refused when QEMU sends it */
};

/*
 * Request bodies. SET_LOCALITY and RESET_TPMESTABLISHED carry one byte but
 * QEMU sends sizeof() of the whole union (4); both are accepted.
 */
static const struct ctrl_desc ctrl_descs[CTRL_NR] = {
	[CTRL_GET_CAPABILITY] = { "GET_CAPABILITY", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_INIT] = { "INIT", BODY_FIXED, 4, 4, 0, 0, false },
	[CTRL_SHUTDOWN] = { "SHUTDOWN", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_GET_TPMESTABLISHED] = { "GET_TPMESTABLISHED", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_SET_LOCALITY] = { "SET_LOCALITY", BODY_FIXED, 1, 4, 0, 0, false },
	[CTRL_HASH_START] = { "HASH_START", BODY_FIXED, 0, 0, 0, 0, true },
	[CTRL_HASH_DATA] = { "HASH_DATA", BODY_VARLEN, 0, 0, 4, 0, true },
	[CTRL_HASH_END] = { "HASH_END", BODY_FIXED, 0, 0, 0, 0, true },
	[CTRL_CANCEL_TPM_CMD] = { "CANCEL_TPM_CMD", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_STORE_VOLATILE] = { "STORE_VOLATILE", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_RESET_TPMESTABLISHED] = { "RESET_TPMESTABLISHED", BODY_FIXED, 1, 4, 0, 0, false },
	[CTRL_GET_STATEBLOB] = { "GET_STATEBLOB", BODY_FIXED, 12, 12, 0, 0, false },
	[CTRL_SET_STATEBLOB] = { "SET_STATEBLOB", BODY_VARLEN, 0, 0, 12, 8, false },
	[CTRL_STOP] = { "STOP", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_GET_CONFIG] = { "GET_CONFIG", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_SET_DATAFD] = { "SET_DATAFD", BODY_FIXED, 0, 0, 0, 0, false },
	[CTRL_SET_BUFFERSIZE] = { "SET_BUFFERSIZE", BODY_FIXED, 4, 4, 0, 0, false },
	[CTRL_GET_INFO] = { "GET_INFO", BODY_FIXED, 16, 16, 0, 0, false },
};

/* ---- state */
#define LINE_MAX_LEN 128
#define RBUF_SIZE 8192
#define IO_TIMEOUT_MS 120000  /* swtpm may need seconds (RSA key generation) */
#define GRACE_MS 50           /* wait for the rest of a single write() */
#define QMP_TIMEOUT_MS 60000
#define QMP_LINE_MAX (8u << 20)
#define PHYS_LIMIT (1ULL << 52)

struct rbuf {
	int fd;
	size_t len;
	int fds[4];          /* SCM_RIGHTS descriptors received with the data */
	int nfds;
	uint8_t data[RBUF_SIZE];
};

struct chipset {
	const char *ctrl_listen_path, *swtpm_ctrl_path, *serial_listen_path;
	const char *qmp_path, *pidfile;
	uint64_t max_len;
	bool relaunch, relay_data;

	int ctrl_listen_fd, serial_listen_fd;
	struct rbuf qemu;    /* QEMU's control connection (fd -1 when none) */
	struct rbuf tpm;     /* our connection to swtpm's control channel */
	int serial_fd;
	char line[LINE_MAX_LEN + 1];
	size_t line_len;
	bool line_overflow;

	char tmpdir[64];
	unsigned int qmp_seq;

	/* Per-boot state. boot_gen counts successful CMD_INITs. */
	bool tpm_running;
	bool tpm_shut_down;        /* QEMU's CMD_SHUTDOWN went through */
	atomic_uint boot_gen;
	atomic_uint started_gen;   /* boot_gen when TPM2_Startup last succeeded */
	unsigned int launched_gen;     /* boot_gen of the last launch */
	atomic_bool relay_active;
};

static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec t_start;
static volatile sig_atomic_t stop_requested;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	struct timespec now;
	va_list ap;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)(now.tv_sec - t_start.tv_sec) + (now.tv_nsec - t_start.tv_nsec) / 1e9;
	pthread_mutex_lock(&log_lock);
	fprintf(log_file, "[%9.3f] ", t);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
	pthread_mutex_unlock(&log_lock);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll one fd for input; 1 ready, 0 timeout, -1 error */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t end = now_ms() + timeout_ms;
	int r;

	for (;;) {
		r = poll(&p, 1, timeout_ms);
		if (r >= 0)
			return r > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
		timeout_ms = (int)(end - now_ms());
		if (timeout_ms < 0)
			timeout_ms = 0;
	}
}

/* Write all of buf; attach fd (if >= 0) as SCM_RIGHTS to the first byte. */
static int send_all(int sock, const void *buf, size_t len, int fd)
{
	const uint8_t *p = buf;
	char cbuf[CMSG_SPACE(sizeof(int))];

	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (fd >= 0) {
			struct cmsghdr *c;

			memset(cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		fd = -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void rbuf_init(struct rbuf *rb, int fd)
{
	rb->fd = fd;
	rb->len = 0;
	rb->nfds = 0;
}

static void rbuf_close_fds(struct rbuf *rb)
{
	for (int i = 0; i < rb->nfds; i++)
		close(rb->fds[i]);
	rb->nfds = 0;
}

/*
 * Receive once into rb (waiting up to timeout_ms). Returns bytes received,
 * 0 on end of stream, -1 on error, -2 on timeout.
 */
static ssize_t rbuf_fill(struct rbuf *rb, int timeout_ms)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov;
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	ssize_t n;
	int r;

	if (rb->len >= sizeof(rb->data)) {
		errno = ENOBUFS;
		return -1;
	}
	r = wait_readable(rb->fd, timeout_ms);
	if (r <= 0)
		return r == 0 ? -2 : -1;
	iov.iov_base = rb->data + rb->len;
	iov.iov_len = sizeof(rb->data) - rb->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	do {
		n = recvmsg(rb->fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t nf;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nf; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (rb->nfds < 4)
				rb->fds[rb->nfds++] = fd;
			else
				close(fd);
		}
	}
	rb->len += (size_t)n;
	return n;
}

/* Wait until rb holds at least need bytes. 0 ok, -1 error/EOF/timeout. */
static int rbuf_need(struct rbuf *rb, size_t need, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (rb->len < need) {
		int left = (int)(end - now_ms());
		ssize_t n;

		if (left < 0)
			left = 0;
		n = rbuf_fill(rb, left);
		if (n <= 0)
			return -1;
	}
	return 0;
}

/* Take whatever else arrives within GRACE_MS, up to want bytes in total. */
static void rbuf_grace(struct rbuf *rb, size_t want)
{
	int64_t end = now_ms() + GRACE_MS;

	while (rb->len < want) {
		int left = (int)(end - now_ms());

		if (left <= 0 || rbuf_fill(rb, left) <= 0)
			break;
	}
}

static void rbuf_consume(struct rbuf *rb, size_t n)
{
	if (n > rb->len)
		n = rb->len;
	memmove(rb->data, rb->data + n, rb->len - n);
	rb->len -= n;
}

/* Forward exactly n body bytes from src (buffered first) to dst. */
static int stream_body(struct rbuf *src, int dst, uint64_t n)
{
	while (n > 0) {
		size_t k;

		if (src->len == 0 && rbuf_fill(src, IO_TIMEOUT_MS) <= 0)
			return -1;
		k = src->len < n ? src->len : (size_t)n;
		if (send_all(dst, src->data, k, -1) < 0)
			return -1;
		rbuf_consume(src, k);
		n -= k;
	}
	return 0;
}

/* ---- unix sockets */
static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "drtm-chipset: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_addr(&sa, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		fprintf(stderr, "drtm-chipset: cannot listen on %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_addr(&sa, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * ---- data-channel relay (see docs/drtm.md, "Data channel")
 *
 * Two jobs: observe TPM2_Startup (the hash sequence before it would be an
 * H-CRTM event into PCR 0, not a DRTM), and keep the guest from choosing a
 * locality. swtpm accepts, on any data channel, an optional TCG prefix
 * "TPM_SEND_COMMAND (be32 8), locality byte, be32 size" in front of a TPM 2
 * command and takes the locality from it unchecked (src/swtpm/mainloop.c,
 * tpmlib_handle_tcg_tpm2_cmd_header(); the "tpm-send-command-header"
 * feature in swtpm(8)); the guest controls those bytes through the TIS
 * FIFO. Only plain TPM 1.2/2.0 commands are passed on.
 *
 * Framing: QEMU writes a command with one write and waits for the answer
 * (backends/tpm/tpm_emulator.c), and swtpm takes one read of at least a
 * header as one command (SWTPM_IO_Read()); the relay does the same.
 */
#define TPM_ST_RQU_COMMAND 0x00c1  /* TPM 1.2 request tags (QEMU's probe) */
#define TPM_ST_RQU_AUTH2 0x00c3
#define TPM2_ST_NO_SESSIONS 0x8001
#define TPM2_ST_SESSIONS 0x8002
#define TPM2_CC_SET_LOCALITY 0x20001000  /* swtpm's vendor command */
#define TPM2_RC_BAD_TAG 0x01e
#define TPM2_RC_COMMAND_CODE 0x143

struct relay {
	struct chipset *cs;
	int qemu_fd, tpm_fd;
	uint32_t last_cc;
	/* response stream: header bytes so far, bytes left of the packet */
	uint8_t hdr[TPM_HDR_LEN];
	size_t hlen;
	uint64_t left;
	bool broken;
};

/* Returns 0 if the command may go to swtpm, else the TPM 2 error to answer. */
static uint32_t relay_check_command(struct relay *r, const uint8_t *c, size_t n)
{
	uint16_t tag = (uint16_t)(c[0] << 8 | c[1]);
	uint32_t cc = get_be32(c + 6);

	(void)n;
	if (tag != TPM2_ST_NO_SESSIONS && tag != TPM2_ST_SESSIONS &&
	    (tag < TPM_ST_RQU_COMMAND || tag > TPM_ST_RQU_AUTH2)) {
		logmsg("data: refused a command with tag 0x%04x (%s)", tag,
		       get_be32(c) == 8 ? "TCG prefix with locality" : "not a TPM command");
		return TPM2_RC_BAD_TAG;
	}
	if (cc == TPM2_CC_SET_LOCALITY) {
		logmsg("data: refused TPM2_SetLocality from the guest");
		return TPM2_RC_COMMAND_CODE;
	}
	r->last_cc = cc;
	return 0;
}

/* Follow swtpm's answers packet by packet; note a successful TPM2_Startup. */
static void relay_responses(struct relay *r, const uint8_t *p, size_t n)
{
	while (n > 0 && !r->broken) {
		uint32_t size, code;

		if (r->left > 0) {
			size_t k = n < r->left ? n : (size_t)r->left;

			r->left -= k;
			p += k;
			n -= k;
			continue;
		}
		r->hdr[r->hlen++] = *p++;
		n--;
		if (r->hlen < TPM_HDR_LEN)
			continue;
		r->hlen = 0;
		size = get_be32(r->hdr + 2);
		code = get_be32(r->hdr + 6);
		if (size < TPM_HDR_LEN || size > (1u << 20)) {
			r->broken = true;
			logmsg("data: unexpected TPM response size %u; no longer parsing", size);
			break;
		}
		r->left = size - TPM_HDR_LEN;
		if (r->last_cc == TPM2_CC_STARTUP) {
			if (code == 0 || code == TPM2_RC_INITIALIZE) {
				unsigned int g = atomic_load(&r->cs->boot_gen);

				atomic_store(&r->cs->started_gen, g);
				logmsg("data: TPM2_Startup done (rc 0x%x), boot %u", code, g);
			} else {
				logmsg("data: TPM2_Startup failed (rc 0x%x)", code);
			}
		}
		r->last_cc = 0;
	}
}

/* One command from QEMU: filter it, then forward it or answer it. */
static int relay_from_qemu(struct relay *r, uint8_t *buf, size_t size)
{
	size_t len = 0;
	uint32_t rc;

	while (len < TPM_HDR_LEN) {
		ssize_t n;

		if (len > 0 && wait_readable(r->qemu_fd, 500) != 1)
			return -1;
		n = read(r->qemu_fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	rc = relay_check_command(r, buf, len);
	if (rc) {
		uint8_t rsp[TPM_HDR_LEN] = { TPM2_ST_NO_SESSIONS >> 8, TPM2_ST_NO_SESSIONS & 0xff };

		put_be32(rsp + 2, TPM_HDR_LEN);
		put_be32(rsp + 6, rc);
		return send_all(r->qemu_fd, rsp, sizeof(rsp), -1);
	}
	return send_all(r->tpm_fd, buf, len, -1);
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	uint8_t buf[65536];

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = r->qemu_fd, .events = POLLIN },
			{ .fd = r->tpm_fd, .events = POLLIN },
		};
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (relay_from_qemu(r, buf, sizeof(buf)) < 0)
				break;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(r->tpm_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			relay_responses(r, buf, (size_t)n);
			if (send_all(r->qemu_fd, buf, (size_t)n, -1) < 0)
				break;
		}
	}
	logmsg("data: channel closed");
	close(r->qemu_fd);
	close(r->tpm_fd);
	atomic_store(&r->cs->relay_active, false);
	free(r);
	return NULL;
}

/*
 * Give swtpm its data channel. With the relay (default), swtpm gets one end
 * of a new socketpair and a thread copies between it and QEMU's descriptor.
 * Returns the fd to pass to swtpm, or -1.
 */
static int datafd_for_swtpm(struct chipset *cs, int qemu_fd)
{
	struct relay *r;
	pthread_t th;
	int sp[2];

	if (!cs->relay_data)
		return qemu_fd;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	r->cs = cs;
	r->qemu_fd = qemu_fd;
	r->tpm_fd = sp[0];
	atomic_store(&cs->relay_active, true);
	if (pthread_create(&th, NULL, relay_main, r) != 0) {
		atomic_store(&cs->relay_active, false);
		free(r);
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	pthread_detach(th);
	return sp[1];
}

/* ---- control channel: one command at a time */

/* Drop bytes swtpm sent that belong to no command (should never happen). */
static void tpm_drain_stale(struct chipset *cs)
{
	if (cs->tpm.len == 0 && wait_readable(cs->tpm.fd, 0) == 1)
		rbuf_fill(&cs->tpm, 0);
	if (cs->tpm.len > 0) {
		logmsg("ctrl: dropping %zu stale bytes from swtpm", cs->tpm.len);
		cs->tpm.len = 0;
	}
}

/*
 * Read swtpm's answer to cmd into cs->tpm and forward it to dst (QEMU) if
 * dst >= 0. Returns the result code (first 4 bytes), or -1 on I/O error.
 * Sizes: swtpm_ioctls(3) response structures; swtpm answers every error
 * that precedes execution with the bare 4-byte ptm_res.
 */
static int64_t tpm_response(struct chipset *cs, uint32_t cmd, int dst, uint64_t *caps_out)
{
	struct rbuf *rb = &cs->tpm;
	uint32_t res;
	size_t len = 4;
	uint64_t extra = 0;

	if (rbuf_need(rb, 4, IO_TIMEOUT_MS) < 0)
		return -1;
	res = get_be32(rb->data);
	switch (cmd) {
	case CTRL_GET_CAPABILITY:
		if (rbuf_need(rb, 8, IO_TIMEOUT_MS) < 0)
			return -1;
		len = 8;
		res = 0;
		break;
	case CTRL_GET_TPMESTABLISHED:
	case CTRL_GET_CONFIG:
		if (res == 0) {
			if (rbuf_need(rb, 8, IO_TIMEOUT_MS) < 0)
				return -1;
		} else {
			rbuf_grace(rb, 8);
		}
		len = rb->len >= 8 ? 8 : 4;
		break;
	case CTRL_SET_BUFFERSIZE:
		if (res == 0) {
			if (rbuf_need(rb, 16, IO_TIMEOUT_MS) < 0)
				return -1;
			len = 16;
		}
		break;
	case CTRL_GET_STATEBLOB:
		if (res == 0) {
			if (rbuf_need(rb, 16, IO_TIMEOUT_MS) < 0)
				return -1;
			extra = get_be32(rb->data + 12);
		} else {
			rbuf_grace(rb, 16);
		}
		len = rb->len >= 16 ? 16 : 4;
		break;
	case CTRL_GET_INFO:
		if (res == 0) {
			if (rbuf_need(rb, 12, IO_TIMEOUT_MS) < 0)
				return -1;
			len = 12;
			extra = get_be32(rb->data + 8);
		}
		break;
	default:
		break;
	}
	if (cmd == CTRL_GET_CAPABILITY) {
		uint64_t caps = (uint64_t)get_be32(rb->data) << 32 | get_be32(rb->data + 4);

		if (caps & ~CAPS_KNOWN)
			logmsg("ctrl: masking capabilities 0x%" PRIx64 " this proxy cannot frame",
			       caps & ~CAPS_KNOWN);
		caps &= CAPS_KNOWN;
		put_be32(rb->data, (uint32_t)(caps >> 32));
		put_be32(rb->data + 4, (uint32_t)caps);
		if (caps_out)
			*caps_out = caps;
	}
	if (dst >= 0 && send_all(dst, rb->data, len, -1) < 0)
		return -1;
	rbuf_consume(rb, len);
	if (extra > 0) {
		if (dst >= 0) {
			if (stream_body(rb, dst, extra) < 0)
				return -1;
		} else {
			return -1;
		}
	}
	return res;
}

/* Send our own command to swtpm and return its result code (-1: I/O). */
static int64_t tpm_own_cmd(struct chipset *cs, uint32_t cmd, const void *body, size_t blen)
{
	uint8_t msg[4 + 4 + HASH_DATA_MAX];

	if (blen > sizeof(msg) - 4)
		return -1;
	tpm_drain_stale(cs);
	put_be32(msg, cmd);
	if (blen)
		memcpy(msg + 4, body, blen);
	if (send_all(cs->tpm.fd, msg, 4 + blen, -1) < 0)
		return -1;
	return tpm_response(cs, cmd, -1, NULL);
}

static int qemu_reply_res(struct chipset *cs, uint32_t res)
{
	uint8_t b[4];

	put_be32(b, res);
	return send_all(cs->qemu.fd, b, 4, -1);
}

/*
 * Handle one command from QEMU: read it completely, forward it, read the
 * complete answer and forward that. Returns 0, or -1 when either side is gone.
 */
static int ctrl_forward_one(struct chipset *cs)
{
	struct rbuf *q = &cs->qemu;
	const struct ctrl_desc *d = NULL;
	uint32_t cmd;
	size_t blen = 0;
	uint64_t varlen = 0, caps = 0;
	int64_t res;
	int pass_fd = -1, fd_ours = -1;
	uint8_t loc = 0xff;

	if (rbuf_need(q, 4, IO_TIMEOUT_MS) < 0)
		return -1;
	cmd = get_be32(q->data);
	if (cmd < CTRL_NR)
		d = &ctrl_descs[cmd];
	if (!d || !d->name) {
		rbuf_grace(q, sizeof(q->data));
		logmsg("ctrl: QEMU sent unknown command 0x%08x (%zu bytes); answered BAD_ORDINAL",
		       cmd, q->len);
		q->len = 0;
		rbuf_close_fds(q);
		return qemu_reply_res(cs, TPM_BAD_ORDINAL);
	}
	if (d->kind == BODY_FIXED) {
		if (rbuf_need(q, 4 + d->min, IO_TIMEOUT_MS) < 0)
			return -1;
		if (d->max > d->min)
			rbuf_grace(q, 4 + d->max);
		blen = q->len - 4;
		if (blen > d->max)
			blen = d->max;
	} else {
		if (rbuf_need(q, 4 + d->hdr, IO_TIMEOUT_MS) < 0)
			return -1;
		blen = d->hdr;
		varlen = get_be32(q->data + 4 + d->lenoff);
	}
	if (cmd == CTRL_SET_LOCALITY)
		loc = q->data[4];

	/* Policy: locality 4 and the hash sequence belong to the chipset. */
	if (d->chipset_only || (cmd == CTRL_SET_LOCALITY && loc > 3)) {
		uint32_t why = d->chipset_only ? TPM_BAD_ORDINAL : TPM_BAD_LOCALITY;

		rbuf_consume(q, 4 + blen);
		if (varlen) {
			/* Swallow the body (bounded), it is not forwarded. */
			if (varlen > HASH_DATA_MAX) {
				logmsg("ctrl: QEMU sent oversized %s; closing", d->name);
				return -1;
			}
			if (rbuf_need(q, varlen, IO_TIMEOUT_MS) < 0)
				return -1;
			rbuf_consume(q, varlen);
		}
		rbuf_close_fds(q);
		logmsg("ctrl: QEMU sent %s%s: refused (only the chipset may)", d->name,
		       cmd == CTRL_SET_LOCALITY ? " 4" : "");
		return qemu_reply_res(cs, why);
	}

	if (cmd == CTRL_SET_DATAFD) {
		if (q->nfds < 1) {
			pass_fd = -1;
		} else if (atomic_load(&cs->relay_active)) {
			rbuf_consume(q, 4);
			rbuf_close_fds(q);
			logmsg("ctrl: SET_DATAFD while a data channel exists: IOERROR");
			return qemu_reply_res(cs, TPM_IOERROR);
		} else {
			int qfd = q->fds[0];

			q->fds[0] = -1;
			pass_fd = datafd_for_swtpm(cs, qfd);
			if (pass_fd < 0) {
				close(qfd);
				rbuf_consume(q, 4);
				rbuf_close_fds(q);
				return qemu_reply_res(cs, TPM_IOERROR);
			}
			fd_ours = pass_fd;
		}
	}
	for (int i = 0; i < q->nfds; i++)
		if (q->fds[i] >= 0 && q->fds[i] != pass_fd)
			close(q->fds[i]);
	q->nfds = 0;

	tpm_drain_stale(cs);
	if (send_all(cs->tpm.fd, q->data, 4 + blen, pass_fd) < 0)
		return -1;
	/* Our copy of the passed descriptor: swtpm holds its own now. */
	if (fd_ours >= 0)
		close(fd_ours);
	rbuf_consume(q, 4 + blen);
	if (varlen && stream_body(q, cs->tpm.fd, varlen) < 0)
		return -1;

	res = tpm_response(cs, cmd, q->fd, &caps);
	if (res < 0)
		return -1;

	switch (cmd) {
	case CTRL_INIT:
		if (res == 0) {
			cs->tpm_running = true;
			atomic_fetch_add(&cs->boot_gen, 1);
		}
		break;
	case CTRL_STOP:
	case CTRL_SHUTDOWN:
		if (res == 0)
			cs->tpm_running = false;
		if (res == 0 && cmd == CTRL_SHUTDOWN)
			cs->tpm_shut_down = true;
		break;
	default:
		break;
	}
	if (cmd == CTRL_GET_CAPABILITY)
		logmsg("ctrl: %s (0x%02x) -> caps 0x%" PRIx64, d->name, cmd, caps);
	else if (cmd == CTRL_SET_LOCALITY)
		logmsg("ctrl: %s %u (0x%02x) -> 0x%" PRIx64, d->name, loc, cmd, res);
	else if (cmd == CTRL_INIT)
		logmsg("ctrl: %s (0x%02x) -> 0x%" PRIx64 " (boot %u)", d->name, cmd, res,
		       atomic_load(&cs->boot_gen));
	else
		logmsg("ctrl: %s (0x%02x) -> 0x%" PRIx64, d->name, cmd, res);
	return 0;
}

static void qemu_ctrl_closed(struct chipset *cs)
{
	logmsg("ctrl: QEMU closed the control channel");
	close(cs->qemu.fd);
	rbuf_close_fds(&cs->qemu);
	rbuf_init(&cs->qemu, -1);
	stop_requested = 1;  /* one VM life per chipset, like swtpm's */
}

/* ---- QMP client (QEMU's docs/interop/qmp-spec) */
struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
};

/*
 * Read one line. While waiting, keep serving QEMU's control channel: a vCPU
 * thread may hold QEMU's big lock while it waits for a control answer, and
 * QEMU would then never answer our QMP command.
 */
static char *qmp_readline(struct chipset *cs, struct qmp *q)
{
	int64_t end = now_ms() + QMP_TIMEOUT_MS;

	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct pollfd p[2];
		int left;

		if (nl) {
			size_t n = (size_t)(nl - q->buf) + 1;
			char *line = malloc(n);

			if (!line)
				return NULL;
			memcpy(line, q->buf, n - 1);
			line[n - 1] = 0;
			if (n >= 2 && line[n - 2] == '\r')
				line[n - 2] = 0;
			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			return line;
		}
		if (q->len + 4096 > q->cap) {
			size_t nc = q->cap ? q->cap * 2 : 65536;
			char *nb;

			if (nc > QMP_LINE_MAX)
				return NULL;
			nb = realloc(q->buf, nc);
			if (!nb)
				return NULL;
			q->buf = nb;
			q->cap = nc;
		}

		p[0] = (struct pollfd){ .fd = q->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = cs->qemu.fd, .events = POLLIN };
		left = (int)(end - now_ms());
		if (left <= 0)
			return NULL;
		if (poll(p, cs->qemu.fd >= 0 ? 2 : 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (cs->qemu.fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (ctrl_forward_one(cs) < 0)
				qemu_ctrl_closed(cs);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(q->fd, q->buf + q->len, q->cap - q->len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return NULL;
			q->len += (size_t)n;
		}
	}
}

/* The first key of a JSON object line: {"return"..., {"error"..., {"event"... */
static bool first_key_is(const char *line, const char *key)
{
	size_t k = strlen(key);

	while (*line == ' ')
		line++;
	if (*line++ != '{')
		return false;
	while (*line == ' ')
		line++;
	return *line == '"' && !strncmp(line + 1, key, k) && line[1 + k] == '"';
}

/*
 * Run one command; returns the "return" line (malloc'ed) or NULL on an
 * error answer or a broken connection. Events in between are skipped.
 */
static char *qmp_exec(struct chipset *cs, struct qmp *q, const char *json)
{
	char *line;

	if (send_all(q->fd, json, strlen(json), -1) < 0 || send_all(q->fd, "\n", 1, -1) < 0)
		return NULL;
	while ((line = qmp_readline(cs, q))) {
		if (first_key_is(line, "return"))
			return line;
		if (first_key_is(line, "error")) {
			logmsg("qmp: %s -> %.300s", json, line);
			free(line);
			return NULL;
		}
		free(line);   /* an event */
	}
	logmsg("qmp: no answer to %s", json);
	return NULL;
}

static int qmp_open(struct chipset *cs, struct qmp *q)
{
	char *line;

	memset(q, 0, sizeof(*q));
	q->fd = unix_connect(cs->qmp_path);
	if (q->fd < 0) {
		logmsg("qmp: cannot connect to %s: %s", cs->qmp_path, strerror(errno));
		return -1;
	}
	line = qmp_readline(cs, q);
	if (!line || !first_key_is(line, "QMP")) {
		logmsg("qmp: no greeting");
		free(line);
		return -1;
	}
	free(line);
	line = qmp_exec(cs, q, "{\"execute\":\"qmp_capabilities\"}");
	if (!line)
		return -1;
	free(line);
	return 0;
}

static void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	q->fd = -1;
	q->buf = NULL;
}

/* Value of a JSON literal after "key": e.g. "running": true */
static bool json_bool(const char *line, const char *key, bool *val)
{
	char pat[64];
	const char *p = line;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	/* The same word may appear as a value ("status": "running"): find the key. */
	while ((p = strstr(p, pat))) {
		p += strlen(pat);
		while (*p == ' ')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "true", 4)) {
			*val = true;
			return true;
		}
		if (!strncmp(p, "false", 5)) {
			*val = false;
			return true;
		}
		return false;
	}
	return false;
}

/* The string value of "return" in a QMP answer, unescaped (malloc'ed). */
static char *json_return_string(const char *line)
{
	const char *p = strstr(line, "\"return\"");
	char *out, *o;

	if (!p)
		return NULL;
	p += 8;
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"')
		return NULL;
	out = o = malloc(strlen(p) + 1);
	if (!out)
		return NULL;
	while (*p && *p != '"') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			/* Non-ASCII never matters to the parser below. */
			for (int i = 0; i < 4 && p[1]; i++)
				p++;
			*o++ = '?';
			break;
		case 0:
			free(out);
			return NULL;
		default: *o++ = *p; break;  /* \" \\ \/ */
		}
		p++;
	}
	*o = 0;
	return out;
}

/*
 * Is [addr, addr+len) covered by RAM or ROM in the system address space?
 * Parses HMP "info mtree -f": the first FlatView used by AS "memory" lists
 * non-overlapping ranges "  START-END (prio P, TYPE): name", sorted.
 */
static bool range_is_memory(const char *text, uint64_t addr, uint64_t len)
{
	const char *p = text;
	bool in_system = false, seen_system = false;
	uint64_t cur = addr, last = addr + len - 1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char l[512];

		if (n >= sizeof(l))
			n = sizeof(l) - 1;
		memcpy(l, p, n);
		l[n] = 0;
		if (n > 0 && l[n - 1] == '\r')   /* the monitor ends lines with CR LF */
			l[n - 1] = 0;
		p = eol ? eol + 1 : p + n;

		if (!strncmp(l, "FlatView #", 10)) {
			if (seen_system)
				break;
			in_system = false;
			continue;
		}
		if (!strcmp(l, " AS \"memory\", root: system")) {
			in_system = seen_system = true;
			continue;
		}
		if (!in_system)
			continue;

		uint64_t s, e;
		int prio;
		char type[16];

		if (sscanf(l, " %" SCNx64 "-%" SCNx64 " (prio %d, %15[^)])", &s, &e, &prio, type) != 4)
			continue;
		if (e < cur || s > cur)
			continue;  /* before us, or a gap (checked below) */
		if (strcmp(type, "ram") && strcmp(type, "rom") && strcmp(type, "romd"))
			return false;
		if (e >= last)
			return true;
		cur = e + 1;
	}
	return false;
}

/* ---- the launch */
static void hexstr(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = 0;
}

static void serial_reply(struct chipset *cs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void serial_reply(struct chipset *cs, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	logmsg("drtm: answer %.*s", n, buf);
	buf[n++] = '\n';
	if (cs->serial_fd >= 0 && send_all(cs->serial_fd, buf, (size_t)n, -1) < 0) {
		logmsg("drtm: cannot answer on the serial line: %s", strerror(errno));
		close(cs->serial_fd);
		cs->serial_fd = -1;
	}
}

static bool tpm_started(struct chipset *cs)
{
	unsigned int g = atomic_load(&cs->boot_gen);

	if (!cs->tpm_running || g == 0)
		return false;
	/* Without the relay, TPM2_Startup is not observable: see docs/drtm.md. */
	return !cs->relay_data || atomic_load(&cs->started_gen) == g;
}

/* Read guest memory with pmemsave into a malloc'ed buffer. */
static uint8_t *read_guest(struct chipset *cs, struct qmp *q, uint64_t addr, uint64_t len)
{
	char path[128], cmd[320];
	uint8_t *buf = NULL;
	struct stat st;
	char *r;
	int fd;
	size_t got = 0;

	snprintf(path, sizeof(path), "%s/mem-%u.bin", cs->tmpdir, ++cs->qmp_seq);
	unlink(path);
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"pmemsave\",\"arguments\":{\"val\":%" PRIu64
		 ",\"size\":%" PRIu64 ",\"filename\":\"%s\"}}", addr, len, path);
	r = qmp_exec(cs, q, cmd);
	if (!r)
		return NULL;
	free(r);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
		goto out_close;
	buf = malloc(len);
	if (!buf)
		goto out_close;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		got += (size_t)n;
	}
out_close:
	close(fd);
out:
	unlink(path);
	return buf;
}

/*
 * The locality-4 hash sequence on the control channel (swtpm_ioctls(3):
 * CMD_HASH_START, CMD_HASH_DATA, CMD_HASH_END). PCR 17 is reset and
 * extended only by HASH_END; on any error before it nothing has changed.
 */
static int tpm_hash_sequence(struct chipset *cs, const uint8_t *data, uint64_t len)
{
	uint8_t body[4 + HASH_DATA_MAX];
	int64_t res;

	res = tpm_own_cmd(cs, CTRL_HASH_START, NULL, 0);
	logmsg("drtm: HASH_START (0x06) -> 0x%" PRIx64, res);
	if (res != 0)
		return -1;
	for (uint64_t off = 0; off < len; off += HASH_DATA_MAX) {
		uint32_t n = len - off < HASH_DATA_MAX ? (uint32_t)(len - off) : HASH_DATA_MAX;

		put_be32(body, n);
		memcpy(body + 4, data + off, n);
		res = tpm_own_cmd(cs, CTRL_HASH_DATA, body, 4 + n);
		if (res != 0) {
			logmsg("drtm: HASH_DATA (0x07) at offset %" PRIu64 " -> 0x%" PRIx64,
			       off, res);
			return -1;
		}
	}
	logmsg("drtm: HASH_DATA (0x07) x %" PRIu64 " -> 0",
	       (len + HASH_DATA_MAX - 1) / HASH_DATA_MAX);
	res = tpm_own_cmd(cs, CTRL_HASH_END, NULL, 0);
	logmsg("drtm: HASH_END (0x08) -> 0x%" PRIx64, res);
	return res == 0 ? 0 : -1;
}

/* Strict parse of "DRTM-LAUNCH <hex> <hex>"; 1..16 hex digits each. */
static int parse_hex(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	int n = 0;

	*v = 0;
	for (;; p++, n++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n == 16)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	if (n == 0)
		return -1;
	*pp = p;
	return 0;
}

static int parse_request(const char *line, uint64_t *addr, uint64_t *len)
{
	static const char kw[] = "DRTM-LAUNCH ";
	const char *p = line;

	if (strncmp(p, kw, sizeof(kw) - 1))
		return -1;
	p += sizeof(kw) - 1;
	if (parse_hex(&p, addr) < 0 || *p++ != ' ')
		return -1;
	if (parse_hex(&p, len) < 0 || *p != 0)
		return -1;
	return 0;
}

static void drtm_launch(struct chipset *cs, uint64_t addr, uint64_t len)
{
	uint8_t digest[32], ext[64], pcr[32];
	char hex[65] = "", pcrhex[65];
	unsigned int gen = atomic_load(&cs->boot_gen);
	struct qmp q = { .fd = -1 };
	bool was_running = false, stopped = false;
	const char *err = NULL;
	uint8_t *data = NULL;
	char *r, *mtree;

	logmsg("drtm: request addr 0x%" PRIx64 " len 0x%" PRIx64 " (boot %u)", addr, len, gen);
	if (len == 0 || len > cs->max_len) {
		serial_reply(cs, "DRTM-ERR bad-length");
		return;
	}
	if (addr >= PHYS_LIMIT || len > PHYS_LIMIT - addr) {
		serial_reply(cs, "DRTM-ERR bad-range");
		return;
	}
	if (gen == 0 || !cs->tpm_running) {
		serial_reply(cs, "DRTM-ERR no-tpm-init");
		return;
	}
	if (!tpm_started(cs)) {
		serial_reply(cs, "DRTM-ERR tpm-not-started");
		return;
	}
	if (cs->launched_gen == gen && !cs->relaunch) {
		serial_reply(cs, "DRTM-ERR already-launched");
		return;
	}
	if (!cs->qmp_path) {
		serial_reply(cs, "DRTM-ERR no-qmp");
		return;
	}

	if (qmp_open(cs, &q) < 0) {
		err = "qmp-failed";
		goto out;
	}
	r = qmp_exec(cs, &q, "{\"execute\":\"query-status\"}");
	if (!r || !json_bool(r, "running", &was_running)) {
		logmsg("qmp: cannot tell whether the VM runs");
		free(r);
		err = "qmp-failed";
		goto out;
	}
	free(r);
	if (was_running) {
		r = qmp_exec(cs, &q, "{\"execute\":\"stop\"}");
		if (!r) {
			err = "qmp-failed";
			goto out;
		}
		free(r);
		stopped = true;
	}
	logmsg("drtm: VM %s", stopped ? "stopped" : "was not running");

	r = qmp_exec(cs, &q, "{\"execute\":\"human-monitor-command\","
			     "\"arguments\":{\"command-line\":\"info mtree -f\"}}");
	mtree = r ? json_return_string(r) : NULL;
	free(r);
	if (!mtree) {
		err = "qmp-failed";
		goto out;
	}
	if (!range_is_memory(mtree, addr, len)) {
		free(mtree);
		err = "not-ram";
		goto out;
	}
	free(mtree);

	data = read_guest(cs, &q, addr, len);
	if (!data) {
		err = "memory-read-failed";
		goto out;
	}
	if (EVP_Digest(data, len, digest, NULL, EVP_sha256(), NULL) != 1) {
		err = "internal";
		goto out;
	}

	/* Re-check with the VM stopped: no reset may slip between request and launch. */
	if (atomic_load(&cs->boot_gen) != gen || !cs->tpm_running) {
		err = "reset";
		goto out;
	}
	if (!tpm_started(cs)) {
		err = "tpm-not-started";
		goto out;
	}
	if (tpm_hash_sequence(cs, data, len) < 0) {
		err = "tpm-failed";
		goto out;
	}
	cs->launched_gen = gen;

	/* What PCR 17 now holds (SHA-256 bank): SHA-256(0^32 || digest). */
	memset(ext, 0, 32);
	memcpy(ext + 32, digest, 32);
	EVP_Digest(ext, 64, pcr, NULL, EVP_sha256(), NULL);
	hexstr(digest, 32, hex);
	hexstr(pcr, 32, pcrhex);
	logmsg("drtm: measured sha256 %s; PCR17 (sha256) = %s", hex, pcrhex);
out:
	free(data);
	if (stopped) {
		r = qmp_exec(cs, &q, "{\"execute\":\"cont\"}");
		if (!r)
			logmsg("drtm: could not resume the VM");
		free(r);
	}
	qmp_close(&q);
	if (err)
		serial_reply(cs, "DRTM-ERR %s", err);
	else
		serial_reply(cs, "DRTM-OK %s", hex);
}

/* Log a line from the guest, printable ASCII only. */
static void log_line(const char *what, const char *line, size_t n)
{
	char clean[64];
	size_t i;

	for (i = 0; i < n && i < sizeof(clean) - 1; i++)
		clean[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '.';
	clean[i] = 0;
	logmsg("serial: %s (%zu bytes): %s%s", what, n, clean, n > i ? "..." : "");
}

/*
 * Only lines that start with "DRTM-" are requests. Anything else (firmware
 * console output: OVMF runs a terminal on every serial port) is logged and
 * not answered, so no answer turns into keystrokes for a firmware console.
 * Lines starting with DRTM-OK/DRTM-ERR are our answers echoed by a guest tty.
 */
static bool is_request_line(const char *line, size_t n)
{
	if (n < 5 || strncmp(line, "DRTM-", 5))
		return false;
	return strncmp(line, "DRTM-OK", 7) && strncmp(line, "DRTM-ERR", 8);
}

static void serial_line(struct chipset *cs, char *line)
{
	uint64_t addr, len;
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '\r')
		line[--n] = 0;
	if (n == 0)
		return;
	if (!is_request_line(line, n)) {
		if (strncmp(line, "DRTM-", 5))
			log_line("ignored a line that is no request", line, n);
		return;
	}
	if (parse_request(line, &addr, &len) < 0) {
		logmsg("drtm: malformed request (%zu bytes)", n);
		serial_reply(cs, "DRTM-ERR bad-request");
		return;
	}
	drtm_launch(cs, addr, len);
}

static void serial_input(struct chipset *cs)
{
	char buf[512];
	ssize_t n = read(cs->serial_fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		logmsg("serial: peer closed");
		close(cs->serial_fd);
		cs->serial_fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n && cs->serial_fd >= 0; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (cs->line_overflow) {
				log_line("line too long", cs->line, cs->line_len);
				if (is_request_line(cs->line, cs->line_len))
					serial_reply(cs, "DRTM-ERR line-too-long");
			} else {
				cs->line[cs->line_len] = 0;
				serial_line(cs, cs->line);
			}
			cs->line_len = 0;
			cs->line_overflow = false;
			continue;
		}
		if (c == 0 || cs->line_len >= LINE_MAX_LEN) {
			/* NUL cannot be part of a request: treat as overlong/garbage. */
			cs->line_overflow = true;
			continue;
		}
		cs->line[cs->line_len++] = c;
	}
}

/* ---- main */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: drtm-chipset --ctrl-listen PATH --swtpm-ctrl PATH --serial-listen PATH\n"
		"                    [--qmp PATH] [--log FILE] [--pidfile FILE] [--max-len BYTES]\n"
		"                    [--relaunch] [--no-data-relay]\n"
		"  --ctrl-listen PATH    QEMU's -chardev socket,path=PATH for -tpmdev emulator\n"
		"  --swtpm-ctrl PATH     swtpm's --ctrl type=unixio,path=PATH\n"
		"  --serial-listen PATH  QEMU's -chardev socket,path=PATH,server=off for COM2\n"
		"  --qmp PATH            QEMU's -qmp unix:PATH,server=on,wait=off\n"
		"  --log FILE            log file (default: stderr)\n"
		"  --pidfile FILE        written once all sockets listen\n"
		"  --max-len BYTES       largest measured range (default 64 MiB)\n"
		"  --relaunch            allow more than one launch per boot (tests only)\n"
		"  --no-data-relay       hand QEMU's data channel to swtpm untouched\n"
		"See docs/drtm.md.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctrl-listen", required_argument, NULL, 'c' },
		{ "swtpm-ctrl", required_argument, NULL, 's' },
		{ "serial-listen", required_argument, NULL, 'S' },
		{ "qmp", required_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "max-len", required_argument, NULL, 'm' },
		{ "relaunch", no_argument, NULL, 'r' },
		{ "no-data-relay", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct chipset cs = {
		.max_len = 64ULL << 20,
		.relay_data = true,
		.ctrl_listen_fd = -1,
		.serial_listen_fd = -1,
		.serial_fd = -1,
	};
	const char *logpath = NULL, *tmp;
	struct sigaction sa = { 0 };
	int c, status = 0;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	log_file = stderr;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cs.ctrl_listen_path = optarg; break;
		case 's': cs.swtpm_ctrl_path = optarg; break;
		case 'S': cs.serial_listen_path = optarg; break;
		case 'q': cs.qmp_path = optarg; break;
		case 'l': logpath = optarg; break;
		case 'p': cs.pidfile = optarg; break;
		case 'm': {
			char *end;

			errno = 0;
			cs.max_len = strtoull(optarg, &end, 0);
			if (errno || *end || cs.max_len == 0 || cs.max_len > (1ULL << 32)) {
				fprintf(stderr, "drtm-chipset: bad --max-len %s\n", optarg);
				return 2;
			}
			break;
		}
		case 'r': cs.relaunch = true; break;
		case 'n': cs.relay_data = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !cs.ctrl_listen_path || !cs.swtpm_ctrl_path ||
	    !cs.serial_listen_path) {
		usage(stderr);
		return 2;
	}
	if (logpath) {
		log_file = fopen(logpath, "a");
		if (!log_file) {
			fprintf(stderr, "drtm-chipset: cannot open %s: %s\n", logpath, strerror(errno));
			return 2;
		}
	}

	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Private directory for pmemsave's files; its path goes into JSON as is. */
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40 || strpbrk(tmp, "\"\\"))
		tmp = "/tmp";
	snprintf(cs.tmpdir, sizeof(cs.tmpdir), "%s/drtm-chipset.XXXXXX", tmp);
	if (!mkdtemp(cs.tmpdir)) {
		fprintf(stderr, "drtm-chipset: mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	rbuf_init(&cs.qemu, -1);
	rbuf_init(&cs.tpm, unix_connect(cs.swtpm_ctrl_path));
	if (cs.tpm.fd < 0) {
		fprintf(stderr, "drtm-chipset: cannot connect to swtpm's control channel %s: %s\n",
			cs.swtpm_ctrl_path, strerror(errno));
		status = 1;
		goto out;
	}
	cs.ctrl_listen_fd = unix_listen(cs.ctrl_listen_path);
	cs.serial_listen_fd = unix_listen(cs.serial_listen_path);
	if (cs.ctrl_listen_fd < 0 || cs.serial_listen_fd < 0) {
		status = 1;
		goto out;
	}
	if (cs.pidfile) {
		FILE *f = fopen(cs.pidfile, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "drtm-chipset: cannot write %s\n", cs.pidfile);
			status = 1;
			goto out;
		}
	}
	logmsg("chipset: ready (ctrl %s -> swtpm %s, serial %s, qmp %s, data relay %s%s)",
	       cs.ctrl_listen_path, cs.swtpm_ctrl_path, cs.serial_listen_path,
	       cs.qmp_path ? cs.qmp_path : "(none)", cs.relay_data ? "on" : "off",
	       cs.relaunch ? ", relaunch allowed" : "");
	if (!cs.relay_data)
		logmsg("chipset: WARNING: without the data relay TPM2_Startup is assumed and "
		       "the guest's TCG locality prefix reaches swtpm (docs/drtm.md)");
	if (cs.relaunch)
		logmsg("chipset: WARNING: --relaunch lets the OS re-measure any RAM (docs/drtm.md)");

	while (!stop_requested) {
		struct pollfd p[4] = {
			{ .fd = cs.ctrl_listen_fd, .events = POLLIN },
			{ .fd = cs.serial_listen_fd, .events = POLLIN },
			{ .fd = cs.qemu.fd, .events = POLLIN },
			{ .fd = cs.serial_fd, .events = POLLIN },
		};
		struct pollfd t = { .fd = cs.tpm.fd, .events = POLLIN };

		if (poll(p, 4, 1000) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		/* swtpm never speaks unasked; input here means it closed. */
		if (poll(&t, 1, 0) == 1 && cs.tpm.len == 0) {
			if (rbuf_fill(&cs.tpm, 0) <= 0) {
				logmsg("ctrl: swtpm closed the control channel");
				/* Normal after QEMU's CMD_SHUTDOWN: swtpm ends. */
				status = cs.tpm_shut_down ? 0 : 1;
				break;
			}
		}
		if (p[0].revents & POLLIN) {
			int fd = accept4(cs.ctrl_listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0 && cs.qemu.fd >= 0) {
				logmsg("ctrl: second control client refused");
				close(fd);
			} else if (fd >= 0) {
				logmsg("ctrl: QEMU connected");
				rbuf_init(&cs.qemu, fd);
			}
		}
		if (p[1].revents & POLLIN) {
			int fd = accept4(cs.serial_listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				if (cs.serial_fd >= 0)
					close(cs.serial_fd);
				logmsg("serial: connected");
				cs.serial_fd = fd;
				cs.line_len = 0;
				cs.line_overflow = false;
			}
		}
		if (cs.qemu.fd >= 0 && p[2].fd == cs.qemu.fd &&
		    (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (ctrl_forward_one(&cs) < 0)
				qemu_ctrl_closed(&cs);
		}
		if (cs.serial_fd >= 0 && p[3].fd == cs.serial_fd &&
		    (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
			serial_input(&cs);
	}
	logmsg("chipset: exiting");
out:
	if (cs.ctrl_listen_fd >= 0) {
		close(cs.ctrl_listen_fd);
		unlink(cs.ctrl_listen_path);
	}
	if (cs.serial_listen_fd >= 0) {
		close(cs.serial_listen_fd);
		unlink(cs.serial_listen_path);
	}
	if (cs.pidfile)
		unlink(cs.pidfile);
	rmdir(cs.tmpdir);
	return status;
}
