/*
 * The fixture of test_exits_io.c and test_exits_io_string.c: the includes, constants, fake
 * platform and helpers the tests of both use. Each file is its own test program with its own
 * copy of this state; the helpers are static inline so that neither warns of unused ones.
 */
#ifndef TESTS_UNIT_TEST_EXITS_IO_FIXTURE_H
#define TESTS_UNIT_TEST_EXITS_IO_FIXTURE_H

#include "fake_vcpu.h"

#include <string.h>

#include "arch/shutdown.h"

#define V (&fk.v)

/* ---- a recording device: a wide one at REC_PORT, a byte one at BYTE_PORT ---- */

#define REC_PORT 0x500
#define REC_PORTS 8
#define BYTE_PORT 0x80
#define REC_LOG 8192

struct rec {
	u32 reads, writes;
	u16 off[REC_LOG];
	u8 size[REC_LOG];
	u32 val[REC_LOG]; /* written values, in order */
	u32 next;         /* value the next read returns; incremented per read */
};

static struct rec rec;

static inline u32 rec_read(void *dev, u16 off, u8 size)
{
	struct rec *r = dev;
	if (r->reads < REC_LOG) {
		r->off[r->reads] = off;
		r->size[r->reads] = size;
	}
	r->reads++;
	return r->next++;
}

static inline void rec_write(void *dev, u16 off, u8 size, u32 value)
{
	struct rec *r = dev;
	if (r->writes < REC_LOG) {
		r->off[r->writes] = off;
		r->size[r->writes] = size;
		r->val[r->writes] = value;
	}
	r->writes++;
}

static const struct io_device rec_wide = {"rec", REC_PORT, REC_PORTS, true, &rec, rec_read, rec_write};
static const struct io_device rec_byte = {"rec8", BYTE_PORT, 1, false, &rec, rec_read, rec_write};

static inline int setup(void **state)
{
	if (fake_setup(state))
		return -1;
	memset(&rec, 0, sizeof(rec));
	if (iobus_register(&fk.board.bus, &rec_wide) || iobus_register(&fk.board.bus, &rec_byte))
		return -1;
	return 0;
}

/* ---- exit information ---- */

enum { IMM = 1, STR = 2, REP = 4 };
enum { ASZ16 = 0, ASZ32 = 1, ASZ64 = 2 };

static inline u64 qual(u16 port, u32 size, bool in, int flags)
{
	return (u64)(size - 1) | (in ? 1ULL << 3 : 0) | ((flags & STR) ? 1ULL << 4 : 0) |
	       ((flags & REP) ? 1ULL << 5 : 0) | ((flags & IMM) ? 1ULL << 6 : 0) | ((u64)port << 16);
}

static inline void io(u16 port, u32 size, bool in, int flags, u32 len)
{
	fake_exit(EXIT_REASON_IO_INSTRUCTION, qual(port, size, in, flags), len);
	dispatch_exit(&fk.d, V);
}

/* String IO with the instruction-information field: address size and segment. */
static inline void sio(u16 port, u32 size, bool in, int flags, u32 asz, u32 seg)
{
	fake_exit(EXIT_REASON_IO_INSTRUCTION, qual(port, size, in, flags | STR), (flags & REP) ? 2 : 1);
	V->exit.instr_info = (asz << 7) | (seg << 15);
	dispatch_exit(&fk.d, V);
}

static inline u32 rlen(int flags) { return (flags & REP) ? 2 : 1; }

#endif
