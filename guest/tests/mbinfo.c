/*
 * Diagnostic guest (not an oracle): prints the whole Multiboot information structure, to see
 * what a loader (microhv, QEMU, GRUB) hands over.
 */
#include "lib/guest.h"

void guest_main(u32 magic, u32 mbi_addr)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_addr;
	gprintf("mbinfo: magic 0x%08x, mbi at 0x%08x, flags 0x%08x\n", magic, mbi_addr, mbi->flags);
	if (mbi->flags & MB_INFO_MEM)
		gprintf("mbinfo: mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	if (mbi->flags & (1u << 1))
		gprintf("mbinfo: boot_device 0x%08x\n", mbi->boot_device);
	if (mbi->flags & MB_INFO_CMDLINE)
		gprintf("mbinfo: cmdline at 0x%08x '%s'\n", mbi->cmdline, (const char *)(uintptr_t)mbi->cmdline);
	if (mbi->flags & (1u << 3))
		gprintf("mbinfo: mods_count %u, mods_addr 0x%08x\n", mbi->mods_count, mbi->mods_addr);
	if (mbi->flags & MB_INFO_MMAP) {
		gprintf("mbinfo: mmap at 0x%08x, %u bytes\n", mbi->mmap_addr, mbi->mmap_length);
		u32 p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
		while (p < end) {
			const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)(uintptr_t)p;
			gprintf("mbinfo:   [0x%09llx, 0x%09llx) type %u (entry size %u)\n",
				(unsigned long long)e->base, (unsigned long long)(e->base + e->length), e->type,
				e->size);
			p += e->size + 4;
		}
	}
	if (mbi->flags & MB_INFO_LOADER_NAME)
		gprintf("mbinfo: boot_loader_name '%s'\n", (const char *)(uintptr_t)mbi->boot_loader_name);
	u32 esp;
	__asm__ volatile("mov %%esp, %0" : "=r"(esp));
	gprintf("mbinfo: printf check: [%5d] [%-5d] [%05d] [%x] [%08X] [%c] [%s] [%llu] [%d]\n", 42, 42, -42,
		0xbeefu, 0xBEEFu, 'z', "str", 18446744073709551615ULL, -2147483647 - 1);
	gprintf("mbinfo: bye\n");
	guest_exit(0);
}
