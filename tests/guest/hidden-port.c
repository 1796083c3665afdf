/* emulators: qemu */
/* hidden-port: the DRTM chipset's request channel (COM2, ports 0x2f8-0x2ff)
 * is hidden from the OS: every read gives all ones, writes go nowhere. A
 * real port (COM1's line status at 0x3fd) reads normally, so the method
 * can see a device. QEMU only: Bochs has no COM2 to hide. Exit 0 = hidden. */
#include <stdio.h>
#include <sys/io.h>

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
	printf("hidden-port: %s\n", bad ? "FAIL: COM2 is visible to the OS" : "COM2 hidden");
	return bad;
}
