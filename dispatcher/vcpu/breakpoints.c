/* Debug-register breakpoints hit by emulated accesses; see breakpoints.h. */
#include "breakpoints.h"

static u64 len_bytes(u32 len)
{
	/* 10b: 8 bytes on processors with Intel 64, undefined on older ones (SDM Vol. 3B 18.2.4) */
	static const u64 bytes[] = {[DR7_LEN_1] = 1, [DR7_LEN_2] = 2, [DR7_LEN_8] = 8, [DR7_LEN_4] = 4};
	return bytes[len & DR7_FIELD_MASK];
}

/*
 * The breakpoints whose R/W field is rw_a or rw_b and whose range overlaps [addr, addr+size).
 * A range of LEN bytes starts at DRn with its low address bits masked: the processor requires
 * the alignment and ignores those bits (SDM Vol. 3B 18.2.5). Outside 64-bit mode addresses are
 * 32 bits wide, and so is the compare.
 */
static u32 hits(const struct vcpu *v, u64 addr, u64 size, u32 rw_a, u32 rw_b)
{
	if (!(v->dr7 & DR7_ENABLE_MASK) || size == 0)
		return 0;
	u64 amask = vcpu_long_mode(v) ? ~0ULL : 0xffffffffULL;
	u64 first = addr & amask, last = (addr + size - 1) & amask;
	u32 b = 0;
	for (int n = 0; n < VCPU_NDEBUG_ADDR; n++) {
		u32 rw = (u32)(v->dr7 >> DR7_RW_SHIFT(n)) & DR7_FIELD_MASK;
		if (!((v->dr7 >> DR7_ENABLE_SHIFT(n)) & DR7_FIELD_MASK) || (rw != rw_a && rw != rw_b))
			continue;
		u64 len = len_bytes((u32)(v->dr7 >> DR7_LEN_SHIFT(n)));
		u64 bp = v->dr[n] & amask & ~(len - 1);
		/* an access that wraps the address space: each end on its own */
		bool hit = first <= last ? (first <= bp + len - 1 && bp <= last)
		                         : (bp + len - 1 >= first || bp <= last);
		if (hit)
			b |= VCPU_DBG_B(n);
	}
	return b;
}

u32 bp_io_hits(const struct vcpu *v, u16 port, u32 size)
{
	if (!(v->cr4 & CR4_DE))
		return 0;
	return hits(v, port, size, DR7_RW_IO, DR7_RW_IO);
}

u32 bp_data_hits(const struct vcpu *v, u64 linear, u32 size, bool write)
{
	return write ? hits(v, linear, size, DR7_RW_WRITE, DR7_RW_ACCESS)
	             : hits(v, linear, size, DR7_RW_ACCESS, DR7_RW_ACCESS);
}
