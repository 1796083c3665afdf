# libFuzzer harnesses (tests/fuzz/fuzz_*.c; docs/testing.md, "Fuzzing"):
# clang, ASan + UBSan, built from the sources the hypervisor, the UEFI
# loader and the DRTM chipset are built from. Included by the Makefile.
FUZZ_CC := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BASE_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(FUZZ_SAN) -Itests/fuzz
FUZZ_CFLAGS := $(FUZZ_BASE_CFLAGS) -DHV_HOST_TEST -iquote hypervisor/include -iquote hypervisor -Iinclude -Itests/unit
FUZZ_EFI_CFLAGS := -I/usr/include/efi -I/usr/include/efi/x86_64 -Ihypervisor/efi
FUZZ_TOOL_CFLAGS := $(FUZZ_BASE_CFLAGS) -Iinclude -Itools
FUZZ_SECONDS ?= 60

CRYPTO_ALL := $(wildcard hypervisor/crypto/*.c)
# Code under test of each harness (besides tests/fuzz/fuzz_<name>.c).
FUZZ_SRCS_elf := hypervisor/efi/elf.c tests/fuzz/efi_support.c
FUZZ_SRCS_loadercfg := hypervisor/efi/cfg.c tests/fuzz/efi_support.c
FUZZ_SRCS_mb2 := hypervisor/boot/mb2_parse.c
FUZZ_SRCS_libos_iago := $(wildcard libos/fwd*.c libos/iago*.c libos/fd*.c)
FUZZ_SRCS_bzimage := hypervisor/core/linux_hdr.c
FUZZ_SRCS_pcicfg := hypervisor/iommu/pcicfg.c
FUZZ_SRCS_tpm_rsp := hypervisor/tpm/tpm_cmd.c hypervisor/tpm/tpm_lt.c hypervisor/crypto/sha256.c hypervisor/crypto/util.c
FUZZ_SRCS_tis := hypervisor/tpm/tpm_tis.c hypervisor/tpm/tpm_cmd.c hypervisor/tpm/tpm_lt.c hypervisor/crypto/sha256.c hypervisor/crypto/util.c
FUZZ_SRCS_unseal := hypervisor/utpm/utpm.c $(CRYPTO_ALL)
FUZZ_SRCS_libos_elf := libos/elf.c
FUZZ_SRCS_libos_ckpt := libos/ckpt_fmt.c hypervisor/crypto/aes.c hypervisor/crypto/gcm.c hypervisor/crypto/util.c
FUZZ_SRCS_miee := hypervisor/core/miee.c hypervisor/core/miee_utpm.c hypervisor/core/miee_meas.c hypervisor/core/miee_mem.c hypervisor/core/frames.c hypervisor/core/fpu.c \
	$(wildcard hypervisor/mm/*.c) hypervisor/utpm/utpm.c $(CRYPTO_ALL) \
	hypervisor/iommu/iommu.c hypervisor/iommu/dmapt.c tests/unit/support/fake_platform.c \
	tests/unit/support/fake_smp.c tests/unit/support/fake_backend.c
# The runner's modules are user-space code: C library headers, no hypervisor
# include paths (FUZZ_TOOL_CFLAGS).
FUZZ_SRCS_manifest := tools/miee-run/manifest.c
# The chipset harnesses link the chipset's parts, all but its main.c (a
# host program: system headers only, no hypervisor include paths).
DRTM_CHIPSET_PARTS := $(filter-out %/main.c,$(wildcard platform/drtm-chipset/*.c))
FUZZ_SRCS_drtm_req := $(DRTM_CHIPSET_PARTS)
FUZZ_SRCS_drtm_ctrl := $(DRTM_CHIPSET_PARTS)
FUZZ_LIBS_drtm_req := -lcrypto -pthread
FUZZ_LIBS_drtm_ctrl := -lcrypto -pthread
FUZZ_LIBS_unseal := -lcrypto
FUZZ_LIBS_miee := -lcrypto

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_NAMES))
.PRECIOUS: $(B)/fuzz/obj/%.o

# Objects: instrumented for coverage (fuzzer-no-link), one copy per source.
$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(if $(findstring fuzz_drtm,$<)$(findstring drtm-chipset/,$<),$(FUZZ_BASE_CFLAGS),$(if $(findstring tools/miee-run/,$<)$(findstring fuzz_manifest,$<),$(FUZZ_TOOL_CFLAGS),$(FUZZ_CFLAGS))) -fsanitize=fuzzer-no-link \
		$(if $(findstring /efi/,$<)$(findstring efi_support,$<)$(findstring fuzz_elf,$<)$(findstring fuzz_loadercfg,$<),$(FUZZ_EFI_CFLAGS)) \
		-MMD -c $< -o $@

$(foreach n,$(FUZZ_NAMES),$(eval FUZZ_OBJS_$(n) := $(patsubst %.c,$(B)/fuzz/obj/%.o,tests/fuzz/fuzz_$(n).c $(FUZZ_SRCS_$(n)))))
.SECONDEXPANSION:
$(B)/fuzz/fuzz_%: $$(FUZZ_OBJS_$$*)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(FUZZ_LIBS_$*) -o $@

-include $(wildcard $(B)/fuzz/obj/*/*.d $(B)/fuzz/obj/*/*/*.d $(B)/fuzz/obj/*/*/*/*.d)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# Each harness for FUZZ_SECONDS on a scratch copy of its corpus.
fuzz: fuzz-build
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_NAMES)
