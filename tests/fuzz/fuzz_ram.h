/*
 * Guest RAM for the loader harnesses (fuzz_mb1.c, fuzz_linux.c): a malloc'd buffer behind struct
 * guest_mem, with the legacy hole refused as the core's RAM refuses it, and a check that every
 * write stays inside RAM (a loader that wrote elsewhere would be a bug the callbacks report).
 */
#ifndef TESTS_FUZZ_FUZZ_RAM_H
#define TESTS_FUZZ_FUZZ_RAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/guest_mem.h"

#define CHECK(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

#define FUZZ_HOLE_START 0xa0000ULL
#define FUZZ_HOLE_END 0x100000ULL

struct fuzz_ram {
	uint8_t *buf;
	u64 size;
};

static inline int fuzz_ram_ok(const struct fuzz_ram *r, u64 gpa, u64 len)
{
	if (gpa > r->size || len > r->size - gpa)
		return 0;
	return !(gpa < FUZZ_HOLE_END && gpa + len > FUZZ_HOLE_START);
}

static inline int fuzz_ram_write(void *ctx, u64 gpa, const void *src, u64 len)
{
	struct fuzz_ram *r = ctx;
	if (!fuzz_ram_ok(r, gpa, len))
		return -1;
	memcpy(r->buf + gpa, src, len);
	return 0;
}

static inline int fuzz_ram_fill(void *ctx, u64 gpa, u8 byte, u64 len)
{
	struct fuzz_ram *r = ctx;
	if (!fuzz_ram_ok(r, gpa, len))
		return -1;
	memset(r->buf + gpa, byte, len);
	return 0;
}

/* One buffer of size bytes for the whole run (allocated on first use, not cleared between
 * inputs: a loader must not depend on what RAM held). */
static inline struct guest_mem fuzz_ram(u64 size)
{
	static struct fuzz_ram r;
	if (!r.buf) {
		r.buf = malloc(size);
		CHECK(r.buf);
		r.size = size;
	}
	return (struct guest_mem){.ctx = &r, .write = fuzz_ram_write, .fill = fuzz_ram_fill, .size = r.size};
}

#endif
