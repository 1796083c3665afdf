/* Serial console (COM1) and formatted output for the hypervisor. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdarg.h>
#include "types.h"

void console_init(void);
/* printf subset: %s %c %d %u %x %p, with l/ll, 0 and width. Every line is
 * prefixed with "hv: " so the harness can tell our output from the guest's. */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_vprintf(const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Dump state and stop this CPU for good. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void halt_forever(void) __attribute__((noreturn));

#endif
