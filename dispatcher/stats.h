/*
 * Exit statistics for people (DESIGN.md section 5; README "Exit statistics"): the human table
 * and the one-line "[hv] stats {json}" record, at the end of a run, every stats_interval
 * seconds of guest time, and on request from the console (Ctrl-A s). Pure C: the run loop
 * hands in the time and the typed bytes.
 */
#ifndef DISPATCHER_STATS_H
#define DISPATCHER_STATS_H

#include "../arch/types.h"

struct dispatcher;

#define STATS_JSON_VERSION 2
#define CONSOLE_CTRL_A 0x01
#define CONSOLE_STATS_KEY 's'

enum stats_kind {
	STATS_FINAL = 0, /* the end of the run */
	STATS_PERIODIC,  /* stats_interval */
	STATS_REQUEST,   /* Ctrl-A s on the console */
};

/* The console's escape: Ctrl-A s asks for statistics, Ctrl-A Ctrl-A types one Ctrl-A; Ctrl-A
 * and any other byte reach the guest unchanged, both of them, in order. */
struct console_keys {
	bool armed;     /* the last byte was a Ctrl-A, held back */
	int owed;       /* a byte to hand the guest before reading another, or -1 */
	bool requested; /* Ctrl-A s seen, not yet answered */
};

struct stats_ctl {
	u64 interval_ns;          /* 0: no periodic lines */
	u64 next_ns;              /* guest time of the next periodic line; 0 before the first poll */
	u64 seq;                  /* stats lines printed so far */
	u64 now_ns, host_tsc, guest_tsc; /* the time of the last poll: every line's timestamp */
	u64 guest_ticks;          /* TSC ticks the guest ran (entry to exit), root mode left out */
	struct console_keys keys;
};

void stats_init(struct stats_ctl *s, u32 interval_s);
/* The next byte for the guest from a console read by getc (a byte or -1), after the escape. */
int console_keys_next(struct console_keys *k, int (*getc)(void *ctx), void *ctx);
/* From the run loop, before each VM entry: records the time, prints the periodic line when its
 * guest-time deadline has passed, and answers a Ctrl-A s (true when it printed; the run loop
 * keeps that time out of root_tsc). Costs two compares otherwise. */
bool stats_poll(struct dispatcher *d, u64 now_ns, u64 host_tsc, u64 guest_tsc);
/* The guest ran from entry_tsc to exit_tsc (the run loop, after each exit): the trace's clock. */
void stats_guest_ran(struct dispatcher *d, u64 entry_tsc, u64 exit_tsc);
/* Root-mode TSC ticks spent on one exit of this reason (the run loop measures them). */
void stats_add_root_tsc(struct dispatcher *d, u32 reason, u64 ticks);
/* The table (not for periodic lines) and the JSON line. */
void stats_print(struct dispatcher *d, enum stats_kind kind);

#endif
