# Hypervisor image: one multiboot2 ELF (also loaded by the UEFI loader).
HV_CC := gcc
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mno-sse -mno-mmx -mno-avx -mno-sse2 -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-builtin -fno-tree-loop-distribute-patterns --param=min-pagesize=0 -iquote hypervisor/include -iquote hypervisor -Iinclude
HV_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
	-Wl,-T,hypervisor/hv.ld

HV_SRCS := $(wildcard hypervisor/boot/*.S hypervisor/boot/*.c hypervisor/core/*.c \
	hypervisor/mm/*.c hypervisor/crypto/*.c hypervisor/arch/vmx/*.c hypervisor/arch/vmx/*.S \
	hypervisor/arch/svm/*.c hypervisor/arch/svm/*.S hypervisor/tpm/*.c hypervisor/utpm/*.c \
	hypervisor/iommu/*.c) lib/string.c
HV_OBJS := $(patsubst %,$(B)/hv/%.o,$(HV_SRCS))

$(B)/hv/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(HV_CC) $(HV_CFLAGS) -MMD -c $< -o $@

# asm-offsets.h: the entry stubs' offsets, generated from the C structures
# (hypervisor/arch/asm-offsets.c, compiled to assembly and never linked).
HV_ASM_OFFSETS := $(B)/hv/gen/asm-offsets.h
$(B)/hv/gen/asm-offsets.s: hypervisor/arch/asm-offsets.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(HV_CC) $(HV_CFLAGS) -MMD -MT $@ -S $< -o $@

$(HV_ASM_OFFSETS): $(B)/hv/gen/asm-offsets.s
	@echo "  GEN     $@"
	@{ echo "/* Generated from hypervisor/arch/asm-offsets.c: do not edit. */"; \
	  echo "#ifndef HV_ASM_OFFSETS_H"; echo "#define HV_ASM_OFFSETS_H"; \
	  sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"@asm-offset \([A-Z0-9_]*\) \([0-9]*\)"$$/#define \1 \2/p' $<; \
	  echo "#endif"; } >$@.tmp
	@grep -q '^#define HF_SIZE ' $@.tmp || { echo "asm-offsets: no HF_SIZE in $<" >&2; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

$(B)/hv/%.S.o: %.S $(HV_ASM_OFFSETS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(HV_CC) $(HV_CFLAGS) -I$(B)/hv/gen -MMD -c $< -o $@

$(B)/hv/hv.elf: $(HV_OBJS) hypervisor/hv.ld
	@echo "  LD      $@"
	@$(HV_CC) $(HV_CFLAGS) $(HV_LDFLAGS) $(HV_OBJS) -lgcc -o $@

hv: $(B)/hv/hv.elf

-include $(HV_OBJS:.o=.d) $(wildcard $(B)/hv/gen/asm-offsets.d)
