/*
 * arch/printf.c against the host libc: every conversion, flag, width/precision form and
 * length modifier that printf.h lists is formatted by both, at every buffer size from 0
 * to one past the full length, and the return values and whole buffers must match.
 */
#include "unit.h"

#include <limits.h>
#include <string.h>

#include "arch/printf.h"

#define BUF 512
#define FILL 0x5a

enum kind { K_NONE, K_INT, K_UINT, K_LONG, K_ULONG, K_LLONG, K_ULLONG, K_SIZE, K_PTRDIFF, K_INTMAX,
            K_UINTMAX, K_STR, K_PTR };

struct pcase {
	const char *fmt;
	enum kind k;
	int nstar; /* leading int arguments for '*' width / precision */
	int star[2];
	union {
		long long i;
		unsigned long long u;
		const char *s;
		const void *p;
	} v;
};

#define SI(f, kind, x) {.fmt = (f), .k = (kind), .v.i = (x)}
#define UI(f, kind, x) {.fmt = (f), .k = (kind), .v.u = (x)}
#define ST(f, x) {.fmt = (f), .k = K_STR, .v.s = (x)}
#define PT(f, x) {.fmt = (f), .k = K_PTR, .v.p = (const void *)(x)}
#define NO(f) {.fmt = (f), .k = K_NONE}
#define STAR1(f, w, kind, field, x) {.fmt = (f), .k = (kind), .nstar = 1, .star = {(w)}, .v.field = (x)}
#define STAR2(f, w, p, kind, field, x) {.fmt = (f), .k = (kind), .nstar = 2, .star = {(w), (p)}, .v.field = (x)}

static const struct pcase cases[] = {
	NO("plain text, no conversion"),
	NO("%%"),
	NO("100%% sure"),
	NO(""),
	/* %d %i */
	SI("%d", K_INT, 0),
	SI("%d", K_INT, 1),
	SI("%d", K_INT, -1),
	SI("%d", K_INT, INT_MAX),
	SI("%d", K_INT, INT_MIN),
	SI("%i", K_INT, -42),
	SI("%5d", K_INT, 42),
	SI("%5d", K_INT, -42),
	SI("%1d", K_INT, -42),
	SI("%-5d|", K_INT, 42),
	SI("%-5d|", K_INT, -42),
	SI("%05d", K_INT, 42),
	SI("%05d", K_INT, -42),
	SI("%+d", K_INT, 0),
	SI("%+d", K_INT, 5),
	SI("%+d", K_INT, -5),
	SI("% d", K_INT, 5),
	SI("% d", K_INT, -5),
	SI("%+ d", K_INT, 5),
	SI("% +d", K_INT, 5),
	SI("% 05d", K_INT, 42),
	SI("%+05d", K_INT, 42),
	SI("%+05d", K_INT, -42),
	SI("%.0d", K_INT, 0),
	SI("%.0d", K_INT, 1),
	SI("%5.0d", K_INT, 0),
	SI("%-5.0d|", K_INT, 0),
	SI("%+.0d", K_INT, 0),
	SI("% .0d", K_INT, 0),
	SI("%.d", K_INT, 0),
	SI("%.3d", K_INT, 7),
	SI("%.3d", K_INT, -7),
	SI("%.3d", K_INT, 12345),
	SI("%08.3d", K_INT, -7),
	SI("%-8.3d|", K_INT, -7),
	SI("%+8.3d", K_INT, 7),
	SI("%-08d|", K_INT, 7),
	SI("%0-8d|", K_INT, 7),
	SI("%--5d|", K_INT, 3),
	SI("%00005d", K_INT, 3),
	SI("%+-+5d|", K_INT, 3),
	SI("%20d", K_INT, INT_MIN),
	SI("%020d", K_INT, INT_MIN),
	SI("%.12d", K_INT, INT_MIN),
	SI("%300d", K_INT, 1),
	SI("%-300d|", K_INT, -1),
	SI("%hd", K_INT, 70000),
	SI("%hd", K_INT, -32769),
	SI("%hd", K_INT, SHRT_MIN),
	SI("%hhd", K_INT, 200),
	SI("%hhd", K_INT, -129),
	SI("%hhi", K_INT, SCHAR_MIN),
	SI("%ld", K_LONG, LONG_MIN),
	SI("%ld", K_LONG, LONG_MAX),
	SI("%li", K_LONG, -1),
	SI("%lld", K_LLONG, LLONG_MIN),
	SI("%lld", K_LLONG, LLONG_MAX),
	SI("%+lld", K_LLONG, LLONG_MAX),
	SI("% lld", K_LLONG, LLONG_MIN),
	SI("%025lld", K_LLONG, LLONG_MIN),
	SI("%-25lld|", K_LLONG, LLONG_MIN),
	SI("%.25lld", K_LLONG, LLONG_MIN),
	SI("%jd", K_INTMAX, INTMAX_MIN),
	SI("%jd", K_INTMAX, INTMAX_MAX),
	SI("%zd", K_LONG, -5),      /* the signed type of size_t is long on x86-64 */
	SI("%zd", K_LONG, LONG_MIN),
	SI("%td", K_PTRDIFF, PTRDIFF_MIN),
	SI("%td", K_PTRDIFF, PTRDIFF_MAX),
	/* %u */
	UI("%u", K_UINT, 0),
	UI("%u", K_UINT, UINT_MAX),
	UI("%+u", K_UINT, 5),
	UI("% u", K_UINT, 5),
	UI("%+ 6u", K_UINT, 5),
	UI("%.0u", K_UINT, 0),
	UI("%08u", K_UINT, 123),
	UI("%-8u|", K_UINT, 123),
	UI("%8.5u", K_UINT, 123),
	UI("%hu", K_UINT, 70000),
	UI("%hhu", K_UINT, 0x1ff),
	UI("%lu", K_ULONG, ULONG_MAX),
	UI("%llu", K_ULLONG, ULLONG_MAX),
	UI("%llu", K_ULLONG, 0),
	UI("%zu", K_SIZE, SIZE_MAX),
	UI("%zu", K_SIZE, 0),
	UI("%ju", K_UINTMAX, UINTMAX_MAX),
	UI("%tu", K_PTRDIFF, 12345),
	/* %x %X */
	UI("%x", K_UINT, 0),
	UI("%x", K_UINT, 0xdeadbeef),
	UI("%X", K_UINT, 0xdeadbeef),
	UI("%x", K_UINT, UINT_MAX),
	UI("%#x", K_UINT, 0),
	UI("%#x", K_UINT, 255),
	UI("%#X", K_UINT, 255),
	UI("%#10x", K_UINT, 255),
	UI("%#-10x|", K_UINT, 255),
	UI("%#010x", K_UINT, 255),
	UI("%#010X", K_UINT, 0xabc),
	UI("%#.0x", K_UINT, 0),
	UI("%#5.0x|", K_UINT, 0),
	UI("%#.8x", K_UINT, 1),
	UI("%#12.8x", K_UINT, 1),
	UI("%#012.8x", K_UINT, 1),
	UI("%.0x", K_UINT, 0),
	UI("%.0X", K_UINT, 1),
	UI("%+x", K_UINT, 10),
	UI("% X", K_UINT, 10),
	UI("%hhx", K_UINT, 0x1ff),
	UI("%hx", K_UINT, 0x12345),
	UI("%#hx", K_UINT, 0x10000),
	UI("%lx", K_ULONG, ULONG_MAX),
	UI("%llx", K_ULLONG, ULLONG_MAX),
	UI("%#llX", K_ULLONG, ULLONG_MAX),
	UI("%016llx", K_ULLONG, 0x1234),
	UI("%#018llx", K_ULLONG, 0xffffffff80000000ULL),
	UI("%jx", K_UINTMAX, UINTMAX_MAX),
	UI("%zx", K_SIZE, SIZE_MAX),
	UI("%zX", K_SIZE, 0xabcdef),
	UI("%tx", K_PTRDIFF, 0x7fff),
	/* %o */
	UI("%o", K_UINT, 0),
	UI("%o", K_UINT, 8),
	UI("%o", K_UINT, UINT_MAX),
	UI("%#o", K_UINT, 0),
	UI("%#o", K_UINT, 8),
	UI("%#o", K_UINT, 7),
	UI("%#.0o", K_UINT, 0),
	UI("%.0o", K_UINT, 0),
	UI("%#.3o", K_UINT, 8),
	UI("%#.4o", K_UINT, 8),
	UI("%#5o", K_UINT, 8),
	UI("%#-5o|", K_UINT, 8),
	UI("%#05o", K_UINT, 8),
	UI("%+o", K_UINT, 8),
	UI("%llo", K_ULLONG, ULLONG_MAX),
	UI("%#llo", K_ULLONG, ULLONG_MAX),
	UI("%#30llo", K_ULLONG, ULLONG_MAX),
	UI("%hho", K_UINT, 0x1ff),
	UI("%zo", K_SIZE, 64),
	/* %c */
	SI("%c", K_INT, 'A'),
	SI("%5c", K_INT, 'A'),
	SI("%-5c|", K_INT, 'A'),
	SI("%c", K_INT, 0),
	SI("a%cb", K_INT, 0),
	SI("%3c", K_INT, 0),
	SI("%-3c|", K_INT, 0),
	SI("%c", K_INT, 255),
	SI("%c", K_INT, 0x141), /* converted to unsigned char: 'A' */
	SI("%c", K_INT, '%'),
	/* %s */
	ST("%s", "hello"),
	ST("%s", ""),
	ST("%10s", "hello"),
	ST("%-10s|", "hello"),
	ST("%2s", "hello"),
	ST("%.3s", "hello"),
	ST("%.0s", "hello"),
	ST("%.10s", "abc"),
	ST("%10.3s", "hello"),
	ST("%-10.3s|", "hello"),
	ST("%-300s|", "x"),
	ST("[%s]", "with %d inside"),
	ST("%s", "multi\nline\r\n"),
	/* %p (non-null: C leaves the form of a null pointer implementation-defined) */
	PT("%p", 0x1234),
	PT("%p", 1),
	PT("%p", UINTPTR_MAX),
	PT("%p", 0xffffffff80000000ULL),
	PT("%20p", 0x1234),
	PT("%-20p|", 0x1234),
	PT("%.8p", 0x1234),
	/* '*' width and precision */
	STAR1("%*d", 5, K_INT, i, 42),
	STAR1("%*d|", -5, K_INT, i, 42),
	STAR1("%-*d|", 5, K_INT, i, 42),
	STAR1("%-*d|", -5, K_INT, i, 42),
	STAR1("%0*d|", -6, K_INT, i, 42),
	STAR1("%0*d", 6, K_INT, i, -42),
	STAR1("%*d", 0, K_INT, i, 42),
	STAR1("%.*d", 3, K_INT, i, 7),
	STAR1("%.*d", 0, K_INT, i, 0),
	STAR1("%.*d", -1, K_INT, i, 7),
	STAR1("%.*d", -1, K_INT, i, 0),
	STAR1("%05.*d", -1, K_INT, i, 7), /* negative precision: as if omitted, so '0' applies */
	STAR2("%*.*d", 8, 3, K_INT, i, -7),
	STAR2("%*.*d|", -8, 3, K_INT, i, -7),
	STAR2("%*.*d|", 5, 0, K_INT, i, 0),
	STAR2("%*.*lld", 30, 25, K_LLONG, i, LLONG_MIN),
	STAR1("%*u", 10, K_UINT, u, 99),
	STAR1("%#*x|", -10, K_UINT, u, 255),
	STAR1("%#0*x", 10, K_UINT, u, 255),
	STAR1("%*llx", 20, K_ULLONG, u, ULLONG_MAX),
	STAR1("%*c|", 4, K_INT, i, 'x'),
	STAR1("%*c|", -4, K_INT, i, 'x'),
	{.fmt = "%*s|", .k = K_STR, .nstar = 1, .star = {-4}, .v.s = "ab"},
	{.fmt = "%.*s|", .k = K_STR, .nstar = 1, .star = {0}, .v.s = "abc"},
	{.fmt = "%.*s|", .k = K_STR, .nstar = 1, .star = {-1}, .v.s = "abc"},
	{.fmt = "%.*s|", .k = K_STR, .nstar = 1, .star = {2}, .v.s = "abc"},
	{.fmt = "%*.*s|", .k = K_STR, .nstar = 2, .star = {-8, 2}, .v.s = "hello"},
	{.fmt = "%*p|", .k = K_PTR, .nstar = 1, .star = {-12}, .v.p = (const void *)0xabc},
};

typedef int (*snprintf_fn)(char *buf, size_t size, const char *fmt, ...);

/* Calls fn with the case's arguments, each passed as the type its length modifier names. */
static int format_case(snprintf_fn fn, char *buf, size_t size, const struct pcase *c)
{
#define CALL(arg)                                                                             \
	(c->nstar == 0   ? fn(buf, size, c->fmt, arg)                                              \
	 : c->nstar == 1 ? fn(buf, size, c->fmt, c->star[0], arg)                                  \
	                 : fn(buf, size, c->fmt, c->star[0], c->star[1], arg))
	switch (c->k) {
	case K_NONE: return fn(buf, size, c->fmt);
	case K_INT: return CALL((int)c->v.i);
	case K_UINT: return CALL((unsigned)c->v.u);
	case K_LONG: return CALL((long)c->v.i);
	case K_ULONG: return CALL((unsigned long)c->v.u);
	case K_LLONG: return CALL((long long)c->v.i);
	case K_ULLONG: return CALL((unsigned long long)c->v.u);
	case K_SIZE: return CALL((size_t)c->v.u);
	case K_PTRDIFF: return CALL((ptrdiff_t)c->v.i);
	case K_INTMAX: return CALL((intmax_t)c->v.i);
	case K_UINTMAX: return CALL((uintmax_t)c->v.u);
	case K_STR: return CALL(c->v.s);
	case K_PTR: return CALL(c->v.p);
	}
#undef CALL
	return -1000;
}

/* Prints bytes with escapes so a failure message shows NULs and padding. */
static const char *show(const char *s, size_t n)
{
	static char out[4 * BUF + 1];
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
	}
	out[o] = 0;
	return out;
}

/* Returns the number of mismatching sizes (reported with print_error), so one run lists them all. */
static int check_case(const struct pcase *c, size_t idx)
{
	char want[BUF], got[BUF];
	int full = format_case(snprintf, want, sizeof(want), c);
	assert_true(full >= 0 && full < BUF - 2);
	/* Every size from 0 (buffer never written) to one past what is needed. */
	for (size_t size = 0; size <= (size_t)full + 2; size++) {
		memset(want, FILL, sizeof(want));
		memset(got, FILL, sizeof(got));
		int wn = format_case(snprintf, want, size, c);
		int gn = format_case((snprintf_fn)fmt_snprintf, got, size, c);
		if (wn != gn || memcmp(want, got, sizeof(want)) != 0) {
			size_t shown = (size_t)full + 2 < sizeof(want) ? (size_t)full + 2 : sizeof(want);
			char w[4 * BUF + 1];
			snprintf(w, sizeof(w), "%s", show(want, shown));
			print_error("case %zu \"%s\" size %zu: libc returned %d \"%s\", fmt_snprintf returned %d \"%s\"\n",
			            idx, c->fmt, size, wn, w, gn, show(got, shown));
			return 1;
		}
	}
	return 0;
}

static void test_conversions_match_libc(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad += check_case(&cases[i], i);
	assert_int_equal(bad, 0);
}

/* Several conversions in one format consume their arguments in order. */
static void test_mixed_arguments(void **state)
{
	(void)state;
	char want[BUF], got[BUF];
	int wn = snprintf(want, sizeof(want), "%s=%d %#x %c%% %lld|%-6s|%llu %p %hhu", "key", -3, 16u, 'z',
	                  LLONG_MIN, "ab", ULLONG_MAX, (void *)0x10, 300);
	int gn = fmt_snprintf(got, sizeof(got), "%s=%d %#x %c%% %lld|%-6s|%llu %p %hhu", "key", -3, 16u, 'z',
	                      LLONG_MIN, "ab", ULLONG_MAX, (void *)0x10, 300);
	assert_int_equal(wn, gn);
	assert_string_equal(want, got);

	wn = snprintf(want, sizeof(want), "[%*.*d][%-*s][%.*s]", 7, 4, -12, 5, "x", 2, "xyz");
	gn = fmt_snprintf(got, sizeof(got), "[%*.*d][%-*s][%.*s]", 7, 4, -12, 5, "x", 2, "xyz");
	assert_int_equal(wn, gn);
	assert_string_equal(want, got);
}

static void test_size_zero_null_buffer(void **state)
{
	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	const char *empty = "";
	assert_int_equal(fmt_snprintf(NULL, 0, empty, 0), 0);
	char b[4] = {'x', 'x', 'x', 'x'};
	assert_int_equal(fmt_snprintf(b, 0, "hello"), 5);
	assert_memory_equal(b, "xxxx", 4);
}

static void test_truncation_return_value(void **state)
{
	(void)state;
	char b[8];
	memset(b, FILL, sizeof(b));
	assert_int_equal(fmt_snprintf(b, 5, "%s", "abcdefgh"), 8);
	assert_string_equal(b, "abcd");
	assert_int_equal((unsigned char)b[5], FILL);
	assert_int_equal(fmt_snprintf(b, 1, "%d", 123), 3);
	assert_int_equal(b[0], 0);
	assert_int_equal(fmt_snprintf(b, sizeof(b), "%07d", -1), 7);
	assert_string_equal(b, "-000001");
	assert_int_equal(fmt_snprintf(b, sizeof(b), "%08d", -1), 8);
	assert_string_equal(b, "-000000");
}

static void test_nul_char_counts(void **state)
{
	(void)state;
	char b[8];
	memset(b, FILL, sizeof(b));
	assert_int_equal(fmt_snprintf(b, sizeof(b), "a%cb", 0), 3);
	assert_memory_equal(b, "a\0b\0", 4);
	memset(b, FILL, sizeof(b));
	assert_int_equal(fmt_snprintf(b, sizeof(b), "%-3c|", 0), 4);
	assert_memory_equal(b, "\0  |\0", 5);
}

static void test_null_string(void **state)
{
	(void)state;
	char b[16];
	const char *volatile nul = NULL; /* volatile: gcc rejects a constant null for %s */
	assert_int_equal(fmt_snprintf(b, sizeof(b), "[%s]", nul), 8);
	assert_string_equal(b, "[(null)]");
}

static void test_pointer_form(void **state)
{
	(void)state;
	char b[32];
	assert_int_equal(fmt_snprintf(b, sizeof(b), "%p", (void *)0xffffffff80200000ULL), 18);
	assert_string_equal(b, "0xffffffff80200000");
}

/* Not C: the header promises an unknown conversion is printed as written, and no argument is used. */
static void test_unknown_conversion_and_trailing_percent(void **state)
{
	(void)state;
	char b[32];
	const char *fmts[] = {"%y|%d", "abc%", "%-", "%5", "%ll"};
	const char *want[] = {"%y|7", "abc", "", "", ""};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		int n = fmt_snprintf(b, sizeof(b), fmts[i], 7);
		assert_string_equal(b, want[i]);
		assert_int_equal(n, (int)strlen(want[i]));
	}
}

struct chunks {
	char buf[BUF];
	size_t len;
	int calls;
};

static void collect(void *ctx, const char *s, size_t n)
{
	struct chunks *c = ctx;
	assert_true(n > 0);
	assert_true(c->len + n < sizeof(c->buf));
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->calls++;
}

static int vformat(struct chunks *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vformat(struct chunks *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vformat(collect, c, fmt, ap);
	va_end(ap);
	return n;
}

/* The streaming form produces exactly the bytes it counts, with long padding in several chunks. */
static void test_vformat_sink(void **state)
{
	(void)state;
	struct chunks c = {.len = 0};
	char want[BUF];
	int wn = snprintf(want, sizeof(want), "x%100dy%-40sz%c", -5, "pad", 0);
	int n = vformat(&c, "x%100dy%-40sz%c", -5, "pad", 0);
	assert_int_equal(n, wn);
	assert_int_equal(c.len, (size_t)wn);
	assert_memory_equal(c.buf, want, (size_t)wn);
	assert_true(c.calls > 1);
}

static int call_vsnprintf(char *b, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int call_vsnprintf(char *b, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(b, n, fmt, ap);
	va_end(ap);
	return r;
}

static void test_vsnprintf(void **state)
{
	(void)state;
	char b[16];
	assert_int_equal(call_vsnprintf(b, sizeof(b), "%s %u %s", "one", 2u, "three-and-more"), 20);
	assert_string_equal(b, "one 2 three-and");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions_match_libc),
		cmocka_unit_test(test_mixed_arguments),
		cmocka_unit_test(test_size_zero_null_buffer),
		cmocka_unit_test(test_truncation_return_value),
		cmocka_unit_test(test_nul_char_counts),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_pointer_form),
		cmocka_unit_test(test_unknown_conversion_and_trailing_percent),
		cmocka_unit_test(test_vformat_sink),
		cmocka_unit_test(test_vsnprintf),
	};
	return UNIT_RUN(tests);
}
