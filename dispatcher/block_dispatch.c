/*
 * Block dispatch; see block_dispatch.h. The correctness principle of DESIGN.md section 3 is
 * kept here at run time: the block ends before an instruction the interpreter cannot finish
 * exactly (it says so, changing nothing), before an IO instruction the guest may not execute
 * at its privilege, before a write into the block's own bytes, when RIP leaves the block, and
 * it never starts with single-stepping (RFLAGS.TF) or an enabled debug breakpoint.
 */
#include "block_dispatch.h"
#include "breakpoints.h"
#include "dispatch.h"
#include "guest_mem.h"
#include "hash.h"
#include "interp.h"
#include "rip_update.h"
#include "scanner.h"
#include "../arch/console.h"
#include "../arch/string.h"

#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_IOPL_MASK 0x3ULL
#define RFLAGS_VM (1ULL << 17)
#define CR0_PE (1ULL << 0)

static bool is_io(enum insn_kind k) { return k == INSN_IN || k == INSN_OUT || k == INSN_INS || k == INSN_OUTS; }

/* IO permission without the TSS bitmap (SDM Vol. 1 19.5): real mode, or CPL <= IOPL outside
 * virtual-8086 mode. Anything else might #GP natively, so the block ends before it. */
static bool io_allowed(const struct vcpu *v)
{
	if (!(v->cr0 & CR0_PE))
		return true;
	if (v->rflags & RFLAGS_VM)
		return false;
	return v->cpl <= ((v->rflags >> RFLAGS_IOPL_SHIFT) & RFLAGS_IOPL_MASK);
}

/* The hash check of claim 10: the bytes in guest memory now against the cached block. */
static bool bytes_match(struct vcpu *v, const struct block *b)
{
	u8 now[BLOCK_MAX_BYTES];
	struct gmem_fault f;
	if (gmem_peek(v, b->rip_linear, now, b->len, VCPU_EXEC, v->cpl == 3, &f) != GMEM_OK)
		return false;
	return block_hash(now, b->len) == b->hash && !memcmp(now, b->bytes, b->len);
}

/* Does a write to [lin, lin+len) touch the block's bytes, by address or through another
 * mapping of the same physical page? */
static bool writes_into_block(struct vcpu *v, const struct block *b, u64 lin, u64 len)
{
	if (lin < b->rip_linear + b->len && b->rip_linear < lin + len)
		return true;
	bool user = v->cpl == 3;
	u64 wg, wg_end, bg, bg_end;
	/* each end translated: a write that crosses a page goes on in whatever page maps next */
	if (gmem_translate(v, lin, VCPU_WRITE, user, &wg, 0) != GMEM_OK ||
	    gmem_translate(v, lin + len - 1, VCPU_WRITE, user, &wg_end, 0) != GMEM_OK ||
	    gmem_translate(v, b->rip_linear, VCPU_EXEC, user, &bg, 0) != GMEM_OK ||
	    gmem_translate(v, b->rip_linear + b->len - 1, VCPU_EXEC, user, &bg_end, 0) != GMEM_OK)
		return true; /* cannot tell: assume it does */
	u64 wpage = wg & ~(PAGE_SIZE - 1), wend = wg_end & ~(PAGE_SIZE - 1);
	return wpage == (bg & ~(PAGE_SIZE - 1)) || wpage == (bg_end & ~(PAGE_SIZE - 1)) ||
	       wend == (bg & ~(PAGE_SIZE - 1)) || wend == (bg_end & ~(PAGE_SIZE - 1));
}

static u32 bus_in(void *ctx, u16 port, u8 size) { return iobus_in(ctx, port, size); }
static void bus_out(void *ctx, u16 port, u8 size, u32 val) { iobus_out(ctx, port, size, val); }

static int find_insn(const struct block *b, u64 off, int from)
{
	for (int i = from; i < b->ninsns; i++)
		if (b->offset[i] == off)
			return i;
	return -1; /* forward-only branches: never behind the current one */
}

/* Runs the block from its first instruction; returns the IO instructions executed. */
static u32 run_block(struct dispatcher *d, struct vcpu *v, const struct block *b, u32 *insns)
{
	struct interp_io io = {&d->board->bus, bus_in, bus_out};
	u64 start_rip = v->rip;
	u32 nio = 0;
	int i = 0;
	*insns = 0;
	while (*insns < BLOCK_MAX_INSNS && i >= 0) {
		const struct insn *in = &b->insns[i];
		if (*insns > 0 && is_io(in->kind) && !io_allowed(v))
			break;
		u64 wl, wlen;
		if (interp_write_range(v, in, &wl, &wlen) == 0 && writes_into_block(v, b, wl, wlen))
			break;
		struct interp_result res;
		if (interp_exec(v, in, &io, &res) != INTERP_OK)
			break;
		(*insns)++;
		nio += is_io(in->kind);
		if (d->board->dbg.fired || board_reset_requested(d->board, 0))
			break; /* the guest's run is over */
		i = find_insn(b, v->rip - start_rip, i + 1);
	}
	return nio;
}

static void trace_block(const struct block *b)
{
	con_log("block at 0x%llx: %u bytes, %u instructions, %u IO, hash 0x%016llx\n",
	        (unsigned long long)b->rip_linear, b->len, b->ninsns, b->nio, (unsigned long long)b->hash);
}

bool block_dispatch(struct dispatcher *d, struct vcpu *v)
{
	struct block_stats *s = &d->bstats;
	if (!d->cfg.block.enabled || (v->rflags & VCPU_RFLAGS_TF) || (v->dr7 & DR7_ENABLE_MASK))
		return false;
	u64 rip_linear = scan_rip_linear(v);
	u8 mode = (u8)scan_cpu_mode(v);
	struct block *b = table_lookup(&d->table, rip_linear, mode);
	if (b && b->nio < 2 && ++b->unverified % SINGLE_RECHECK) {
		s->hits++;
		s->singles++;
		return false; /* the one-exit path uses nothing cached: no check needed for exactness */
	}
	if (b && !bytes_match(v, b)) {
		s->mismatches++;
		table_invalidate(&d->table, b);
		b = 0;
	} else if (b) {
		s->hits++;
	} else {
		s->misses++;
	}
	if (!b) {
		b = table_slot(&d->table, rip_linear, mode);
		if (scan_block(v, &d->cfg.block, b) < 0)
			return false;
		b->unverified = 0;
		table_commit(&d->table, b);
		if (d->cfg.block.trace)
			trace_block(b);
	}
	if (b->nio < 2) {
		s->singles++;
		return false;
	}
	u32 insns;
	u32 nio = run_block(d, v, b, &insns);
	if (insns == 0)
		return false; /* the exiting instruction itself: the one-exit path handles it */
	s->runs++;
	s->insns += insns;
	s->io_in_blocks += nio;
	if (nio >= 2)
		s->io_hist[nio - 2 < BLOCK_HIST_BUCKETS ? nio - 2 : BLOCK_HIST_BUCKETS - 1]++;
	if (nio < b->nio)
		s->early_ends++;
	d->stats.io_exits++;
	d->stats.io_instructions += nio;
	rip_update(v, v->rip);
	v->dirty |= VCPU_DIRTY_RFLAGS | VCPU_DIRTY_RSP;
	dispatch_check_board_end(d, v);
	return true;
}
