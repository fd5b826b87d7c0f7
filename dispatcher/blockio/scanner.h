/*
 * The scanning unit (claims 2, 3, 13, 14, 19, 20, 23): from the IO instruction
 * that exited, decode forward through the extent, find further IO instructions,
 * and designate the block that ends with the last IO instruction it can reach. A forward JMP
 * is followed to its target (the bytes it skips may be data); a backward branch ends the scan.
 * The extent is set by a policy (claims 5-7): a number of bytes (software), the
 * end of the code page (the hardware's paging boundary), or as far as the
 * guest's own paging maps the code executable (the processor's state).
 * Pure C.
 */
#ifndef DISPATCHER_SCANNER_H
#define DISPATCHER_SCANNER_H

#include "block.h"
#include "../vcpu/vcpu.h"

/* CS base + RIP, truncated to 32 bits outside 64-bit code. */
u64 scan_rip_linear(const struct vcpu *v);
/* How many bytes from rip_linear the extent covers under cfg. */
u32 scan_extent(const struct block_config *cfg, u64 rip_linear);

/* Reads up to want bytes of code at linear, page by page, stopping at the first page the
 * guest's paging does not map executable (no accessed flag is set); returns the bytes read. */
u32 scan_read_code(struct vcpu *v, u64 linear, u8 *buf, u32 want);

/*
 * The code page a recording reads from (follow_record), kept between its instructions: the
 * host address of the page, valid only while the per-exit translation cache (gmem_tlb.h) is in
 * the generation in which the page's walk was cached and checked for an execute access at
 * this CPL. A store into any paging-structure entry of a cached walk, or a change of the
 * paging registers, moves the generation, so the window is only ever what a fresh walk finds.
 */
#define CODE_WINDOW_PAGES 2 /* a call and its return alternate between two pages */
struct code_window {
	struct code_window_page {
		u64 page; /* linear page number */
		const u8 *host;
		u32 gen;
		u8 cpl;
	} p[CODE_WINDOW_PAGES];
	u32 next; /* the one a refill replaces */
};

/* scan_read_code through w: a read within one of w's pages comes from its host copy; any
 * other refills one of them (when the cache keeps the walk). The same bytes and count as scan_read_code. */
u32 scan_read_code_at(struct vcpu *v, struct code_window *w, u64 linear, u8 *buf, u32 want);

/*
 * Fills b from guest memory. Returns the number of IO instructions designated (1: the exiting
 * instruction alone, claim 15), or -1 when the bytes at RIP do not decode as a non-string IO
 * instruction of the subset (then the exit is handled one instruction at a time).
 */
int scan_block(struct vcpu *v, const struct block_config *cfg, struct block *b);

#endif
