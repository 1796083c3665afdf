# Host programs beside QEMU: the emulated DRTM chipset (docs/drtm.md) and
# the KVM capability probe (docs/harness.md, "Accelerator").
# Included from the top-level Makefile; $(B) is the build directory.

DRTM_CHIPSET := $(B)/tools/drtm-chipset

$(DRTM_CHIPSET): qemu-scripts/drtm-chipset.c qemu-scripts/build.mk
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -pthread $< -lcrypto -o $@

.PHONY: drtm-chipset
drtm-chipset: $(DRTM_CHIPSET)

KVM_PROBE := $(B)/tools/kvm-probe

$(KVM_PROBE): qemu-scripts/kvm-probe.c qemu-scripts/build.mk
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@

EXTRA_ALL += $(DRTM_CHIPSET) $(KVM_PROBE)
