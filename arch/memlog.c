/* The in-memory console log; see memlog.h. */
#include "memlog.h"

void memlog_init(struct memlog *m, u64 phys)
{
	m->size = MEMLOG_SIZE;
	m->written = 0;
	m->self = phys;
	m->magic = MEMLOG_MAGIC; /* last: a reader that sees the magic sees a consistent header */
}

void memlog_write(struct memlog *m, const char *s, size_t n)
{
	if (m->magic != MEMLOG_MAGIC)
		return;
	for (size_t i = 0; i < n; i++)
		m->data[(m->written + i) % MEMLOG_SIZE] = (u8)s[i];
	m->written += n;
}

size_t memlog_read(const struct memlog *m, char *out, size_t cap)
{
	u64 held = m->written < MEMLOG_SIZE ? m->written : MEMLOG_SIZE;
	if (held > cap)
		held = cap;
	u64 start = m->written - held;
	for (u64 i = 0; i < held; i++)
		out[i] = (char)m->data[(start + i) % MEMLOG_SIZE];
	return (size_t)held;
}
