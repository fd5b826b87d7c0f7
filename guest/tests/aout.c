/*
 * Oracle guest loaded by the Multiboot header's address fields (flags bit 16, the "a.out
 * kludge") instead of as ELF: same checks as hello on the data and bss the loader placed.
 */
#include "lib/guest.h"

static volatile u32 pattern[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static u32 zeroed[1024];

void guest_main(u32 magic, u32 mbi_addr)
{
	(void)mbi_addr;
	gprintf("aout: loaded by the Multiboot header's address fields\n");
	gprintf("aout: multiboot magic 0x%08x\n", magic);
	u32 sum = 0, nonzero = 0;
	for (u32 i = 0; i < 4; i++)
		sum += pattern[i];
	for (u32 i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++)
		nonzero += zeroed[i] != 0;
	gprintf("aout: data sum 0x%08x, bss words not zero: %u\n", sum, nonzero);
	gprintf("aout: bye\n");
	guest_exit(magic == MB_BOOT_MAGIC && sum == 0xAAAAAAAAu && nonzero == 0 ? 0 : 1);
}
