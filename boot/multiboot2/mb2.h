/* Multiboot2 information → struct boot_info (Multiboot2 spec section 3.6). */
#ifndef BOOT_MB2_H
#define BOOT_MB2_H

#include "../../arch/boot_info.h"

/* Converts the MBI at mbi (mapped); returns bi. Pure C: host-tested with built MBIs. */
struct boot_info *mb2_parse(const void *mbi, u64 mbi_max, struct boot_info *bi);
/* Called from entry.asm with the MBI's physical address (identity-mapped). */
struct boot_info *mb2_to_boot_info(u32 mbi_phys);

#endif
