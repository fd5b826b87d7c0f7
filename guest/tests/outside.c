/*
 * microhv-only guest (its bare transcript is no oracle): with paging off it reads and writes
 * guest-physical addresses that are not its RAM: the legacy hole at 0xa0000 (VGA memory on a
 * PC, so the values read are never printed), the first byte past its RAM (1 MiB + mem_upper)
 * and 0xd0000000. It prints a marker before each access, so the transcript shows which access
 * microhv stopped (or let through); microhv reports the access and ends the run cleanly.
 */
#include "lib/guest.h"

#define FAR_ADDR 0xD0000000u
#define HOLE_ADDR 0xA0000u

static u32 sink;

static void probe(u32 addr, const char *what)
{
	volatile u32 *p = (volatile u32 *)(uintptr_t)addr;
	gprintf("outside: reading 0x%08x (%s)\n", addr, what);
	sink += *p;
	gprintf("outside: writing 0x%08x (%s)\n", addr, what);
	*p = 0x5A5A5A5A;
}

void guest_main(u32 magic, u32 mbi_addr)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_addr;
	gprintf("outside: start, multiboot magic 0x%08x\n", magic);
	probe(HOLE_ADDR, "legacy hole");
	if (mbi->flags & MB_INFO_MEM) {
		u64 ram_end = 0x100000ULL + (u64)mbi->mem_upper * 1024;
		if (ram_end < FAR_ADDR)
			probe((u32)ram_end, "first byte past RAM");
	}
	probe(FAR_ADDR, "far outside RAM");
	gprintf("outside: done\n");
	guest_exit(0);
}
