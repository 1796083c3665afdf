/* The DRTM chipset's swtpm control-channel proxy: QEMU's commands checked
 * and forwarded one at a time, the chipset's own locality-4 commands.
 * Host program. */
#include "chipset.h"

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
int64_t tpm_own_cmd(struct chipset *cs, uint32_t cmd, const void *body, size_t blen)
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
int ctrl_forward_one(struct chipset *cs)
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

void qemu_ctrl_closed(struct chipset *cs)
{
	logmsg("ctrl: QEMU closed the control channel");
	close(cs->qemu.fd);
	rbuf_close_fds(&cs->qemu);
	rbuf_init(&cs->qemu, -1);
	stop_requested = 1;  /* one VM life per chipset, like swtpm's */
}
