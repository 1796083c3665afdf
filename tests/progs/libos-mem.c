/* libos-mem: memory given back (docs/libos.md, "Memory"): ROUNDS times
 * map 200 MiB, touch every page, unmap it; then 64 MiB touched, dropped
 * with madvise(MADV_DONTNEED) (zero again on the next touch) and unmapped.
 * Within a 256 MiB --memory limit this only works if the freed frames are
 * reused; tests/guest/libos-core.sh also checks with --stats that the
 * hypervisor's count of mapped frames dropped at the end. Then MAP_PRIVATE
 * mappings of its own file (argv[0]: the runner lets a program read
 * itself): the bytes equal pread's, a write stays private, the tail of the
 * last page past the end of the file is zero. Prints only what is the same
 * natively and in an MIEE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1024ul * 1024ul)

static unsigned char *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("libos-mem: FAIL mmap %zu MiB\n", n / MIB);
		exit(1);
	}
	return p;
}

#define FAIL(what) do { printf("libos-mem: FAIL %s\n", what); exit(1); } while (0)

static void file_maps(const char *self)
{
	int fd = open(self, O_RDONLY);
	size_t n = 3 * 4096 + 100, tail;
	unsigned char *buf = malloc(n), b;
	unsigned char *p, *q;
	struct stat st;

	if (fd < 0 || !buf || fstat(fd, &st) || st.st_size < 4 * 4096 + 100)
		FAIL("open or fstat of the program file");
	if (pread(fd, buf, n, 4096) != (ssize_t)n)
		FAIL("pread");
	p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 4096);
	if (p == MAP_FAILED || memcmp(p, buf, n))
		FAIL("read-only private mapping differs from pread");
	munmap(p, n);
	q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (q == MAP_FAILED || memcmp(q + 4096, buf, 4096))
		FAIL("writable private mapping");
	b = q[1];
	q[1] ^= 0xff;
	if (pread(fd, buf, 1, 1) != 1 || buf[0] != b || q[1] != (unsigned char)(b ^ 0xff))
		FAIL("a private write reached the file");
	munmap(q, 8192);
	/* the last page: the bytes after the end of the file are zero */
	tail = (size_t)st.st_size & 4095;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, st.st_size & ~4095l);
	if (p == MAP_FAILED)
		FAIL("mapping of the last page");
	for (size_t i = tail ? tail : 4096; i < 4096; i++)
		if (p[i])
			FAIL("bytes past the end of the file not zero");
	munmap(p, 4096);
	close(fd);
	free(buf);
	printf("libos-mem: private file mappings equal the file, writes stay private, the tail is zero\n");
}

/* "libos-mem refusals": what MAP_SHARED and PROT_EXEC of a file give
 * (natively both work; in an MIEE ENODEV and EACCES). */
static int refusals(const char *self)
{
	int fd = open(self, O_RDONLY);
	void *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	printf("libos-mem: MAP_SHARED of a file: %s (errno %d)\n", p == MAP_FAILED ? "refused" : "mapped",
	       p == MAP_FAILED ? errno : 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	printf("libos-mem: PROT_EXEC of a file: %s (errno %d)\n", p == MAP_FAILED ? "refused" : "mapped",
	       p == MAP_FAILED ? errno : 0);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	unsigned long sum = 0;
	unsigned char *p;

	if (argc > 1 && !strcmp(argv[1], "refusals"))
		return refusals(argv[0]);
	for (int r = 0; r < rounds; r++) {
		p = map(200 * MIB);
		for (size_t i = 0; i < 200 * MIB; i += 4096)
			p[i] = (unsigned char)(i / 4096 + (size_t)r);
		for (size_t i = 0; i < 200 * MIB; i += 4096 * 97)
			sum += p[i];
		if (munmap(p, 200 * MIB)) {
			printf("libos-mem: FAIL munmap\n");
			return 1;
		}
	}
	printf("libos-mem: %d rounds of 200 MiB mapped, touched and unmapped (sum %lu)\n", rounds, sum);
	p = map(64 * MIB);
	memset(p, 0x5a, 64 * MIB);
	if (madvise(p, 64 * MIB, MADV_DONTNEED)) {
		printf("libos-mem: FAIL madvise\n");
		return 1;
	}
	for (size_t i = 0; i < 64 * MIB; i += 4096)
		if (p[i] || p[i + 4095]) {
			printf("libos-mem: FAIL page %zu not zero after MADV_DONTNEED\n", i / 4096);
			return 1;
		}
	memset(p, 0xa5, 64 * MIB);
	munmap(p, 64 * MIB);
	printf("libos-mem: 64 MiB dropped with MADV_DONTNEED read back as zeros\n");
	file_maps(argv[0]);
	return 0;
}
