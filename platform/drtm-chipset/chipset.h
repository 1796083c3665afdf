/* The emulated DRTM chipset (platform/drtm-chipset/): declarations its
 * parts share. A host program that runs beside QEMU: proxies swtpm's
 * control channel; on request over COM2 takes the locality-4 measurement.
 */
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
 * sizes (ctrl.c) were taken from those definitions, from what QEMU 7.2 sends
 * (backends/tpm/tpm_emulator.c) and from how swtpm frames and answers each
 * command (src/swtpm/ctrlchannel.c), including its short 4-byte error
 * answers.
 */
#ifndef DRTM_CHIPSET_H
#define DRTM_CHIPSET_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

/* relay.c: the data channel (see the comment there). */
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

/* qmp.c: one QMP connection. */
struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
};

/* io.c: process-wide state. */
extern FILE *log_file;
extern struct timespec t_start;
extern volatile sig_atomic_t stop_requested;

/* io.c: log, byte order, time, socket I/O, struct rbuf */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t get_be32(const uint8_t *p);
void put_be32(uint8_t *p, uint32_t v);
int64_t now_ms(void);
int wait_readable(int fd, int timeout_ms);
int send_all(int sock, const void *buf, size_t len, int fd);
void rbuf_init(struct rbuf *rb, int fd);
void rbuf_close_fds(struct rbuf *rb);
ssize_t rbuf_fill(struct rbuf *rb, int timeout_ms);
int rbuf_need(struct rbuf *rb, size_t need, int timeout_ms);
void rbuf_grace(struct rbuf *rb, size_t want);
void rbuf_consume(struct rbuf *rb, size_t n);
int stream_body(struct rbuf *src, int dst, uint64_t n);

/* relay.c: unix sockets, the data-channel relay */
int unix_listen(const char *path);
int unix_connect(const char *path);
uint32_t relay_check_command(struct relay *r, const uint8_t *c, size_t n);
void relay_responses(struct relay *r, const uint8_t *p, size_t n);
int datafd_for_swtpm(struct chipset *cs, int qemu_fd);

/* ctrl.c: the control-channel proxy */
int64_t tpm_own_cmd(struct chipset *cs, uint32_t cmd, const void *body, size_t blen);
int ctrl_forward_one(struct chipset *cs);
void qemu_ctrl_closed(struct chipset *cs);

/* qmp.c: the QMP client and its parsers */
bool first_key_is(const char *line, const char *key);
char *qmp_exec(struct chipset *cs, struct qmp *q, const char *json);
int qmp_open(struct chipset *cs, struct qmp *q);
void qmp_close(struct qmp *q);
bool json_bool(const char *line, const char *key, bool *val);
char *json_return_string(const char *line);
bool range_is_memory(const char *text, uint64_t addr, uint64_t len);

/* launch.c: the launch requests from COM2 */
int parse_request(const char *line, uint64_t *addr, uint64_t *len);
void serial_input(struct chipset *cs);

#endif
