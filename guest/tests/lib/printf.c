/* A small printf for the guests: %d %i %u %x %X %s %c %p %%, '-' and '0' flags, width, l/ll. */
#include "guest.h"

/* n /= d, returns the remainder; 64-bit without libgcc: two 64-by-32 divl steps. */
static u32 divmod(u64 *n, u32 d)
{
	u32 hi = (u32)(*n >> 32), lo = (u32)*n;
	u32 qhi = hi / d, r = hi % d, qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	*n = (u64)qhi << 32 | qlo;
	return r;
}

static void pad(int n, char c, int *count)
{
	for (; n > 0; n--, (*count)++)
		uart_putc(c);
}

static void emit(const char *s, int len, int width, bool left, bool zero, int *count)
{
	int fill = width > len ? width - len : 0;
	if (zero && !left && (*s == '-')) { /* the sign goes before the zeros */
		uart_putc(*s++);
		len--;
		(*count)++;
	}
	if (!left)
		pad(fill, zero ? '0' : ' ', count);
	for (int i = 0; i < len; i++, (*count)++)
		uart_putc(s[i]);
	if (left)
		pad(fill, ' ', count);
}

int gvprintf(const char *fmt, va_list ap)
{
	int count = 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			uart_putc(*fmt);
			count++;
			continue;
		}
		bool left = false, zero = false;
		int width = 0, longs = 0;
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			*(*fmt == '-' ? &left : &zero) = true;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			longs++;
		char buf[24], *p = buf + sizeof(buf);
		u64 v;
		bool neg = false;
		switch (*fmt) {
		case 'd': case 'i': {
			long long s = longs >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
			neg = s < 0;
			v = neg ? 0 - (u64)s : (u64)s;
			goto digits10;
		}
		case 'u':
			v = longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
		digits10:
			do
				*--p = (char)('0' + divmod(&v, 10));
			while (v);
			if (neg)
				*--p = '-';
			emit(p, (int)(buf + sizeof(buf) - p), width, left, zero, &count);
			break;
		case 'x': case 'X': case 'p': {
			const char *dig = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
			v = *fmt == 'p' ? (u32)(uintptr_t)va_arg(ap, void *)
			    : longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			do {
				*--p = dig[v & 15];
				v >>= 4;
			} while (v);
			emit(p, (int)(buf + sizeof(buf) - p), width, left, zero, &count);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = 0;
			while (s[len])
				len++;
			emit(s, len, width, left, false, &count);
			break;
		}
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			emit(buf, 1, width, left, false, &count);
			break;
		case '%':
			uart_putc('%');
			count++;
			break;
		case 0:
			return count;
		default: /* unknown conversion: show it as written */
			uart_putc('%');
			uart_putc(*fmt);
			count += 2;
			break;
		}
	}
	return count;
}

int gprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = gvprintf(fmt, ap);
	va_end(ap);
	return n;
}
