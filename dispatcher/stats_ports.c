/* Per-port IO figures (stats_ports.h). */
#include "stats_ports.h"
#include "../arch/topn.h"

#define PORT_HASH_MUL 0x9e37U /* spreads neighbouring ports (0x3f8..0x3ff) over the table */

struct port_count *ports_slot(struct port_table *t, u16 port)
{
	u32 h = ((u32)port * PORT_HASH_MUL) & (PORT_TABLE_SIZE - 1);
	for (u32 i = 0; i < PORT_TABLE_SIZE; i++) {
		struct port_count *c = &t->e[(h + i) & (PORT_TABLE_SIZE - 1)];
		if (c->used && c->port == port)
			return c;
		if (!c->used) {
			c->used = true;
			c->port = port;
			return c;
		}
	}
	return &t->other;
}

void ports_access(struct port_table *t, u16 port, bool in, bool in_block)
{
	struct port_count *c = ports_slot(t, port);
	if (in)
		c->in++;
	else
		c->out++;
	if (in_block)
		c->in_blocks++;
}

void ports_exit(struct port_table *t, u16 port) { ports_slot(t, port)->exits++; }

u32 ports_busiest(const struct port_table *t, const struct port_count **out, u32 max)
{
	u64 keys[PORT_TABLE_SIZE];
	u32 n = 0;
	if (max > PORT_TABLE_SIZE)
		max = PORT_TABLE_SIZE;
	const void *items[PORT_TABLE_SIZE];
	for (u32 i = 0; i < PORT_TABLE_SIZE; i++)
		if (t->e[i].used)
			topn_insert(items, keys, &n, max, &t->e[i], t->e[i].in + t->e[i].out);
	for (u32 i = 0; i < n; i++)
		out[i] = items[i];
	return n;
}
