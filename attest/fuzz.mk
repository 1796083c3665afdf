# libFuzzer harness for the evidence parser (tests/fuzz/fuzz_evidence.c).
# Needs clang and libclang-rt-14-dev (tools/install-deps). Not part of
# `make all`; `make fuzz-evidence FUZZ_SECONDS=N` runs it from the seed
# corpus tests/fuzz/evidence-corpus/ (new inputs go to build/fuzz/, the
# seeds stay as committed).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
$(B)/fuzz/fuzz_evidence: tests/fuzz/fuzz_evidence.c attest/evidence.c attest/evidence.h attest/hex.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		tests/fuzz/fuzz_evidence.c attest/evidence.c attest/hex.c -lcrypto -o $@

.PHONY: fuzz-evidence
fuzz-evidence: $(B)/fuzz/fuzz_evidence
	@mkdir -p $(B)/fuzz/evidence-corpus
	$(B)/fuzz/fuzz_evidence -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		$(B)/fuzz/evidence-corpus tests/fuzz/evidence-corpus
