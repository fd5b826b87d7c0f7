/*
 * Guest RAM as the guest loaders (guest/mb1.c, guest/linux.c) see it: write and fill callbacks,
 * so that the core backs them with its (non-contiguous) RAM chunks and the host tests with a
 * malloc'd buffer. Pure C.
 */
#ifndef GUEST_LOADER_RAM_H
#define GUEST_LOADER_RAM_H

#include "../arch/types.h"

/*
 * Guest RAM, guest-physical [0, size) minus the legacy hole. write and fill return 0, or -1
 * when any byte lies outside guest RAM or in [0xa0000, 0x100000); nothing is written then.
 */
struct loader_ram {
	void *ctx;
	int (*write)(void *ctx, u64 gpa, const void *src, u64 len);
	int (*fill)(void *ctx, u64 gpa, u8 byte, u64 len);
	u64 size;
};

#endif
