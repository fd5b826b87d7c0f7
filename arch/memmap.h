/* Memory-map helpers shared by the loaders and the core. Pure C, host-tested. */
#ifndef ARCH_MEMMAP_H
#define ARCH_MEMMAP_H

#include "boot_info.h"

struct memmap_summary {
	u64 usable_bytes;
	u64 reserved_bytes; /* everything not usable */
	u64 highest_usable_end;
	u64 highest_end;
	u32 usable_ranges;
};

/* Appends a range to bi->mmap; -1 when the table is full (the range is then dropped). */
int memmap_add(struct boot_info *bi, u64 base, u64 length, u32 type);
void memmap_summarize(const struct boot_mem_range *map, u32 count, struct memmap_summary *s);
const char *memmap_type_name(u32 type);
/* Prints the map and its summary as "[hv] " lines. */
void memmap_print(const struct boot_mem_range *map, u32 count);

#endif
