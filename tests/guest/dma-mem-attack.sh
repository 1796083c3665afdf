#!/bin/sh
# emulators: qemu
# tests/guest/dma-attack.sh on memory after init: the disk DMAs the frames
# of 4 dynamic pages (donated, then mapped by the PAL with HC_MIEE_MAP)
# while they hold the secret, and 0xcc over them; the IOMMU must block
# every access and the PAL find its pages intact.
DMA_ATTACK_RUN="miee-run mem-secret 8" DMA_ATTACK_INTACT="miee-run: script result: ok" \
	exec sh "$(dirname "$0")/dma-attack.sh"
