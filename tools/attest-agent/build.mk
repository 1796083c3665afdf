# The attestation agent (docs/attestation.md): a dynamically linked guest
# program (libtss2 is shared-only in Debian). guest/mkinitramfs copies it
# with the libraries it links and the dynamic loader (GUEST_DYNBINS), and
# the NIC driver the agent's channel needs (GUEST_EXTRA_KOS).
# It links the hex helpers it shares with the verifier (attest/hex.c) and
# the hypervisor's SHA-256; -iquote for the hypervisor's directories, so its
# include/errno.h cannot shadow libc's.
AGENT_BIN := $(GUEST_OBJ)/dynbin/attest-agent
AGENT_SRCS := tools/attest-agent/agent.c attest/hex.c hypervisor/crypto/sha256.c \
	hypervisor/crypto/util.c
$(AGENT_BIN): $(AGENT_SRCS) attest/hex.h hypervisor/crypto/sha256.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@gcc -O2 -Wall -Wextra -Werror -iquote . -iquote hypervisor -iquote hypervisor/include $(AGENT_SRCS) \
		-ltss2-esys -ltss2-mu -ltss2-tcti-device -ltss2-tcti-swtpm -o $@

# e1000: one module without dependencies (virtio_net needs five).
GUEST_NIC_KO := /lib/modules/$(GUEST_KREL)/kernel/drivers/net/ethernet/intel/e1000/e1000.ko
GUEST_DYNBINS += $(AGENT_BIN)
GUEST_EXTRA_KOS += $(GUEST_NIC_KO)
$(GUEST_OUT)/initramfs.cpio.gz: $(AGENT_BIN)
EXTRA_ALL += $(AGENT_BIN)
