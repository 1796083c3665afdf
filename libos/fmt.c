/* A small vsnprintf for the libOS's log lines: %d %i %u %x %ld %lu %lx
 * %lld %llu %llx %zu %zx %s %c %p %%. Always NUL-terminates; returns the
 * length written. */
#include "kernel.h"

static void put(char *buf, size_t size, size_t *n, char c)
{
	if (*n + 1 < size)
		buf[*n] = c;
	(*n)++;
}

static void put_num(char *buf, size_t size, size_t *n, uint64_t v, unsigned base, int neg)
{
	char tmp[24];
	int k = 0;

	if (neg)
		put(buf, size, n, '-');
	do {
		tmp[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (k)
		put(buf, size, n, tmp[--k]);
}

size_t fmt_v(char *buf, size_t size, const char *f, va_list ap)
{
	size_t n = 0;

	for (; *f; f++) {
		int lng = 0;

		if (*f != '%') {
			put(buf, size, &n, *f);
			continue;
		}
		f++;
		while (*f == 'l' || *f == 'z') {
			lng = 1;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);

			put_num(buf, size, &n, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
			break;
		}
		case 'u':
			put_num(buf, size, &n, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, 0);
			break;
		case 'x':
			put_num(buf, size, &n, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, 0);
			break;
		case 'p':
			put(buf, size, &n, '0');
			put(buf, size, &n, 'x');
			put_num(buf, size, &n, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			while (*s)
				put(buf, size, &n, *s++);
			break;
		}
		case 'c':
			put(buf, size, &n, (char)va_arg(ap, int));
			break;
		case '%':
			put(buf, size, &n, '%');
			break;
		case 0:
			f--;
			break;
		default:
			put(buf, size, &n, '%');
			put(buf, size, &n, *f);
		}
	}
	if (size)
		buf[n < size ? n : size - 1] = 0;
	return n < size ? n : size - 1;
}
