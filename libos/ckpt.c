/* Checkpoint and restore of the program, made inside the MIEE (libOS,
 * CPL 0): the OS never sees the state in the clear. A checkpoint is the
 * whole of the libOS's mutable memory (its data and bss, the initial page
 * tables, every dynamic frame up to the allocator's bump pointer), the
 * program's registers and FXSAVE state and its fd table by path, flags
 * and offset; AES-256-GCM under a fresh key that the uTPM seals to uPCR 0
 * in this launch. ckpt.h is the format. docs/libos.md, "Checkpoint and
 * restore". */
#include "ckpt.h"
#include "fd.h"
#include "kernel.h"

#define ESPIPE_ 29		/* lseek on a FIFO */
#define CKPT_FDS 64		/* program fds a checkpoint may hold */
#define WORK __attribute__((section(".ckptwork"), aligned(64)))

/* The linker script (libos.ld) puts .ckptwork after the bss, outside
 * [__text_end, __ckpt_lo): the saved range. The kernel stack is in that
 * range and is skipped on restore: nothing on it outlives a checkpoint. */
extern char __text_end[], __ckpt_lo[], kstack[], kstack_top[];

int ckpt_pending WORK;
static uint8_t buf[CKPT_CHUNK + GCM_TAG_SIZE] WORK;
static struct gcm_ctx gcm WORK;
static struct ckpt_hdr hdr WORK;
static struct ckpt_secret secret WORK;
static uint8_t blob[CKPT_BLOB_MAX] WORK;
static struct utpm_data_req dreq WORK;
static uint8_t pcr[32] WORK;
static struct ckpt_state st WORK;
static struct ckpt_fd fds[CKPT_FDS] WORK;
static unsigned nfds WORK;
static uint64_t fill WORK;		/* bytes in buf (checkpoint) */
static uint32_t chunk WORK;		/* next chunk index */

/* The uTPM refuses an out_max past its own largest blob (4096 bytes of
 * data + 84, hypervisor/utpm/utpm.h): ask for what this seal needs, the
 * secret and the long-term header's overhead at most. */
#define CKPT_SEAL_OUT (sizeof(struct ckpt_secret) + 84u)
_Static_assert(CKPT_SEAL_OUT <= CKPT_BLOB_MAX, "blob buffer");

static int upcr0(uint8_t out[32])
{
	if (hcall(HC_UTPM_PCR_READ, 0, (uint64_t)(uintptr_t)pcr, 0))
		return -EIO;
	memcpy(out, pcr, 32);
	return 0;
}

static void wipe(void)
{
	memset(&gcm, 0, sizeof(gcm));
	memset(&secret, 0, sizeof(secret));
	memset(buf, 0, sizeof(buf));
}

/* ---- host calls of the checkpoint protocol */

static int64_t ckpt_hc(uint32_t nr, int64_t a0, int64_t a1, uint64_t in_len)
{
	struct libos_hc *hc = hc_request();

	hc->nr = nr;
	hc->args[0] = a0;
	hc->args[1] = a1;
	hc->in_len = in_len;
	if (hc_call())
		return -EIO;
	return *(volatile int64_t *)&hc->ret;
}

/* A forwarded Linux call on a host fd, for fcntl and lseek. */
static int64_t host_sys(uint32_t nr, int64_t a0, int64_t a1, int64_t a2)
{
	struct libos_hc *hc = hc_request();

	hc->nr = nr;
	hc->args[0] = a0;
	hc->args[1] = a1;
	hc->args[2] = a2;
	hc->in_len = 0;
	if (hc_call())
		return -EIO;
	return *(volatile int64_t *)&hc->ret;
}

/* Both go through this slot's data window (hc_window(): 64 KiB with 16
 * thread slots, less than a chunk and its tag), a window at a time. */
static int file_write(uint64_t off, const void *p, uint64_t n)
{
	const uint8_t *s = p;

	while (n) {
		uint64_t k = n < hc_window() ? n : hc_window();

		memcpy(hc_data(), s, k);
		if (ckpt_hc(LIBOS_HC_CKPT_WRITE, (int64_t)off, (int64_t)k, k) != 0)
			return -EIO;
		off += k;
		s += k;
		n -= k;
	}
	return 0;
}

/* n bytes of the file at off into dst (private): exactly, or -EIO. */
static int file_read(uint64_t off, void *dst, uint64_t n)
{
	uint8_t *d = dst;

	while (n) {
		uint64_t k = n < hc_window() ? n : hc_window();

		if (ckpt_hc(LIBOS_HC_CKPT_READ, (int64_t)off, (int64_t)k, 0) != (int64_t)k)
			return -EIO;
		memcpy(d, hc_data(), k);
		off += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* ---- taking a checkpoint */

/* The fd table by path: 0 or a reason the checkpoint cannot be taken. */
static const char *gather_fds(void)
{
	static int32_t table[LIBOS_FD_MAX] WORK;
	unsigned i;

	fd_snapshot(table);
	nfds = 0;
	for (i = 0; i < LIBOS_FD_MAX; i++) {
		struct ckpt_fd *f;
		struct libos_ckpt_fdinfo fi;
		int64_t r;

		if (table[i] < 0)
			continue;
		if (nfds == CKPT_FDS)
			return "more than 64 open fds";
		f = &fds[nfds++];
		memset(f, 0, sizeof(*f));
		f->fd = (int32_t)i;
		f->host = table[i];
		if (table[i] <= 2) {
			f->how = CKPT_FD_STDIO;
			continue;
		}
		f->how = CKPT_FD_PATH;
		if (ckpt_hc(LIBOS_HC_CKPT_FDINFO, table[i], 0, 0) != 0)
			return "the host would not describe an fd";
		memcpy(&fi, hc_data(), sizeof(fi));
		if (fi.path_len == 0 || fi.path_len >= CKPT_PATH_MAX)
			return "an fd's path is empty or longer than 255 bytes";
		memcpy(f->path, hc_data() + sizeof(fi), fi.path_len);
		f->path[fi.path_len] = 0;
		if (f->path[0] != '/' || strlen(f->path) != fi.path_len)
			return "an fd's path is not absolute (a pipe or socket?)";
		/* Regular files, directories, FIFOs, character devices. */
		if (fi.kind != 8 && fi.kind != 4 && fi.kind != 1 && fi.kind != 2)
			return "an fd is a socket or another kind that cannot be reopened";
		r = host_sys(72, table[i], 3, 0);	/* fcntl F_GETFL */
		if (r < 0 || r >= (1 << 23))
			return "fcntl(F_GETFL) on an fd failed";
		f->flags = (uint32_t)r;
		r = host_sys(8, table[i], 0, 1);	/* lseek SEEK_CUR */
		if (r == -ESPIPE_)
			r = -1;
		else if (r < 0 || r >= (1ll << 62))
			return "lseek on an fd failed";
		f->offset = r;
	}
	return 0;
}

/* Append plaintext; each full chunk is sealed and written. */
static int emit(const void *p, uint64_t n)
{
	const uint8_t *s = p;

	while (n) {
		uint64_t k = CKPT_CHUNK - fill;

		if (k > n)
			k = n;
		memcpy(buf + fill, s, k);
		fill += k;
		s += k;
		n -= k;
		if (fill == CKPT_CHUNK || (chunk == hdr.nchunks - 1 && fill == ckpt_chunk_len(&hdr, chunk))) {
			if (fill != ckpt_chunk_len(&hdr, chunk))
				return -EINVAL;
			ckpt_chunk_seal(&gcm, &hdr, chunk, buf, (uint32_t)fill, buf + fill);
			if (file_write(ckpt_chunk_off(&hdr, chunk), buf, fill + GCM_TAG_SIZE))
				return -EIO;
			chunk++;
			fill = 0;
		}
	}
	return 0;
}

static int emit_sec(uint32_t type, uint64_t addr, const void *p, uint64_t len)
{
	struct ckpt_sec s;

	ckpt_sec_make(&s, type, addr, len);
	if (emit(&s, sizeof(s)))
		return -EIO;
	return len ? emit(p, len) : 0;
}

static const char *write_all(const struct regs *r)
{
	uint64_t dyn_end, libos_len = (uint64_t)(__ckpt_lo - __text_end), dyn_len;
	int64_t rr;

	if (mm_ckpt_range(&dyn_end, &st.dyn_backed))
		return "frames were given back to the hypervisor (munmap): such a program cannot be saved yet";
	dyn_len = dyn_end - boot.dyn_off;
	memcpy(st.regs, r, sizeof(*r));
	sys_tls_get(&st.fs_base, &st.gs_base);

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = CKPT_MAGIC;
	hdr.version = CKPT_VERSION;
	hdr.chunk_size = CKPT_CHUNK;
	hdr.plain_len = 6 * sizeof(struct ckpt_sec) + sizeof(st) + dyn_len + libos_len + CKPT_PT_LEN +
			nfds * sizeof(struct ckpt_fd);
	hdr.nchunks = (uint32_t)((hdr.plain_len + CKPT_CHUNK - 1) / CKPT_CHUNK);
	if (upcr0(hdr.upcr0))
		return "uPCR 0 could not be read";
	if (utpm_random(secret.key, sizeof(secret.key)))
		return "no randomness for the key";

	/* Seal key and header to uPCR 0 (this PAL) in this launch. */
	hdr.blob_len = 0;
	secret.hdr = hdr;
	dreq = (struct utpm_data_req){ .pcr_mask = 1, .in = (uint64_t)(uintptr_t)&secret,
				       .in_len = sizeof(secret), .out = (uint64_t)(uintptr_t)blob,
				       .out_max = CKPT_SEAL_OUT };
	rr = (int64_t)hcall(HC_UTPM_SEAL, (uint64_t)(uintptr_t)&dreq, 0, 0);
	if (rr || !dreq.out_len || dreq.out_len > sizeof(blob))
		return "HC_UTPM_SEAL refused";
	/* blob_len is known only now: seal again with it in the header. */
	hdr.blob_len = (uint32_t)dreq.out_len;
	secret.hdr = hdr;
	rr = (int64_t)hcall(HC_UTPM_SEAL, (uint64_t)(uintptr_t)&dreq, 0, 0);
	if (rr || dreq.out_len != hdr.blob_len)
		return "HC_UTPM_SEAL refused";
	gcm_init(&gcm, secret.key);
	memset(&secret, 0, sizeof(secret));

	if (file_write(0, &hdr, sizeof(hdr)) || file_write(sizeof(hdr), blob, hdr.blob_len))
		return "writing the checkpoint file failed";
	fill = 0;
	chunk = 0;
	if (emit_sec(CKPT_SEC_STATE, 0, &st, sizeof(st)) ||
	    emit_sec(CKPT_SEC_DYN, boot.dyn_off, DM(boot.dyn_off), dyn_len) ||
	    emit_sec(CKPT_SEC_LIBOS, (uint64_t)(uintptr_t)__text_end, __text_end, libos_len) ||
	    emit_sec(CKPT_SEC_PT, 0, DM(0), CKPT_PT_LEN) ||
	    emit_sec(CKPT_SEC_FDS, 0, fds, nfds * sizeof(struct ckpt_fd)) ||
	    emit_sec(CKPT_SEC_END, 0, 0, 0))
		return "writing the checkpoint file failed";
	if (chunk != hdr.nchunks || fill)
		return "internal: chunk accounting";
	return 0;
}

void ckpt_take(struct regs *r, unsigned nr)
{
	const char *why;

	ckpt_pending = 0;
	/* A call the host interrupted for the checkpoint did nothing: it
	 * runs again when the program resumes (SYSCALL and the #UD path are
	 * both 2 bytes). */
	if ((int64_t)r->rax == -EINTR && r->vec == VEC_SYSCALL) {
		r->rax = nr;
		r->rip -= 2;
	}
	__asm__ __volatile__("fxsave64 %0" : "=m"(st.fx));
	/* Only the running thread's registers are at hand here; the others'
	 * are on their kernel stacks or in the hypervisor's slots (not done:
	 * docs/libos.md, "Threads" under "Checkpoint and restore"). */
	if (ttab.nlive > 1) {
		libos_log("libos: checkpoint refused: the program has %u threads (only a "
			  "single-threaded program can be checkpointed)", ttab.nlive);
		ckpt_hc(LIBOS_HC_CKPT_DONE, 0, 0, 0);
		return;
	}
	why = gather_fds();
	if (!why)
		why = write_all(r);
	wipe();
	if (!why && ckpt_hc(LIBOS_HC_CKPT_DONE, 1, (int64_t)ckpt_file_len(&hdr), 0) == 0) {
		libos_log("libos: checkpoint written: %lu bytes of state in %u chunks",
			  (unsigned long)hdr.plain_len, hdr.nchunks);
		libos_exit(LIBOS_EXIT_CKPT);
	}
	libos_log("libos: checkpoint refused: %s", why ? why : "the host did not keep the file");
	ckpt_hc(LIBOS_HC_CKPT_DONE, 0, 0, 0);
	ckpt_pending = 0;	/* the program runs on; a new SIGUSR2 asks again */
}

void ckpt_note(uint64_t host_flags)
{
	if (host_flags & LIBOS_HF_CKPT)
		ckpt_pending = 1;
}

/* ---- restoring */

__attribute__((noreturn, format(printf, 1, 2))) static void restore_refuse(const char *fmt, ...);
static void restore_refuse(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	wipe();
	va_start(ap, fmt);
	fmt_v(line, sizeof(line), fmt, ap);
	va_end(ap);
	libos_abort(LIBOS_ABORT_CKPT, "libos: restore refused: %s", line);
}

static int sink(void *ctx, const struct ckpt_sec *s, uint64_t at, const uint8_t *p, size_t n)
{
	uint64_t lo = (uint64_t)(uintptr_t)kstack, hi = (uint64_t)(uintptr_t)kstack_top;

	(void)ctx;
	switch (s->type) {
	case CKPT_SEC_STATE:
		memcpy((uint8_t *)&st + at, p, n);
		break;
	case CKPT_SEC_DYN:
		if (!n) {	/* begins: back exactly the frames the saved MIEE had */
			uint64_t end = s->addr + s->len;

			if ((st.dyn_backed & (PAGE - 1)) || st.dyn_backed < end ||
			    st.dyn_backed > boot.dyn_off + boot.mem_limit)
				return -EINVAL;
			return mm_back_to(st.dyn_backed);
		}
		memcpy(DM(at), p, n);
		break;
	case CKPT_SEC_LIBOS:
		/* Everything but the stack this code runs on. */
		while (n) {
			size_t k = 1;

			if (at < lo)
				k = lo - at < n ? lo - at : n;
			else if (at >= hi)
				k = n;
			else
				k = hi - at < n ? hi - at : n;
			if (at < lo || at >= hi)
				memcpy((void *)(uintptr_t)at, p, k);
			at += k;
			p += k;
			n -= k;
		}
		break;
	case CKPT_SEC_PT:
		memcpy(DM(at), p, n);
		break;
	case CKPT_SEC_FDS:
		memcpy((uint8_t *)fds + at, p, n);
		if (n && at + n == s->len)
			nfds = (unsigned)(s->len / sizeof(struct ckpt_fd));
		break;
	}
	return 0;
}

static size_t strnlen_k(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static void reopen_fds(void)
{
	unsigned i;

	for (i = 0; i < nfds; i++)
		if (fds[i].fd < 0 || fds[i].fd >= LIBOS_FD_MAX)
			restore_refuse("fd record %u out of range", i);
	/* The table now holds the old runner's host fds: clear them all
	 * first, so a new host fd never collides with a stale entry. */
	for (i = 0; i < LIBOS_FD_MAX; i++)
		fd_clear((int)i);
	for (i = 0; i < nfds; i++) {
		struct ckpt_fd *f = &fds[i];
		struct libos_hc *hc = hc_request();
		size_t len = strnlen_k(f->path, CKPT_PATH_MAX);
		int64_t h;

		if (f->how == CKPT_FD_STDIO) {
			if (f->host < 0 || f->host > 2 || fd_host_used(f->host))
				restore_refuse("fd %d: bad stdio record", f->fd);
			fd_set_host(f->fd, f->host);
			continue;
		}
		if (f->how != CKPT_FD_PATH || len == 0 || len == CKPT_PATH_MAX || f->path[0] != '/')
			restore_refuse("fd %d: bad record", f->fd);
		/* openat through the runner's policy, as the program's own open. */
		memcpy(hc_data(), f->path, len + 1);
		hc->nr = 257;
		hc->args[0] = -100;	/* AT_FDCWD */
		hc->args[1] = 0;
		hc->args[2] = f->flags & ~(0100u | 0200u | 01000u);	/* no CREAT EXCL TRUNC */
		hc->args[3] = 0;
		hc->in_len = len + 1;
		h = hc_call() ? -EIO : *(volatile int64_t *)&hc->ret;
		if (h < 0)
			restore_refuse("cannot reopen %s for fd %d: error %ld", f->path, f->fd, (long)-h);
		if (h < 3 || h >= LIBOS_FD_MAX || fd_host_used((int)h))
			restore_refuse("the host gave fd %ld for %s, one in use or out of range", (long)h, f->path);
		fd_set_host(f->fd, (int)h);
		if (f->offset >= 0 && host_sys(8, h, f->offset, 0) != f->offset)
			restore_refuse("cannot seek %s to %ld", f->path, (long)f->offset);
	}
}

static void resume(void)
{
	struct regs r;
	unsigned char cur[512] __attribute__((aligned(16)));
	uint32_t mask, mxcsr;

	memcpy(&r, st.regs, sizeof(r));
	/* Only what the program itself could hold (as rt_sigreturn). */
	r.cs = SEL_UCODE;
	r.ss = SEL_UDATA;
	r.rflags = (r.rflags & 0xcd5u) | 0x202u;
	if (r.rip >= (1ull << 47) || r.rsp >= (1ull << 47))
		restore_refuse("saved RIP or RSP outside user space");
	__asm__ __volatile__("fxsave64 %0" : "=m"(cur));
	memcpy(&mask, cur + 28, 4);
	if (!mask)
		mask = 0xffbf;
	memcpy(&mxcsr, st.fx + 24, 4);
	if (mxcsr & ~mask)
		restore_refuse("saved MXCSR has reserved bits");
	sys_tls_set(st.fs_base, st.gs_base);
	__asm__ __volatile__("fxrstor64 %0" : : "m"(st.fx));
	wipe();
	libos_log("libos: restored from checkpoint: %u fds reopened", nfds);
	enter_user(&r);
}

void ckpt_boot(void)
{
	static struct ckpt_parser p WORK;
	struct ckpt_limits lim;
	uint8_t now[32];
	const char *why = 0;
	int64_t flen = ckpt_hc(LIBOS_HC_CKPT_QUERY, 0, 0, 0);
	uint32_t i;

	if (flen <= 0)
		return;		/* a fresh run */
	if (file_read(0, &hdr, sizeof(hdr)))
		restore_refuse("truncated checkpoint file (no header)");
	if (ckpt_hdr_check(&hdr, (uint64_t)flen, &why))
		restore_refuse("%s", why);
	if (upcr0(now))
		restore_refuse("uPCR 0 could not be read");
	if (memcmp(now, hdr.upcr0, 32))
		restore_refuse("the checkpoint is another PAL's (its uPCR 0 differs: another program, "
		       "manifest, arguments or libOS)");
	if (file_read(sizeof(hdr), blob, hdr.blob_len))
		restore_refuse("truncated checkpoint file (sealed key)");
	dreq = (struct utpm_data_req){ .in = (uint64_t)(uintptr_t)blob, .in_len = hdr.blob_len,
				       .out = (uint64_t)(uintptr_t)&secret, .out_max = sizeof(secret) };
	if (hcall(HC_UTPM_UNSEAL, (uint64_t)(uintptr_t)&dreq, 0, 0) || dreq.out_len != sizeof(secret))
		restore_refuse("the uTPM would not unseal the key (a modified file, another PAL, or another "
		       "launch of the hypervisor)");
	if (memcmp(&secret.hdr, &hdr, sizeof(hdr)))
		restore_refuse("the header is not the one sealed with the key");
	gcm_init(&gcm, secret.key);
	memset(&secret, 0, sizeof(secret));

	lim.libos_lo = (uint64_t)(uintptr_t)__text_end;
	lim.libos_len = (uint64_t)(__ckpt_lo - __text_end);
	lim.dyn_lo = boot.dyn_off;
	lim.dyn_hi = boot.dyn_off + boot.mem_limit;
	lim.fd_max = CKPT_FDS;
	ckpt_parse_init(&p, &lim, hdr.plain_len, sink, 0);
	nfds = 0;
	/* Each chunk is authenticated before a byte of it is used; a bad
	 * one ends the MIEE before the program runs again. */
	for (i = 0; i < hdr.nchunks; i++) {
		uint32_t len = ckpt_chunk_len(&hdr, i);

		if (file_read(ckpt_chunk_off(&hdr, i), buf, (uint64_t)len + GCM_TAG_SIZE))
			restore_refuse("truncated checkpoint file (chunk %u)", i);
		if (ckpt_chunk_open(&gcm, &hdr, i, buf, len, buf + len))
			restore_refuse("chunk %u failed authentication (the file was modified)", i);
		if (ckpt_parse_feed(&p, buf, len))
			restore_refuse("chunk %u: %s", i, p.why ? p.why : "bad section");
	}
	if (ckpt_parse_finish(&p))
		restore_refuse("%s", p.why);
	/* The saved libOS was checkpointed inside a system call, under the
	 * lock (thread.c); this is its only thread, in libos_main, which
	 * holds no lock and has no forwarded call in flight. */
	if (ttab.nlive != 1 || cur_thread()->state != T_RUNNING)
		restore_refuse("the saved program has %u threads", ttab.nlive);
	cur_thread()->in_forward = 0;
	kunlock();
	/* The restored page tables: drop every stale translation. */
	__asm__ __volatile__("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory");
	reopen_fds();
	resume();
}
