# The library OS (libos/): a freestanding flat image, build/libos/libos.bin,
# loaded by miee-run at LIBOS_OFF_IMAGE (include/hv/libos.h). General
# registers only, so the program's x87/SSE/AVX state is never touched.
# Included from the top-level Makefile. docs/libos.md.
LIBOS_OUT := $(B)/libos
LIBOS_CC ?= gcc
LIBOS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-nostdlib -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mno-sse -mno-mmx -mno-avx -fno-asynchronous-unwind-tables \
	-fno-jump-tables -Iinclude -Ilibos
LIBOS_SRCS := $(wildcard libos/*.c) $(wildcard libos/*.S)
LIBOS_OBJS := $(patsubst libos/%,$(LIBOS_OUT)/obj/%.o,$(LIBOS_SRCS))
# lib/: freestanding code shared with the hypervisor (lib/string.c).
LIBOS_OBJS += $(LIBOS_OUT)/obj/lib/string.c.o
# AES-256-GCM for checkpoints (libos/ckpt.c): the hypervisor's own
# freestanding, constant-time sources, built with the libOS's flags.
LIBOS_CRYPTO := aes gcm util
LIBOS_OBJS += $(patsubst %,$(LIBOS_OUT)/obj/crypto/%.c.o,$(LIBOS_CRYPTO))
LIBOS_CFLAGS += -Ihypervisor

$(LIBOS_OUT)/obj/crypto/%.c.o: hypervisor/crypto/%.c
	@mkdir -p $(@D)
	@echo "  LIBOSCC $<"
	@$(LIBOS_CC) $(LIBOS_CFLAGS) -iquote hypervisor/include -MMD -MP -c $< -o $@

$(LIBOS_OUT)/obj/%.c.o: libos/%.c
	@mkdir -p $(@D)
	@echo "  LIBOSCC $<"
	@$(LIBOS_CC) $(LIBOS_CFLAGS) -MMD -MP -c $< -o $@

$(LIBOS_OUT)/obj/lib/%.c.o: lib/%.c
	@mkdir -p $(@D)
	@echo "  LIBOSCC $<"
	@$(LIBOS_CC) $(LIBOS_CFLAGS) -MMD -MP -c $< -o $@

$(LIBOS_OUT)/obj/%.S.o: libos/%.S
	@mkdir -p $(@D)
	@echo "  LIBOSAS $<"
	@$(LIBOS_CC) $(LIBOS_CFLAGS) -MMD -MP -c $< -o $@

$(LIBOS_OUT)/libos.elf: $(LIBOS_OBJS) libos/libos.ld
	@echo "  LD      $@"
	@$(LIBOS_CC) $(LIBOS_CFLAGS) -static -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
		-Wl,-z,noexecstack -T libos/libos.ld $(LIBOS_OBJS) -lgcc -o $@

$(LIBOS_OUT)/libos.bin: $(LIBOS_OUT)/libos.elf
	@objcopy -O binary $< $@
	@echo "  LIBOS   $@ ($$(stat -c %s $@) bytes)"

.PHONY: libos
libos: $(LIBOS_OUT)/libos.bin

-include $(wildcard $(LIBOS_OUT)/obj/*.d $(LIBOS_OUT)/obj/lib/*.d \
	$(LIBOS_OUT)/obj/crypto/*.d)
