/* The fixture of exits_io_fixture.h; one copy, linked into each test program that includes it. */
#include "exits_io_fixture.h"

struct io_log rec;
static struct fake_io_attach rec_wide, rec_byte;

int setup(void **state)
{
	if (fake_setup(state))
		return -1;
	io_log_reset(&rec, 0);
	fake_io_attach(&rec_wide, &rec, "rec", REC_PORT, REC_PORTS, true);
	fake_io_attach(&rec_byte, &rec, "rec8", BYTE_PORT, 1, false);
	if (iobus_register(&fk.board.bus, &rec_wide.dev) || iobus_register(&fk.board.bus, &rec_byte.dev))
		return -1;
	return 0;
}

u64 qual(u16 port, u32 size, bool in, int flags)
{
	return (u64)(size - 1) | (in ? 1ULL << 3 : 0) | ((flags & STR) ? 1ULL << 4 : 0) |
	       ((flags & REP) ? 1ULL << 5 : 0) | ((flags & IMM) ? 1ULL << 6 : 0) | ((u64)port << 16);
}

void io(u16 port, u32 size, bool in, int flags, u32 len)
{
	fake_exit(EXIT_REASON_IO_INSTRUCTION, qual(port, size, in, flags), len);
	dispatch_exit(&fk.d, V);
}

void sio(u16 port, u32 size, bool in, int flags, u32 asz, u32 seg)
{
	fake_exit(EXIT_REASON_IO_INSTRUCTION, qual(port, size, in, flags | STR), (flags & REP) ? 2 : 1);
	V->exit.instr_info = (asz << 7) | (seg << 15);
	dispatch_exit(&fk.d, V);
}

u32 rlen(int flags) { return (flags & REP) ? 2 : 1; }
