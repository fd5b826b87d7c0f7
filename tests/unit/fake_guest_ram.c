/* The fake guest RAM of fake_guest_ram.h. */
#include "fake_guest_ram.h"

#include <stdlib.h>
#include <string.h>

int fake_guest_ram_alloc(struct fake_guest_ram *m)
{
	if (!m->ram)
		m->ram = aligned_alloc(PAGE_SIZE, m->size);
	if (!m->ram)
		return -1;
	memset(m->ram, 0, m->size);
	return 0;
}

void fake_guest_ram_free(struct fake_guest_ram *m)
{
	free(m->ram);
	m->ram = NULL;
}

void *fake_guest_ram_ptr(void *ctx, u64 gpa, u32 len)
{
	struct fake_guest_ram *m = ctx;
	assert_true(len > 0);
	assert_true((gpa & (PAGE_SIZE - 1)) + len <= PAGE_SIZE);
	if (gpa >= m->size || gpa + len > m->size)
		return NULL;
	if (gpa < m->hole_end && gpa + len > m->hole_start)
		return NULL;
	if (m->on_access)
		m->on_access(gpa);
	return m->ram + gpa;
}
