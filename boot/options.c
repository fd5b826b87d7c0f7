/* Parser for the hypervisor's key=value options; see options.h. */
#include "options.h"
#include "../arch/printf.h"

#define WORD_MAX 128

struct option_def {
	const char *key;
	int (*parse)(struct hv_options *o, const char *v);
	const char *expect; /* said in the error message */
};

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Decimal or 0x-hex; rejects empty strings, junk and overflow. */
static int parse_u64(const char *s, const char **end, u64 *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	u64 v = 0;
	const char *p = s;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (p == s)
		return -1;
	*end = p;
	*out = v;
	return 0;
}

static int parse_plain_u64(const char *s, u64 *out)
{
	const char *end;
	if (parse_u64(s, &end, out) || *end)
		return -1;
	return 0;
}

static int parse_size(const char *s, u64 *out)
{
	const char *end;
	u64 v, mult = 1;
	if (parse_u64(s, &end, &v))
		return -1;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mult = 1024; end++; break;
	case 'm': case 'M': mult = MIB; end++; break;
	case 'g': case 'G': mult = GIB; end++; break;
	default: return -1;
	}
	if (*end || (v && mult > UINT64_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

static int opt_on_exit(struct hv_options *o, const char *v)
{
	static const struct { const char *name; enum on_exit_action a; } names[] = {
		{"halt", ON_EXIT_HALT}, {"reset", ON_EXIT_RESET}, {"bochs", ON_EXIT_BOCHS}, {"qemu", ON_EXIT_QEMU},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (str_eq(v, names[i].name)) {
			o->on_exit = names[i].a;
			return 0;
		}
	return -1;
}

static int opt_guest_mem(struct hv_options *o, const char *v)
{
	u64 n;
	if (parse_size(v, &n) || n < OPT_GUEST_MEM_MIN || n > OPT_GUEST_MEM_MAX || n % (2 * MIB))
		return -1;
	o->guest_mem = n;
	return 0;
}

static int parse_on_off(const char *v, bool *out)
{
	if (str_eq(v, "on"))
		*out = true;
	else if (str_eq(v, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

static int opt_block_io(struct hv_options *o, const char *v) { return parse_on_off(v, &o->block_io); }
static int opt_block_follow(struct hv_options *o, const char *v) { return parse_on_off(v, &o->block_follow); }
static int opt_block_wp(struct hv_options *o, const char *v) { return parse_on_off(v, &o->block_wp); }

static int opt_extent(struct hv_options *o, const char *v)
{
	u64 n;
	if (str_eq(v, "page")) {
		o->extent = EXTENT_PAGE;
	} else if (str_eq(v, "cpu")) {
		o->extent = EXTENT_CPU;
	} else if (!parse_plain_u64(v, &n) && n >= OPT_EXTENT_MIN && n <= OPT_EXTENT_MAX) {
		o->extent = EXTENT_BYTES;
		o->extent_bytes = (u32)n;
	} else {
		return -1;
	}
	return 0;
}

static int opt_stats_interval(struct hv_options *o, const char *v)
{
	u64 n;
	if (parse_plain_u64(v, &n) || n > OPT_STATS_INTERVAL_MAX)
		return -1;
	o->stats_interval = (u32)n;
	return 0;
}

static int opt_trace(struct hv_options *o, const char *v)
{
	if (str_eq(v, "none"))
		o->trace = TRACE_NONE;
	else if (str_eq(v, "exits"))
		o->trace = TRACE_EXITS;
	else if (str_eq(v, "blocks"))
		o->trace = TRACE_BLOCKS;
	else if (str_eq(v, "io"))
		o->trace = TRACE_IO;
	else if (v[0] == 'i' && v[1] == 'o' && v[2] == ':') {
		u64 n;
		if (parse_plain_u64(v + 3, &n) || n < OPT_TRACE_RING_MIN || n > OPT_TRACE_RING_MAX)
			return -1;
		o->trace = TRACE_IO;
		o->trace_ring = (u32)n;
	} else
		return -1;
	return 0;
}

static const char *const console_names[] = {"both", "serial", "screen"}; /* enum console_mode */

static int opt_console(struct hv_options *o, const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(console_names); i++)
		if (str_eq(v, console_names[i])) {
			o->console = (enum console_mode)i;
			return 0;
		}
	return -1;
}

const char *options_console_name(enum console_mode m)
{
	return (unsigned)m < ARRAY_SIZE(console_names) ? console_names[m] : "?";
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
	while (*prefix && *s == *prefix) {
		s++;
		prefix++;
	}
	*rest = s;
	return *prefix == 0;
}

/* Hex digits only (PCI addresses are written in hex, as lspci does), at most max. */
static int parse_hex_field(const char *s, const char **end, unsigned max, u8 *out)
{
	char buf[8];
	size_t n = 0;
	while (n < sizeof(buf) - 3 && ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
	                               (s[n] >= 'A' && s[n] <= 'F'))) {
		buf[n + 2] = s[n];
		n++;
	}
	buf[0] = '0';
	buf[1] = 'x';
	buf[n + 2] = 0;
	const char *e;
	u64 v;
	if (!n || parse_u64(buf, &e, &v) || *e || v > max)
		return -1;
	*end = s + n;
	*out = (u8)v;
	return 0;
}

static int parse_pci(const char *s, struct serial_option *o)
{
	if (parse_hex_field(s, &s, OPT_PCI_BUS_MAX, &o->bus) || *s++ != ':' ||
	    parse_hex_field(s, &s, OPT_PCI_DEV_MAX, &o->dev) || *s++ != '.' ||
	    parse_hex_field(s, &s, OPT_PCI_FN_MAX, &o->fn) || *s)
		return -1;
	return 0;
}

static int opt_serial(struct hv_options *o, const char *v)
{
	struct serial_option s = {0};
	const char *rest;
	if (str_eq(v, "auto"))
		s.kind = SERIAL_AUTO;
	else if (str_eq(v, "none"))
		s.kind = SERIAL_NONE;
	else if (has_prefix(v, "pci:", &rest)) {
		s.kind = SERIAL_PCI;
		if (parse_pci(rest, &s))
			return -1;
	} else if (has_prefix(v, "mmio8:", &rest) || has_prefix(v, "mmio:", &rest)) {
		s.kind = v[4] == '8' ? SERIAL_MMIO8 : SERIAL_MMIO;
		if (parse_plain_u64(rest, &s.addr) || !s.addr)
			return -1;
	} else {
		s.kind = SERIAL_IO;
		if (parse_plain_u64(v, &s.addr) || !s.addr || s.addr > OPT_IO_PORT_MAX)
			return -1;
	}
	o->serial = s;
	return 0;
}

static int opt_preemption_timer(struct hv_options *o, const char *v)
{
	if (str_eq(v, "auto"))
		o->preemption_timer = true;
	else if (str_eq(v, "off"))
		o->preemption_timer = false;
	else
		return -1;
	return 0;
}

static int opt_irq_pace(struct hv_options *o, const char *v) { return parse_on_off(v, &o->irq_pace); }

static const char *const block_policy_names[] = {"auto", "always", "never"}; /* enum block_policy_opt */

/* The index of v in names[0..n), or -1. */
static int name_index(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v, names[i]))
			return (int)i;
	return -1;
}

static int opt_block_policy(struct hv_options *o, const char *v)
{
	int i = name_index(v, block_policy_names, ARRAY_SIZE(block_policy_names));
	if (i < 0)
		return -1;
	o->block_policy = (enum block_policy_opt)i;
	return 0;
}

static int opt_exit_cost(struct hv_options *o, const char *v)
{
	u64 n;
	if (str_eq(v, "auto")) {
		o->exit_cost = 0;
		return 0;
	}
	if (parse_plain_u64(v, &n) || n < 1 || n > OPT_EXIT_COST_MAX)
		return -1;
	o->exit_cost = n;
	return 0;
}

static const char *const selftest_names[] = {"none", "root_nmi"}; /* enum selftest */

static int opt_selftest(struct hv_options *o, const char *v)
{
	int i = name_index(v, selftest_names, ARRAY_SIZE(selftest_names));
	if (i < 0)
		return -1;
	o->selftest = (enum selftest)i;
	return 0;
}

static const struct option_def option_defs[] = {
	{"on_exit", opt_on_exit, "halt, reset, bochs or qemu"},
	{"guest_mem", opt_guest_mem, "a size from 2M to 64G in whole 2M units, e.g. 256M"},
	{"block_io", opt_block_io, "on or off"},
	{"block_follow", opt_block_follow, "on or off"},
	{"block_wp", opt_block_wp, "on or off"},
	{"extent", opt_extent, "page, cpu, or a byte count from 16 to 4096"},
	{"stats_interval", opt_stats_interval, "seconds from 0 (off) to 86400"},
	{"trace", opt_trace, "none, exits, blocks, io or io:N (N records, 16 to 16777216)"},
	{"console", opt_console, "serial, screen or both"},
	{"serial", opt_serial, "auto, none, an IO port (0x2f8), mmio:ADDRESS, mmio8:ADDRESS or pci:BUS:DEV.FN (hex)"},
	{"preemption_timer", opt_preemption_timer, "auto or off"},
	{"selftest", opt_selftest, "none or root_nmi"},
	{"irq_pace", opt_irq_pace, "on or off"},
	{"block_policy", opt_block_policy, "auto, always or never"},
	{"exit_cost", opt_exit_cost, "auto, or TSC ticks per VM exit and entry from 1 to 100000000"},
};

void options_defaults(struct hv_options *o)
{
	*o = (struct hv_options){
		.on_exit = ON_EXIT_HALT,
		.guest_mem = OPT_GUEST_MEM_DEFAULT,
		.block_io = true,
		.block_follow = true,
		.block_wp = true,
		.extent = EXTENT_PAGE,
		.extent_bytes = 256,
		.stats_interval = 0,
		.trace = TRACE_NONE,
		.trace_ring = OPT_TRACE_RING_DEFAULT,
		.console = CONSOLE_BOTH,
		.preemption_timer = true,
		.irq_pace = true,
	};
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int parse_word(const char *word, struct hv_options *o, char *err, size_t errlen)
{
	char key[WORD_MAX];
	size_t k = 0;
	while (word[k] && word[k] != '=' && k < sizeof(key) - 1) {
		key[k] = word[k];
		k++;
	}
	key[k] = 0;
	if (word[k] != '=') {
		fmt_snprintf(err, errlen, "option '%s' is not a key=value word", word);
		return -1;
	}
	const char *value = word + k + 1;
	for (size_t i = 0; i < ARRAY_SIZE(option_defs); i++) {
		if (!str_eq(key, option_defs[i].key))
			continue;
		if (option_defs[i].parse(o, value)) {
			fmt_snprintf(err, errlen, "bad value '%s' for option '%s': expected %s", value, key,
			             option_defs[i].expect);
			return -1;
		}
		return 0;
	}
	fmt_snprintf(err, errlen, "unknown option '%s'", key);
	return -1;
}

int options_parse(const char *cmdline, struct hv_options *o, char *err, size_t errlen)
{
	const char *p = cmdline ? cmdline : "";
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		char word[WORD_MAX];
		size_t n = 0;
		while (p[n] && !is_space(p[n]))
			n++;
		if (n >= sizeof(word)) {
			fmt_snprintf(err, errlen, "option '%.24s...' is longer than %d characters", p, WORD_MAX - 1);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			word[i] = p[i];
		word[n] = 0;
		p += n;
		if (parse_word(word, o, err, errlen))
			return -1;
	}
	return 0;
}

const char *options_on_exit_name(enum on_exit_action a)
{
	switch (a) {
	case ON_EXIT_HALT: return "halt";
	case ON_EXIT_RESET: return "reset";
	case ON_EXIT_BOCHS: return "bochs";
	case ON_EXIT_QEMU: return "qemu";
	}
	return "?";
}

int options_format_serial(const struct serial_option *s, char *buf, size_t size)
{
	switch (s->kind) {
	case SERIAL_AUTO: return fmt_snprintf(buf, size, "auto");
	case SERIAL_NONE: return fmt_snprintf(buf, size, "none");
	case SERIAL_IO: return fmt_snprintf(buf, size, "0x%llx", (unsigned long long)s->addr);
	case SERIAL_MMIO: return fmt_snprintf(buf, size, "mmio:0x%llx", (unsigned long long)s->addr);
	case SERIAL_MMIO8: return fmt_snprintf(buf, size, "mmio8:0x%llx", (unsigned long long)s->addr);
	case SERIAL_PCI: return fmt_snprintf(buf, size, "pci:%02x:%02x.%x", s->bus, s->dev, s->fn);
	}
	return fmt_snprintf(buf, size, "?");
}

int options_format(const struct hv_options *o, char *buf, size_t size)
{
	char extent[16];
	if (o->extent == EXTENT_PAGE)
		fmt_snprintf(extent, sizeof(extent), "page");
	else if (o->extent == EXTENT_CPU)
		fmt_snprintf(extent, sizeof(extent), "cpu");
	else
		fmt_snprintf(extent, sizeof(extent), "%u", o->extent_bytes);
	static const char *const traces[] = {"none", "exits", "blocks", "io"};
	char trace[24]; /* trace=io:N, so that the words read back give the same ring */
	if (o->trace == TRACE_IO)
		fmt_snprintf(trace, sizeof(trace), "io:%u", o->trace_ring);
	else
		fmt_snprintf(trace, sizeof(trace), "%s", traces[o->trace]);
	char serial[40];
	options_format_serial(&o->serial, serial, sizeof(serial));
	char exit_cost[24];
	if (o->exit_cost)
		fmt_snprintf(exit_cost, sizeof(exit_cost), "%llu", (unsigned long long)o->exit_cost);
	else
		fmt_snprintf(exit_cost, sizeof(exit_cost), "auto");
	return fmt_snprintf(buf, size,
	                    "on_exit=%s guest_mem=%lluM block_io=%s block_follow=%s extent=%s stats_interval=%u trace=%s"
	                    " console=%s serial=%s preemption_timer=%s selftest=%s irq_pace=%s"
	                    " block_wp=%s block_policy=%s exit_cost=%s",
	                    options_on_exit_name(o->on_exit), (unsigned long long)(o->guest_mem / MIB),
	                    o->block_io ? "on" : "off", o->block_follow ? "on" : "off", extent, o->stats_interval, trace,
	                    options_console_name(o->console), serial,
	                    o->preemption_timer ? "auto" : "off",
	                    (unsigned)o->selftest < ARRAY_SIZE(selftest_names) ? selftest_names[o->selftest] : "?",
	                    o->irq_pace ? "on" : "off", o->block_wp ? "on" : "off",
	                    (unsigned)o->block_policy < ARRAY_SIZE(block_policy_names) ? block_policy_names[o->block_policy] : "?",
	                    exit_cost);
}
