/* kvm-probe: which virtualization feature KVM can give its guests, read from
 * KVM's supported CPUID (KVM_GET_SUPPORTED_CPUID, Documentation/virt/kvm/api.rst
 * 4.46). Host program for qemu-scripts/accel.bash.
 *
 * Prints "vmx" (CPUID.1:ECX[5]) and/or "svm" (CPUID.80000001h:ECX[2]), one
 * per line, and exits 0; prints nothing when KVM offers neither. Exits 1
 * with a message when /dev/kvm cannot be asked. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_ENTRIES 256

int main(void)
{
	struct kvm_cpuid2 *c;
	int fd, i, vmx = 0, svm = 0;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kvm-probe: cannot open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c) {
		fprintf(stderr, "kvm-probe: out of memory\n");
		return 1;
	}
	c->nent = MAX_ENTRIES;
	if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		fprintf(stderr, "kvm-probe: KVM_GET_SUPPORTED_CPUID: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1 && (e->ecx & (1u << 5)))
			vmx = 1;
		if (e->function == 0x80000001u && (e->ecx & (1u << 2)))
			svm = 1;
	}
	if (vmx)
		puts("vmx");
	if (svm)
		puts("svm");
	free(c);
	close(fd);
	return 0;
}
