/* The n largest of a stream, for statistics tables: insertion into a short sorted list. */
#ifndef ARCH_TOPN_H
#define ARCH_TOPN_H

#include "types.h"

/* Puts item (with key) into items[0..*n), kept sorted by key, largest first, at most max long;
 * keys[] holds the keys of items[]. Among equal keys the earlier item stays first. */
static inline void topn_insert(const void **items, u64 *keys, u32 *n, u32 max, const void *item, u64 key)
{
	u32 j = *n < max ? (*n)++ : max;
	while (j > 0 && keys[j - 1] < key) {
		if (j < max) {
			items[j] = items[j - 1];
			keys[j] = keys[j - 1];
		}
		j--;
	}
	if (j < max) {
		items[j] = item;
		keys[j] = key;
	}
}

#endif
