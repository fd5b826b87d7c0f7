/* Address -> function+offset over the core's symbol table (arch/ksyms.h). */
#include "ksyms.h"

/* Defined by the generated ksyms_gen.c of the second link pass; absent (address 0) in the first. */
extern const struct ksym_table ksym_gen_table __attribute__((weak));

static const struct ksym_table ksym_empty;

const struct ksym_table *ksym_core_table(void)
{
	return &ksym_gen_table ? &ksym_gen_table : &ksym_empty;
}

bool ksym_lookup(const struct ksym_table *t, u64 addr, const char **name, u64 *off)
{
	if (!t || t->count == 0 || addr < t->syms[0].addr)
		return false;
	u32 lo = 0, hi = t->count; /* invariant: syms[lo].addr <= addr, and addr < syms[hi].addr if hi < count */
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const char *n = t->names + t->syms[lo].name;
	if (!n[0])
		return false; /* at or past the sentinel: the end of .text */
	*name = n;
	*off = addr - t->syms[lo].addr;
	return true;
}
