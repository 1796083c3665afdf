#!/bin/sh
# emulators: qemu
# tests/guest/miee-attack.sh on memory after init: the PAL maps 4 pages
# the runner donated (HC_MIEE_MAP), keeps the secret there while
# mieeattack reads and overwrites every one of their frames (the driver's
# donated_pfns: the OS knows them), then checks them; the OS must see no
# secret word and change nothing.
MIEE_ATTACK_RUN="miee-run mem-secret 6" exec sh "$(dirname "$0")/miee-attack.sh"
