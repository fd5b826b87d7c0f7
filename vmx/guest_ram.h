/*
 * Guest RAM: guest-physical [0, size) backed by 2 MiB host chunks from the
 * page allocator (any host address, not contiguous), zeroed before use so no
 * host data leaks into the guest. The legacy hole [0xA0000, 0x100000) is
 * not RAM: EPT leaves it to the no-device handling.
 */
#ifndef VMX_GUEST_RAM_H
#define VMX_GUEST_RAM_H

#include "../arch/pmm.h"
#include "ept.h"

#define GUEST_RAM_CHUNK (2 * MIB)
#define GUEST_RAM_MAX (64 * GIB)
#define GUEST_RAM_MAX_CHUNKS (GUEST_RAM_MAX / GUEST_RAM_CHUNK)
#define GUEST_HOLE_START 0xa0000ULL
#define GUEST_HOLE_END 0x100000ULL

struct guest_ram {
	u64 size;
	u32 nchunks;
	u64 chunk_hpa[GUEST_RAM_MAX_CHUNKS];
};

/* 0, or -1 with a message saying how much memory was asked for and how much is free. */
int guest_ram_alloc(struct guest_ram *r, struct pmm *p, u64 size, char *err, size_t errlen);
/* Host pointer to [gpa, gpa+len), or NULL when any byte is not guest RAM or the range crosses a chunk. */
void *guest_ram_ptr(const struct guest_ram *r, u64 gpa, u64 len);
int guest_ram_write(const struct guest_ram *r, u64 gpa, const void *src, u64 len);
int guest_ram_fill(const struct guest_ram *r, u64 gpa, u8 byte, u64 len);
/* Maps all of guest RAM, RWX write-back, leaving the hole out. */
int guest_ram_map(const struct guest_ram *r, struct ept *e);

#endif
