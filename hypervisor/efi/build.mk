# UEFI loader (build/efi/BOOTX64.EFI): GNU-EFI application, PE32+ for x86-64.
# Included by the top-level Makefile; docs/boot-uefi.md.
EFI_CC := gcc
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fpic -fshort-wchar -mno-red-zone -mno-mmx -mno-sse -fno-stack-protector \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-DGNU_EFI_USE_MS_ABI -I$(EFI_INC) -I$(EFI_INC)/x86_64 -Ihypervisor/efi -Iinclude
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
	-T $(EFI_LIB)/elf_x86_64_efi.lds -L$(EFI_LIB)
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
	-j '.rel.*' -j '.rela.*' -j .reloc

EFI_SRCS := $(wildcard hypervisor/efi/*.c hypervisor/efi/*.S)
EFI_OBJS := $(patsubst %,$(B)/efi/%.o,$(EFI_SRCS))

$(B)/efi/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(EFI_CC) $(EFI_CFLAGS) -MMD -c $< -o $@

$(B)/efi/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(EFI_CC) $(EFI_CFLAGS) -MMD -c $< -o $@

$(B)/efi/loader.so: $(EFI_OBJS) hypervisor/efi/build.mk
	@echo "  EFILD   $@"
	@ld $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -lgnuefi -o $@

$(B)/efi/BOOTX64.EFI: $(B)/efi/loader.so
	@echo "  OBJCOPY $@"
	@objcopy $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

.PHONY: efi
efi: $(B)/efi/BOOTX64.EFI
EXTRA_ALL += $(B)/efi/BOOTX64.EFI

-include $(EFI_OBJS:.o=.d)
