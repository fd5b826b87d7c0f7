/* The loader tests' guest RAM of fake_loader_ram.h. */
#include "fake_loader_ram.h"

#include <stdlib.h>
#include <string.h>

#include "guest/mb1.h"

struct fake_ram ram;
struct loader_ram gm;

bool ram_ok(const struct fake_ram *r, u64 gpa, u64 len)
{
	u64 end = gpa + len;
	if (end < gpa || end > r->size)
		return false;
	return !(gpa < MB1_HIGH_START && end > MB1_HOLE_START);
}

/* Counts the call and judges it; a backed write must lie in the buffer. */
static int ram_touch(struct fake_ram *r, u64 gpa, u64 len)
{
	if (++r->calls == r->fail_at)
		return -1;
	if (!ram_ok(r, gpa, len)) {
		r->refused++;
		return -1;
	}
	if (gpa < r->lo)
		r->lo = gpa;
	if (gpa + len > r->hi)
		r->hi = gpa + len;
	if (r->backed)
		assert_true(gpa + len <= r->backed);
	return 0;
}

static int ram_write(void *ctx, u64 gpa, const void *src, u64 len)
{
	struct fake_ram *r = ctx;
	if (ram_touch(r, gpa, len))
		return -1;
	if (r->backed)
		memcpy(r->buf + gpa, src, len);
	return 0;
}

static int ram_fill(void *ctx, u64 gpa, u8 byte, u64 len)
{
	struct fake_ram *r = ctx;
	if (ram_touch(r, gpa, len))
		return -1;
	if (r->backed)
		memset(r->buf + gpa, byte, len);
	return 0;
}

void ram_init(u64 size, u64 backed)
{
	free(ram.buf);
	ram = (struct fake_ram){.buf = backed ? malloc(backed) : NULL, .backed = backed, .size = size, .lo = ~0ULL};
	if (backed) {
		assert_non_null(ram.buf);
		memset(ram.buf, RAM_FILL, backed);
	}
	gm = (struct loader_ram){.ctx = &ram, .write = ram_write, .fill = ram_fill, .size = size};
}

void ram_free(void)
{
	free(ram.buf);
	ram.buf = NULL;
}
