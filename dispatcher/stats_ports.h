/*
 * Per-port IO figures for the statistics (stats.h): accesses in and out, the IO exits whose
 * instruction named the port, and the accesses made while emulating blocks. A small open-
 * addressed table: ports beyond its size are summed under "other". Pure C.
 */
#ifndef DISPATCHER_STATS_PORTS_H
#define DISPATCHER_STATS_PORTS_H

#include "../arch/types.h"

#define PORT_TABLE_SIZE 64 /* a power of two; a guest touches a few dozen ports */
#define PORTS_SHOWN 16     /* the busiest ports in the JSON line (8 in the table) */

struct port_count {
	u16 port;
	bool used;
	u64 in, out;   /* accesses (a REP string instruction counts once per element) */
	u64 exits;     /* IO exits whose instruction named this port */
	u64 in_blocks; /* accesses made while a block was emulated */
};

struct port_table {
	struct port_count e[PORT_TABLE_SIZE];
	struct port_count other; /* every port that found the table full */
};

struct port_count *ports_slot(struct port_table *t, u16 port);
void ports_access(struct port_table *t, u16 port, bool in, bool in_block);
void ports_exit(struct port_table *t, u16 port);
/* Up to max entries of t, busiest (in + out) first; returns how many. */
u32 ports_busiest(const struct port_table *t, const struct port_count **out, u32 max);

#endif
