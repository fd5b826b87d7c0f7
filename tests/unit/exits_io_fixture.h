/*
 * The fixture of test_exits_io.c and test_exits_io_string.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in exits_io_fixture.c.
 */
#ifndef TESTS_UNIT_EXITS_IO_FIXTURE_H
#define TESTS_UNIT_EXITS_IO_FIXTURE_H

#include "fake_vcpu.h"
#include "fake_io.h"

#include <string.h>

#include "arch/shutdown.h"

#define V (&fk.v)

/* ---- the recording device (fake_io.h): a wide one at REC_PORT, a byte one at BYTE_PORT ---- */

#define REC_PORT 0x500
#define REC_PORTS 8
#define BYTE_PORT 0x80

extern struct io_log rec; /* both devices' accesses; rec.nin reads, rec.nout writes */
#define READ(i) (*io_log_nth(&rec, true, (i)))   /* the i-th read */
#define WRITE(i) (*io_log_nth(&rec, false, (i))) /* the i-th write */

int setup(void **state);

/* ---- exit information ---- */

enum { IMM = 1, STR = 2, REP = 4 };
enum { ASZ16 = 0, ASZ32 = 1, ASZ64 = 2 };

u64 qual(u16 port, u32 size, bool in, int flags);

void io(u16 port, u32 size, bool in, int flags, u32 len);

/* String IO with the instruction-information field: address size and segment. */
void sio(u16 port, u32 size, bool in, int flags, u32 asz, u32 seg);

u32 rlen(int flags);

#endif
