# Verifier-side tools and the reference values the build computes.
$(B)/attest/hv-refvalue: attest/hv-refvalue.c include/hv/bootinfo.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude $< -lcrypto -o $@

# Expected PCR 17 after the emulated DRTM of this very image (docs/drtm.md).
$(B)/hv/hv.pcr17: $(B)/hv/hv.elf $(B)/attest/hv-refvalue
	@$(B)/attest/hv-refvalue pcr17 $< >$@.tmp && mv $@.tmp $@
	@echo "  REF     $@: $$(cat $@)"

EXTRA_ALL += $(B)/attest/hv-refvalue $(B)/hv/hv.pcr17

-include attest/miee.mk
