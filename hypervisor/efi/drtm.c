/* The loader's side of the emulated DRTM (docs/drtm.md): after boot
 * services are gone, ask the platform's chipset on COM2 to measure the
 * hypervisor image into PCR 17, then jump to exactly those bytes. Runs in
 * the loader, interrupts off, no firmware. */
#include "loader.h"
#include "drtm.h"

#define COM2 0x2f8
#define DRTM_TIMEOUT_MS 20000
#define DRTM_LINE 128

static u64 tsc_per_ms;

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* With boot services: the TSC rate, for timeouts once they are gone. */
void drtm_calibrate(void)
{
	u64 t0 = rdtsc();

	ldr_bs->Stall(10000);
	tsc_per_ms = (rdtsc() - t0) / 10;
	if (!tsc_per_ms)
		tsc_per_ms = 1000000;
}

static void com2_init(void)
{
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x80);
	outb(COM2 + 0, 0x01);	/* 115200 */
	outb(COM2 + 1, 0x00);
	outb(COM2 + 3, 0x03);	/* 8N1 */
	outb(COM2 + 2, 0xc7);	/* FIFO, cleared */
	outb(COM2 + 4, 0x03);
}

static int com2_putc(char c, u64 deadline)
{
	while (!(inb(COM2 + 5) & 0x20))
		if (rdtsc() > deadline)
			return -1;
	outb(COM2, (u8)c);
	return 0;
}

static void hex64(char *p, u64 v)
{
	for (int i = 15; i >= 0; i--, v >>= 4)
		p[i] = "0123456789abcdef"[v & 15];
	p[16] = 0;
}

/*
 * Send "DRTM-LAUNCH <base> <len>" and wait for the chipset's answer. Only
 * lines starting with DRTM-OK / DRTM-ERR count; anything else on the port
 * is skipped. 0 when measured; the chipset's refusal or a timeout is -1
 * and the hypervisor then starts unattestable (it checks PCR 17 itself).
 */
int drtm_launch(struct bootinfo *bi)
{
	u64 deadline = rdtsc() + tsc_per_ms * DRTM_TIMEOUT_MS;
	char req[64] = "\nDRTM-LAUNCH ", line[DRTM_LINE];
	unsigned int n = 0, r = 13;

	com2_init();
	if (inb(COM2 + 5) == 0xff) {
		ldr_com1_puts("loader: no COM2: no DRTM chipset, launching unmeasured\r\n");
		return -1;
	}
	hex64(req + r, bi->image_base);
	r += 16;
	req[r++] = ' ';
	hex64(req + r, bi->image_size);
	r += 16;
	req[r++] = '\n';
	req[r] = 0;
	for (unsigned int i = 0; i < r; i++)
		if (com2_putc(req[i], deadline))
			goto timeout;
	for (;;) {
		char c;

		while (!(inb(COM2 + 5) & 0x01))
			if (rdtsc() > deadline)
				goto timeout;
		c = (char)inb(COM2);
		if (c == '\r')
			continue;
		if (c != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = c;
			continue;
		}
		line[n] = 0;
		n = 0;
		if (!memcmp(line, "DRTM-OK ", 8)) {
			bi->flags |= BOOTINFO_F_DRTM;
			ldr_com1_puts("loader: DRTM launch measured, sha256 ");
			ldr_com1_puts(line + 8);
			ldr_com1_puts("\r\n");
			return 0;
		}
		if (!memcmp(line, "DRTM-ERR", 8)) {
			ldr_com1_puts("loader: DRTM launch refused: ");
			ldr_com1_puts(line);
			ldr_com1_puts("; the hypervisor starts unattestable\r\n");
			return -1;
		}
	}
timeout:
	ldr_com1_puts("loader: no answer from the DRTM chipset on COM2; the hypervisor starts "
		      "unattestable\r\n");
	return -1;
}
