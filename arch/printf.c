/* Formatted output without libc; see printf.h for the accepted conversions. */
#include "printf.h"

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
	int len;  /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
};

static void emit_pad(fmt_sink_fn sink, void *ctx, char c, int n, int *count)
{
	char pad[16];
	for (int i = 0; i < (int)sizeof(pad); i++)
		pad[i] = c;
	while (n > 0) {
		int k = n > (int)sizeof(pad) ? (int)sizeof(pad) : n;
		sink(ctx, pad, (size_t)k);
		*count += k;
		n -= k;
	}
}

static void emit(fmt_sink_fn sink, void *ctx, const char *s, size_t n, int *count)
{
	if (n) {
		sink(ctx, s, n);
		*count += (int)n;
	}
}

/* Formats one unsigned magnitude with sign/prefix, precision and width. */
static void emit_number(fmt_sink_fn sink, void *ctx, const struct spec *sp, u64 mag, bool neg, unsigned base,
                        bool upper, int *count)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0;
	while (mag) {
		tmp[nd++] = digits[mag % base];
		mag /= base;
	}
	int prec = sp->prec < 0 ? 1 : sp->prec;
	int zeros = prec > nd ? prec - nd : 0;
	const char *prefix = "";
	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (sp->alt && base == 16 && nd > 0)
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && zeros == 0)
		zeros = 1;
	int plen = 0;
	while (prefix[plen])
		plen++;
	int body = plen + zeros + nd;
	int fill = sp->width > body ? sp->width - body : 0;
	if (!sp->left && !(sp->zero && sp->prec < 0))
		emit_pad(sink, ctx, ' ', fill, count);
	emit(sink, ctx, prefix, (size_t)plen, count);
	if (!sp->left && sp->zero && sp->prec < 0)
		emit_pad(sink, ctx, '0', fill, count);
	emit_pad(sink, ctx, '0', zeros, count);
	for (int i = nd - 1; i >= 0; i--)
		emit(sink, ctx, &tmp[i], 1, count);
	if (sp->left)
		emit_pad(sink, ctx, ' ', fill, count);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (*f == 'h') {
		sp->len = -1;
		if (*++f == 'h') {
			sp->len = -2;
			f++;
		}
	} else if (*f == 'l') {
		sp->len = 1;
		if (*++f == 'l') {
			sp->len = 2;
			f++;
		}
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		sp->len = 3;
		f++;
	}
	return f;
}

static i64 fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	default: return (i64)va_arg(*ap, i64);
	}
}

static u64 fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2: return (unsigned char)va_arg(*ap, unsigned);
	case -1: return (unsigned short)va_arg(*ap, unsigned);
	case 0: return va_arg(*ap, unsigned);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, u64);
	}
}

static void emit_string(fmt_sink_fn sink, void *ctx, const struct spec *sp, const char *s, int *count)
{
	if (!s)
		s = "(null)";
	int n = 0;
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	int fill = sp->width > n ? sp->width - n : 0;
	if (!sp->left)
		emit_pad(sink, ctx, ' ', fill, count);
	emit(sink, ctx, s, (size_t)n, count);
	if (sp->left)
		emit_pad(sink, ctx, ' ', fill, count);
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap_in)
{
	int count = 0;
	va_list ap;
	va_copy(ap, ap_in);
	while (*fmt) {
		const char *run = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		emit(sink, ctx, run, (size_t)(fmt - run), &count);
		if (!*fmt)
			break;
		struct spec sp;
		fmt = parse_spec(fmt + 1, &sp, &ap);
		char c = *fmt;
		if (c)
			fmt++;
		if (c != 'd' && c != 'i') /* C11 7.21.6.1: '+' and ' ' apply to signed conversions only */
			sp.plus = sp.space = false;
		switch (c) {
		case 'd':
		case 'i': {
			i64 v = fetch_signed(&sp, &ap);
			emit_number(sink, ctx, &sp, v < 0 ? (u64)0 - (u64)v : (u64)v, v < 0, 10, false, &count);
			break;
		}
		case 'u': emit_number(sink, ctx, &sp, fetch_unsigned(&sp, &ap), false, 10, false, &count); break;
		case 'x': emit_number(sink, ctx, &sp, fetch_unsigned(&sp, &ap), false, 16, false, &count); break;
		case 'X': emit_number(sink, ctx, &sp, fetch_unsigned(&sp, &ap), false, 16, true, &count); break;
		case 'o': emit_number(sink, ctx, &sp, fetch_unsigned(&sp, &ap), false, 8, false, &count); break;
		case 'p': {
			struct spec ps = sp;
			ps.alt = true;
			ps.len = 3;
			emit_number(sink, ctx, &ps, (u64)(uintptr_t)va_arg(ap, void *), false, 16, false, &count);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			struct spec cs = sp;
			cs.prec = 1;
			char s[2] = {ch, 0};
			if (ch == 0) { /* a NUL character still counts as one */
				int fill = sp.width > 1 ? sp.width - 1 : 0;
				if (!sp.left)
					emit_pad(sink, ctx, ' ', fill, &count);
				emit(sink, ctx, s, 1, &count);
				if (sp.left)
					emit_pad(sink, ctx, ' ', fill, &count);
			} else {
				emit_string(sink, ctx, &cs, s, &count);
			}
			break;
		}
		case 's': emit_string(sink, ctx, &sp, va_arg(ap, const char *), &count); break;
		case '%': emit(sink, ctx, "%", 1, &count); break;
		case 0: break;
		default: /* unknown conversion: print it as written so the mistake is visible */
			emit(sink, ctx, "%", 1, &count);
			emit(sink, ctx, &c, 1, &count);
			break;
		}
	}
	va_end(ap);
	return count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	for (size_t i = 0; i < n; i++, b->pos++)
		if (b->size && b->pos < b->size - 1)
			b->buf[b->pos] = s[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = {buf, size, 0};
	int n = fmt_vformat(buf_put, &b, fmt, ap);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int fmt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		fmt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
