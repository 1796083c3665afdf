# Top-level build. `make help` lists the targets.
B := build
export B

HOST_CC ?= gcc
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) -DHV_HOST_TEST \
	-Ihypervisor/include -Ihypervisor -Iinclude

.PHONY: all help deps unit unit-build test guest-tests run bench clean guest hv fuzz
all: hv guest unit-build fuzz-build

help:
	@echo "make            build the hypervisor, the guest image and the unit tests"
	@echo "make run        boot the hypervisor with the Linux guest, run and attest a PAL"
	@echo "make test       host unit tests and in-guest tests; ends with 'N passed, N failed'"
	@echo "make unit       host unit tests only (cmocka, ASan+UBSan)"
	@echo "make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 60) each"
	@echo "make guest-tests  in-guest tests only (boots the emulators)"
	@echo "make bench      benchmarks that print figures"
	@echo "make deps       install the Debian packages the project needs"
	@echo "make clean      remove build/"

deps:
	@tools/install-deps

# ---- host-side library: the hypervisor's pure-logic parts, built with sanitizers
HOST_SRCS := $(wildcard hypervisor/crypto/*.c hypervisor/mm/*.c hypervisor/core/frames.c \
	hypervisor/tpm/tpm_cmd.c hypervisor/utpm/*.c hypervisor/core/miee.c hypervisor/core/miee_mem.c hypervisor/core/fpu.c \
	hypervisor/core/msr_policy.c hypervisor/arch/vmx/msr_policy.c hypervisor/arch/svm/msr_policy.c \
	hypervisor/iommu/dmapt.c hypervisor/iommu/iommu.c hypervisor/iommu/dmar.c \
	hypervisor/core/madt.c libos/elf.c libos/vma.c)
HOST_OBJS := $(patsubst %.c,$(B)/host/%.o,$(HOST_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
UNIT_SUPPORT := $(wildcard tests/unit/support/*.c)

$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(HOST_CFLAGS) -MMD -c $< -o $@

$(B)/host/libhost.a: $(HOST_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

-include $(HOST_OBJS:.o=.d) $(wildcard $(B)/unit/.deps/*.d)

$(B)/unit/%: tests/unit/%.c $(B)/host/libhost.a $(UNIT_SUPPORT)
	@mkdir -p $(dir $@)
	@echo "  UNIT    $@"
	@mkdir -p $(B)/unit/.deps
	@$(HOST_CC) $(HOST_CFLAGS) -MMD -MF $(B)/unit/.deps/$*.d -Itests/unit $(UNIT_SUPPORT) $< $(B)/host/libhost.a -lcmocka -lcrypto -o $@

# The libOS forwarding layer and the runner's host-call server, linked
# together over a fake core (tests/unit/test_libos_fwd.c): system headers,
# not the hypervisor's include directory.
LIBOS_FWD_SRCS := $(wildcard libos/fwd*.c libos/iago*.c libos/fd*.c)
HOSTCALL_SRCS := $(wildcard tools/miee-run/hostcall*.c)
LIBOS_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) -Iinclude -Ilibos
$(B)/unit/test_libos_fwd: tests/unit/test_libos_fwd.c $(LIBOS_FWD_SRCS) $(HOSTCALL_SRCS)
	@mkdir -p $(dir $@) $(B)/unit/.deps
	@echo "  UNIT    $@"
	@$(HOST_CC) $(LIBOS_TEST_CFLAGS) -MMD -MF $(B)/unit/.deps/test_libos_fwd.d $^ -lcmocka -o $@

# The libOS layout test runs attest/miee-measure against the runner's value.
$(B)/unit/test_libos_measure: $(B)/attest/miee-measure tools/miee-run/libos-layout.c \
	tools/miee-run/libos-layout.h

# The static test program of the forwarded families, glibc and musl
# builds (tests/progs/), run through the pair by test_libos_progs and put
# into the guest image (guest/build.mk).
PROGS_CFLAGS := -static -O2 -Wall -Wextra -Werror
$(B)/progs/%-glibc: tests/progs/%.c
	@mkdir -p $(dir $@)
	@echo "  PROG    $@"
	@gcc $(PROGS_CFLAGS) $< -o $@
# libos-core also as a glibc static-PIE (the loader's ET_DYN path).
$(B)/progs/%-pie: tests/progs/%.c
	@mkdir -p $(dir $@)
	@echo "  PROG    $@ (static-pie)"
	@gcc -static-pie -O2 -Wall -Wextra -Werror $< -o $@
$(B)/progs/%-musl: tests/progs/%.c
	@mkdir -p $(dir $@)
	@echo "  PROG    $@ (musl)"
	@musl-gcc $(PROGS_CFLAGS) $< -o $@
$(B)/unit/test_libos_progs: tests/unit/test_libos_progs.c $(LIBOS_FWD_SRCS) $(HOSTCALL_SRCS) \
		$(B)/progs/libos-families-glibc $(B)/progs/libos-families-musl
	@mkdir -p $(dir $@) $(B)/unit/.deps
	@echo "  UNIT    $@"
	@$(HOST_CC) $(LIBOS_TEST_CFLAGS) -DPROGS_DIR='"$(CURDIR)/$(B)/progs"' -MMD -MF $(B)/unit/.deps/test_libos_progs.d \
		$(filter %.c,$^) -lcmocka -o $@

# The emulated MIEE in test_miee_measure rewrites the PAL's hypercall and
# CPUID instructions; that is sound only if their byte sequences are nowhere
# else in the section (attest/miee-pal-check.sh).
$(B)/unit/test_miee_measure.sites: $(B)/unit/test_miee_measure attest/miee-pal-check.sh
	@sh attest/miee-pal-check.sh --sites-only $< >$@.tmp || { cat $@.tmp; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

unit-build: $(UNIT_BINS) $(B)/unit/test_miee_measure.sites

unit: unit-build
	@tests/run --unit-only

CRYPTO_SRCS := $(wildcard hypervisor/crypto/*.c)
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
$(B)/bench/%: tests/bench/%.c $(CRYPTO_SRCS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Ihypervisor/include -Ihypervisor -Iinclude $< $(CRYPTO_SRCS) -lcrypto -o $@

bench: deps $(BENCH_BINS)
	@tests/bench/run

include hypervisor/build.mk
include libos/build.mk
include guest/build.mk
-include $(wildcard hypervisor/efi/build.mk qemu-scripts/build.mk attest/build.mk)
-include $(wildcard tools/attest-agent/build.mk attest/verify.mk)
include tests/fuzz/build.mk
# Those fragments add their outputs to EXTRA_ALL.
all: $(EXTRA_ALL)

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run

guest-tests: deps
	@$(MAKE) --no-print-directory all
	@tests/run --guest-only

run: deps
	@$(MAKE) --no-print-directory all
	@tools/demo

clean:
	rm -rf $(B)
