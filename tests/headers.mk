# make check-headers: every header compiles on its own, included twice (so
# a missing include guard shows), with the flags of the code that uses it.
# Included by the Makefile; tests/run's unit part runs it. A failure prints
# "check-headers: FAIL <header> (<flags>)" and the compiler's message.
# Not checked here: tools/*.h (guest tools, their own build) and
# guest-driver/*.h (kernel build).
HDR_HV := $(sort $(wildcard hypervisor/include/*.h hypervisor/arch/*/*.h hypervisor/boot/*.h \
	hypervisor/core/*.h hypervisor/crypto/*.h hypervisor/iommu/*.h hypervisor/mm/*.h \
	hypervisor/tpm/*.h hypervisor/utpm/*.h include/hv/*.h))
# The libOS runs freestanding at CPL 0 in an MIEE: the hypervisor's flags.
HDR_LIBOS := $(sort $(wildcard libos/*.h))
# Host builds (unit tests, fuzzers, host programs) see the same hypervisor
# headers with -DHV_HOST_TEST and libc, plus their own.
HDR_HOST := $(HDR_HV) $(sort $(wildcard tests/unit/support/*.h tests/unit/support/*/*.h attest/*.h platform/*/*.h))
HDR_EFI := $(sort $(wildcard hypervisor/efi/*.h))
# The fuzzers' own headers, with the fuzzers' compiler and flags.
HDR_FUZZ := tests/fuzz/fuzz.h tests/fuzz/chipset.h
HDR_FUZZ_EFI := tests/fuzz/efi_support.h

HDR_ERR = $(B)/check-headers/$(3)/$(2).err
HDR_CHECK = mkdir -p $(dir $(HDR_ERR)); \
	$(1) -fsyntax-only -include $(2) -include $(2) -x c /dev/null 2>$(HDR_ERR) || \
	{ echo "check-headers: FAIL $(2) ($(3) flags)"; sed 's/^/    /' $(HDR_ERR); exit 1; }
HDR_HOST_FLAGS := $(HOST_CFLAGS) -Itests/unit -Itests/fuzz

.PHONY: check-headers
HDR_TARGETS := $(addprefix hdr-hv/,$(HDR_HV) $(HDR_LIBOS)) $(addprefix hdr-host/,$(HDR_HOST)) \
	$(addprefix hdr-efi/,$(HDR_EFI)) $(addprefix hdr-fuzz/,$(HDR_FUZZ)) \
	$(addprefix hdr-fuzz-efi/,$(HDR_FUZZ_EFI))
check-headers: $(HDR_TARGETS)
	@echo "check-headers: $(words $^) header builds compile on their own"

.PHONY: $(HDR_TARGETS)
$(addprefix hdr-hv/,$(HDR_HV) $(HDR_LIBOS)): hdr-hv/%: %
	@$(call HDR_CHECK,$(HV_CC) $(HV_CFLAGS),$<,hypervisor)
$(addprefix hdr-host/,$(HDR_HOST)): hdr-host/%: %
	@$(call HDR_CHECK,$(HOST_CC) $(HDR_HOST_FLAGS),$<,host)
$(addprefix hdr-efi/,$(HDR_EFI)): hdr-efi/%: %
	@$(call HDR_CHECK,$(EFI_CC) $(EFI_CFLAGS),$<,efi)
$(addprefix hdr-fuzz/,$(HDR_FUZZ)): hdr-fuzz/%: %
	@$(call HDR_CHECK,$(FUZZ_CC) $(FUZZ_CFLAGS),$<,fuzz)
$(addprefix hdr-fuzz-efi/,$(HDR_FUZZ_EFI)): hdr-fuzz-efi/%: %
	@$(call HDR_CHECK,$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EFI_CFLAGS),$<,fuzz+efi)
