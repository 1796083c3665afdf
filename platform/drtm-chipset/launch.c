/* The DRTM launch: requests from the guest on COM2, the checks, reading
 * the image from the stopped VM and the locality-4 hash sequence.
 * Host program. */
#include "chipset.h"

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

int parse_request(const char *line, uint64_t *addr, uint64_t *len)
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

void serial_input(struct chipset *cs)
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
