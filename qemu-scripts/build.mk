# Host programs beside QEMU: the KVM capability probe (docs/harness.md,
# "Accelerator"). The emulated DRTM chipset is platform/drtm-chipset/.
# Included from the top-level Makefile; $(B) is the build directory.

KVM_PROBE := $(B)/tools/kvm-probe

$(KVM_PROBE): qemu-scripts/kvm-probe.c qemu-scripts/build.mk
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

EXTRA_ALL += $(KVM_PROBE)
