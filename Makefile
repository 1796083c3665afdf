# Top-level build. `make help` lists the targets.
B := build
export B

HOST_CC ?= gcc
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) -DHV_HOST_TEST \
	-iquote hypervisor/include -iquote hypervisor -Iinclude

.PHONY: all help deps unit unit-build test guest-tests run bench clean guest hv fuzz check-headers
all: hv guest unit-build fuzz-build

help:
	@echo "make            build the hypervisor, the guest image and the unit tests"
	@echo "make run        boot the hypervisor with the Linux guest, run and attest a PAL"
	@echo "make test       host unit tests and in-guest tests; ends with 'N passed, N failed'"
	@echo "make unit       host unit tests only (cmocka, ASan+UBSan)"
	@echo "make check-headers  compile every header on its own (part of make unit)"
	@echo "make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 60) each"
	@echo "make guest-tests  in-guest tests only (boots the emulators)"
	@echo "make bench      benchmarks that print figures"
	@echo "make deps       install the Debian packages the project needs"
	@echo "make clean      remove build/"

deps:
	@tools/install-deps

# ---- host-side library: the hypervisor's pure-logic parts, built with sanitizers
HOST_SRCS := $(wildcard hypervisor/crypto/*.c hypervisor/mm/*.c hypervisor/core/frames.c \
	hypervisor/tpm/tpm_cmd.c hypervisor/tpm/tpm_lt.c hypervisor/utpm/*.c hypervisor/core/miee.c hypervisor/core/miee_utpm.c hypervisor/core/miee_meas.c hypervisor/core/miee_mem.c hypervisor/core/fpu.c \
	hypervisor/core/msr_policy.c hypervisor/arch/vmx/msr_policy.c hypervisor/arch/svm/msr_policy.c \
	hypervisor/iommu/dmapt.c hypervisor/iommu/iommu.c hypervisor/iommu/dmar.c hypervisor/iommu/pcicfg.c hypervisor/iommu/ivrs.c \
	hypervisor/core/madt.c libos/elf.c libos/vma.c libos/ckpt_fmt.c libos/sigframe.c)
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

# ---- the runner's pure parts (its image, the test PAL), for the unit tests
TOOLS_HOST_SRCS := tools/miee-run/image.c tools/miee-run/pal.c tools/miee-run/pal-ctx.c \
	tools/miee-run/pal-two.c tools/miee-run/pal-mem.c tools/miee-run/pal-uargs.c
TOOLS_HOST_OBJS := $(patsubst %.c,$(B)/host/%.o,$(TOOLS_HOST_SRCS))

$(B)/host/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(HOST_CFLAGS) -Itools -MMD -c $< -o $@

$(B)/host/libtools.a: $(TOOLS_HOST_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@; ar rcs $@ $^

-include $(HOST_OBJS:.o=.d) $(TOOLS_HOST_OBJS:.o=.d) $(wildcard $(B)/unit/.deps/*.d)

$(B)/unit/%: tests/unit/%.c $(B)/host/libtools.a $(B)/host/libhost.a $(UNIT_SUPPORT)
	@mkdir -p $(dir $@)
	@echo "  UNIT    $@"
	@mkdir -p $(B)/unit/.deps
	@$(HOST_CC) $(HOST_CFLAGS) -Itools -MMD -MF $(B)/unit/.deps/$*.d -Itests/unit $(UNIT_SUPPORT) $< $(UNIT_EXTRA_$*) \
		$(B)/host/libtools.a $(B)/host/libhost.a -lcmocka -lcrypto -o $@

# The libOS forwarding layer and the runner's host-call server, linked
# together over a fake core (tests/unit/test_libos_fwd.c): system headers,
# not the hypervisor's include directory.
LIBOS_FWD_SRCS := $(wildcard libos/fwd*.c libos/iago*.c libos/fd*.c)
# The server judges every call by the policy (docs/policy.md).
HOSTCALL_SRCS := $(wildcard tools/miee-run/hostcall*.c) tools/miee-run/policy.c tools/miee-run/manifest.c
LIBOS_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) -Iinclude -Ilibos
# The host-call seam both tests share (hc_call() serving in-process).
LIBOS_FAKE_HC := tests/unit/support/libos/fake_hc.c
$(B)/unit/test_libos_fwd: tests/unit/test_libos_fwd.c $(LIBOS_FWD_SRCS) $(HOSTCALL_SRCS) $(LIBOS_FAKE_HC)
	@mkdir -p $(dir $@) $(B)/unit/.deps
	@echo "  UNIT    $@"
	@$(HOST_CC) $(LIBOS_TEST_CFLAGS) -MMD -MF $(B)/unit/.deps/test_libos_fwd.d $^ -lcmocka -o $@

# The libOS's futex wait queue and thread table over a fake surrounding.
$(B)/unit/test_libos_futex: tests/unit/test_libos_futex.c libos/futex.c libos/futex.h
	@mkdir -p $(dir $@) $(B)/unit/.deps
	@echo "  UNIT    $@"
	@$(HOST_CC) $(LIBOS_TEST_CFLAGS) -MMD -MF $(B)/unit/.deps/test_libos_futex.d \
		tests/unit/test_libos_futex.c libos/futex.c -lcmocka -o $@

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
$(B)/unit/test_libos_progs: tests/unit/test_libos_progs.c $(LIBOS_FWD_SRCS) $(HOSTCALL_SRCS) $(LIBOS_FAKE_HC) \
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

# Unit tests of the runner's modules (tools/miee-run/*.c): user-space code
# with the C library's headers, so without the hypervisor's include paths
# (hypervisor/include/errno.h would shadow <errno.h>).
TOOL_UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) -Iinclude -Itools
TOOL_UNIT_SRCS_test_manifest := tools/miee-run/manifest.c
TOOL_UNIT_SRCS_test_policy := tools/miee-run/policy.c tools/miee-run/manifest.c
TOOL_UNIT_SRCS_test_confine := tools/miee-run/confine.c tools/miee-run/manifest.c
TOOL_UNIT_NAMES := test_manifest test_policy test_confine
define tool_unit_rule
$(B)/unit/$(1): tests/unit/$(1).c $(TOOL_UNIT_SRCS_$(1)) $(wildcard tools/miee-run/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  UNIT    $$@"
	@$(HOST_CC) $(TOOL_UNIT_CFLAGS) $$< $(TOOL_UNIT_SRCS_$(1)) -lcmocka -o $$@
endef
$(foreach t,$(TOOL_UNIT_NAMES),$(eval $(call tool_unit_rule,$(t))))

unit-build: $(UNIT_BINS) $(B)/unit/test_miee_measure.sites

unit: unit-build
	@tests/run --unit-only

CRYPTO_SRCS := $(wildcard hypervisor/crypto/*.c)
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
$(B)/bench/%: tests/bench/%.c $(CRYPTO_SRCS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -iquote hypervisor/include -iquote hypervisor -Iinclude $< $(CRYPTO_SRCS) -lcrypto -o $@

# The runner's policy and filter (user-space code: no hypervisor include paths).
$(B)/bench/bench_policy: tests/bench/bench_policy.c tools/miee-run/policy.c tools/miee-run/manifest.c \
		tools/miee-run/confine.c $(wildcard tools/miee-run/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -Itools $< tools/miee-run/policy.c \
		tools/miee-run/manifest.c tools/miee-run/confine.c -o $@

# The libOS's SQLite workload (tests/bench/libos-bench.sh, in the guest):
# static glibc with Debian's libsqlite3.a (libsqlite3-dev). Not a host
# benchmark: tests/bench/run puts it into the guest with --add.
$(B)/bench/libos-sqlite: tests/bench/libos-sqlite.c
	@mkdir -p $(dir $@)
	@echo "  PROG    $@ (libsqlite3.a)"
	@gcc -static -O2 -Wall -Wextra -Werror $< -lsqlite3 -lm -o $@

bench: deps $(BENCH_BINS) $(B)/bench/libos-sqlite
	@tests/bench/run

include hypervisor/build.mk
include libos/build.mk
include guest/build.mk
-include $(wildcard hypervisor/efi/build.mk qemu-scripts/build.mk platform/drtm-chipset/build.mk attest/build.mk)
-include $(wildcard tools/attest-agent/build.mk attest/verify.mk)
include tests/fuzz/build.mk
include tests/headers.mk
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
