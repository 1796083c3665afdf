/* The runner's confinement (confine.h; the steps and what needs root:
 * docs/policy.md, "Confinement"). Linux user space, x86-64 only: the
 * seccomp filter checks the architecture and kills anything else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>
#include <arpa/inet.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/miee.h"
#include "confine.h"

#define ROOT_SIZE "size=1m,nr_inodes=4096,mode=0755"

static void __attribute__((noreturn, format(printf, 1, 2))) fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("miee-run: --confine: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; not running unconfined\n", stderr);
	exit(CONFINE_EXIT);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fatal("open %s: %s", path, strerror(errno));
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text))
		fatal("write '%s' to %s: %s", text, path, n < 0 ? strerror(errno) : "short");
	close(fd);
}

/* The original process: maps the child's ids, lets it go, waits. */
static void __attribute__((noreturn)) supervise(struct confine *c, pid_t pid, int go)
{
	char path[64], map[64];
	unsigned i;
	int st;

	if (geteuid() == 0) {
		/* Root may map any id: the runner is uid/gid CONFINE_UID
		 * outside, root (but see the capability drop) inside. */
		snprintf(map, sizeof(map), "0 %u 1\n", CONFINE_UID);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		write_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		write_file(path, map);
	} else {
		/* Unprivileged: only its own ids, and setgroups denied. */
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		write_file(path, "deny");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)geteuid());
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		write_file(path, map);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getegid());
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		write_file(path, map);
	}
	for (i = 0; i < c->nfds; i++)
		close(c->miee_fds[i]);	/* the MIEEs are the confined runner's alone */
	printf("miee-run: confined runner pid %d\n", (int)pid);
	fflush(stdout);
	if (write(go, "g", 1) != 1)
		fatal("cannot start the confined runner: %s", strerror(errno));
	close(go);
	signal(SIGINT, SIG_IGN);	/* the runner has PDEATHSIG; let it finish */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid: %s", strerror(errno));
	if (WIFEXITED(st))
		exit(WEXITSTATUS(st));
	if (WTERMSIG(st) == SIGSYS) {
		fprintf(stderr, "miee-run: the confined runner (pid %d) was killed by its seccomp "
			"filter (SIGSYS): it made a system call outside its allow list; its MIEEs "
			"were destroyed with it (the kernel log's audit line names the call)\n",
			(int)pid);
		exit(CONFINE_EXIT);
	}
	fprintf(stderr, "miee-run: the confined runner (pid %d) was killed by signal %d\n", (int)pid,
		WTERMSIG(st));
	exit(128 + WTERMSIG(st));
}

/* mkdir -p of path below the new root (all ours: a fresh tmpfs). */
static void make_under(const char *root, const char *path, int is_dir)
{
	char buf[4200];
	size_t i, n;
	int fd;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%s", root, path);
	if (n >= sizeof(buf))
		fatal("path too long: %s", path);
	for (i = strlen(root) + 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i])
			continue;
		if (!buf[i] && !is_dir)
			break;
		buf[i] = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			fatal("mkdir %s: %s", buf, strerror(errno));
		if (i < n)
			buf[i] = '/';
	}
	if (!is_dir) {
		fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			fatal("create %s: %s", buf, strerror(errno));
		close(fd);
	}
}

/* Mount flags a bind remount must keep (those locked in a user namespace). */
static unsigned long kept_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv))
		return 0;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

/* The policy tree: a read-only tmpfs holding bind mounts of the allowed
 * paths at their own paths, shortest first (so a nested rule stacks on
 * its parent), read-only ones remounted read-only; nosuid, nodev. */
static void build_tree(struct confine *c, const char *mp)
{
	const struct manifest *m = c->m;
	int fds[MANIFEST_MAX_FILES], order[MANIFEST_MAX_FILES], tfd;
	char tpath[64];
	unsigned i, j;

	/* First the sources: detached recursive copies of each allowed path
	 * (open_tree, this mount namespace's view), taken before the tmpfs
	 * exists; a recursive bind made after it would copy the tmpfs too
	 * when it sits below an allowed path. Then the tmpfs. */
	for (i = 0; i < m->nfiles; i++) {
		fds[i] = (int)syscall(SYS_open_tree, AT_FDCWD, m->files[i].path,
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fds[i] < 0)
			fatal("allowed path %s: open_tree: %s", m->files[i].path, strerror(errno));
		order[i] = (int)i;
	}
	for (i = 1; i < m->nfiles; i++)
		for (j = i; j > 0 && m->files[order[j]].len < m->files[order[j - 1]].len; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (mount("miee-root", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, ROOT_SIZE))
		fatal("mount tmpfs on %s: %s", mp, strerror(errno));
	/* The tmpfs itself, for its read-only remount at the end: by path,
	 * mp would name whatever an allowed "/" stacks on it. */
	tfd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		fatal("open the tree: %s", strerror(errno));
	for (i = 0; i < m->nfiles; i++) {
		const struct manifest_file *f = &m->files[order[i]];
		int fd = fds[order[i]];
		char dst[4200];
		struct stat st;

		if (fstat(fd, &st))
			fatal("stat %s: %s", f->path, strerror(errno));
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			fatal("allowed path %s: only directories and regular files are bound", f->path);
		if (f->len > 1)
			make_under(mp, f->path, S_ISDIR(st.st_mode));
		snprintf(dst, sizeof(dst), "%s%s", mp, f->len > 1 ? f->path : "");
		if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH))
			fatal("bind %s: move_mount: %s", f->path, strerror(errno));
		if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | kept_flags(fd) |
			  (f->right == FILE_RO ? MS_RDONLY : 0), NULL))
			fatal("remount %s %s: %s", f->path, f->right == FILE_RO ? "ro" : "rw",
			      strerror(errno));
		close(fd);
	}
	snprintf(tpath, sizeof(tpath), "/proc/self/fd/%d", tfd);
	if (mount(NULL, tpath, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		fatal("remount the tree read-only: %s", strerror(errno));
	close(tfd);
}

/* Into the tree: pivot_root, or, when the current root is the initramfs
 * (rootfs cannot be pivoted away: EINVAL), move the tree onto "/" and
 * chroot into it, as switch_root does. */
static void enter_tree(struct confine *c, const char *mp)
{
	if (chdir(mp))
		fatal("chdir %s: %s", mp, strerror(errno));
	if (!syscall(SYS_pivot_root, ".", ".")) {
		if (umount2(".", MNT_DETACH))
			fatal("detach the old root: %s", strerror(errno));
		c->pivoted = 1;
	} else if (errno == EINVAL) {
		if (mount(".", "/", NULL, MS_MOVE, NULL))
			fatal("move the tree onto /: %s", strerror(errno));
		if (chroot("."))
			fatal("chroot: %s", strerror(errno));
	} else {
		fatal("pivot_root: %s", strerror(errno));
	}
	if (chdir("/"))
		fatal("chdir /: %s", strerror(errno));
}

static void drop_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int cap;

	/* Locked: no root-uid magic, no keep-caps, for this process and all
	 * it could exec (seccomp forbids exec anyway). */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
		  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED))
		fatal("PR_SET_SECUREBITS: %s", strerror(errno));
	for (cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap))
			fatal("PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		fatal("PR_CAP_AMBIENT_CLEAR_ALL: %s", strerror(errno));
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d))
		fatal("capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		fatal("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		fatal("PR_SET_DUMPABLE: %s", strerror(errno));
}

int confine_enter(struct confine *c)
{
	static const char *const mps[] = { "/tmp", "/mnt", "/run", "/dev" };
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	const char *mp = NULL;
	int p[2], root = geteuid() == 0;
	unsigned i;
	struct stat st;
	pid_t pid;
	char b;

	if (c->nfds > CONFINE_MAX_FDS)
		fatal("more than %u /dev/miee fds", CONFINE_MAX_FDS);
	c->new_net = manifest_loopback_only(c->m);
	c->uid = root ? CONFINE_UID : (unsigned)geteuid();
	if (c->new_net)
		flags |= CLONE_NEWNET;
	for (i = 0; i < sizeof(mps) / sizeof(mps[0]) && !mp; i++)
		if (!stat(mps[i], &st) && S_ISDIR(st.st_mode))
			mp = mps[i];
	if (!mp)
		fatal("no directory to build the tree on (/tmp, /mnt, /run, /dev)");
	if (pipe2(p, O_CLOEXEC))
		fatal("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		fatal("clone(new user, mount, pid, ipc, uts%s namespaces): %s", c->new_net ? ", net" : "",
		      strerror(errno));
	if (pid) {
		close(p[0]);
		supervise(c, pid, p[1]);
	}
	/* The confined runner, pid 1 of its pid namespace. */
	close(p[1]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		fatal("PR_SET_PDEATHSIG: %s", strerror(errno));
	if (read(p[0], &b, 1) != 1)
		fatal("the supervisor did not map the ids");
	close(p[0]);
	if (root && setgroups(0, NULL))
		fatal("setgroups: %s", strerror(errno));
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		fatal("become the namespace's uid 0: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		fatal("make / private: %s", strerror(errno));
	build_tree(c, mp);
	enter_tree(c, mp);
	if (sethostname("miee", 4))
		fatal("sethostname: %s", strerror(errno));
	if (c->new_net && c->m->nconnect + c->m->nbind) {
		/* Loopback rules only: bring up this namespace's lo. */
		struct ifreq ifr;
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
			fatal("read lo's flags: %s", strerror(errno));
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			fatal("bring up lo: %s", strerror(errno));
		close(s);
	}
	drop_privileges();
	return 0;
}

/* ---- the filter */

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define MAX_INSNS 256

struct prog {
	struct sock_filter f[MAX_INSNS];
	unsigned n;
};

static void emit(struct prog *p, struct sock_filter s)
{
	if (p->n == MAX_INSNS)
		fatal("seccomp filter longer than %u instructions", MAX_INSNS);
	p->f[p->n++] = s;
}

static void allow(struct prog *p, unsigned nr)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

/* nr: allowed only if its argument arg (low 32 bits) is one of vals. */
static void allow_if(struct prog *p, unsigned nr, unsigned arg, const uint32_t *vals, unsigned n)
{
	unsigned i;

	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, (uint8_t)(2 * n + 2)));
	emit(p, (struct sock_filter)LD_ARG(arg));
	for (i = 0; i < n; i++) {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, vals[i], 0, 1));
		emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	}
	emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

/* The libOS runner's host thread per MIEE thread slot (threads.c) comes
 * after the filter: clone3 gets ENOSYS (its flags are in memory, which a
 * filter cannot read), so the C library falls back to clone, allowed only
 * for a thread (CLONE_THREAD | CLONE_VM) and without a new namespace. */
static void allow_thread_clone(struct prog *p)
{
	const uint32_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
			    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
	const uint32_t need = CLONE_THREAD | CLONE_VM;

	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | ENOSYS));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 6));
	emit(p, (struct sock_filter)LD_ARG(0));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ns, 3, 0));
	emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, need));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, need, 0, 1));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	emit(p, (struct sock_filter)LD_NR);	/* for the checks after this one */
}

/* mmap/mprotect: never executable memory. */
static void allow_noexec(struct prog *p, unsigned nr)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 4));
	emit(p, (struct sock_filter)LD_ARG(2));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

/* ioctl: only on the /dev/miee fds, only the MIEE requests; for the
 * libOS server also TCGETS and TIOCGWINSZ on any other fd (the two ioctls
 * it forwards: isatty and the window size). */
static void allow_ioctl(struct prog *p, const struct confine *c)
{
	static const uint32_t cmds[] = { MIEE_IOC_CREATE, MIEE_IOC_ADD, MIEE_IOC_INIT, MIEE_IOC_ENTER,
					 MIEE_IOC_INFO, MIEE_IOC_DONATE, MIEE_IOC_RECLAIM };
	unsigned ncmd = sizeof(cmds) / sizeof(cmds[0]), i;
	unsigned tty = c->libos ? 6 : 1;	/* the instructions for the other fds */

	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0,
					     (uint8_t)(1 + c->nfds + tty + 1 + 2 * ncmd + 1)));
	emit(p, (struct sock_filter)LD_ARG(0));
	for (i = 0; i < c->nfds; i++)
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)c->miee_fds[i],
						     (uint8_t)(c->nfds - 1 - i + tty), 0));
	if (c->libos) {
		emit(p, (struct sock_filter)LD_ARG(1));
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCGETS, 0, 1));
		emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCGWINSZ, 0, 1));
		emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	}
	emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	emit(p, (struct sock_filter)LD_ARG(1));
	for (i = 0; i < ncmd; i++) {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cmds[i], 0, 1));
		emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	}
	emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

int confine_seccomp(const struct confine *c)
{
	/* What serving needs: stdio, memory for the C library, time, the
	 * MIEE ioctls, openat2 (the policy's only way to open a file) and
	 * fd-based file calls; sockets only if the manifest has a network
	 * rule. No open/openat, exec, fork/clone, kill, ptrace, mount. */
	static const unsigned base[] = {
		SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_close,
		SYS_fstat, SYS_newfstatat, SYS_lseek, SYS_munmap, SYS_mremap, SYS_brk, SYS_madvise,
		SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_nanosleep,
		SYS_clock_nanosleep, SYS_clock_gettime, SYS_gettimeofday, SYS_getpid, SYS_gettid,
		SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid,
		SYS_exit, SYS_exit_group, SYS_sched_yield, SYS_getrandom, SYS_futex,
		SYS_restart_syscall, SYS_openat2, SYS_ftruncate, SYS_fsync, SYS_fdatasync,
		SYS_getdents64, SYS_fcntl,
	};
	static const unsigned net[] = {
		SYS_socket, SYS_connect, SYS_bind, SYS_listen, SYS_accept4, SYS_sendto, SYS_recvfrom,
		SYS_sendmsg, SYS_recvmsg, SYS_shutdown, SYS_getsockname, SYS_getpeername,
		SYS_setsockopt, SYS_getsockopt, SYS_poll, SYS_ppoll,
	};
	/* The libOS host-call server's forwarded calls besides those. */
	static const unsigned libos[] = {
		SYS_dup, SYS_pipe2, SYS_poll, SYS_ppoll, SYS_statx, SYS_readlinkat, SYS_faccessat2,
		SYS_mkdirat, SYS_unlinkat, SYS_renameat,
	};
	static const uint32_t prctl_codes[] = { ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_GS };
	static struct prog p;
	struct sock_fprog fp;
	unsigned i;

	if (c->no_seccomp) {
		fprintf(stderr, "miee-run: --confine-test=noseccomp: NO seccomp filter (test only)\n");
		return 0;
	}
	p.n = 0;
	emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch)));
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
	emit(&p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	emit(&p, (struct sock_filter)LD_NR);
	/* The x32 ABI: same arch value, bit 30 in the number. */
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
	emit(&p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		allow(&p, base[i]);
	if (c->libos)
		for (i = 0; i < sizeof(libos) / sizeof(libos[0]); i++)
			allow(&p, libos[i]);
	if (c->m->nconnect + c->m->nbind || c->m->mode == POLICY_NULL)
		for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
			allow(&p, net[i]);
	allow_noexec(&p, SYS_mmap);
	allow_noexec(&p, SYS_mprotect);
	allow_if(&p, SYS_arch_prctl, 0, prctl_codes, 3);
	if (c->libos) {
		allow_thread_clone(&p);
		allow(&p, SYS_set_robust_list);	/* a new thread's C library start */
		allow(&p, SYS_rseq);
	}
	allow_ioctl(&p, c);
	emit(&p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	fp.len = (unsigned short)p.n;
	fp.filter = p.f;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
		fatal("seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
	return 0;
}

/* ---- test only: the deliberately broken runner */

static long raw_open(const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
				.mode = (flags & O_CREAT) ? 0644 : 0 };

	return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

static void report(const char *what, long r)
{
	printf("miee-run: broken runner: %s -> %s\n", what,
	       r >= 0 ? "SUCCEEDED" : strerrorname_np(errno));
	fflush(stdout);
}

static const char *const attacks[] = { "shadow", "dotdot", "proc", "write", "net", "kill",
				       "mount", "ptrace", "exec" };

int confine_attack_known(const char *name)
{
	unsigned i;

	if (!strncmp(name, "kill:", 5))
		return 1;
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(name, attacks[i]))
			return 1;
	return 0;
}

int confine_attack(const char *name)
{
	char buf[64];
	long r;

	printf("miee-run: broken runner: the PAL's host call runs attack '%s' unchecked\n", name);
	fflush(stdout);
	if (!strcmp(name, "shadow")) {
		r = raw_open("/etc/shadow", O_RDONLY);
		if (r >= 0 && read((int)r, buf, sizeof(buf)) > 0)
			printf("miee-run: broken runner: read /etc/shadow: %.8s...\n", buf);
		report("openat2(\"/etc/shadow\", O_RDONLY)", r);
	} else if (!strcmp(name, "dotdot")) {
		r = raw_open("../../../../../../etc/shadow", O_RDONLY);
		report("openat2(\"../../../../../../etc/shadow\", O_RDONLY)", r);
	} else if (!strcmp(name, "proc")) {
		r = raw_open("/proc/1/cmdline", O_RDONLY);
		report("openat2(\"/proc/1/cmdline\", O_RDONLY)", r);
	} else if (!strcmp(name, "write")) {
		r = raw_open("/miee-broken-runner-was-here", O_WRONLY | O_CREAT);
		report("openat2(\"/miee-broken-runner-was-here\", O_WRONLY|O_CREAT)", r);
		r = raw_open("/tmp/miee-broken-runner-was-here", O_WRONLY | O_CREAT);
		report("openat2(\"/tmp/miee-broken-runner-was-here\", O_WRONLY|O_CREAT)", r);
	} else if (!strcmp(name, "net")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5599),
					 .sin_addr.s_addr = htonl(0x7f000001) };
		int s = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);

		report("socket(AF_INET, SOCK_STREAM)", s);
		r = s < 0 ? -1 : syscall(SYS_connect, s, &a, sizeof(a));
		report("connect(127.0.0.1:5599)", r);
	} else if (!strncmp(name, "kill:", 5)) {
		r = syscall(SYS_kill, atoi(name + 5), 0);
		snprintf(buf, sizeof(buf), "kill(%d, 0)", atoi(name + 5));
		report(buf, r);
	} else if (!strcmp(name, "kill")) {
		r = syscall(SYS_kill, -1, SIGKILL);
		report("kill(-1, SIGKILL)", r);
	} else if (!strcmp(name, "mount")) {
		r = syscall(SYS_mount, "proc", "/", "proc", 0, NULL);
		report("mount(\"proc\", \"/\", \"proc\")", r);
	} else if (!strcmp(name, "ptrace")) {
		r = syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0);
		report("ptrace(PTRACE_ATTACH, 1)", r);
	} else if (!strcmp(name, "exec")) {
		static char *const argv[] = { "/bin/sh", NULL };

		r = syscall(SYS_execve, "/bin/sh", argv, NULL);
		report("execve(\"/bin/sh\")", r);
	} else {
		return -1;
	}
	return 0;
}
