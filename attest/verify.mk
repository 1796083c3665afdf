# The verifier CLI (docs/attestation.md): attest/verify, OpenSSL. Its
# sources are attest/verify.c (main) and attest/verify-*.c, sharing
# attest/verify.h, with the evidence parser.
VERIFY_SRCS := attest/verify.c $(sort $(wildcard attest/verify-*.c)) attest/evidence.c attest/hex.c
VERIFY_HDRS := attest/verify.h attest/evidence.h attest/hex.h
$(B)/attest/verify: $(VERIFY_SRCS) $(VERIFY_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $(VERIFY_SRCS) -lcrypto -o $@

# The same, with ASan and UBSan, for the harness tests.
$(B)/attest/verify-san: $(VERIFY_SRCS) $(VERIFY_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror $(SAN) $(VERIFY_SRCS) -lcrypto -o $@

EXTRA_ALL += $(B)/attest/verify $(B)/attest/verify-san
-include attest/fuzz.mk

# tests/unit/test_evidence.c compiles evidence.c in (the unit rule's
# dependency file records only the last source of its command line) and
# links the hex helpers it uses.
UNIT_EXTRA_test_evidence := attest/hex.c
$(B)/unit/test_evidence: attest/evidence.c attest/evidence.h attest/hex.c attest/hex.h
