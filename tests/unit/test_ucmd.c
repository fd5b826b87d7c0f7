/* boot/uefi/cmdline.c: microhv.cfg and the EFI load options, with the guest's words (kernel=, initrd=, append=). */
#include "unit.h"

#include <string.h>

#include "boot/uefi/cmdline.h"

struct parsed {
	char cmdline[BOOT_CMDLINE_MAX];
	struct ucmd_guest g;
	char err[OPT_ERR_MAX];
};

static int cfg(struct parsed *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	return ucmd_append_cfg(p->cmdline, sizeof(p->cmdline), text, strlen(text), &p->g, p->err, sizeof(p->err));
}

/* ASCII to the UCS-2 the firmware passes, NUL-terminated; bytes in *bytes. */
static int load_options(struct parsed *p, const char *text)
{
	static uint16_t wide[4096];
	size_t n = strlen(text);
	assert_true(n < sizeof(wide) / 2);
	for (size_t i = 0; i <= n; i++)
		wide[i] = (unsigned char)text[i];
	memset(p, 0, sizeof(*p));
	return ucmd_append_load_options(p->cmdline, sizeof(p->cmdline), wide, (n + 1) * 2, &p->g, p->err,
	                                sizeof(p->err));
}

/* prefix and then n copies of fill, in buf (static storage of the caller) */
static const char *long_text(char *buf, size_t size, const char *prefix, char fill, size_t n)
{
	size_t k = strlen(prefix);
	assert_true(k + n < size);
	memcpy(buf, prefix, k);
	memset(buf + k, fill, n);
	buf[k + n] = 0;
	return buf;
}

static void assert_parsed(const struct parsed *p, const char *cmdline, const char *kernel, const char *initrd,
                          const char *append)
{
	assert_string_equal(p->cmdline, cmdline);
	assert_string_equal(p->g.kernel, kernel);
	assert_string_equal(p->g.initrd, initrd);
	assert_string_equal(p->g.append, append);
}

static void test_cfg_guest_words_taken_out(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "block_io=off\nkernel=vmlinuz initrd=boot/initrd.img\n"
	                          "append=console=ttyS0 quiet\nguest_mem=512M\n"), 0);
	assert_parsed(&p, "block_io=off guest_mem=512M", "\\vmlinuz", "\\boot\\initrd.img", "console=ttyS0 quiet");
}

static void test_cfg_no_guest_words(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "# only options\non_exit=qemu trace=exits # a comment\n"), 0);
	assert_parsed(&p, "on_exit=qemu trace=exits", "", "", "");
}

static void test_cfg_paths(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "kernel=\\EFI\\linux\\bzImage initrd=/a/b/c"), 0);
	assert_string_equal(p.g.kernel, "\\EFI\\linux\\bzImage");
	assert_string_equal(p.g.initrd, "\\a\\b\\c");
	/* a comment right after the name ends it, as it ends any word */
	assert_int_equal(cfg(&p, "kernel=vmlinuz#the kernel\n"), 0);
	assert_string_equal(p.g.kernel, "\\vmlinuz");
	/* a later word overrides an earlier one */
	assert_int_equal(cfg(&p, "kernel=one\nkernel=two initrd=x initrd=y"), 0);
	assert_string_equal(p.g.kernel, "\\two");
	assert_string_equal(p.g.initrd, "\\y");
	/* the longest name that fits, and one character more */
	char text[400];
	assert_int_equal(cfg(&p, long_text(text, sizeof(text), "kernel=", 'k', UCMD_PATH_MAX - 2)), 0);
	assert_int_equal(strlen(p.g.kernel), UCMD_PATH_MAX - 1);
	assert_int_equal(cfg(&p, long_text(text, sizeof(text), "kernel=", 'k', UCMD_PATH_MAX - 1)), -1);
	assert_non_null(strstr(p.err, "microhv.cfg line 1: the file name of kernel= is 255 characters long; at most 254"));
}

static void test_cfg_empty_names(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "block_io=on\n\ninitrd=\n"), -1);
	assert_string_equal(p.err, "microhv.cfg line 3: initrd= needs a file name");
	assert_string_equal(p.cmdline, "block_io=on");
	assert_int_equal(cfg(&p, "kernel=/"), -1);
	assert_string_equal(p.err, "microhv.cfg line 1: kernel= needs a file name");
}

static void test_cfg_append_rest_of_line(void **state)
{
	(void)state;
	struct parsed p;
	/* '#' and '=' are the kernel's; tabs become spaces, blanks at either end go */
	assert_int_equal(cfg(&p, "trace=none append=  root=/dev/ram0\tinit=/init # not a comment  \r\nblock_io=off"), 0);
	assert_string_equal(p.g.append, "root=/dev/ram0 init=/init # not a comment");
	assert_string_equal(p.cmdline, "trace=none block_io=off");
	/* the last line without a line break; kernel= inside append= is the kernel's text */
	assert_int_equal(cfg(&p, "append=a kernel=b"), 0);
	assert_string_equal(p.g.append, "a kernel=b");
	assert_string_equal(p.g.kernel, "");
	/* empty: the guest's default */
	assert_int_equal(cfg(&p, "append=x\nappend=\n"), 0);
	assert_string_equal(p.g.append, "");
}

static void test_cfg_append_length(void **state)
{
	(void)state;
	struct parsed p;
	static char text[BOOT_CMDLINE_MAX + 64];
	assert_int_equal(cfg(&p, long_text(text, sizeof(text), "block_io=on\nappend=", 'a', BOOT_CMDLINE_MAX - 1)), 0);
	assert_int_equal(strlen(p.g.append), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(cfg(&p, long_text(text, sizeof(text), "block_io=on\nappend=", 'a', BOOT_CMDLINE_MAX)), -1);
	assert_string_equal(p.err,
	                    "microhv.cfg line 2: append= is 1024 characters long; a guest command line holds at most 1023");
	assert_string_equal(p.cmdline, "block_io=on");
}

static void test_cfg_append_binary(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "append=console=ttyS0 \x01quiet\n"), -1);
	assert_string_equal(p.err, "microhv.cfg line 1: byte 0x01 is not printable ASCII");
}

/* A failure keeps the words before the bad one: the loader ends the run as their on_exit= says. */
static void test_cfg_failure_keeps_earlier_words(void **state)
{
	(void)state;
	char dst[64] = "trace=exits";
	struct ucmd_guest g;
	char err[OPT_ERR_MAX];
	memset(&g, 0, sizeof(g));
	const char *text = "on_exit=qemu\nkernel=\nblock_io=off";
	assert_int_equal(ucmd_append_cfg(dst, sizeof(dst), text, strlen(text), &g, err, sizeof(err)), -1);
	assert_string_equal(dst, "trace=exits on_exit=qemu");
	assert_int_equal(ucmd_exit_action(dst), ON_EXIT_QEMU);
}

static void test_load_options_guest_words(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(load_options(&p, "\\EFI\\BOOT\\BOOTX64.EFI block_io=off kernel=/vmlinuz initrd=rd "
	                                  "append=console=ttyS0  nosmp  "), 0);
	assert_parsed(&p, "block_io=off", "\\vmlinuz", "\\rd", "console=ttyS0  nosmp");
}

static void test_load_options_bad_guest_words(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(load_options(&p, "trace=exits kernel="), -1);
	assert_string_equal(p.err, "the load options: kernel= needs a file name");
	assert_string_equal(p.cmdline, "trace=exits");
	static char text[BOOT_CMDLINE_MAX + 16];
	assert_int_equal(load_options(&p, long_text(text, sizeof(text), "initrd=", 'r', 200)), -1);
	assert_non_null(strstr(p.err, "the load options: the file name of initrd= is longer than"));
	assert_int_equal(load_options(&p, long_text(text, sizeof(text), "append=", 'x', BOOT_CMDLINE_MAX - 1)), 0);
	assert_int_equal(strlen(p.g.append), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(load_options(&p, long_text(text, sizeof(text), "append=", 'x', BOOT_CMDLINE_MAX)), -1);
	assert_non_null(strstr(p.err, "append= is"));
}

static void test_exit_action_unaffected(void **state)
{
	(void)state;
	struct parsed p;
	assert_int_equal(cfg(&p, "on_exit=bochs kernel=k append=on_exit=qemu"), 0);
	assert_int_equal(ucmd_exit_action(p.cmdline), ON_EXIT_BOCHS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_guest_words_taken_out),
		cmocka_unit_test(test_cfg_no_guest_words),
		cmocka_unit_test(test_cfg_paths),
		cmocka_unit_test(test_cfg_empty_names),
		cmocka_unit_test(test_cfg_append_rest_of_line),
		cmocka_unit_test(test_cfg_append_length),
		cmocka_unit_test(test_cfg_append_binary),
		cmocka_unit_test(test_cfg_failure_keeps_earlier_words),
		cmocka_unit_test(test_load_options_guest_words),
		cmocka_unit_test(test_load_options_bad_guest_words),
		cmocka_unit_test(test_exit_action_unaffected),
	};
	return UNIT_RUN(tests);
}
