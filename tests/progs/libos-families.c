/* A static Linux program that uses every family of system calls the libOS
 * forwards to the runner (docs/libos.md, "Forwarded calls"): files and
 * directories, links and metadata (symlink, link, chmod, utimensat),
 * pipes, poll/select, dup/fcntl, sleeping, TCP and UDP over
 * loopback. Built twice, with glibc -static and with musl-gcc -static
 * (tests/progs/build.mk), and run natively and in an MIEE by
 * tests/guest/libos-fwd.sh: the output (deterministic: no inode numbers,
 * times or ports) must be the same. Usage: libos-families DIR (DIR
 * writable, holding only a symlink "lnk" to "target"). Exit 0, or 1
 * after a "FAIL" line. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int failed;

#define CHECK(cond, what)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("FAIL %s (errno %d)\n", what, errno);           \
			failed = 1;                                            \
		}                                                              \
	} while (0)

static void files(void)
{
	char buf[64] = { 0 };
	struct stat st;
	struct iovec iov[2];
	int fd;

	fd = open("a.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "open");
	CHECK(write(fd, "hello, libos\n", 13) == 13, "write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	CHECK(read(fd, buf, sizeof(buf)) == 13, "read");
	printf("read: %s", buf);
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5, "pwrite");
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "HELLO", 5), "pread");
	iov[0] = (struct iovec){ "ab", 2 };
	iov[1] = (struct iovec){ "cd\n", 3 };
	CHECK(lseek(fd, 0, SEEK_END) == 13, "lseek end");
	CHECK(writev(fd, iov, 2) == 5, "writev");
	memset(buf, 0, sizeof(buf));
	iov[0] = (struct iovec){ buf, 10 };
	iov[1] = (struct iovec){ buf + 10, 30 };
	CHECK(pread(fd, buf, 0, 0) == 0, "pread 0");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek 0");
	CHECK(readv(fd, iov, 2) == 18, "readv");
	printf("readv: %s", buf);
	CHECK(fstat(fd, &st) == 0, "fstat");
	printf("fstat: size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
	CHECK(ftruncate(fd, 5) == 0, "ftruncate");
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(stat("a.txt", &st) == 0 && st.st_size == 5, "stat after truncate");
	printf("stat: size %lld mode %o\n", (long long)st.st_size, (unsigned)(st.st_mode & 0777));
	CHECK(close(fd) == 0, "close");
	CHECK(close(fd) == -1 && errno == EBADF, "close twice");
	CHECK(open("missing", O_RDONLY) == -1 && errno == ENOENT, "open missing");
	CHECK(access("a.txt", R_OK | W_OK) == 0, "access");
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dirs(void)
{
	char buf[4096], *names[16];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int n = 0;
	ssize_t len;

	CHECK(mkdir("d", 0755) == 0, "mkdir");
	CHECK(mkdir("d", 0755) == -1 && errno == EEXIST, "mkdir exists");
	CHECK(rename("a.txt", "d/b.txt") == 0, "rename");
	CHECK(close(open("d/c", O_WRONLY | O_CREAT, 0600)) == 0, "create");
	d = opendir("d");
	CHECK(d != NULL, "opendir");
	while (d && n < 16) {
		errno = 0;
		if (!(e = readdir(d))) {
			CHECK(errno == 0, "readdir");
			break;
		}
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("readdir:");
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	len = readlink("lnk", buf, sizeof(buf));
	if (len >= 0)
		printf("readlink: %.*s\n", (int)len, buf);
	else
		printf("readlink: errno %d\n", errno);
	CHECK(lstat("d/b.txt", &st) == 0 && S_ISREG(st.st_mode), "lstat");
	CHECK(chdir("d") == 0, "chdir");
	CHECK(getcwd(buf, sizeof(buf)) != NULL, "getcwd");
	printf("getcwd ends with /d: %d\n", strlen(buf) >= 2 && !strcmp(buf + strlen(buf) - 2, "/d"));
	CHECK(unlink("c") == 0 && unlink("b.txt") == 0, "unlink");
	CHECK(chdir("..") == 0, "chdir ..");
	CHECK(rmdir("d") == 0, "rmdir");
	CHECK(access("d", F_OK) == -1 && errno == ENOENT, "access after rmdir");
}

/* symlink, link, chmod/fchmod, utimensat/futimens: what busybox's ln,
 * chmod, touch and cp -p do. */
static void links(void)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
	char buf[64];
	struct stat st;
	ssize_t len;
	int fd;

	fd = open("m", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "meta\n", 5) == 5, "create m");
	CHECK(symlink("m", "m.sym") == 0, "symlink");
	CHECK(symlink("m", "m.sym") == -1 && errno == EEXIST, "symlink exists");
	len = readlink("m.sym", buf, sizeof(buf));
	printf("symlink: %.*s\n", len < 0 ? 0 : (int)len, buf);
	CHECK(link("m", "m.hard") == 0, "link");
	CHECK(stat("m.hard", &st) == 0, "stat m.hard");
	printf("link: nlink %d size %lld\n", (int)st.st_nlink, (long long)st.st_size);
	CHECK(chmod("m.sym", 0600) == 0, "chmod through the symlink");
	CHECK(stat("m", &st) == 0, "stat m");
	printf("chmod: %o\n", (unsigned)(st.st_mode & 07777));
	CHECK(fchmod(fd, 0640) == 0, "fchmod");
	CHECK(utimensat(AT_FDCWD, "m.hard", ts, 0) == 0, "utimensat");
	CHECK(stat("m", &st) == 0, "stat m");
	printf("utimensat: mode %o atime %lld mtime %lld.%09ld\n", (unsigned)(st.st_mode & 07777),
	       (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	ts[1].tv_sec = 1300000000;
	CHECK(futimens(fd, ts) == 0, "futimens");
	CHECK(fstat(fd, &st) == 0, "fstat m");
	printf("futimens: mtime %lld\n", (long long)st.st_mtim.tv_sec);
	close(fd);
	CHECK(unlink("m.sym") == 0 && unlink("m.hard") == 0 && unlink("m") == 0, "unlink m*");
}

static void pipes(void)
{
	int p[2], d, n;
	char buf[64] = { 0 };
	struct pollfd pf[2];
	fd_set rs;
	struct timeval tv = { 0, 0 };
	struct timespec ts = { 0, 2000000 };

	if (pipe(p)) {
		CHECK(0, "pipe");
		return;
	}
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	n = poll(pf, 2, 0);
	CHECK(n == 1, "poll empty");
	printf("poll empty: %d in %d out %d\n", n, pf[0].revents, pf[1].revents);
	CHECK(write(p[1], "pipe!", 5) == 5, "pipe write");
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	n = select(p[0] + 1, &rs, NULL, NULL, &tv);
	CHECK(n == 1, "select");
	printf("select: %d set %d\n", n, FD_ISSET(p[0], &rs));
	d = dup(p[0]);
	CHECK(d > p[1], "dup");
	CHECK(dup2(d, 50) == 50, "dup2");
	CHECK(fcntl(50, F_SETFD, FD_CLOEXEC) == 0 && fcntl(50, F_GETFD) == FD_CLOEXEC, "fcntl fd");
	CHECK(fcntl(50, F_SETFL, O_NONBLOCK) == 0 && (fcntl(50, F_GETFL) & O_NONBLOCK), "fcntl fl");
	CHECK(read(50, buf, sizeof(buf)) == 5, "read dup");
	printf("pipe: %s\n", buf);
	CHECK(read(50, buf, sizeof(buf)) == -1 && errno == EAGAIN, "read nonblock");
	CHECK(nanosleep(&ts, NULL) == 0, "nanosleep");
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0, "clock_nanosleep");
	close(50);
	close(d);
	close(p[1]);
	pf[0].revents = 0;
	n = poll(pf, 1, 1000);
	CHECK(n == 1, "poll hup");
	printf("poll hup: %d hup %d\n", n, !!(pf[0].revents & POLLHUP));
	n = ioctl(p[0], TIOCGWINSZ, buf);
	printf("ioctl on pipe: %d errno %d\n", n, errno);
	close(p[0]);
}

static void sockets(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int ls, cs, as, us, one = 1, type = 0;
	char buf[64] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	ls = socket(AF_INET, SOCK_STREAM, 0);
	cs = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || cs < 0) {
		CHECK(0, "socket");
		return;
	}
	CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "setsockopt");
	CHECK(bind(ls, (struct sockaddr *)&a, sizeof(a)) == 0, "bind");
	CHECK(listen(ls, 4) == 0, "listen");
	CHECK(getsockname(ls, (struct sockaddr *)&a, &len) == 0 && len == sizeof(a), "getsockname");
	if (connect(cs, (struct sockaddr *)&a, sizeof(a))) {
		CHECK(0, "connect");	/* no loopback: accept would wait forever */
		return;
	}
	as = accept(ls, NULL, NULL);
	if (as < 0) {
		CHECK(0, "accept");
		return;
	}
	CHECK(setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, "nodelay");
	len = sizeof(type);
	CHECK(getsockopt(as, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM, "getsockopt");
	CHECK(send(cs, "tcp hello", 9, 0) == 9, "send");
	CHECK(recv(as, buf, sizeof(buf), 0) == 9, "recv");
	printf("tcp: %s\n", buf);
	CHECK(sendmsg(as, &(struct msghdr){ .msg_iov = &(struct iovec){ "msg back", 8 }, .msg_iovlen = 1 }, 0) == 8, "sendmsg");
	memset(buf, 0, sizeof(buf));
	CHECK(recvmsg(cs, &m, 0) == 8, "recvmsg");
	printf("tcp back: %s\n", buf);
	len = sizeof(a);
	CHECK(getpeername(cs, (struct sockaddr *)&a, &len) == 0, "getpeername");
	CHECK(shutdown(cs, SHUT_WR) == 0, "shutdown");
	printf("eof: %zd\n", recv(as, buf, sizeof(buf), 0));
	close(as);
	close(cs);
	close(ls);
	us = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	CHECK(bind(us, (struct sockaddr *)&a, sizeof(a)) == 0, "udp bind");
	len = sizeof(a);
	CHECK(getsockname(us, (struct sockaddr *)&a, &len) == 0, "udp name");
	CHECK(sendto(us, "udp!", 4, 0, (struct sockaddr *)&a, sizeof(a)) == 4, "sendto");
	memset(buf, 0, sizeof(buf));
	len = sizeof(a);
	CHECK(recvfrom(us, buf, sizeof(buf), 0, (struct sockaddr *)&a, &len) == 4, "recvfrom");
	printf("udp: %s from loopback %d\n", buf, a.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	close(us);
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1])) {
		fprintf(stderr, "usage: libos-families DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	files();
	dirs();
	links();
	pipes();
	sockets();
	printf("%s\n", failed ? "libos-families: FAILED" : "libos-families: all done");
	return failed;
}
