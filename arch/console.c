/* Console line discipline: tracks line starts so "[hv] " lines never land mid-line. */
#include "console.h"
#include "printf.h"

static con_out_fn con_out;
static con_out_fn con_screen; /* a second output beside con_out: the screen console */
static bool line_start = true;

void con_set_output(con_out_fn out) { con_out = out; }
void con_set_screen(con_out_fn out) { con_screen = out; }

static void emit(const char *s, size_t n)
{
	if (con_out)
		con_out(s, n);
	if (con_screen)
		con_screen(s, n);
}

bool con_at_line_start(void) { return line_start; }

void con_write(const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		emit(s + run, i - run);
		emit("\r\n", 2);
		run = i + 1;
	}
	if (run < n)
		emit(s + run, n - run);
	if (n)
		line_start = s[n - 1] == '\n';
}

void con_write_raw(const char *s, size_t n)
{
	if (n)
		emit(s, n);
	if (n)
		line_start = s[n - 1] == '\n';
}

static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	con_write(s, n);
}

int con_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vformat(sink, 0, fmt, ap);
	va_end(ap);
	return n;
}

int con_vlog(const char *fmt, va_list ap)
{
	if (!line_start)
		con_write("\n", 1);
	con_write(CON_PREFIX, sizeof(CON_PREFIX) - 1);
	return fmt_vformat(sink, 0, fmt, ap);
}

int con_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = con_vlog(fmt, ap);
	va_end(ap);
	return n;
}
