/*
 * Guest RAM for the loader tests (guest/mb1.c, guest/linux.c): a malloc'd buffer behind the
 * struct loader_ram callbacks, which refuse what the core's would (beyond the RAM size, or in the
 * legacy hole) and record what the loader did: the calls, the refusals and the span written.
 * A fake: it stands in for the core's RAM chunks (boot/launch.c).
 */
#ifndef TESTS_UNIT_FAKE_LOADER_RAM_H
#define TESTS_UNIT_FAKE_LOADER_RAM_H

#include "unit.h"

#include "guest/loader_ram.h"

#define RAM_FILL 0xCC /* what RAM holds before the load: shows which bytes the loader wrote */

struct fake_ram {
	u8 *buf;
	u64 backed; /* bytes of buf; 0: writes are only recorded (for RAM sizes too big to back) */
	u64 size;   /* guest RAM size the loader is told */
	int calls, fail_at, refused; /* the fail_at-th call fails */
	u64 lo, hi;                  /* the span of all writes */
};

extern struct fake_ram ram;
extern struct loader_ram gm; /* the callbacks over ram, as the loaders take them */

/* Guest RAM of size bytes, the first `backed` of them in a buffer filled with RAM_FILL; a write
 * into RAM beyond `backed` fails the test. */
void ram_init(u64 size, u64 backed);
void ram_free(void);
/* Whether [gpa, gpa + len) is guest RAM outside the legacy hole. */
bool ram_ok(const struct fake_ram *r, u64 gpa, u64 len);

#endif
