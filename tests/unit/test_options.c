/* boot/options.c: the key=value command line, its error messages, and options_format. */
#include "unit.h"

#include <string.h>

#include "boot/options.h"

static void assert_options_equal(const struct hv_options *a, const struct hv_options *b)
{
	assert_int_equal(a->on_exit, b->on_exit);
	assert_int_equal(a->guest_mem, b->guest_mem);
	assert_int_equal(a->block_io, b->block_io);
	assert_int_equal(a->block_follow, b->block_follow);
	assert_int_equal(a->block_wp, b->block_wp);
	assert_int_equal(a->extent, b->extent);
	assert_int_equal(a->extent_bytes, b->extent_bytes);
	assert_int_equal(a->stats_interval, b->stats_interval);
	assert_int_equal(a->trace, b->trace);
	assert_int_equal(a->trace_ring, b->trace_ring);
	assert_int_equal(a->console, b->console);
	assert_int_equal(a->serial.kind, b->serial.kind);
	assert_int_equal(a->serial.addr, b->serial.addr);
	assert_int_equal(a->serial.bus, b->serial.bus);
	assert_int_equal(a->serial.dev, b->serial.dev);
	assert_int_equal(a->serial.fn, b->serial.fn);
	assert_int_equal(a->irq_pace, b->irq_pace);
	assert_int_equal(a->block_policy, b->block_policy);
	assert_int_equal(a->exit_cost, b->exit_cost);
}

/* Parses cmdline over the defaults; returns options_parse's result. */
static int parse(const char *cmdline, struct hv_options *o, char *err, size_t errlen)
{
	options_defaults(o);
	if (errlen)
		err[0] = 0;
	return options_parse(cmdline, o, err, errlen);
}

static void test_defaults(void **state)
{
	(void)state;
	struct hv_options o;
	memset(&o, 0xa5, sizeof(o));
	options_defaults(&o);
	assert_int_equal(o.on_exit, ON_EXIT_HALT);
	assert_int_equal(o.guest_mem, 256 * MIB);
	assert_true(o.block_io);
	assert_int_equal(o.extent, EXTENT_PAGE);
	assert_int_equal(o.extent_bytes, 256);
	assert_int_equal(o.stats_interval, 0);
	assert_int_equal(o.trace, TRACE_NONE);
	assert_int_equal(o.console, CONSOLE_BOTH);
}

static void test_empty_and_null_cmdline(void **state)
{
	(void)state;
	const char *lines[] = {NULL, "", " ", "\t\n\r  \n"};
	struct hv_options def, o;
	options_defaults(&def);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		char err[OPT_ERR_MAX] = "untouched";
		assert_int_equal(parse(lines[i], &o, err, 0), 0);
		assert_options_equal(&o, &def);
		assert_string_equal(err, "untouched");
	}
}

enum field { F_ON_EXIT, F_GUEST_MEM, F_BLOCK_IO, F_BLOCK_FOLLOW, F_EXTENT, F_EXTENT_BYTES, F_STATS, F_TRACE,
	F_TRACE_RING, F_CONSOLE, F_IRQ_PACE, F_BLOCK_WP, F_BLOCK_POLICY, F_EXIT_COST };

struct good {
	const char *cmdline;
	enum field f;
	u64 v;
	enum field f2; /* a second field the word sets, when set2 */
	u64 v2;
	bool set2;
};

static const struct good goods[] = {
	{"on_exit=halt", F_ON_EXIT, ON_EXIT_HALT, 0, 0, false},
	{"on_exit=reset", F_ON_EXIT, ON_EXIT_RESET, 0, 0, false},
	{"on_exit=bochs", F_ON_EXIT, ON_EXIT_BOCHS, 0, 0, false},
	{"on_exit=qemu", F_ON_EXIT, ON_EXIT_QEMU, 0, 0, false},
	{"guest_mem=2M", F_GUEST_MEM, 2 * MIB, 0, 0, false},
	{"guest_mem=2m", F_GUEST_MEM, 2 * MIB, 0, 0, false},
	{"guest_mem=64G", F_GUEST_MEM, 64 * GIB, 0, 0, false},
	{"guest_mem=64g", F_GUEST_MEM, 64 * GIB, 0, 0, false},
	{"guest_mem=1G", F_GUEST_MEM, GIB, 0, 0, false},
	{"guest_mem=65536M", F_GUEST_MEM, 64 * GIB, 0, 0, false},
	{"guest_mem=2048K", F_GUEST_MEM, 2 * MIB, 0, 0, false},
	{"guest_mem=4096k", F_GUEST_MEM, 4 * MIB, 0, 0, false},
	{"guest_mem=2097152", F_GUEST_MEM, 2 * MIB, 0, 0, false},
	{"guest_mem=0x200000", F_GUEST_MEM, 2 * MIB, 0, 0, false},
	{"guest_mem=0X10000000", F_GUEST_MEM, 256 * MIB, 0, 0, false},
	{"guest_mem=0x20M", F_GUEST_MEM, 32 * MIB, 0, 0, false},
	{"guest_mem=0000512M", F_GUEST_MEM, 512 * MIB, 0, 0, false},
	{"block_io=on", F_BLOCK_IO, 1, 0, 0, false},
	{"block_io=off", F_BLOCK_IO, 0, 0, 0, false},
	{"block_follow=on", F_BLOCK_FOLLOW, 1, 0, 0, false},
	{"block_follow=off", F_BLOCK_FOLLOW, 0, 0, 0, false},
	{"extent=page", F_EXTENT, EXTENT_PAGE, 0, 0, false},
	{"extent=cpu", F_EXTENT, EXTENT_CPU, 0, 0, false},
	{"extent=16", F_EXTENT, EXTENT_BYTES, F_EXTENT_BYTES, 16, true},
	{"extent=4096", F_EXTENT, EXTENT_BYTES, F_EXTENT_BYTES, 4096, true},
	{"extent=100", F_EXTENT, EXTENT_BYTES, F_EXTENT_BYTES, 100, true},
	{"extent=0x40", F_EXTENT, EXTENT_BYTES, F_EXTENT_BYTES, 64, true},
	{"stats_interval=0", F_STATS, 0, 0, 0, false},
	{"stats_interval=1", F_STATS, 1, 0, 0, false},
	{"stats_interval=86400", F_STATS, 86400, 0, 0, false},
	{"trace=none", F_TRACE, TRACE_NONE, 0, 0, false},
	{"trace=exits", F_TRACE, TRACE_EXITS, 0, 0, false},
	{"trace=blocks", F_TRACE, TRACE_BLOCKS, 0, 0, false},
	{"trace=io", F_TRACE, TRACE_IO, 0, 0, false},
	{"trace=io:16", F_TRACE, TRACE_IO, F_TRACE_RING, 16, true},
	{"trace=io:16777216", F_TRACE, TRACE_IO, F_TRACE_RING, 16777216, true},
	{"console=serial", F_CONSOLE, CONSOLE_SERIAL, 0, 0, false},
	{"console=screen", F_CONSOLE, CONSOLE_SCREEN, 0, 0, false},
	{"console=both", F_CONSOLE, CONSOLE_BOTH, 0, 0, false},
	{"irq_pace=on", F_IRQ_PACE, 1, 0, 0, false},
	{"irq_pace=off", F_IRQ_PACE, 0, 0, 0, false},
	{"block_wp=on", F_BLOCK_WP, 1, 0, 0, false},
	{"block_wp=off", F_BLOCK_WP, 0, 0, 0, false},
	{"block_policy=auto", F_BLOCK_POLICY, BLOCK_POLICY_OPT_AUTO, 0, 0, false},
	{"block_policy=always", F_BLOCK_POLICY, BLOCK_POLICY_OPT_ALWAYS, 0, 0, false},
	{"block_policy=never", F_BLOCK_POLICY, BLOCK_POLICY_OPT_NEVER, 0, 0, false},
	{"exit_cost=auto", F_EXIT_COST, 0, 0, 0, false},
	{"exit_cost=1", F_EXIT_COST, 1, 0, 0, false},
	{"exit_cost=2000", F_EXIT_COST, 2000, 0, 0, false},
	{"exit_cost=0x100", F_EXIT_COST, 256, 0, 0, false},
	{"exit_cost=100000000", F_EXIT_COST, 100000000, 0, 0, false},
};

static void set_field(struct hv_options *o, enum field f, u64 v)
{
	switch (f) {
	case F_ON_EXIT: o->on_exit = (enum on_exit_action)v; break;
	case F_GUEST_MEM: o->guest_mem = v; break;
	case F_BLOCK_IO: o->block_io = v != 0; break;
	case F_BLOCK_FOLLOW: o->block_follow = v != 0; break;
	case F_EXTENT: o->extent = (enum extent_policy)v; break;
	case F_EXTENT_BYTES: o->extent_bytes = (u32)v; break;
	case F_STATS: o->stats_interval = (u32)v; break;
	case F_TRACE: o->trace = (enum trace_mode)v; break;
	case F_TRACE_RING: o->trace_ring = (u32)v; break;
	case F_CONSOLE: o->console = (enum console_mode)v; break;
	case F_IRQ_PACE: o->irq_pace = v != 0; break;
	case F_BLOCK_WP: o->block_wp = v != 0; break;
	case F_BLOCK_POLICY: o->block_policy = (enum block_policy_opt)v; break;
	case F_EXIT_COST: o->exit_cost = v; break;
	}
}

/* Every accepted value sets its field and nothing else. */
static void test_good_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(goods); i++) {
		const struct good *g = &goods[i];
		struct hv_options o, want;
		char err[OPT_ERR_MAX];
		/* start from a non-default base so that setting a field to its default value is visible */
		options_defaults(&want);
		want.on_exit = g->f == F_ON_EXIT && g->v == ON_EXIT_QEMU ? ON_EXIT_RESET : ON_EXIT_QEMU;
		want.guest_mem = 6 * MIB;
		want.block_io = g->f == F_BLOCK_IO ? !g->v : false;
		want.block_follow = g->f == F_BLOCK_FOLLOW ? !g->v : false;
		want.extent = g->f == F_EXTENT && g->v == EXTENT_CPU ? EXTENT_BYTES : EXTENT_CPU;
		want.extent_bytes = 1000;
		want.stats_interval = 77;
		want.trace = g->f == F_TRACE && g->v == TRACE_BLOCKS ? TRACE_EXITS : TRACE_BLOCKS;
		want.console = g->f == F_CONSOLE && g->v == CONSOLE_SCREEN ? CONSOLE_SERIAL : CONSOLE_SCREEN;
		want.irq_pace = g->f == F_IRQ_PACE ? !g->v : false;
		want.block_wp = g->f == F_BLOCK_WP ? !g->v : false;
		want.block_policy = g->f == F_BLOCK_POLICY && g->v == BLOCK_POLICY_OPT_NEVER ? BLOCK_POLICY_OPT_ALWAYS
		                                                                              : BLOCK_POLICY_OPT_NEVER;
		want.exit_cost = 7;
		o = want;
		set_field(&want, g->f, g->v);
		if (g->set2)
			set_field(&want, g->f2, g->v2);
		err[0] = 0;
		if (options_parse(g->cmdline, &o, err, sizeof(err)) != 0)
			fail_msg("'%s' rejected: %s", g->cmdline, err);
		assert_string_equal(err, "");
		assert_options_equal(&o, &want);
	}
}

struct bad {
	const char *cmdline;
	const char *key, *value;
};

static const struct bad bads[] = {
	{"on_exit=poweroff", "on_exit", "poweroff"},
	{"on_exit=HALT", "on_exit", "HALT"},
	{"on_exit=", "on_exit", ""},
	{"on_exit=halt2", "on_exit", "halt2"},
	{"on_exit=hal", "on_exit", "hal"},
	{"guest_mem=", "guest_mem", ""},
	{"guest_mem=0", "guest_mem", "0"},
	{"guest_mem=1M", "guest_mem", "1M"},
	{"guest_mem=3M", "guest_mem", "3M"},
	{"guest_mem=2049K", "guest_mem", "2049K"},
	{"guest_mem=2097153", "guest_mem", "2097153"},
	{"guest_mem=65538M", "guest_mem", "65538M"},
	{"guest_mem=128G", "guest_mem", "128G"},
	{"guest_mem=1T", "guest_mem", "1T"},
	{"guest_mem=256MB", "guest_mem", "256MB"},
	{"guest_mem=256 M", "guest_mem", "256"}, /* the space ends the word: "M" is a word of its own */
	{"guest_mem=-256M", "guest_mem", "-256M"},
	{"guest_mem=+256M", "guest_mem", "+256M"},
	{"guest_mem=M", "guest_mem", "M"},
	{"guest_mem=0x", "guest_mem", "0x"},
	{"guest_mem=0xM", "guest_mem", "0xM"},
	{"guest_mem=0x1_0000000", "guest_mem", "0x1_0000000"},
	{"guest_mem=256M256", "guest_mem", "256M256"},
	{"guest_mem=12ab", "guest_mem", "12ab"},
	/* overflow, including values that wrap to an acceptable size when not caught */
	{"guest_mem=99999999999999999999G", "guest_mem", "99999999999999999999G"},
	{"guest_mem=18446744073977987072", "guest_mem", "18446744073977987072"},  /* 2^64 + 256M */
	{"guest_mem=0x10000000010000000", "guest_mem", "0x10000000010000000"},    /* 2^64 + 256M */
	{"guest_mem=17179869185G", "guest_mem", "17179869185G"},                  /* 2^64 + 1G */
	{"guest_mem=18014398509744128K", "guest_mem", "18014398509744128K"},      /* 2^64 + 256M */
	{"guest_mem=17592186044672M", "guest_mem", "17592186044672M"},            /* 2^64 + 256M */
	{"guest_mem=0x100000000000000000000000", "guest_mem", "0x100000000000000000000000"},
	{"block_policy=", "block_policy", ""},
	{"block_policy=Auto", "block_policy", "Auto"},
	{"block_policy=on", "block_policy", "on"},
	{"exit_cost=0", "exit_cost", "0"},
	{"exit_cost=", "exit_cost", ""},
	{"exit_cost=100000001", "exit_cost", "100000001"},
	{"exit_cost=-5", "exit_cost", "-5"},
	{"exit_cost=2k", "exit_cost", "2k"},
	{"exit_cost=18446744073709551617", "exit_cost", "18446744073709551617"},
	{"block_io=", "block_io", ""},
	{"block_io=yes", "block_io", "yes"},
	{"block_io=ON", "block_io", "ON"},
	{"block_io=1", "block_io", "1"},
	{"block_follow=yes", "block_follow", "yes"},
	{"block_follow=", "block_follow", ""},
	{"irq_pace=yes", "irq_pace", "yes"},
	{"irq_pace=", "irq_pace", ""},
	{"block_io=onn", "block_io", "onn"},
	{"extent=", "extent", ""},
	{"extent=15", "extent", "15"},
	{"extent=0", "extent", "0"},
	{"extent=4097", "extent", "4097"},
	{"extent=PAGE", "extent", "PAGE"},
	{"extent=256b", "extent", "256b"},
	{"extent=1K", "extent", "1K"},
	{"extent=-16", "extent", "-16"},
	{"extent=18446744073709551872", "extent", "18446744073709551872"}, /* 2^64 + 256 */
	{"extent=0x10000000000000100", "extent", "0x10000000000000100"},   /* 2^64 + 256 */
	{"stats_interval=", "stats_interval", ""},
	{"stats_interval=86401", "stats_interval", "86401"},
	{"stats_interval=10s", "stats_interval", "10s"},
	{"stats_interval=-1", "stats_interval", "-1"},
	{"stats_interval=4294967296", "stats_interval", "4294967296"},
	{"stats_interval=18446744073709551616", "stats_interval", "18446744073709551616"},
	{"stats_interval=18446744073709638016", "stats_interval", "18446744073709638016"}, /* 2^64 + 86400 */
	{"trace=", "trace", ""},
	{"trace=all", "trace", "all"},
	{"trace=exit", "trace", "exit"},
	{"trace=exits=1", "trace", "exits=1"},
	{"trace=io:15", "trace", "io:15"},
	{"trace=io:16777217", "trace", "io:16777217"},
	{"trace=io:", "trace", "io:"},
	{"trace=io:x", "trace", "io:x"},
	{"trace=io16", "trace", "io16"},
	{"console=", "console", ""},
	{"console=vga", "console", "vga"},
	{"console=Serial", "console", "Serial"},
	{"console=serial,screen", "console", "serial,screen"},
};

static void test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		struct hv_options o;
		char err[OPT_ERR_MAX], want[OPT_ERR_MAX];
		if (parse(b->cmdline, &o, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", b->cmdline);
		snprintf(want, sizeof(want), "bad value '%s' for option '%s'", b->value, b->key);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("'%s': got \"%s\", want it to start with \"%s\"", b->cmdline, err, want);
		assert_non_null(strstr(err, "expected")); /* and it says what would have been accepted */
	}
}

static void expect_error(const char *cmdline, const char *want)
{
	struct hv_options o;
	char err[OPT_ERR_MAX];
	if (parse(cmdline, &o, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted", cmdline);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("'%s': got \"%s\", want it to start with \"%s\"", cmdline, err, want);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("guestmem=256M", "unknown option 'guestmem'");
	expect_error("Trace=exits", "unknown option 'Trace'");
	expect_error("trace_=exits", "unknown option 'trace_'");
	expect_error("on_exit=halt foo=bar", "unknown option 'foo'");
	expect_error("=5", "unknown option ''");
	expect_error("trac=exits", "unknown option 'trac'");
}

static void test_words_without_equals(void **state)
{
	(void)state;
	expect_error("quiet", "option 'quiet' is not a key=value word");
	expect_error("block_io=off verbose", "option 'verbose' is not a key=value word");
	expect_error("trace", "option 'trace' is not a key=value word");
}

static void test_overlong_words(void **state)
{
	(void)state;
	char line[600], err[OPT_ERR_MAX];
	struct hv_options o;
	/* 127 characters: the longest word accepted ("extent=" and 118 zeros before "16") */
	size_t n = (size_t)snprintf(line, sizeof(line), "extent=");
	while (n < 125)
		line[n++] = '0';
	strcpy(line + n, "16");
	assert_int_equal(strlen(line), 127);
	assert_int_equal(parse(line, &o, err, sizeof(err)), 0);
	assert_int_equal(o.extent, EXTENT_BYTES);
	assert_int_equal(o.extent_bytes, 16);
	/* 128 characters: rejected, naming the start of the word */
	memmove(line + 8, line + 7, strlen(line + 7) + 1);
	line[7] = '0';
	assert_int_equal(strlen(line), 128);
	assert_int_equal(parse(line, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is longer than 127 characters"));
	assert_int_equal(strncmp(err, "option 'extent=0000", 19), 0);
	/* a huge word in the middle of good ones */
	n = (size_t)snprintf(line, sizeof(line), "trace=exits ");
	while (n < 500)
		line[n++] = 'k';
	strcpy(line + n, " block_io=off");
	assert_int_equal(parse(line, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is longer than"));
}

static void test_whitespace_variety(void **state)
{
	(void)state;
	struct hv_options o;
	char err[OPT_ERR_MAX];
	assert_int_equal(parse("\ttrace=exits\n\nblock_io=off\r\n  guest_mem=512M\t", &o, err, sizeof(err)), 0);
	assert_int_equal(o.trace, TRACE_EXITS);
	assert_false(o.block_io);
	assert_int_equal(o.guest_mem, 512 * MIB);
	/* a file such as microhv.cfg: one word per line, CRLF endings */
	assert_int_equal(parse("on_exit=bochs\r\nextent=cpu\r\n", &o, err, sizeof(err)), 0);
	assert_int_equal(o.on_exit, ON_EXIT_BOCHS);
	assert_int_equal(o.extent, EXTENT_CPU);
}

static void test_later_word_overrides(void **state)
{
	(void)state;
	struct hv_options o;
	char err[OPT_ERR_MAX];
	assert_int_equal(parse("trace=exits guest_mem=4M trace=blocks extent=32 guest_mem=8M extent=page", &o, err,
	                       sizeof(err)),
	                 0);
	assert_int_equal(o.trace, TRACE_BLOCKS);
	assert_int_equal(o.guest_mem, 8 * MIB);
	assert_int_equal(o.extent, EXTENT_PAGE);
	assert_int_equal(o.extent_bytes, 32);
}

static void test_error_stops_at_the_bad_word(void **state)
{
	(void)state;
	struct hv_options o;
	char err[OPT_ERR_MAX];
	assert_int_equal(parse("trace=exits block_io=maybe guest_mem=4M", &o, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "bad value 'maybe' for option 'block_io'", 39), 0);
	assert_int_equal(o.guest_mem, OPT_GUEST_MEM_DEFAULT); /* the word after the bad one is not applied */
}

static void test_small_error_buffer(void **state)
{
	(void)state;
	struct hv_options o;
	char err[12];
	memset(err, 'Z', sizeof(err));
	assert_int_equal(parse("trace=loud", &o, err, 8), -1);
	assert_string_equal(err, "bad val");
	assert_int_equal(err[8], 'Z');
	assert_int_equal(parse("nope=1", &o, NULL, 0), -1); /* no buffer at all */
}

static void check_round_trip(const struct hv_options *in)
{
	char buf[256], err[OPT_ERR_MAX];
	int n = options_format(in, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	struct hv_options out;
	if (parse(buf, &out, err, sizeof(err)) != 0)
		fail_msg("options_format wrote \"%s\", which options_parse rejects: %s", buf, err);
	assert_int_equal(out.on_exit, in->on_exit);
	assert_int_equal(out.guest_mem, in->guest_mem);
	assert_int_equal(out.block_io, in->block_io);
	assert_int_equal(out.extent, in->extent);
	if (in->extent == EXTENT_BYTES)
		assert_int_equal(out.extent_bytes, in->extent_bytes);
	assert_int_equal(out.stats_interval, in->stats_interval);
	assert_int_equal(out.trace, in->trace);
	assert_int_equal(out.console, in->console);
	assert_int_equal(out.block_policy, in->block_policy);
	assert_int_equal(out.exit_cost, in->exit_cost);
}

static void test_format_round_trips(void **state)
{
	(void)state;
	struct hv_options o;
	options_defaults(&o);
	check_round_trip(&o);
	const u64 mems[] = {OPT_GUEST_MEM_MIN, 6 * MIB, 256 * MIB, GIB + 2 * MIB, OPT_GUEST_MEM_MAX};
	const u32 extents[] = {OPT_EXTENT_MIN, 17, 256, OPT_EXTENT_MAX};
	for (int on_exit = ON_EXIT_HALT; on_exit <= ON_EXIT_QEMU; on_exit++)
		for (int ext = EXTENT_BYTES; ext <= EXTENT_CPU; ext++)
			for (int trace = TRACE_NONE; trace <= TRACE_BLOCKS; trace++)
				for (size_t m = 0; m < ARRAY_SIZE(mems); m++) {
					o.on_exit = (enum on_exit_action)on_exit;
					o.extent = (enum extent_policy)ext;
					o.trace = (enum trace_mode)trace;
					o.guest_mem = mems[m];
					o.extent_bytes = extents[m % ARRAY_SIZE(extents)];
					o.block_io = (m + (size_t)trace) % 2;
					o.block_follow = (m / 2) % 2;
					o.irq_pace = (m + (size_t)on_exit) % 2;
					o.block_policy = (enum block_policy_opt)((m + (size_t)trace) % 3);
					o.exit_cost = m % 2 ? 0 : (u64)m * 1999 + 1;
					o.stats_interval = m == 0 ? OPT_STATS_INTERVAL_MAX : (u32)m * 7;
					o.console = (enum console_mode)((m + (size_t)ext) % 3);
					check_round_trip(&o);
				}
}

static void test_format_text_and_truncation(void **state)
{
	(void)state;
	struct hv_options o;
	options_defaults(&o);
	char buf[256];
	int n = options_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "on_exit=halt guest_mem=256M block_io=on block_follow=on extent=page stats_interval=0 trace=none "
	                         "console=both serial=auto preemption_timer=auto selftest=none irq_pace=on block_wp=on "
	                         "block_policy=auto exit_cost=auto");
	char small[10];
	assert_int_equal(options_format(&o, small, sizeof(small)), n);
	/* the longest text any options give fits the buffers that print it (OPT_WORDS_MAX) */
	char big[1024];
	assert_int_equal(parse("on_exit=reset guest_mem=65534M block_io=off block_follow=off extent=4095 "
	                       "stats_interval=86399 trace=io:16777215 console=screen serial=mmio8:0xfffffffffffff000 "
	                       "preemption_timer=off selftest=root_nmi irq_pace=off block_wp=off block_policy=always "
	                       "exit_cost=99999999", &o, NULL, 0), 0);
	assert_true(options_format(&o, big, sizeof(big)) < OPT_WORDS_MAX);
	assert_string_equal(small, "on_exit=h");
}

/* serial= (issue 13 section 1): every form, and its text written back */
static void test_serial_values(void **state)
{
	(void)state;
	static const struct {
		const char *word;
		enum serial_choice kind;
		u64 addr;
		u8 bus, dev, fn;
		const char *formatted;
	} good[] = {
		{"serial=auto", SERIAL_AUTO, 0, 0, 0, 0, "auto"},
		{"serial=none", SERIAL_NONE, 0, 0, 0, 0, "none"},
		{"serial=0x2f8", SERIAL_IO, 0x2f8, 0, 0, 0, "0x2f8"},
		{"serial=1016", SERIAL_IO, 0x3f8, 0, 0, 0, "0x3f8"},
		{"serial=0xfff8", SERIAL_IO, 0xfff8, 0, 0, 0, "0xfff8"},
		{"serial=mmio:0xfe032000", SERIAL_MMIO, 0xfe032000, 0, 0, 0, "mmio:0xfe032000"},
		{"serial=mmio8:0xfed00000", SERIAL_MMIO8, 0xfed00000, 0, 0, 0, "mmio8:0xfed00000"},
		{"serial=pci:00:16.3", SERIAL_PCI, 0, 0, 0x16, 3, "pci:00:16.3"},
		{"serial=pci:ff:1f.7", SERIAL_PCI, 0, 0xff, 0x1f, 7, "pci:ff:1f.7"},
		{"serial=pci:3:0.0", SERIAL_PCI, 0, 3, 0, 0, "pci:03:00.0"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct hv_options o;
		char err[OPT_ERR_MAX];
		assert_int_equal(parse(good[i].word, &o, err, sizeof(err)), 0);
		assert_int_equal(o.serial.kind, good[i].kind);
		assert_int_equal(o.serial.addr, good[i].addr);
		assert_int_equal(o.serial.bus, good[i].bus);
		assert_int_equal(o.serial.dev, good[i].dev);
		assert_int_equal(o.serial.fn, good[i].fn);
		char buf[40];
		options_format_serial(&o.serial, buf, sizeof(buf));
		assert_string_equal(buf, good[i].formatted);
		check_round_trip(&o);
	}
}

static void test_serial_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"serial=", "serial=0", "serial=0xfff9", "serial=0x10000", "serial=com2", "serial=mmio:",
		"serial=mmio:0", "serial=mmio:0xzz", "serial=mmio16:0x1000", "serial=pci:", "serial=pci:00:16",
		"serial=pci:00:20.0", "serial=pci:100:00.0", "serial=pci:00:16.8", "serial=pci:00:16.3x",
		"serial=pci:00.16.3", "serial=AUTO", "serial=0x2f8,115200",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct hv_options o;
		char err[OPT_ERR_MAX];
		assert_int_equal(parse(bad[i], &o, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "for option 'serial'"));
		assert_int_equal(o.serial.kind, SERIAL_AUTO); /* untouched */
	}
}

/* preemption_timer= and selftest= (README "Real hardware"): values, refusals, round trip. */
static void test_timer_and_selftest(void **state)
{
	(void)state;
	struct hv_options o;
	char err[OPT_ERR_MAX], buf[256];
	assert_int_equal(parse("preemption_timer=off selftest=root_nmi", &o, err, sizeof(err)), 0);
	assert_false(o.preemption_timer);
	assert_int_equal(o.selftest, SELFTEST_ROOT_NMI);
	options_format(&o, buf, sizeof(buf));
	assert_non_null(strstr(buf, " preemption_timer=off selftest=root_nmi"));
	assert_int_equal(parse("preemption_timer=off preemption_timer=auto selftest=none", &o, err, sizeof(err)), 0);
	assert_true(o.preemption_timer);
	assert_int_equal(o.selftest, SELFTEST_NONE);
	expect_error("preemption_timer=on", "bad value 'on' for option 'preemption_timer': expected auto or off");
	expect_error("preemption_timer=", "bad value '' for option 'preemption_timer'");
	expect_error("selftest=nmi", "bad value 'nmi' for option 'selftest': expected none or root_nmi");
}

static void test_on_exit_names(void **state)
{
	(void)state;
	assert_string_equal(options_on_exit_name(ON_EXIT_HALT), "halt");
	assert_string_equal(options_on_exit_name(ON_EXIT_RESET), "reset");
	assert_string_equal(options_on_exit_name(ON_EXIT_BOCHS), "bochs");
	assert_string_equal(options_on_exit_name(ON_EXIT_QEMU), "qemu");
	assert_string_equal(options_on_exit_name((enum on_exit_action)99), "?");
	assert_string_equal(options_console_name(CONSOLE_SCREEN), "screen");
	assert_string_equal(options_console_name((enum console_mode)3), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_and_null_cmdline),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_words_without_equals),
		cmocka_unit_test(test_overlong_words),
		cmocka_unit_test(test_whitespace_variety),
		cmocka_unit_test(test_later_word_overrides),
		cmocka_unit_test(test_error_stops_at_the_bad_word),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_format_text_and_truncation),
		cmocka_unit_test(test_on_exit_names),
		cmocka_unit_test(test_timer_and_selftest),
		cmocka_unit_test(test_serial_values),
		cmocka_unit_test(test_serial_refusals),
	};
	return UNIT_RUN(tests);
}
