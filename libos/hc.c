/* Hypercalls from the libOS (CPL 0 of its MIEE): the host-call transport
 * of api.h, the log, uTPM randomness and the end of the run. */
#include "kernel.h"
#include "hv/hypercall.h"

static int use_vmmcall;		/* AMD: VMMCALL; Intel: VMCALL */
uint64_t st_hostcalls;

void hc_init(void)
{
	uint32_t a = HV_CPUID_FEATURES, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	use_vmmcall = (a & HV_FEAT_VMMCALL) != 0;
}

/* The OS runs during a host call and need not keep the caller-saved
 * registers: the asm names them all clobbered. */
uint64_t hcall(uint64_t nr, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t a = nr;

	if (use_vmmcall)
		__asm__ __volatile__("vmmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	else
		__asm__ __volatile__("vmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
				     : : "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	return a;
}

/* Each thread slot has its own request header and data window
 * (include/hv/libos.h, LIBOS_HC_WINDOW). */
struct libos_hc *hc_request(void)
{
	return (struct libos_hc *)DM(boot.shared_off + cur_slot() * sizeof(struct libos_hc));
}

unsigned char *hc_data(void)
{
	return (unsigned char *)DM(boot.shared_off + LIBOS_PAGE + cur_slot() * hc_win);
}

uint64_t hc_window(void)
{
	return hc_win;
}

unsigned int libos_slot(void)
{
	return cur_slot();
}

static int hc_do(int drop)
{
	volatile struct libos_hc *hc = hc_request();
	uint64_t r;

	hc->magic = LIBOS_HC_MAGIC;
	hc->seq = ++cur_thread()->hc_seq;
	__atomic_fetch_add(&st_hostcalls, 1, __ATOMIC_RELAXED);
	if (drop)
		kunlock();
	r = hcall(HC_MIEE_HOSTCALL, LIBOS_HOSTCALL, 0, 0);
	ckpt_note(hc->host_flags);
	if (drop)
		klock();
	return r == 0 ? 0 : -EIO;
}

/* A forwarded call may block in the host (a read, a sleep): the other
 * slots run meanwhile. Only the request in this slot's own window is in
 * flight, and the forwarding layer keeps its state per slot. */
int hc_call(void)
{
	return hc_do(cur_thread()->in_forward);
}

int hc_call_locked(void)
{
	return hc_do(0);
}

static void log_line(const char *s, size_t n)
{
	struct libos_hc *hc = hc_request();

	if (n > 512)
		n = 512;
	memcpy(hc_data(), s, n);
	hc->nr = LIBOS_HC_LOG;
	hc->args[0] = (int64_t)n;
	hc->in_len = n;
	hc_call_locked();
}

void libos_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(buf, n);
}

void libos_exit(uint64_t status)
{
	struct libos_hc *hc = hc_request();

	hc->nr = LIBOS_HC_STATS;
	hc->args[0] = (int64_t)st_handled;
	hc->args[1] = (int64_t)st_forwarded;
	hc->args[2] = (int64_t)st_refused;
	hc->args[3] = (int64_t)mm_pages_mapped;
	hc->args[4] = (int64_t)st_hostcalls;
	hc->in_len = 0;
	hc_call_locked();
	for (;;)
		hcall(HC_MIEE_EXIT, status, 0, 0);
}

void libos_abort(int reason, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(buf, n);
	for (;;)
		hcall(HC_MIEE_EXIT, LIBOS_EXIT_ABORT(reason), 0, 0);
}

/* HC_UTPM_GET_RANDOM writes at most 256 bytes at an MIEE offset in a
 * writable page: this static buffer (identity-mapped, so its address is
 * its offset). */
int utpm_random(void *dst, size_t n)
{
	static unsigned char buf[256] __attribute__((aligned(64)));
	unsigned char *d = dst;

	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		if (hcall(HC_UTPM_GET_RANDOM, (uint64_t)(uintptr_t)buf, k, 0))
			return -EIO;
		memcpy(d, buf, k);
		memset(buf, 0, k);
		d += k;
		n -= k;
	}
	return 0;
}
