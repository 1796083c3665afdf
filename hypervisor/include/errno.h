/* Error codes used inside the hypervisor: functions return 0 or -E*. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENODEV 19
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EPROTO 71
#define EBADMSG 74
#define ETIMEDOUT 110

#endif
