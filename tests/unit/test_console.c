/* arch/console.c: newline translation and the "[hv] " line discipline (DESIGN.md section 5). */
#include "unit.h"

#include <string.h>

#include "arch/console.h"

static char out[4096];
static size_t out_len;
static int out_calls;

static void capture(const char *s, size_t n)
{
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
	out_calls++;
}

/* The console keeps its line state in statics: bring it to a line start, then clear the capture. */
static int setup(void **state)
{
	(void)state;
	con_set_output(capture);
	if (!con_at_line_start())
		con_write("\n", 1);
	out_len = 0;
	out[0] = 0;
	out_calls = 0;
	return 0;
}

/* Compares the whole capture, embedded NULs included, with a string literal. */
#define expect(lit) expect_bytes(lit, sizeof(lit) - 1)
static void expect_bytes(const char *want, size_t n)
{
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
}

static void test_newline_becomes_crlf(void **state)
{
	(void)state;
	con_write("a\nb", 3);
	expect("a\r\nb");
	assert_false(con_at_line_start());
	con_write("\n\n", 2);
	expect("a\r\nb\r\n\r\n");
	assert_true(con_at_line_start());
}

static void test_raw_bytes_pass_through(void **state)
{
	(void)state;
	con_write("x\0y\r\tz", 6); /* only '\n' is translated */
	expect("x\0y\r\tz");
	assert_false(con_at_line_start());
}

static void test_empty_write_keeps_line_state(void **state)
{
	(void)state;
	con_write("abc", 3);
	con_write("", 0);
	assert_false(con_at_line_start());
	con_write("\n", 1);
	con_write("", 0);
	assert_true(con_at_line_start());
	expect("abc\r\n");
}

static void test_only_the_written_length_counts(void **state)
{
	(void)state;
	con_write("ab\ncd", 2); /* the '\n' lies beyond n */
	expect("ab");
	assert_false(con_at_line_start());
}

static void test_log_at_line_start(void **state)
{
	(void)state;
	con_log("hello %d\n", 42);
	expect("[hv] hello 42\r\n");
	assert_true(con_at_line_start());
}

static void test_log_breaks_a_partial_line(void **state)
{
	(void)state;
	con_write("login: ", 7); /* the guest's prompt, no newline */
	con_log("stats %s\n", "{}");
	expect("login: \r\n[hv] stats {}\r\n");
}

static void test_log_without_newline_then_log(void **state)
{
	(void)state;
	con_log("first");
	assert_false(con_at_line_start());
	con_log("second\n");
	expect("[hv] first\r\n[hv] second\r\n");
}

static void test_log_after_printf_partial(void **state)
{
	(void)state;
	int n = con_printf("%s=%u", "exits", 7u);
	assert_int_equal(n, 7);
	assert_false(con_at_line_start());
	con_log("x\n");
	expect("exits=7\r\n[hv] x\r\n");
}

static void test_printf_continues_a_log_line(void **state)
{
	(void)state;
	con_log("table:");
	con_printf(" %d %d\n", 1, 2);
	expect("[hv] table: 1 2\r\n");
}

static void test_log_empty_message(void **state)
{
	(void)state;
	con_log("%s", "");
	expect("[hv] ");
	assert_false(con_at_line_start()); /* the prefix itself is mid-line text */
}

static int vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int vlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = con_vlog(fmt, ap);
	va_end(ap);
	return n;
}

static void test_vlog(void **state)
{
	(void)state;
	con_write("guest", 5);
	vlog("%c%c\n", 'o', 'k');
	expect("guest\r\n[hv] ok\r\n");
}

static void test_printf_translates_newlines(void **state)
{
	(void)state;
	con_printf("a\nb%s", "\nc\n");
	expect("a\r\nb\r\nc\r\n");
}

/* The guest's UART bytes: its own "\r\n" must not become "\r\r\n" (the transcripts are compared). */
static void test_raw_write_untouched(void **state)
{
	(void)state;
	con_write_raw("a\r\nb\n", 5);
	expect("a\r\nb\n");
	assert_true(con_at_line_start());
	con_write_raw("login: ", 7);
	assert_false(con_at_line_start());
	con_log("exit\n");
	expect("a\r\nb\nlogin: \r\n[hv] exit\r\n");
	con_write_raw("", 0);
	assert_true(con_at_line_start());
}

static void test_no_output_still_tracks_lines(void **state)
{
	(void)state;
	con_set_output(NULL);
	con_write("abc", 3);
	assert_false(con_at_line_start());
	con_log("dropped\n");
	assert_true(con_at_line_start());
	con_set_output(capture);
	con_log("kept\n");
	expect("[hv] kept\r\n");
}

static char screen[256];
static size_t screen_len;

static void capture_screen(const char *s, size_t n)
{
	assert_true(screen_len + n < sizeof(screen));
	memcpy(screen + screen_len, s, n);
	screen_len += n;
}

/* The screen gets every byte the serial output gets, raw ones too, and works without it. */
static void test_screen_gets_the_same_bytes(void **state)
{
	(void)state;
	screen_len = 0;
	con_set_screen(capture_screen);
	con_log("VT-x %s\n", "gate");
	con_write_raw("g\r\n", 3);
	expect("[hv] VT-x gate\r\ng\r\n");
	assert_int_equal(screen_len, out_len);
	assert_memory_equal(screen, out, out_len);
	con_set_output(NULL);
	con_log("screen only\n");
	assert_int_equal(screen_len, out_len + strlen("[hv] screen only\r\n"));
	con_set_screen(NULL);
	con_set_output(capture);
	con_log("serial only\n");
	assert_int_equal(screen_len, out_len - strlen("[hv] serial only\r\n") + strlen("[hv] screen only\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_newline_becomes_crlf, setup),
		cmocka_unit_test_setup(test_screen_gets_the_same_bytes, setup),
		cmocka_unit_test_setup(test_raw_bytes_pass_through, setup),
		cmocka_unit_test_setup(test_empty_write_keeps_line_state, setup),
		cmocka_unit_test_setup(test_only_the_written_length_counts, setup),
		cmocka_unit_test_setup(test_log_at_line_start, setup),
		cmocka_unit_test_setup(test_log_breaks_a_partial_line, setup),
		cmocka_unit_test_setup(test_log_without_newline_then_log, setup),
		cmocka_unit_test_setup(test_log_after_printf_partial, setup),
		cmocka_unit_test_setup(test_printf_continues_a_log_line, setup),
		cmocka_unit_test_setup(test_log_empty_message, setup),
		cmocka_unit_test_setup(test_vlog, setup),
		cmocka_unit_test_setup(test_printf_translates_newlines, setup),
		cmocka_unit_test_setup(test_raw_write_untouched, setup),
		cmocka_unit_test_setup(test_no_output_still_tracks_lines, setup),
	};
	return UNIT_RUN(tests);
}
