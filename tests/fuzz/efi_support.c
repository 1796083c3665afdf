/* Host stand-ins for the UEFI loader's console (hypervisor/efi/fmt.c), for
 * the harnesses that link loader sources: messages are counted, and shown
 * when FUZZ_VERBOSE is set. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "loader.h"
#include "efi_support.h"

unsigned efi_messages;

static void show(const char *fmt, va_list ap)
{
	efi_messages++;
	if (getenv("FUZZ_VERBOSE")) {
		fputs("loader: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

void lprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	show(fmt, ap);
	va_end(ap);
}

void lerror(EFI_STATUS st, const char *fmt, ...)
{
	va_list ap;

	(void)st;
	va_start(ap, fmt);
	show(fmt, ap);
	va_end(ap);
}
