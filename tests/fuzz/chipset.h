/* The DRTM chipset's parts (platform/drtm-chipset/) in a harness: the
 * harness links the parts it fuzzes (tests/fuzz/build.mk) and gets their
 * declarations here, with helpers to feed them through socketpairs. */
#ifndef TESTS_FUZZ_CHIPSET_H
#define TESTS_FUZZ_CHIPSET_H

#include "../../platform/drtm-chipset/chipset.h"

#include <sys/socket.h>

static inline void chipset_fuzz_init(void)
{
	if (!log_file) {
		log_file = getenv("FUZZ_VERBOSE") ? stderr : fopen("/dev/null", "w");
		clock_gettime(CLOCK_MONOTONIC, &t_start);
	}
}

/* Write all of buf into fd and close the write side: the reader sees EOF
 * after it, so no wait in the chipset lasts longer than a poll. */
static inline void feed_and_close(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
}

/* Everything readable on fd now, into buf (NUL-terminated); its length. */
static inline size_t drain(int fd, char *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max - 1 && (n = recv(fd, buf + got, max - 1 - got, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	return got;
}

#endif
