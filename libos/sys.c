/* The system-call dispatcher: calls handled inside the MIEE, calls
 * refused, and everything else offered to the forwarding layer
 * (libos_forward, api.h). docs/libos.md, "System calls". */
#include "kernel.h"

#define VPID 100		/* the program's virtual pid, tid, pgid, sid */
#define VPPID 1
#define MSR_FS_BASE 0xc0000100u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define USER_TOP 0x0000800000000000ull
#define LOG_REFUSED_MAX 64	/* log lines for refused calls, then silence */

uint64_t st_handled, st_forwarded, st_refused;
static unsigned refused_logged;

struct rlim {
	uint64_t cur, max;
};
#define RLIM_INF (~0ull)
static struct rlim rlimits[16] = {
	[0 ... 2] = { RLIM_INF, RLIM_INF },
	[3] = { 8ull << 20, RLIM_INF },		/* RLIMIT_STACK */
	[4 ... 6] = { RLIM_INF, RLIM_INF },
	[7] = { 1024, 1024 },			/* RLIMIT_NOFILE */
	[8 ... 15] = { RLIM_INF, RLIM_INF },
};

long refuse(unsigned nr, const char *name, long err)
{
	st_refused++;
	if (refused_logged < LOG_REFUSED_MAX) {
		refused_logged++;
		libos_log("libos: refused system call %u (%s): %s", nr, name,
			  err == -EPERM ? "EPERM" : "ENOSYS");
	}
	return err;
}

/* ---- time: the host's clock_gettime (one host call), checked; the
 * monotonic clocks never go backwards, whatever the host answers. */
struct kts {
	int64_t sec, nsec;
};
static struct kts last_mono[8];

static long host_clock(unsigned clk, struct kts *out)
{
	struct libos_hc *hc = hc_request();
	int64_t ret;
	uint64_t olen;

	hc->nr = 228;
	hc->args[0] = clk;
	hc->args[1] = 0;		/* the timespec at data[0] */
	hc->in_len = 0;
	if (hc_call_locked())
		return -EIO;
	ret = *(volatile int64_t *)&hc->ret;
	olen = *(volatile uint64_t *)&hc->out_len;
	if (ret == -EINVAL)
		return -EINVAL;
	if (ret != 0 || olen != sizeof(*out)) {
		libos_log("libos: clock_gettime: host answer fails the check (ret %ld, out_len %lu)",
			  (long)ret, olen);
		return -EIO;
	}
	memcpy(out, hc_data(), sizeof(*out));
	if (out->nsec < 0 || out->nsec >= 1000000000 || out->sec < 0) {
		libos_log("libos: clock_gettime: host timespec out of range");
		return -EIO;
	}
	if (clk == 1 || clk == 4 || clk == 6 || clk == 7) {
		struct kts *l = &last_mono[clk];

		if (out->sec < l->sec || (out->sec == l->sec && out->nsec < l->nsec))
			*out = *l;
		*l = *out;
	}
	return 0;
}

int64_t clock_ns(int clk)
{
	struct kts t;
	long r = host_clock((unsigned)clk, &t);

	return r ? r : t.sec * 1000000000ll + t.nsec;
}

static long sys_clock_gettime(uint64_t clk, uint64_t uts)
{
	struct kts t;
	long r;

	if (clk > 11)
		return -EINVAL;
	r = host_clock((unsigned)clk, &t);
	if (r)
		return r;
	return copy_to_user(uts, &t, sizeof(t)) ? -EFAULT : 0;
}

static long sys_gettimeofday(uint64_t utv, uint64_t utz)
{
	struct kts t;
	long r = host_clock(0, &t);
	int64_t tv[2];
	int32_t tz[2] = { 0, 0 };

	if (r)
		return r;
	tv[0] = t.sec;
	tv[1] = t.nsec / 1000;
	if (utv && copy_to_user(utv, tv, sizeof(tv)))
		return -EFAULT;
	if (utz && copy_to_user(utz, tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

static long sys_time(uint64_t ut)
{
	struct kts t;
	long r = host_clock(0, &t);

	if (r)
		return r;
	if (ut && copy_to_user(ut, &t.sec, 8))
		return -EFAULT;
	return (long)t.sec;
}

static long sys_getrandom(uint64_t ubuf, uint64_t len, uint64_t flags)
{
	unsigned char b[256];
	uint64_t done = 0;

	if (flags & ~7ull)
		return -EINVAL;
	if (len > 33554431)
		len = 33554431;
	while (done < len) {
		uint64_t k = len - done < sizeof(b) ? len - done : sizeof(b);

		if (utpm_random(b, k))
			return done ? (long)done : -EIO;
		if (copy_to_user(ubuf + done, b, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	memset(b, 0, sizeof(b));
	return (long)len;
}

static void put_field(char *f, const char *s)
{
	size_t n = strlen(s);

	memcpy(f, s, n + 1);
}

static long sys_uname(uint64_t ubuf)
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	put_field(u[0], "Linux");
	put_field(u[1], "miee");
	put_field(u[2], "6.1.0-libos");
	put_field(u[3], "#1 libOS in an MIEE");
	put_field(u[4], "x86_64");
	put_field(u[5], "(none)");
	return copy_to_user(ubuf, u, sizeof(u)) ? -EFAULT : 0;
}

static long sys_arch_prctl(uint64_t code, uint64_t addr)
{
	struct thread *t = cur_thread();

	switch (code) {
	case 0x1001:		/* ARCH_SET_GS */
	case 0x1002:		/* ARCH_SET_FS */
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == 0x1002) {
			t->fs_base = addr;
			wrmsr(MSR_FS_BASE, addr);
		} else {
			/* In the libOS the program's GS base is in
			 * KERNEL_GS_BASE (SWAPGS, entry.S). */
			t->gs_base = addr;
			wrmsr(MSR_KERNEL_GS_BASE, addr);
		}
		return 0;
	case 0x1003:		/* ARCH_GET_FS */
		return copy_to_user(addr, &t->fs_base, 8) ? -EFAULT : 0;
	case 0x1004:		/* ARCH_GET_GS */
		return copy_to_user(addr, &t->gs_base, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

static long sys_prlimit(uint64_t pid, uint64_t res, uint64_t unew, uint64_t uold)
{
	struct rlim n;

	if (pid && pid != VPID)
		return -ESRCH;
	if (res >= 16)
		return -EINVAL;
	if (unew) {
		if (copy_from_user(&n, unew, sizeof(n)))
			return -EFAULT;
		if (n.cur > n.max)
			return -EINVAL;
		if (n.max > rlimits[res].max)
			return -EPERM;
	}
	if (uold && copy_to_user(uold, &rlimits[res], sizeof(rlimits[res])))
		return -EFAULT;
	if (unew)
		rlimits[res] = n;
	return 0;
}

/* prctl: the thread name (PR_SET_NAME, PR_GET_NAME), else -EINVAL. */
static long sys_prctl(uint64_t op, uint64_t arg)
{
	static char name[16] = "main";
	long n;

	if (op == 15) {
		char tmp[16];

		n = strncpy_from_user(tmp, arg, sizeof(tmp));
		if (n == -EFAULT)
			return -EFAULT;
		if (n < 0)
			n = sizeof(tmp) - 1;
		memcpy(name, tmp, (size_t)n);
		name[n] = 0;
		return 0;
	}
	if (op == 16)
		return copy_to_user(arg, name, sizeof(name)) ? -EFAULT : 0;
	return -EINVAL;
}

static long sys_ids(uint64_t a, uint64_t b, uint64_t c)
{
	uint32_t z = 0;

	if ((a && copy_to_user(a, &z, 4)) || (b && copy_to_user(b, &z, 4)) ||
	    (c && copy_to_user(c, &z, 4)))
		return -EFAULT;
	return 0;
}

/* As many CPUs as the program may have threads live (boot.threads): what
 * nproc prints, and what a thread pool sized by it can run. */
static long sys_affinity(uint64_t pid, uint64_t len, uint64_t umask)
{
	unsigned n = thread_cpus();
	uint64_t m = n >= 64 ? ~0ull : (1ull << n) - 1;

	if (pid && pid != VPID && tt_find(&ttab, (int32_t)pid) < 0)
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	return copy_to_user(umask, &m, 8) ? -EFAULT : 8;
}

/* Handled inside: the result, with *done = 1; *done = 0 otherwise. */
static long inside(unsigned nr, const uint64_t a[6], struct regs *r, int *done)
{
	*done = 1;
	switch (nr) {
	case 9: return sys_mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
	case 10: return sys_mprotect(a[0], a[1], a[2]);
	case 11: return sys_munmap(a[0], a[1]);
	case 12: return sys_brk(a[0]);
	case 13: return sys_rt_sigaction(a[0], a[1], a[2], a[3]);
	case 14: return sys_rt_sigprocmask(a[0], a[1], a[2], a[3]);
	case 24: return thread_yield();				/* sched_yield */
	case 25: return sys_mremap(a[0], a[1], a[2], a[3], a[4]);
	case 28: return sys_madvise(a[0], a[1], a[2]);
	case 39: return VPID;					/* getpid */
	case 186: return cur_thread()->tid;			/* gettid */
	case 56: return sys_clone(r, a[0], a[1], a[2], a[3], a[4]);
	case 435: return sys_clone3(r, a[0], a[1]);
	case 110: return VPPID;					/* getppid */
	case 111: return VPID;					/* getpgrp */
	case 121: case 124: return a[0] && a[0] != VPID ? -ESRCH : VPID;	/* getpgid, getsid */
	case 109: return (a[0] && a[0] != VPID) ? -ESRCH : 0;	/* setpgid */
	case 112: return -EPERM;				/* setsid: a group leader */
	case 62: return a[0] == VPID || a[0] == 0 ? sys_kill_self(a[1]) : -ESRCH;	/* kill */
	case 200: return thread_kill((int64_t)a[0], a[1]);			/* tkill */
	case 234: return (int64_t)a[0] == VPID ? thread_kill((int64_t)a[1], a[2]) : -ESRCH;	/* tgkill */
	case 102: case 104: case 107: case 108: return 0;	/* getuid getgid geteuid getegid */
	case 105: case 106: return a[0] == 0 ? 0 : -EPERM;	/* setuid setgid */
	case 118: case 120: return sys_ids(a[0], a[1], a[2]);	/* getresuid getresgid */
	case 63: return sys_uname(a[0]);
	case 97: return sys_prlimit(0, a[0], 0, a[1]);		/* getrlimit */
	case 160: return sys_prlimit(0, a[0], a[1], 0);	/* setrlimit */
	case 302: return sys_prlimit(a[0], a[1], a[2], a[3]);	/* prlimit64 */
	case 204: return sys_affinity(a[0], a[1], a[2]);	/* sched_getaffinity */
	case 96: return sys_gettimeofday(a[0], a[1]);
	case 201: return sys_time(a[0]);
	case 228: return sys_clock_gettime(a[0], a[1]);
	case 229: {						/* clock_getres */
		struct kts res = { 0, 1 };

		if (a[0] > 11)
			return -EINVAL;
		return a[1] && copy_to_user(a[1], &res, sizeof(res)) ? -EFAULT : 0;
	}
	case 131: return sys_sigaltstack(a[0], a[1], r);
	case 157: return sys_prctl(a[0], a[1]);
	case 158: return sys_arch_prctl(a[0], a[1]);
	case 202: return thread_futex(a[0], a[1], a[2], a[3], a[4], a[5]);
	case 218: cur_thread()->clear_tid = a[0]; return cur_thread()->tid;	/* set_tid_address */
	case 273:						/* set_robust_list */
		if (a[1] != 24)
			return -EINVAL;
		cur_thread()->robust_head = a[0];
		return 0;
	case 318: return sys_getrandom(a[0], a[1], a[2]);
	case 334: return -ENOSYS;				/* rseq: glibc copes */
	case 60:						/* exit: this thread */
		thread_exit(a[0]);
	case 231:						/* exit_group */
		libos_exit(LIBOS_EXIT_CODE(a[0]));
	default:
		*done = 0;
		return 0;
	}
}

static long refused(unsigned nr, int *done)
{
	*done = 1;
	switch (nr) {
	case 57: return refuse(nr, "fork", -ENOSYS);
	case 58: return refuse(nr, "vfork", -ENOSYS);
	case 59: return refuse(nr, "execve", -ENOSYS);
	case 322: return refuse(nr, "execveat", -ENOSYS);
	case 101: return refuse(nr, "ptrace", -EPERM);
	case 165: return refuse(nr, "mount", -EPERM);
	case 166: return refuse(nr, "umount2", -EPERM);
	default:
		*done = 0;
		return 0;
	}
}

void syscall_dispatch(struct regs *r)
{
	uint64_t a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	unsigned nr = r->rax > 0xffffffffull ? 0xffffffffu : (unsigned)r->rax;
	int done;
	long ret;

	if (nr == 15) {		/* rt_sigreturn: every register from the frame */
		st_handled++;
		sys_rt_sigreturn(r);
		sig_deliver_pending(r);
		return;
	}
	ret = inside(nr, a, r, &done);
	if (done) {
		st_handled++;
	} else {
		ret = refused(nr, &done);
		if (!done) {
			cur_thread()->in_forward = 1;
			ret = libos_forward(nr, a, &done);
			cur_thread()->in_forward = 0;
			if (done)
				st_forwarded++;
			else
				ret = refuse(nr, "not supported", -ENOSYS);
		}
	}
	r->rax = (uint64_t)ret;
	if (ckpt_pending)
		ckpt_take(r, nr);	/* exits, unless the libOS refused */
	sig_deliver_pending(r);
}

/* The running thread's TLS bases, for ckpt.c. */
void sys_tls_get(uint64_t *fs, uint64_t *gs)
{
	*fs = cur_thread()->fs_base;
	*gs = cur_thread()->gs_base;
}

/* The program's GS base waits in KERNEL_GS_BASE while the libOS runs. */
void sys_tls_set(uint64_t fs, uint64_t gs)
{
	cur_thread()->fs_base = fs;
	cur_thread()->gs_base = gs;
	wrmsr(MSR_FS_BASE, fs);
	wrmsr(MSR_KERNEL_GS_BASE, gs);
}
