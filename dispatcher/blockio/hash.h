/*
 * The hash unit (DESIGN.md section 3, claims 4, 10, 16, 25): hashes the bytes of
 * a block so that a cached block is reused only while guest memory still holds
 * the bytes it was decoded from. 64-bit FNV-1a: fast, and since the table also
 * keeps the bytes and compares them on a hash match, a collision can cost a
 * re-scan but never a wrong emulation. Pure C.
 */
#ifndef DISPATCHER_HASH_H
#define DISPATCHER_HASH_H

#include "../../arch/types.h"

u64 block_hash(const u8 *bytes, u32 len);

#endif
