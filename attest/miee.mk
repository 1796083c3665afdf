# MIEE measurement tooling (docs/miee-runner.md). Included from attest/build.mk.
$(B)/attest/miee-measure: attest/miee-measure.c attest/miee-measure-libos.c include/hv/miee.h \
		include/hv/libos.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude $(filter %.c,$^) -lcrypto -o $@

# The test PAL inside the guest's miee-run must be self-contained (it is
# copied into the MIEE): objdump check of its section.
$(B)/attest/miee-pal.checked: $(GUEST_OBJ)/bin/miee-run attest/miee-pal-check.sh
	@mkdir -p $(dir $@)
	@sh attest/miee-pal-check.sh $< >$@.tmp || { cat $@.tmp; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
	@echo "  CHECK   $$(cat $@)"

# Reference measurement of that PAL's MIEE (the same for every mode: the mode
# lives in the unmeasured shared page), recomputed with OpenSSL from the
# runner's --dump; the build fails if the runner's own SHA-256 disagrees.
$(B)/attest/miee-pal.measurement: $(GUEST_OBJ)/bin/miee-run $(B)/attest/miee-measure
	@rm -rf $(B)/attest/miee-pal
	@$(GUEST_OBJ)/bin/miee-run --dump $(B)/attest/miee-pal sum >/dev/null
	@$(B)/attest/miee-measure $(B)/attest/miee-pal $$(cat $(B)/attest/miee-pal/expected) >$@.tmp
	@mv $@.tmp $@
	@echo "  REF     $@: $$(cat $@)"

EXTRA_ALL += $(B)/attest/miee-measure $(B)/attest/miee-pal.checked $(B)/attest/miee-pal.measurement
