/* The DRTM chipset's unix sockets and the data-channel relay between QEMU
 * and swtpm (docs/drtm.md, "Data channel"). Host program. */
#include "chipset.h"

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

int unix_listen(const char *path)
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

int unix_connect(const char *path)
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
/* Returns 0 if the command may go to swtpm, else the TPM 2 error to answer. */
uint32_t relay_check_command(struct relay *r, const uint8_t *c, size_t n)
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
void relay_responses(struct relay *r, const uint8_t *p, size_t n)
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
int datafd_for_swtpm(struct chipset *cs, int qemu_fd)
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
