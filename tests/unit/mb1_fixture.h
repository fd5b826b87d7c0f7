/*
 * The fixture of test_mb1.c and test_mb1_refusals.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in mb1_fixture.c.
 */
#ifndef TESTS_UNIT_MB1_FIXTURE_H
#define TESTS_UNIT_MB1_FIXTURE_H

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "arch/elf.h"
#include "arch/string.h"
#include "guest/mb1.h"
#include "fake_loader_ram.h"

/* ---- guest RAM for the tests: fake_loader_ram.h ---- */

#define RAM_DEFAULT (16 * MIB)

int setup(void **state);

int teardown(void **state);

u32 r32(u64 gpa);
u64 r64(u64 gpa);

/* ---- image builders ---- */

extern u8 img[64 * 1024];

void w16(u8 *p, u64 v);
void w32(u8 *p, u64 v);
void w64(u8 *p, u64 v);

/* Writes a Multiboot header at off; with aout, the five address fields too. */
void put_header(u64 off, u32 flags, const u32 *aout);

struct seg {
	u64 vaddr, paddr, filesz, memsz;
};

#define SEG_FILE_BASE 0x2000 /* segment i's file bytes start at SEG_FILE_BASE + i * 0x1000 */
#define MB_OFF 0x100         /* where the ELF images carry their Multiboot header */

u8 seg_byte(unsigned i, u64 j);

/* An ELF32 or ELF64 executable with PT_LOAD segments and a Multiboot header; returns its size. */
u64 build_elf(unsigned bits, const struct seg *s, unsigned n, u64 entry, u32 mbflags);

/* A two-segment ELF32 at 1 MiB: text (0x300 bytes) and data (0x80 bytes + 0x1f80 of bss). */
extern const struct seg good_segs[];
#define GOOD_ENTRY 0x100010

u64 good_elf(void);

/* A flat (non-ELF) a.out-kludge image: header at hoff, loaded at 0x100000 with bss to 0x104000. */
#define AOUT_HOFF 0x40
#define AOUT_FILE 0x1800
extern u32 aout_fields[5];
u64 build_aout(u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end, u32 entry);
u64 good_aout(void);

/* ---- running the loader ---- */

extern char load_err[200];
extern struct mb1_boot boot;

int load(u64 size, const char *cmdline);

/* The image is refused with a message containing want, and guest RAM was not touched. */
void expect_refused(u64 size, const char *want);

void expect_loaded(u64 size);

#endif
