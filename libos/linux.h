/* The Linux x86-64 user ABI the forwarding layer speaks to the program:
 * syscall numbers, errnos, flags and struct layouts, defined here because
 * the libOS is freestanding (no libc headers). Values from the kernel's
 * uapi headers (asm/unistd_64.h, asm-generic/errno*.h, asm/stat.h). */
#ifndef LIBOS_LINUX_H
#define LIBOS_LINUX_H

#include <stdint.h>

/* ---- syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) */
enum {
	LX_read = 0, LX_write = 1, LX_open = 2, LX_close = 3, LX_stat = 4,
	LX_fstat = 5, LX_lstat = 6, LX_poll = 7, LX_lseek = 8,
	LX_ioctl = 16, LX_pread64 = 17, LX_pwrite64 = 18, LX_readv = 19,
	LX_writev = 20, LX_access = 21, LX_pipe = 22, LX_select = 23,
	LX_dup = 32, LX_dup2 = 33, LX_nanosleep = 35, LX_socket = 41,
	LX_connect = 42, LX_accept = 43, LX_sendto = 44, LX_recvfrom = 45,
	LX_sendmsg = 46, LX_recvmsg = 47, LX_shutdown = 48, LX_bind = 49,
	LX_listen = 50, LX_getsockname = 51, LX_getpeername = 52,
	LX_setsockopt = 54, LX_getsockopt = 55, LX_fcntl = 72, LX_fsync = 74,
	LX_ftruncate = 77, LX_getcwd = 79, LX_chdir = 80, LX_rename = 82,
	LX_mkdir = 83, LX_rmdir = 84, LX_unlink = 87, LX_readlink = 89,
	LX_getdents64 = 217, LX_clock_nanosleep = 230, LX_openat = 257,
	LX_mkdirat = 258, LX_newfstatat = 262, LX_unlinkat = 263,
	LX_renameat = 264, LX_readlinkat = 267, LX_faccessat = 269,
	LX_pselect6 = 270, LX_ppoll = 271, LX_accept4 = 288, LX_dup3 = 292,
	LX_pipe2 = 293, LX_statx = 332,
	LX_link = 86, LX_symlink = 88, LX_chmod = 90, LX_fchmod = 91,
	LX_linkat = 265, LX_symlinkat = 266, LX_fchmodat = 268, LX_utimensat = 280,
};

/* ---- errnos */
#define LX_EPERM 1
#define LX_ENOENT 2
#define LX_EINTR 4
#define LX_EIO 5
#define LX_E2BIG 7
#define LX_EBADF 9
#define LX_EAGAIN 11
#define LX_ENOMEM 12
#define LX_EACCES 13
#define LX_EFAULT 14
#define LX_EBUSY 16
#define LX_EEXIST 17
#define LX_EXDEV 18
#define LX_ENOTDIR 20
#define LX_EISDIR 21
#define LX_EINVAL 22
#define LX_ENFILE 23
#define LX_EMFILE 24
#define LX_ENOTTY 25
#define LX_EFBIG 27
#define LX_ENOSPC 28
#define LX_ESPIPE 29
#define LX_EROFS 30
#define LX_EMLINK 31
#define LX_EPIPE 32
#define LX_ERANGE 34
#define LX_ENAMETOOLONG 36
#define LX_ENOSYS 38
#define LX_ENOTEMPTY 39
#define LX_ELOOP 40
#define LX_ENOTSOCK 88
#define LX_EDESTADDRREQ 89
#define LX_EMSGSIZE 90
#define LX_ENOPROTOOPT 92
#define LX_EPROTONOSUPPORT 93
#define LX_EOPNOTSUPP 95
#define LX_EAFNOSUPPORT 97
#define LX_EADDRINUSE 98
#define LX_EADDRNOTAVAIL 99
#define LX_ENETUNREACH 101
#define LX_ECONNABORTED 103
#define LX_ECONNRESET 104
#define LX_EISCONN 106
#define LX_ENOTCONN 107
#define LX_ETIMEDOUT 110
#define LX_ECONNREFUSED 111
#define LX_EALREADY 114
#define LX_EINPROGRESS 115
#define LX_ENXIO 6
#define LX_ENODEV 19
#define LX_ETXTBSY 26
#define LX_EOVERFLOW 75
#define LX_EPROTOTYPE 91
#define LX_ENOBUFS 105
#define LX_EHOSTUNREACH 113
#define LX_EDQUOT 122
#define LX_ERRNO_MAX 4095

/* ---- flags and constants */
#define LX_AT_FDCWD (-100)
#define LX_AT_SYMLINK_NOFOLLOW 0x100
#define LX_AT_REMOVEDIR 0x200
#define LX_AT_EMPTY_PATH 0x1000
#define LX_O_ACCMODE 03
#define LX_O_WRONLY 01
#define LX_O_RDWR 02
#define LX_O_CREAT 0100
#define LX_O_TRUNC 01000
#define LX_O_APPEND 02000
#define LX_O_NONBLOCK 04000
#define LX_O_DIRECTORY 0200000
#define LX_O_CLOEXEC 02000000
#define LX_F_DUPFD 0
#define LX_F_GETFD 1
#define LX_F_SETFD 2
#define LX_F_GETFL 3
#define LX_F_SETFL 4
#define LX_F_DUPFD_CLOEXEC 1030
#define LX_FD_CLOEXEC 1
#define LX_TCGETS 0x5401
#define LX_TIOCGWINSZ 0x5413
#define LX_POLLIN 0x001
#define LX_POLLPRI 0x002
#define LX_POLLOUT 0x004
#define LX_POLLERR 0x008
#define LX_POLLHUP 0x010
#define LX_POLLNVAL 0x020
#define LX_POLLRDNORM 0x040
#define LX_POLLRDBAND 0x080
#define LX_POLLWRNORM 0x100
#define LX_POLLWRBAND 0x200
#define LX_POLLRDHUP 0x2000
#define LX_AF_UNIX 1
#define LX_AF_INET 2
#define LX_AF_INET6 10
#define LX_SOCK_TYPE_MASK 0xf
#define LX_SOCK_STREAM 1
#define LX_SOCK_DGRAM 2
#define LX_SOCK_NONBLOCK 04000
#define LX_SOCK_CLOEXEC 02000000
#define LX_SOL_SOCKET 1
#define LX_SO_REUSEADDR 2
#define LX_SO_TYPE 3
#define LX_SO_ERROR 4
#define LX_SO_BROADCAST 6
#define LX_SO_SNDBUF 7
#define LX_SO_RCVBUF 8
#define LX_SO_KEEPALIVE 9
#define LX_SO_LINGER 13
#define LX_SO_REUSEPORT 15
#define LX_SO_RCVTIMEO 20
#define LX_SO_SNDTIMEO 21
#define LX_IPPROTO_TCP 6
#define LX_TCP_NODELAY 1
#define LX_SCM_RIGHTS 1
#define LX_S_IFMT 0170000
#define LX_FD_SETSIZE 1024
#define LX_UIO_MAXIOV 1024

/* ---- structs (x86-64 layouts) */
struct lx_stat {			/* asm/stat.h, 144 bytes */
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_ns, st_mtime, st_mtime_ns;
	uint64_t st_ctime, st_ctime_ns;
	int64_t unused[3];
};
_Static_assert(sizeof(struct lx_stat) == 144, "struct stat");

struct lx_statx_ts { int64_t sec; uint32_t nsec; int32_t pad; };
struct lx_statx {			/* linux/stat.h, 256 bytes */
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad0;
	uint64_t ino, size, blocks, attributes_mask;
	struct lx_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct lx_statx) == 256, "struct statx");

struct lx_dirent64 {			/* getdents64 record header, 19 bytes */
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	/* char d_name[]; NUL-terminated, record padded to 8 bytes */
} __attribute__((packed));
#define LX_DIRENT_HDR 19u

struct lx_iovec { uint64_t base, len; };
struct lx_pollfd { int32_t fd; int16_t events, revents; };
struct lx_timespec { int64_t tv_sec, tv_nsec; };
struct lx_timeval { int64_t tv_sec, tv_usec; };
struct lx_winsize { uint16_t row, col, xpixel, ypixel; };
#define LX_TERMIOS_SIZE 36u		/* struct termios of TCGETS */
struct lx_msghdr {
	uint64_t name; uint32_t namelen, pad0;
	uint64_t iov, iovlen;
	uint64_t control, controllen;
	int32_t flags, pad1;
};
_Static_assert(sizeof(struct lx_msghdr) == 56, "struct msghdr");
struct lx_cmsghdr { uint64_t len; int32_t level, type; };
#define LX_SOCKADDR_MAX 128u		/* sizeof(struct sockaddr_storage) */

#endif
