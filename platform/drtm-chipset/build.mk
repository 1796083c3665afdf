# The emulated DRTM chipset (docs/drtm.md): a host program beside QEMU, one
# file per part (main.c lists them). Included from the top-level Makefile;
# $(B) is the build directory. The fuzzers link the parts they test
# (tests/fuzz/build.mk).
DRTM_CHIPSET := $(B)/tools/drtm-chipset
DRTM_CHIPSET_SRCS := $(wildcard platform/drtm-chipset/*.c)
DRTM_CHIPSET_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -pthread
DRTM_CHIPSET_OBJS := $(patsubst %.c,$(B)/chipset/%.o,$(DRTM_CHIPSET_SRCS))

$(B)/chipset/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRTM_CHIPSET_CFLAGS) -MMD -c $< -o $@

$(DRTM_CHIPSET): $(DRTM_CHIPSET_OBJS)
	@mkdir -p $(@D)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(DRTM_CHIPSET_CFLAGS) $^ -lcrypto -o $@

-include $(DRTM_CHIPSET_OBJS:.o=.d)

.PHONY: drtm-chipset
drtm-chipset: $(DRTM_CHIPSET)

EXTRA_ALL += $(DRTM_CHIPSET)
