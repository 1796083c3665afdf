/* UEFI loader: printf through the firmware's ConOut (UEFI 2.10 12.4), raw COM1
 * output for after ExitBootServices, and the few string helpers. Boot services. */
#include <stdarg.h>
#include "loader.h"

#define COM1 0x3f8

void *memset(void *d, int c, UINTN n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, UINTN n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, UINTN n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

UINTN strlen(const char *s)
{
	UINTN n = 0;

	while (s[n])
		n++;
	return n;
}

/* Status codes (UEFI 2.10 Appendix D) by name, for messages. */
const char *ldr_status_name(EFI_STATUS st)
{
	static const char *const err[] = {
		[1] = "EFI_LOAD_ERROR", [2] = "EFI_INVALID_PARAMETER",
		[3] = "EFI_UNSUPPORTED", [4] = "EFI_BAD_BUFFER_SIZE",
		[5] = "EFI_BUFFER_TOO_SMALL", [6] = "EFI_NOT_READY",
		[7] = "EFI_DEVICE_ERROR", [8] = "EFI_WRITE_PROTECTED",
		[9] = "EFI_OUT_OF_RESOURCES", [10] = "EFI_VOLUME_CORRUPTED",
		[11] = "EFI_VOLUME_FULL", [12] = "EFI_NO_MEDIA",
		[13] = "EFI_MEDIA_CHANGED", [14] = "EFI_NOT_FOUND",
		[15] = "EFI_ACCESS_DENIED", [16] = "EFI_NO_RESPONSE",
		[17] = "EFI_NO_MAPPING", [18] = "EFI_TIMEOUT",
		[19] = "EFI_NOT_STARTED", [20] = "EFI_ALREADY_STARTED",
		[21] = "EFI_ABORTED", [27] = "EFI_CRC_ERROR",
		[31] = "EFI_END_OF_FILE", [32] = "EFI_INVALID_LANGUAGE",
		[33] = "EFI_COMPROMISED_DATA", [35] = "EFI_HTTP_ERROR",
	};
	u64 code = st & ~EFI_ERROR_MASK;

	if (st == EFI_SUCCESS)
		return "EFI_SUCCESS";
	if (EFI_ERROR(st) && code < sizeof(err) / sizeof(err[0]) && err[code])
		return err[code];
	return EFI_ERROR(st) ? "error" : "warning";
}

struct lbuf {
	CHAR16 b[160];
	unsigned n;
};

static int at_line_start = 1;

static void lbuf_flush(struct lbuf *o)
{
	o->b[o->n] = 0;
	if (o->n && ldr_st && ldr_st->ConOut)
		ldr_st->ConOut->OutputString(ldr_st->ConOut, o->b);
	o->n = 0;
}

static void lbuf_raw(struct lbuf *o, char c)
{
	if (o->n + 1 >= sizeof(o->b) / sizeof(o->b[0]))
		lbuf_flush(o);
	o->b[o->n++] = (u8)c < 0x80 ? (CHAR16)c : L'?';
}

static void lbuf_put(struct lbuf *o, char c)
{
	const char *p;

	if (at_line_start) {
		for (p = "loader: "; *p; p++)
			lbuf_raw(o, *p);
		at_line_start = 0;
	}
	if (c == '\n') {
		lbuf_raw(o, '\r');
		at_line_start = 1;
	}
	lbuf_raw(o, c);
}

static void lbuf_str(struct lbuf *o, const char *s)
{
	while (*s)
		lbuf_put(o, *s++);
}

static void lbuf_num(struct lbuf *o, u64 v, unsigned base, int neg)
{
	char tmp[24];
	int i = 0;

	if (neg)
		lbuf_put(o, '-');
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		lbuf_put(o, tmp[--i]);
}

static void lvprintf(const char *fmt, va_list ap)
{
	struct lbuf o = { .n = 0 };

	for (; *fmt; fmt++) {
		int lng = 0;
		u64 v;

		if (*fmt != '%') {
			lbuf_put(&o, *fmt);
			continue;
		}
		if (*++fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			lbuf_str(&o, s ? s : "(null)");
			break;
		}
		case 'c':
			lbuf_put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			lbuf_num(&o, s < 0 ? -(u64)s : (u64)s, 10, s < 0);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			lbuf_num(&o, v, *fmt == 'u' ? 10 : 16, 0);
			break;
		case '%':
			lbuf_put(&o, '%');
			break;
		default:
			lbuf_put(&o, '%');
			if (!*fmt)
				fmt--;
			else
				lbuf_put(&o, *fmt);
		}
	}
	lbuf_flush(&o);
}

void lprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvprintf(fmt, ap);
	va_end(ap);
}

/* One line "loader: ERROR: <what>: <status>" (the harness looks for it). */
void lerror(EFI_STATUS st, const char *fmt, ...)
{
	va_list ap;

	lprintf("ERROR: ");
	va_start(ap, fmt);
	lvprintf(fmt, ap);
	va_end(ap);
	if (st != EFI_SUCCESS)
		lprintf(" (%s)", ldr_status_name(st));
	lprintf("\n");
}

/* Polled COM1 output, only for when the firmware's console may be gone. */
void ldr_com1_puts(const char *s)
{
	for (; *s; s++) {
		int spins = 100000;

		if (*s == '\n')
			ldr_com1_puts("\r");
		while (!(inb(COM1 + 5) & 0x20) && --spins)
			;
		outb(COM1, (u8)*s);
	}
}
