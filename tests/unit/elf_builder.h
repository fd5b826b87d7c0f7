/*
 * Shared by the ELF tests: a tiny writer of ELF32/ELF64 executables, parse helpers that hand
 * elf_parse a heap copy of exactly the image's size (so ASan sees any read past the end), and
 * two good images: the core's shape (ELF64 with notes) and a Multiboot guest (ELF32).
 */
#ifndef TESTS_UNIT_ELF_BUILDER_H
#define TESTS_UNIT_ELF_BUILDER_H

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "arch/boot_info.h"
#include "arch/elf.h"

/* ---- a tiny ELF writer (System V gABI layouts) ---- */

#define IMG_MAX 0x3000
#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u

struct eb {
	u8 b[IMG_MAX];
	u64 size;
	unsigned bits;
	u64 phoff;
	unsigned phnum;
};

static inline void put(struct eb *e, u64 off, u64 v, unsigned n)
{
	assert_true(off + n <= IMG_MAX);
	for (unsigned i = 0; i < n; i++)
		e->b[off + i] = (u8)(v >> (8 * i));
	if (off + n > e->size)
		e->size = off + n;
}

/* Header field offsets that differ between the classes. */
#define E_ENTRY 24
#define E_PHOFF 28 /* ELF32; 32 in ELF64 */
#define OFF(e, o32, o64) ((e)->bits == 64 ? (o64) : (o32))
#define E_PHENTSIZE(e) OFF(e, 42, 54)
#define E_PHNUM(e) OFF(e, 44, 56)
#define PHSIZE(e) OFF(e, 32u, 56u)
#define ADDR(e) OFF(e, 4u, 8u)

static inline void eb_init(struct eb *e, unsigned bits, u64 entry)
{
	memset(e, 0, sizeof(*e));
	e->bits = bits;
	static const u8 ident[] = {0x7f, 'E', 'L', 'F'};
	memcpy(e->b, ident, 4);
	put(e, 4, bits == 64 ? 2 : 1, 1); /* EI_CLASS */
	put(e, 5, 1, 1);                  /* EI_DATA: little-endian */
	put(e, 6, 1, 1);                  /* EI_VERSION */
	put(e, 16, 2, 2);                 /* e_type: ET_EXEC */
	put(e, 18, bits == 64 ? ELF_MACHINE_X86_64 : ELF_MACHINE_386, 2);
	put(e, 20, 1, 4); /* e_version */
	put(e, E_ENTRY, entry, ADDR(e));
	e->phoff = bits == 64 ? 64 : 52;
	put(e, OFF(e, E_PHOFF, 32), e->phoff, ADDR(e));
	put(e, OFF(e, 40, 52), bits == 64 ? 64 : 52, 2); /* e_ehsize */
	put(e, E_PHENTSIZE(e), PHSIZE(e), 2);
	put(e, E_PHNUM(e), 0, 2);
}

static inline void eb_phdr(struct eb *e, u32 type, u32 flags, u64 offset, u64 vaddr, u64 paddr, u64 filesz, u64 memsz)
{
	u64 ph = e->phoff + e->phnum * PHSIZE(e);
	if (e->bits == 64) {
		put(e, ph + 0, type, 4);
		put(e, ph + 4, flags, 4);
		put(e, ph + 8, offset, 8);
		put(e, ph + 16, vaddr, 8);
		put(e, ph + 24, paddr, 8);
		put(e, ph + 32, filesz, 8);
		put(e, ph + 40, memsz, 8);
		put(e, ph + 48, 0x1000, 8); /* p_align */
	} else {
		put(e, ph + 0, type, 4);
		put(e, ph + 4, offset, 4);
		put(e, ph + 8, vaddr, 4);
		put(e, ph + 12, paddr, 4);
		put(e, ph + 16, filesz, 4);
		put(e, ph + 20, memsz, 4);
		put(e, ph + 24, flags, 4);
		put(e, ph + 28, 0x1000, 4);
	}
	e->phnum++;
	put(e, E_PHNUM(e), e->phnum, 2);
}

/* Fills [off, off+n) with a recognisable pattern (the segment's bytes). */
static inline void eb_fill(struct eb *e, u64 off, u64 n, u8 seed)
{
	for (u64 i = 0; i < n; i++)
		put(e, off + i, (u8)(seed + i), 1);
}

/* Writes one note at off; returns its size (header, name and desc, each 4-aligned). */
static inline u64 eb_note(struct eb *e, u64 off, const char *name, u32 namesz, u32 type, const void *desc, u32 descsz)
{
	put(e, off, namesz, 4);
	put(e, off + 4, descsz, 4);
	put(e, off + 8, type, 4);
	u64 name_al = ALIGN_UP((u64)namesz, 4), desc_al = ALIGN_UP((u64)descsz, 4);
	for (u32 i = 0; i < namesz; i++)
		put(e, off + 12 + i, i < strlen(name) ? (u8)name[i] : 0, 1);
	for (u32 i = 0; i < descsz; i++)
		put(e, off + 12 + name_al + i, ((const u8 *)desc)[i], 1);
	return 12 + name_al + desc_al;
}

static inline int parse_sized(const struct eb *e, u64 size, struct elf_image *img, char *err, size_t errlen)
{
	u8 *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, e->b, size);
	int rc = elf_parse(copy, size, img, err, errlen);
	free(copy);
	return rc;
}

static inline int parse(const struct eb *e, struct elf_image *img, char *err, size_t errlen)
{
	return parse_sized(e, e->size, img, err, errlen);
}

static inline void expect_reject_sized(const struct eb *e, u64 size, const char *want)
{
	struct elf_image img;
	char err[200] = "";
	if (parse_sized(e, size, &img, err, sizeof(err)) != -1)
		fail_msg("accepted; expected \"%s\"", want);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static inline void expect_reject(const struct eb *e, const char *want) { expect_reject_sized(e, e->size, want); }

/* ---- two good images ---- */

#define CORE_V 0xFFFFFFFF80000000ULL
#define ENTRY64 (CORE_V + 0x200040)

/* The core's shape: text, rodata with the "microhv" note, data+bss; a GNU note first. */
static inline void build_core64(struct eb *e)
{
	eb_init(e, 64, CORE_V + 0x200010);
	eb_phdr(e, PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, CORE_V + 0x200000, 0x200000, 0x800, 0x800);
	eb_phdr(e, PT_LOAD, ELF_PF_R, 0x1800, CORE_V + 0x201000, 0x201000, 0x400, 0x400);
	eb_phdr(e, PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1c00, CORE_V + 0x202000, 0x202000, 0x200, 0x3000);
	static const u8 build_id[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	u64 entry64 = ENTRY64;
	u64 n = eb_note(e, 0x1800, "GNU", 4, 3, build_id, sizeof(build_id));
	n += eb_note(e, 0x1800 + n, CORE_NOTE_NAME, 8, CORE_NOTE_ENTRY64, &entry64, 8);
	eb_phdr(e, PT_NOTE, ELF_PF_R, 0x1800, CORE_V + 0x201000, 0x201000, n, n);
	eb_phdr(e, PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0);
	eb_fill(e, 0x1000, 0x800, 0x90);
	eb_fill(e, 0x1800 + n, 0x400 - n, 0x33);
	eb_fill(e, 0x1c00, 0x200, 0x44); /* the file ends with the data segment's last byte */
}

/* A Multiboot guest: one RWX segment at 1 MiB, as a small kernel links. */
static inline void build_guest32(struct eb *e)
{
	eb_init(e, 32, 0x10000c);
	eb_phdr(e, PT_LOAD, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0x1000, 0x100000, 0x100000, 0x1000, 0x5000);
	eb_phdr(e, PT_LOAD, ELF_PF_R, 0x2000, 0x200000, 0x200000, 0, 0); /* empty: ignored */
	eb_fill(e, 0x1000, 0x1000, 0x10);
}

#endif
