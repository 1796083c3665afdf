/* emulators: bochs qemu */
/* hidden-port: the DRTM chipset's request channel (COM2, ports 0x2f8-0x2ff)
 * is hidden from the OS: every read gives all ones, writes go nowhere. A
 * real port (COM1's line status at 0x3fd) reads normally, so the method
 * can see a device. String I/O (insb, rep insb, outsb) to a hidden port
 * gets #GP (the hypervisor does not emulate it: hypervisor/core/vcpu.c),
 * seen here as SIGSEGV with trap number 13, the buffer untouched. Both
 * emulators have a COM2 there (the Bochs config of qemu-scripts/boot adds
 * one, written to com2.log). Exit 0 = hidden. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile long trapno = -1;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	trapno = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_TRAPNO];
	siglongjmp(env, 1);
}

/* Run one string instruction on port 0x2f8; 1 if it took #GP and left buf
 * as it was. */
static int string_gp(const char *what, int kind)
{
	unsigned char buf[4] = { 0x11, 0x22, 0x33, 0x44 };
	unsigned char *p = buf;
	unsigned long n = sizeof(buf);
	unsigned short port = 0x2f8;

	trapno = -1;
	if (!sigsetjmp(env, 1)) {
		if (kind == 0)
			__asm__ __volatile__("insb" : "+D"(p) : "d"(port) : "memory");
		else if (kind == 1)
			__asm__ __volatile__("rep insb" : "+D"(p), "+c"(n) : "d"(port) : "memory");
		else
			__asm__ __volatile__("outsb" : "+S"(p) : "d"(port) : "memory");
		printf("hidden-port: FAIL: %s on port 0x2f8 completed (buf %02x%02x%02x%02x)\n",
		       what, buf[0], buf[1], buf[2], buf[3]);
		return 0;
	}
	if (trapno != 13 || memcmp(buf, "\x11\x22\x33\x44", 4)) {
		printf("hidden-port: FAIL: %s: trap %ld (want 13, #GP), buf %02x%02x%02x%02x\n",
		       what, trapno, buf[0], buf[1], buf[2], buf[3]);
		return 0;
	}
	printf("hidden-port: %s on port 0x2f8: #GP, nothing transferred\n", what);
	return 1;
}

int main(void)
{
	int bad = 0;
	unsigned char lsr1;

	if (iopl(3)) {
		perror("hidden-port: iopl");
		return 1;
	}
	lsr1 = inb(0x3fd);
	printf("hidden-port: COM1 line status 0x%02x\n", lsr1);
	if (lsr1 == 0xff) {
		printf("hidden-port: FAIL: COM1 reads as absent, the check proves nothing\n");
		return 1;
	}
	outb('D', 0x2f8);	/* would start a DRTM request line */
	for (unsigned p = 0x2f8; p < 0x300; p++) {
		unsigned char v = inb(p);

		printf("hidden-port: port 0x%x reads 0x%02x\n", p, v);
		if (v != 0xff)
			bad = 1;
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
	}
	if (!string_gp("insb", 0) || !string_gp("rep insb", 1) || !string_gp("outsb", 2))
		bad = 1;
	printf("hidden-port: %s\n", bad ? "FAIL: COM2 is visible to the OS" : "COM2 hidden");
	return bad;
}
