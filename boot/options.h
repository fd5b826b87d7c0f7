/*
 * Hypervisor options: key=value words from the GRUB command line, the EFI
 * load options or microhv.cfg. Unknown keys and bad values are errors that
 * name the word; nothing is guessed. Pure C, host-tested.
 */
#ifndef BOOT_OPTIONS_H
#define BOOT_OPTIONS_H

#include "../arch/serial.h"
#include "../arch/shutdown.h"

enum extent_policy {
	EXTENT_BYTES = 0, /* software: a fixed number of bytes */
	EXTENT_PAGE,      /* hardware boundary: the end of the code page */
	EXTENT_CPU,       /* the processor's state: what is mapped executable */
};

enum trace_mode {
	TRACE_NONE = 0,
	TRACE_EXITS,
	TRACE_BLOCKS,
	TRACE_IO, /* trace=io[:N]: a ring of N IO-instruction records, printed at the end (dispatcher/trace_io.h) */
};

/* Where the console goes (arch/console.h); the screen only where the loader found one. */
enum console_mode {
	CONSOLE_BOTH = 0,
	CONSOLE_SERIAL,
	CONSOLE_SCREEN,
};

/* selftest=: a check of a path that cannot be provoked from outside (README "Real hardware"). */
enum selftest {
	SELFTEST_NONE = 0,
	SELFTEST_ROOT_NMI, /* INT 2 in root mode before the guest's first entry: the NMI handler path */
};

/* block_policy=: auto keeps a block while its replays cost less than the exits they save (at the
 * exit cost measured at start); always keeps every block; never runs none (as block_io=off). */
enum block_policy_opt { BLOCK_POLICY_OPT_AUTO = 0, BLOCK_POLICY_OPT_ALWAYS, BLOCK_POLICY_OPT_NEVER };

struct hv_options {
	enum on_exit_action on_exit;
	u64 guest_mem;        /* bytes */
	bool block_io;
	bool block_follow; /* block_follow=on: follow calls and returns into blocks (64-bit code) */
	bool block_wp;     /* block_wp=on: write-protect cached block code, re-hash only when written */
	enum extent_policy extent;
	u32 extent_bytes;     /* for EXTENT_BYTES */
	u32 stats_interval;   /* seconds, 0 = only at the end */
	enum trace_mode trace;
	u32 trace_ring;       /* trace=io: records in the ring */
	enum console_mode console;
	struct serial_option serial;
	bool preemption_timer; /* preemption_timer=auto (true): where the CPU has it; off: the LAPIC timer */
	enum selftest selftest;
	bool irq_pace; /* irq_pace=on (default): the interrupt pacer (dispatcher/interrupts.h) */
	enum block_policy_opt block_policy; /* block_policy=: which blocks run (block_policy.h) */
	u64 exit_cost; /* exit_cost=N: TSC ticks per VM exit and entry; 0 (auto): measured at start */
};

#define OPT_GUEST_MEM_DEFAULT (256 * MIB)
#define OPT_GUEST_MEM_MIN (2 * MIB)
#define OPT_GUEST_MEM_MAX (64 * GIB)
#define OPT_EXTENT_MIN 16
#define OPT_EXTENT_MAX 4096
#define OPT_STATS_INTERVAL_MAX 86400
#define OPT_EXIT_COST_MAX 100000000ULL /* TSC ticks: 0.1 s at 1 GHz, far above any exit */
#define OPT_ERR_MAX 160
#define OPT_WORDS_MAX 384 /* options_format's longest text, its NUL included (test_options.c) */
#define OPT_TRACE_RING_DEFAULT 65536
#define OPT_TRACE_RING_MIN 16
#define OPT_TRACE_RING_MAX (16U << 20)
#define OPT_IO_PORT_MAX 0xfff8 /* a 16550 needs 8 ports */
#define OPT_PCI_BUS_MAX 255
#define OPT_PCI_DEV_MAX 31
#define OPT_PCI_FN_MAX 7

void options_defaults(struct hv_options *o);
/* Parses cmdline over o (call options_defaults first); 0 on success, -1 with err filled. */
int options_parse(const char *cmdline, struct hv_options *o, char *err, size_t errlen);
/* Writes the options back as key=value words, as options_parse accepts them. */
int options_format(const struct hv_options *o, char *buf, size_t size);
const char *options_on_exit_name(enum on_exit_action a);
const char *options_console_name(enum console_mode m);
/* The serial= value as options_parse accepts it. */
int options_format_serial(const struct serial_option *s, char *buf, size_t size);

#endif
