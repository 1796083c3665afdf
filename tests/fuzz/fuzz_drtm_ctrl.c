/* libFuzzer harness: the DRTM chipset's swtpm control-channel proxy and data
 * relay (platform/drtm-chipset/). Byte 0 selects. Even: bytes 1-2 (LE)
 * are how many of the rest QEMU sends on the control channel; the remainder
 * is what swtpm answers; ctrl_forward_one() runs until either side is done.
 * Checks: the chipset never forwards HASH_START/DATA/END or SET_LOCALITY > 3
 * to swtpm, and answers QEMU at least 4 bytes per command. Odd: the rest is
 * split in commands (bytes 1-2 give the first's length) for
 * relay_check_command() and a response stream for relay_responses(); checks
 * its packet state stays in range. */
/* chipset.h first: it defines _GNU_SOURCE before any system header. */
#include "chipset.h"
#include "fuzz.h"

static void ctrl_case(const uint8_t *data, size_t size)
{
	static char to_tpm[65536], to_qemu[65536];
	struct chipset cs;
	size_t qlen, sent = 0;
	int q[2], t[2], steps = 0, r;

	if (size < 2)
		return;
	qlen = (size_t)(data[0] | data[1] << 8);
	data += 2;
	size -= 2;
	if (qlen > size)
		qlen = size;
	memset(&cs, 0, sizeof(cs));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, q) || socketpair(AF_UNIX, SOCK_STREAM, 0, t))
		abort();
	rbuf_init(&cs.qemu, q[0]);
	rbuf_init(&cs.tpm, t[0]);
	cs.serial_fd = -1;
	feed_and_close(q[1], data, qlen);
	feed_and_close(t[1], data + qlen, size - qlen);
	do {
		size_t n;

		r = ctrl_forward_one(&cs);
		/* What this command put on swtpm's channel starts with its code. */
		n = drain(t[1], to_tpm, sizeof(to_tpm));
		if (n >= 4) {
			uint32_t cmd = get_be32((uint8_t *)to_tpm);

			FUZZ_CHECK(cmd != CTRL_HASH_START && cmd != CTRL_HASH_DATA &&
				   cmd != CTRL_HASH_END);
			FUZZ_CHECK(cmd != CTRL_SET_LOCALITY || n < 5 || (uint8_t)to_tpm[4] <= 3);
		}
		sent += drain(q[1], to_qemu, sizeof(to_qemu));
		steps++;
		if (r == 0)
			FUZZ_CHECK(sent >= 4);
	} while (r == 0 && steps < 32);
	rbuf_close_fds(&cs.qemu);
	close(q[0]);
	close(q[1]);
	close(t[0]);
	close(t[1]);
}

static void relay_case(const uint8_t *data, size_t size)
{
	struct chipset cs;
	struct relay rl;
	size_t clen;

	if (size < 2)
		return;
	clen = (size_t)(data[0] | data[1] << 8);
	data += 2;
	size -= 2;
	if (clen > size)
		clen = size;
	memset(&cs, 0, sizeof(cs));
	memset(&rl, 0, sizeof(rl));
	rl.cs = &cs;
	if (clen >= TPM_HDR_LEN) {
		uint8_t *c = malloc(clen);

		memcpy(c, data, clen);
		(void)relay_check_command(&rl, c, clen);
		free(c);
	}
	for (size_t off = clen; off < size;) {
		size_t k = (size - off) % 7 + 1;	/* uneven chunks */

		if (k > size - off)
			k = size - off;
		relay_responses(&rl, data + off, k);
		FUZZ_CHECK(rl.hlen < TPM_HDR_LEN && rl.left < (1u << 20));
		off += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chipset_fuzz_init();
	if (size < 1)
		return 0;
	if (data[0] & 1)
		relay_case(data + 1, size - 1);
	else
		ctrl_case(data + 1, size - 1);
	return 0;
}
