/*
 * ELF image validation for the core (ELF64, loaded by the UEFI loader) and
 * for Multiboot guests (ELF32 or ELF64). Every offset and size is checked
 * against the file before anyone copies a byte. Pure C, host-tested.
 */
#ifndef ARCH_ELF_H
#define ARCH_ELF_H

#include "types.h"

#define ELF_MAX_SEGMENTS 16
#define ELF_MACHINE_386 3
#define ELF_MACHINE_X86_64 62

enum elf_seg_flags { ELF_PF_X = 1, ELF_PF_W = 2, ELF_PF_R = 4 };

struct elf_segment {
	u64 vaddr;
	u64 paddr;
	u64 offset;
	u64 filesz;
	u64 memsz;
	u32 flags;
};

struct elf_image {
	unsigned bits; /* 32 or 64 */
	u16 machine;
	u64 entry;
	u32 nseg; /* PT_LOAD segments, in file order */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	u64 paddr_lo, paddr_hi; /* physical span of all PT_LOAD segments, [lo, hi) */
	bool has_entry64_note;
	u64 entry64; /* from the "microhv" note, see boot_info.h */
};

/* 0 on success; -1 with a message naming what is wrong. */
int elf_parse(const void *img, u64 size, struct elf_image *out, char *err, size_t errlen);

#endif
