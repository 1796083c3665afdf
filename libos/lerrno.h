/* Linux x86-64 errno values the libOS returns (negated) to the program.
 * The host tests include the system's <errno.h> first: same values. */
#ifndef LIBOS_LERRNO_H
#define LIBOS_LERRNO_H

#ifndef EPERM
#define EPERM 1
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOTTY 25
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#endif

#endif
