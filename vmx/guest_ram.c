/* Guest RAM bookkeeping; see guest_ram.h. */
#include "guest_ram.h"
#include "../arch/printf.h"
#include "../arch/string.h"

int guest_ram_alloc(struct guest_ram *r, struct pmm *p, u64 size, char *err, size_t errlen)
{
	r->size = 0;
	r->nchunks = 0;
	if (size == 0 || size % GUEST_RAM_CHUNK || size > GUEST_RAM_MAX) {
		fmt_snprintf(err, errlen, "guest_mem=%lluM is not a multiple of 2M up to 64G",
		             (unsigned long long)(size / MIB));
		return -1;
	}
	u64 want = size / GUEST_RAM_CHUNK;
	if (want > p->free_pages / (GUEST_RAM_CHUNK / PAGE_SIZE)) {
		fmt_snprintf(err, errlen, "guest_mem=%lluM does not fit: %llu MiB of host memory is free",
		             (unsigned long long)(size / MIB), (unsigned long long)(p->free_pages * PAGE_SIZE / MIB));
		return -1;
	}
	for (u64 i = 0; i < want; i++) {
		u64 hpa;
		if (pmm_alloc(p, GUEST_RAM_CHUNK / PAGE_SIZE, GUEST_RAM_CHUNK, 0, &hpa)) {
			fmt_snprintf(err, errlen,
			             "guest_mem=%lluM does not fit: only %llu MiB found in 2 MiB-aligned pieces",
			             (unsigned long long)(size / MIB), (unsigned long long)(i * GUEST_RAM_CHUNK / MIB));
			for (u64 j = 0; j < i; j++)
				pmm_free(p, r->chunk_hpa[j], GUEST_RAM_CHUNK / PAGE_SIZE);
			return -1;
		}
		memset((void *)(uintptr_t)hpa, 0, GUEST_RAM_CHUNK);
		r->chunk_hpa[i] = hpa;
	}
	r->nchunks = (u32)want;
	r->size = size;
	return 0;
}

void *guest_ram_ptr(const struct guest_ram *r, u64 gpa, u64 len)
{
	u64 end = gpa + len;
	if (len == 0 || end < gpa || end > r->size)
		return 0;
	if (gpa < GUEST_HOLE_END && end > GUEST_HOLE_START)
		return 0;
	u64 chunk = gpa / GUEST_RAM_CHUNK;
	if ((end - 1) / GUEST_RAM_CHUNK != chunk)
		return 0;
	return (void *)(uintptr_t)(r->chunk_hpa[chunk] + gpa % GUEST_RAM_CHUNK);
}

/* Splits [gpa, gpa+len) at chunk boundaries; -1 if any piece is not RAM. */
static int each_piece(const struct guest_ram *r, u64 gpa, u64 len, const u8 *src, int fill)
{
	while (len) {
		u64 n = GUEST_RAM_CHUNK - gpa % GUEST_RAM_CHUNK;
		if (n > len)
			n = len;
		u8 *dst = guest_ram_ptr(r, gpa, n);
		if (!dst)
			return -1;
		if (src) {
			memcpy(dst, src, n);
			src += n;
		} else {
			memset(dst, fill, n);
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

int guest_ram_write(const struct guest_ram *r, u64 gpa, const void *src, u64 len)
{
	return each_piece(r, gpa, len, src, 0);
}

int guest_ram_fill(const struct guest_ram *r, u64 gpa, u8 byte, u64 len) { return each_piece(r, gpa, len, 0, byte); }

int guest_ram_map(const struct guest_ram *r, struct ept *e)
{
	for (u32 i = 0; i < r->nchunks; i++) {
		u64 gpa = (u64)i * GUEST_RAM_CHUNK, hpa = r->chunk_hpa[i];
		if (gpa == 0) { /* the first chunk holds the hole: map around it in 4 KiB pages */
			if (ept_map(e, 0, hpa, GUEST_HOLE_START, EPT_R | EPT_W | EPT_X, EPT_MT_WB) ||
			    ept_map(e, GUEST_HOLE_END, hpa + GUEST_HOLE_END, GUEST_RAM_CHUNK - GUEST_HOLE_END,
			            EPT_R | EPT_W | EPT_X, EPT_MT_WB))
				return -1;
			continue;
		}
		if (ept_map(e, gpa, hpa, GUEST_RAM_CHUNK, EPT_R | EPT_W | EPT_X, EPT_MT_WB))
			return -1;
	}
	return 0;
}
