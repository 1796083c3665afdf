/* tests/fuzz/efi_support.c: how many loader messages were printed. */
#ifndef TESTS_FUZZ_EFI_SUPPORT_H
#define TESTS_FUZZ_EFI_SUPPORT_H

extern unsigned efi_messages;

#endif
