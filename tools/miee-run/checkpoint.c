/* miee-run --checkpoint FILE / --restore FILE (libOS mode): the runner's
 * half is storage only. The libOS makes the checkpoint inside the MIEE,
 * encrypted and sealed (libos/ckpt.c); the runner asks for it on SIGUSR2,
 * writes the bytes it is given and hands them back on restore. Guest user
 * space. docs/libos.md, "Checkpoint and restore". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"

static volatile sig_atomic_t asked;
/* --checkpoint's open FILE.tmp, for the exits that never reach
 * ckpt_host_close (a load failure's exit(), SIGTERM/SIGINT/SIGHUP): a
 * failed run leaves no FILE.tmp behind. */
static struct ckpt_host *open_tmp;

static void on_usr2(int sig)
{
	(void)sig;
	asked = 1;
}

static void drop_tmp(void)
{
	struct ckpt_host *c = open_tmp;

	if (c && c->mode == CKPT_MODE_TAKE && !c->done)
		unlink(c->tmp);	/* async-signal-safe; ENOENT after a rename is harmless */
}

static void on_fatal(int sig)
{
	drop_tmp();
	signal(sig, SIG_DFL);
	raise(sig);		/* the same death as without the handler */
}

int ckpt_host_open(struct ckpt_host *c, const char *ckpt, const char *restore)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (ckpt) {
		struct sigaction sa;

		/* FILE.tmp until the libOS says it is complete, then renamed. */
		snprintf(c->tmp, sizeof(c->tmp), "%s.tmp", ckpt);
		c->path = ckpt;
		c->fd = open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (c->fd < 0)
			return -errno;
		c->mode = CKPT_MODE_TAKE;
		open_tmp = c;
		if (atexit(drop_tmp))
			return -ENOMEM;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
		    sigaction(SIGHUP, &sa, NULL))
			return -errno;
		/* No SA_RESTART: a host call blocked in read() returns EINTR,
		 * the libOS checkpoints and runs that call again on restore. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr2;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR2, &sa, NULL))
			return -errno;
	} else if (restore) {
		struct stat st;

		c->path = restore;
		c->fd = open(restore, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			return -errno;
		if (fstat(c->fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0)
			return -EINVAL;
		c->len = (uint64_t)st.st_size;
		c->mode = CKPT_MODE_RESTORE;
	}
	return 0;
}

void ckpt_host_close(struct ckpt_host *c)
{
	if (c->mode == CKPT_MODE_TAKE && !c->done)
		unlink(c->tmp);
	if (open_tmp == c)
		open_tmp = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

uint64_t ckpt_host_flags(struct ckpt_host *c)
{
	return c->mode == CKPT_MODE_TAKE && asked && !c->done ? LIBOS_HF_CKPT : 0;
}

static int64_t fdinfo(int fd, unsigned char *data, uint64_t win)
{
	struct libos_ckpt_fdinfo fi;
	char link[64];
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (win < sizeof(fi) + 2)
		return -EINVAL;
	n = readlink(link, (char *)data + sizeof(fi), win - sizeof(fi) - 1 < 4095 ?
		     win - sizeof(fi) - 1 : 4095);
	if (n <= 0)
		return -EBADF;
	fi.kind = (uint32_t)(st.st_mode >> 12);
	fi.path_len = (uint32_t)n;
	memcpy(data, &fi, sizeof(fi));
	return 0;
}

int ckpt_host_serve(struct ckpt_host *c, const struct libos_hc *h, struct libos_hc *out,
		    unsigned char *data, uint64_t win, int (*fd_ok)(void *, int), void *srv)
{
	uint64_t off = (uint64_t)h->args[0], n = (uint64_t)h->args[1];
	ssize_t k;

	out->out_len = 0;
	switch (h->nr) {
	case LIBOS_HC_CKPT_QUERY:
		out->ret = c->mode == CKPT_MODE_RESTORE ? (int64_t)c->len : 0;
		return 0;
	case LIBOS_HC_CKPT_READ:
		if (c->mode != CKPT_MODE_RESTORE || n > win || off > (1ull << 62))
			return 1;
		k = pread(c->fd, data, n, (off_t)off);
		out->ret = k < 0 ? -errno : k;
		out->out_len = k > 0 ? (uint64_t)k : 0;
		return 0;
	case LIBOS_HC_CKPT_WRITE:
		if (c->mode != CKPT_MODE_TAKE || c->done || n > win || off > (1ull << 40))
			return 1;
		k = pwrite(c->fd, data, n, (off_t)off);
		out->ret = k < 0 ? -errno : k == (ssize_t)n ? 0 : -EIO;
		return 0;
	case LIBOS_HC_CKPT_DONE:
		if (c->mode != CKPT_MODE_TAKE || c->done)
			return 1;
		if (h->args[0] != 1) {
			fprintf(stderr, "miee-run: the libOS refused the checkpoint; the program runs on\n");
			asked = 0;
			c->refused = 1;
			out->ret = 0;
			return 0;
		}
		if (ftruncate(c->fd, (off_t)h->args[1]) || fsync(c->fd) || rename(c->tmp, c->path)) {
			out->ret = -errno;
			return 0;
		}
		c->done = 1;
		out->ret = 0;
		return 0;
	case LIBOS_HC_CKPT_FDINFO:
		if (c->mode != CKPT_MODE_TAKE || !fd_ok(srv, (int)h->args[0])) {
			out->ret = -EBADF;
			return 0;
		}
		out->ret = fdinfo((int)h->args[0], data, win);
		if (out->ret == 0)
			out->out_len = sizeof(struct libos_ckpt_fdinfo) +
				       ((struct libos_ckpt_fdinfo *)data)->path_len;
		return 0;
	}
	return -1;
}
