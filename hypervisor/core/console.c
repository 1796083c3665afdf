/* COM1 serial console and a small printf. VMX root / SVM host, one CPU. */
#include "console.h"
#include "x86.h"

#define COM1 0x3f8

static bool at_line_start = true;

void console_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0xc7);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR | RTS */
}

static void serial_putc(char c)
{
	int spins = 100000;

	while (!(inb(COM1 + 5) & 0x20) && --spins)
		;
	outb(COM1, (u8)c);
}

static void console_putc(char c)
{
	if (at_line_start) {
		const char *p = "hv: ";

		while (*p)
			serial_putc(*p++);
		at_line_start = false;
	}
	if (c == '\n') {
		serial_putc('\r');
		at_line_start = true;
	}
	serial_putc(c);
}

struct sink {
	char *buf;		/* NULL: console */
	size_t n, len;
};

static void sink_put(struct sink *s, char c)
{
	if (!s->buf)
		console_putc(c);
	else if (s->len + 1 < s->n)
		s->buf[s->len] = c;
	s->len++;
}

static void put_num(struct sink *s, u64 v, unsigned base, bool neg, int width, char pad)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[i++] = '-';
	while (width-- > i)
		sink_put(s, pad);
	while (i)
		sink_put(s, tmp[--i]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			while (*str)
				sink_put(s, *str++);
			break;
		}
		case 'c':
			sink_put(s, (char)va_arg(ap, int));
			break;
		case 'd': {
			s64 sv = lng ? va_arg(ap, s64) : va_arg(ap, int);

			put_num(s, sv < 0 ? -(u64)sv : (u64)sv, 10, sv < 0, width, pad);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			put_num(s, v, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			sink_put(s, '0');
			sink_put(s, 'x');
			put_num(s, (u64)va_arg(ap, void *), 16, false, 0, ' ');
			break;
		case '%':
			sink_put(s, '%');
			break;
		default:
			sink_put(s, '?');
			break;
		}
	}
}

void hv_vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };

	format(&s, fmt, ap);
}

void hv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vprintf(fmt, ap);
	va_end(ap);
}

int hv_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	struct sink s = { buf, n, 0 };
	va_list ap;

	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
	if (n)
		buf[s.len < n ? s.len : n - 1] = 0;
	return (int)s.len;
}

void halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;

	hv_printf("PANIC: ");
	va_start(ap, fmt);
	hv_vprintf(fmt, ap);
	va_end(ap);
	hv_printf("\nPANIC: CPU halted\n");
	halt_forever();
}
