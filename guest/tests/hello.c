/*
 * Oracle guest: its transcript bare on QEMU and under microhv must be identical, so it prints
 * only what both loaders provide alike (checked on QEMU 7.2 with SeaBIOS, -m 256):
 *  - the magic; the command line's arguments (QEMU passes "<kernel path> <-append>", microhv
 *    "<image name> <arguments>": the first word differs, the rest is the same);
 *  - mem_lower (639 KiB on both) and the memory-map entries below 1 MiB (the same three);
 *  - mem_upper rounded up to a MiB only: QEMU's comes from SeaBIOS's e820, which keeps the top
 *    128 KiB of RAM for itself (260992 KiB), microhv's is all of it (261120 KiB); both are 255.
 * Not printed: the MBI address, the loader name, boot_device, the map above 1 MiB.
 */
#include "lib/guest.h"

static volatile int initialized = 42; /* .data: checks the loader copied the data segment */
static u32 zeroed[256];      /* .bss: checks the loader zeroed it */

/* Prints the memory-map entries that end at or below 1 MiB; returns whether one that is
 * available starts at 1 MiB. */
static bool print_low_mmap(const struct mb_info *mbi)
{
	bool high = false;
	if (!(mbi->flags & MB_INFO_MMAP))
		return false;
	u32 p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
	while (p < end) {
		const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)(uintptr_t)p;
		if (e->base + e->length <= 0x100000)
			gprintf("hello: memory map: [0x%05x, 0x%05x) type %u\n", (u32)e->base,
				(u32)(e->base + e->length), e->type);
		if (e->base == 0x100000 && e->type == MB_MMAP_AVAILABLE)
			high = true;
		p += e->size + 4;
	}
	return high;
}

void guest_main(u32 magic, u32 mbi_addr)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_addr;
	gprintf("hello from the microhv test guest\n");
	gprintf("hello: multiboot magic 0x%08x\n", magic);
	if (magic != MB_BOOT_MAGIC)
		guest_exit(1);
	u32 nonzero = 0;
	for (u32 i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++)
		nonzero += zeroed[i] != 0;
	gprintf("hello: data %d, bss words not zero: %u\n", initialized, nonzero);
	gprintf("hello: arguments '%s'\n", mb_arguments(mbi));
	if (!(mbi->flags & MB_INFO_MEM))
		guest_exit(2);
	gprintf("hello: mem_lower %u KiB, mem_upper rounded up to %u MiB\n", mbi->mem_lower,
		(mbi->mem_upper + 1023) / 1024);
	gprintf("hello: memory map: available from 1 MiB: %s\n", print_low_mmap(mbi) ? "yes" : "no");
	gprintf("hello: bye\n");
	guest_exit(initialized == 42 && nonzero == 0 ? 0 : 3);
}
