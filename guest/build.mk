# Guest image: build/guest/vmlinuz, build/guest/kernel-release and
# build/guest/initramfs.cpio.gz (busybox + /init + tools + in-guest tests +
# kernel modules). Included from the top-level Makefile; $(B) is the build dir.
# See docs/testing.md.

GUEST_OUT := $(B)/guest
GUEST_OBJ := $(GUEST_OUT)/obj
GUEST_CC ?= gcc
GUEST_CFLAGS := -static -O2 -Wall -Wextra -Werror -Iinclude

# Newest /boot/vmlinuz-*-amd64 whose headers (/lib/modules/<ver>/build) exist.
GUEST_KREL := $(shell for f in $$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V -r); do \
	v=$$(basename $$f | sed 's/^vmlinuz-//'); if [ -d /lib/modules/$$v/build ]; then echo $$v; break; fi; done)
GUEST_KDIR := /lib/modules/$(GUEST_KREL)/build

# Inputs. Tool X is built from tools/X.c and every tools/X/*.c, with
# -Itools (so "X/part.h"), and linked with GUEST_HV_LIB: the hypervisor's
# pure-C files the tools share with it (SHA-256 and its wipe, the MIEE measurement
# encoding), compiled here with the guest's compiler.
GUEST_TOOLS := $(patsubst tools/%.c,%,$(wildcard tools/*.c))
guest_tool_srcs = tools/$(1).c $(wildcard tools/$(1)/*.c)
GUEST_TOOL_SRCS := $(foreach t,$(GUEST_TOOLS),$(call guest_tool_srcs,$(t)))
GUEST_HV_SRCS := hypervisor/crypto/sha256.c hypervisor/crypto/util.c hypervisor/core/miee_meas.c
GUEST_TEST_CSRCS := $(wildcard tests/guest/*.c)
GUEST_TEST_SHSRCS := $(wildcard tests/guest/*.sh)
GUEST_TEST_SRCS := $(GUEST_TEST_CSRCS) $(GUEST_TEST_SHSRCS)
# Kbuild directories: guest-driver/ and tests/guest/kmod/ themselves, or their
# immediate subdirectories, when they hold a Kbuild or Makefile.
guest_kbuild_dirs = $(patsubst %/,%,$(sort $(dir $(wildcard $(1)/Kbuild $(1)/Makefile))))
GUEST_KMOD_DIRS := $(foreach d,guest-driver tests/guest/kmod,\
	$(if $(call guest_kbuild_dirs,$(d)),$(d),$(foreach s,$(wildcard $(d)/*),$(call guest_kbuild_dirs,$(s)))))

# Modules of the guest kernel itself, for tests that drive a device
# (tests/guest/high-mmio.sh: virtio-blk with its 64-bit BAR); in dependency
# order, put in /lib/modules/kernel/.
GUEST_SYS_KMOD_NAMES := virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
GUEST_SYS_KMODS := $(foreach m,$(GUEST_SYS_KMOD_NAMES),\
	$(shell find /lib/modules/$(GUEST_KREL)/kernel -name '$(m).ko' -print -quit 2>/dev/null))

# Outputs
GUEST_BINS := $(patsubst %,$(GUEST_OBJ)/bin/%,$(GUEST_TOOLS))
GUEST_HV_LIB := $(GUEST_OBJ)/libhv.a
# The libOS test programs (tests/progs/*.c, a glibc and a musl build of
# each; rules in the Makefile) go to /bin as well.
GUEST_PROG_BINS := $(foreach p,$(basename $(notdir $(wildcard tests/progs/*.c))),$(B)/progs/$(p)-glibc $(B)/progs/$(p)-musl)
GUEST_PROG_BINS += $(B)/progs/libos-core-pie
GUEST_BINS += $(GUEST_PROG_BINS)
GUEST_TEST_BINS := $(patsubst tests/guest/%.c,$(GUEST_OBJ)/tests/%,$(GUEST_TEST_CSRCS)) \
	$(patsubst tests/guest/%.sh,$(GUEST_OBJ)/tests/%.sh,$(GUEST_TEST_SHSRCS))
# Each Kbuild dir is built in a copy under build/guest/ksrc/<same relative path>
# (build/guest/ksrc/include links to include/, so $(src)/../include works in
# guest-driver/; HV_ROOT=<repo> is passed to kbuild as well).
GUEST_KSRC := $(GUEST_OUT)/ksrc
GUEST_KMOD_STAMPS := $(patsubst %,$(GUEST_KSRC)/%/.built,$(GUEST_KMOD_DIRS))

GUEST_DUP_NAMES := $(filter $(basename $(notdir $(GUEST_TEST_CSRCS))),$(basename $(notdir $(GUEST_TEST_SHSRCS))))
ifneq ($(GUEST_DUP_NAMES),)
$(error tests/guest: a .c and a .sh test share the name(s) $(GUEST_DUP_NAMES))
endif

# The manifest changes (and forces a re-pack) when the set of inputs changes,
# e.g. a test was deleted, or the kernel version moved.
GUEST_MANIFEST_TEXT := $(GUEST_KREL) | $(GUEST_TOOL_SRCS) | $(GUEST_TEST_SRCS) | $(GUEST_KMOD_DIRS) | $(GUEST_SYS_KMODS)

.PHONY: guest guest-check-kernel FORCE
guest: guest-check-kernel $(GUEST_OUT)/vmlinuz $(GUEST_OUT)/kernel-release $(GUEST_OUT)/initramfs.cpio.gz

guest-check-kernel:
	@if [ -z "$(GUEST_KREL)" ]; then \
		echo "guest: no /boot/vmlinuz-*-amd64 with matching headers in /lib/modules/<ver>/build; run 'make deps'" >&2; \
		exit 1; fi

$(GUEST_OUT)/manifest: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(GUEST_MANIFEST_TEXT)' | cmp -s - $@ || printf '%s\n' '$(GUEST_MANIFEST_TEXT)' >$@

$(GUEST_OUT)/kernel-release: $(GUEST_OUT)/manifest
	@mkdir -p $(@D)
	@echo '$(GUEST_KREL)' | cmp -s - $@ || echo '$(GUEST_KREL)' >$@

$(GUEST_OUT)/vmlinuz: $(GUEST_OUT)/kernel-release /boot/vmlinuz-$(GUEST_KREL)
	@mkdir -p $(@D)
	cp /boot/vmlinuz-$(GUEST_KREL) $@

# -iquote, not -I, for the hypervisor's directories: its include/ has an
# errno.h that must not shadow libc's <errno.h>.
GUEST_HV_INC := -iquote hypervisor -iquote hypervisor/include

$(GUEST_OBJ)/o/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -Itools -iquote hypervisor -MMD -MP -c $< -o $@

$(GUEST_OBJ)/o/hypervisor/%.o: hypervisor/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_HV_INC) -MMD -MP -c $< -o $@

$(GUEST_HV_LIB): $(patsubst %.c,$(GUEST_OBJ)/o/%.o,$(GUEST_HV_SRCS))
	@rm -f $@; ar rcs $@ $^

define guest_tool_rule
$(GUEST_OBJ)/bin/$(1): $(patsubst %.c,$(GUEST_OBJ)/o/%.o,$(call guest_tool_srcs,$(1))) $(GUEST_HV_LIB)
	@mkdir -p $$(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) $$^ -o $$@
endef
$(foreach t,$(GUEST_TOOLS),$(eval $(call guest_tool_rule,$(t))))

$(GUEST_OBJ)/tests/%: tests/guest/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -MF $@.d $< -o $@

$(GUEST_OBJ)/tests/%.sh: tests/guest/%.sh
	@mkdir -p $(@D)
	@sh -n $< || { echo "guest: syntax error in $<" >&2; exit 1; }
	cp $< $@
	chmod 0755 $@

-include $(wildcard $(GUEST_OBJ)/tests/*.d) $(shell find $(GUEST_OBJ)/o -name '*.d' 2>/dev/null)

# Kernel modules: rebuilt when any file of the Kbuild dir or include/ changes.
define guest_kmod_rule
$(GUEST_KSRC)/$(1)/.built: $(shell find $(1) -type f 2>/dev/null) $(shell find include -type f 2>/dev/null) $(GUEST_OUT)/kernel-release
	@mkdir -p $(GUEST_KSRC)
	@for l in include hypervisor; do [ -L $(GUEST_KSRC)/$$$$l ] || ln -s $(CURDIR)/$$$$l $(GUEST_KSRC)/$$$$l 2>/dev/null || true; done
	rm -rf $(GUEST_KSRC)/$(1)
	mkdir -p $(GUEST_KSRC)/$(1)
	cp -a $(1)/. $(GUEST_KSRC)/$(1)/
	$$(MAKE) --no-print-directory -C $(GUEST_KDIR) M=$(CURDIR)/$(GUEST_KSRC)/$(1) HV_ROOT=$(CURDIR) modules
	@touch $$@
endef
$(foreach d,$(GUEST_KMOD_DIRS),$(eval $(call guest_kmod_rule,$(d))))

$(GUEST_OUT)/initramfs.cpio.gz: $(GUEST_OUT)/manifest guest/init guest/run-all guest/miee-test-lib.sh guest/scratch-disk.sh guest/mkinitramfs \
		$(GUEST_BINS) $(GUEST_TEST_BINS) $(GUEST_KMOD_STAMPS) $(GUEST_TEST_SRCS) /bin/busybox \
		$(B)/libos/libos.bin
	@echo "  GEN     $@"
	@GUEST_LIBOS='$(B)/libos/libos.bin' GUEST_BINS='$(GUEST_BINS)' GUEST_DYNBINS='$(GUEST_DYNBINS)' GUEST_EXTRA_KOS='$(GUEST_EXTRA_KOS)' GUEST_TESTS='$(GUEST_TEST_BINS)' GUEST_TSRCS='$(GUEST_TEST_SRCS)' \
	GUEST_KREL='$(GUEST_KREL)' GUEST_SYS_KMODS='$(GUEST_SYS_KMODS)' GUEST_KODIRS='$(patsubst %,$(GUEST_KSRC)/%,$(GUEST_KMOD_DIRS))' \
	sh guest/mkinitramfs $@ $(GUEST_OUT)/root
