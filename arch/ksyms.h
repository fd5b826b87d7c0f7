/*
 * The core's own symbol table, for symbolised backtraces: function start addresses and names,
 * sorted by address, ending with a sentinel (an empty name at the end of .text). The build links
 * the core twice (scripts/link-core.sh): the first image's `nm` output becomes ksyms_gen.c, a
 * table of read-only data only, so the second link leaves every code address where it was.
 * Pure C, host-tested.
 */
#ifndef ARCH_KSYMS_H
#define ARCH_KSYMS_H

#include "types.h"

struct ksym {
	u64 addr;
	u32 name; /* offset into the table's names */
};

struct ksym_table {
	u32 count;
	const struct ksym *syms;
	const char *names;
};

/* The table generated for this image, or an empty one (the first link pass, host tests). */
const struct ksym_table *ksym_core_table(void);
/* The function addr lies in: its name and addr's offset from its start; false outside the table. */
bool ksym_lookup(const struct ksym_table *t, u64 addr, const char **name, u64 *off);

#endif
