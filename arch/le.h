/* Little-endian field access on byte buffers that may be unaligned (boot headers, boot
 * information, loader tables). Pure C, shared by the loaders. */
#ifndef ARCH_LE_H
#define ARCH_LE_H

#include "types.h"

static inline u16 le_rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static inline u32 le_rd32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
static inline u64 le_rd64(const u8 *p) { return le_rd32(p) | (u64)le_rd32(p + 4) << 32; }

static inline void le_put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void le_put32(u8 *p, u32 v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline void le_put64(u8 *p, u64 v)
{
	le_put32(p, (u32)v);
	le_put32(p + 4, (u32)(v >> 32));
}

#endif
