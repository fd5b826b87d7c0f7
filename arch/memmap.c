/* Memory-map bookkeeping; see memmap.h. */
#include "memmap.h"
#include "console.h"

int memmap_add(struct boot_info *bi, u64 base, u64 length, u32 type)
{
	if (!length)
		return 0;
	if (bi->mmap_count > 0) { /* loaders hand ranges in order: merge adjacent ones of one type */
		struct boot_mem_range *last = &bi->mmap[bi->mmap_count - 1];
		if (last->type == type && last->base + last->length == base) {
			last->length += length;
			return 0;
		}
	}
	if (bi->mmap_count >= BOOT_MMAP_MAX)
		return -1;
	bi->mmap[bi->mmap_count++] = (struct boot_mem_range){base, length, type, 0};
	return 0;
}

void memmap_summarize(const struct boot_mem_range *map, u32 count, struct memmap_summary *s)
{
	*s = (struct memmap_summary){0};
	for (u32 i = 0; i < count; i++) {
		u64 end = map[i].base + map[i].length;
		if (end > s->highest_end)
			s->highest_end = end;
		if (map[i].type == BOOT_MEM_USABLE) {
			s->usable_bytes += map[i].length;
			s->usable_ranges++;
			if (end > s->highest_usable_end)
				s->highest_usable_end = end;
		} else {
			s->reserved_bytes += map[i].length;
		}
	}
}

const char *memmap_type_name(u32 type)
{
	switch (type) {
	case BOOT_MEM_USABLE: return "usable";
	case BOOT_MEM_RESERVED: return "reserved";
	case BOOT_MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS: return "ACPI NVS";
	case BOOT_MEM_BAD: return "bad";
	}
	return "unknown";
}

void memmap_print(const struct boot_mem_range *map, u32 count)
{
	struct memmap_summary s;
	memmap_summarize(map, count, &s);
	con_log("memory map: %u ranges, %llu MiB usable in %u ranges, highest usable address 0x%llx\n", count,
	        (unsigned long long)(s.usable_bytes / MIB), s.usable_ranges, (unsigned long long)s.highest_usable_end);
	for (u32 i = 0; i < count; i++)
		con_log("  [0x%016llx-0x%016llx) %s\n", (unsigned long long)map[i].base,
		        (unsigned long long)(map[i].base + map[i].length), memmap_type_name(map[i].type));
}
