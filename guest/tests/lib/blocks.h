/*
 * Shared by the block-IO test guests (blk_*.c): each runs straight-line sequences of IO
 * instructions, the blocks that microhv emulates in one exit with block_io=on (README "Block IO
 * virtualization"), and prints only what the hardware guarantees, so that its transcript is
 * the same bare on QEMU, under microhv with block_io=off and with block_io=on
 * (tests/integration/bochs_blocks.sh compares them). The sequences themselves are assembly
 * (GNU as, Intel syntax) at file scope in each guest; these are the C-side helpers.
 */
#ifndef GUEST_TESTS_LIB_BLOCKS_H
#define GUEST_TESTS_LIB_BLOCKS_H

#include "guest.h"

/* The 16550's scratch register: any byte written reads back (PC16550D datasheet, SCR). */
#define SCR_PORT (COM1 + UART_SCR)

/* Intel syntax for a file-scope asm string, and back to what gcc expects afterwards. */
#define BLK_ASM_BEGIN ".pushsection .text\n.intel_syntax noprefix\n"
#define BLK_ASM_END ".att_syntax prefix\n.popsection\n"

/* FNV-1a over 32-bit words: a running checksum of values read back. */
#define BLK_FNV_OFFSET 0x811C9DC5u
#define BLK_FNV_PRIME 0x01000193u

static inline u32 blk_fnv(u32 h, u32 v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xFF;
		h *= BLK_FNV_PRIME;
	}
	return h;
}

static inline u32 blk_fnv_bytes(u32 h, const volatile u8 *p, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		h ^= p[i];
		h *= BLK_FNV_PRIME;
	}
	return h;
}

/* Counts a failed expectation: the guest prints it and ends with code 1. */
static u32 blk_failures __attribute__((unused));

static inline void blk_check(const char *guest, const char *what, u32 got, u32 want)
{
	gprintf("%s: %s 0x%x\n", guest, what, got);
	if (got != want) {
		gprintf("%s: ^ expected 0x%x\n", guest, want);
		blk_failures++;
	}
}

/* Ends the guest: code 0 when every check held. */
static inline __attribute__((noreturn)) void blk_finish(const char *guest)
{
	gprintf("%s: %s\n", guest, blk_failures ? "FAILED" : "done");
	guest_exit(blk_failures ? 1 : 0);
}

#endif
