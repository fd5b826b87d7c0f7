/*
 * Block dispatch; see block_dispatch.h. The correctness principle of DESIGN.md section 3 is
 * kept here at run time: the block ends before an instruction the interpreter cannot finish
 * exactly (it says so, changing nothing), before an IO instruction the guest may not execute
 * at its privilege, before a write into the block's own bytes, when RIP leaves the block, and
 * it never starts with single-stepping (RFLAGS.TF) or an enabled debug breakpoint.
 */
#include "block_dispatch.h"
#include "dispatch.h"
#include "guest_mem.h"
#include "hash.h"
#include "interp.h"
#include "rip_update.h"
#include "scanner.h"
#include "../arch/console.h"
#include "../arch/string.h"

#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_IOPL_MASK 0x3ULL
#define RFLAGS_VM (1ULL << 17)
#define CR0_PE (1ULL << 0)
#define DR7_ENABLE_BITS 0xffULL /* L0-L3 and G0-G3 (SDM Vol. 3B 18.2.4) */

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

/*
 * Runs the block from its first instruction; returns the IO instructions executed. What can
 * change between instructions is checked where it can change: IO permission depends on CPL,
 * IOPL, CR0.PE and RFLAGS.VM, which no instruction of the subset writes, so it is read once;
 * the devices' state (a debug exit, a reset request) changes only with a port access; a write
 * into the block's own bytes only with an instruction that may write memory (BLOCK_I_WRITES).
 * The code mode and CS limit checks of interp_exec are made once for the whole block
 * (interp_fast_ready), and the instructions with a precompiled form run it.
 */
static u32 run_block(struct dispatcher *d, struct vcpu *v, const struct block *b, u32 *insns)
{
	struct interp_io io = {&d->board->bus, bus_in, bus_out};
	u64 start_rip = v->rip;
	bool io_ok = io_allowed(v);
	bool fast = interp_fast_ready(v, b->mode, b->len);
	u32 nio = 0;
	u32 i = 0, n = 0;
	while (i < b->ninsns && n < BLOCK_MAX_INSNS) {
		const struct insn *in = &b->insns[i];
		u8 f = b->iflags[i];
		if ((f & BLOCK_I_IO) && !io_ok && n > 0)
			break;
		bool taken;
		if (fast && b->fast[i].kind != INTERP_FAST_NONE) {
			/* in-block links only: RIP stays on the block's offsets */
			taken = interp_fast_exec(v, &b->fast[i], start_rip, &io);
			i = taken ? b->taken[i] : b->next[i];
		} else {
			u64 wl, wlen;
			if ((f & BLOCK_I_WRITES) && interp_write_range(v, in, &wl, &wlen) == 0 &&
			    writes_into_block(v, b, wl, wlen))
				break;
			struct interp_result res;
			if (interp_exec(v, in, &io, &res) != INTERP_OK)
				break;
			i = res.branch ? b->taken[i] : b->next[i];
			/* a target that wrapped at the operand size is somewhere else: leave the block */
			if (i < b->ninsns && v->rip - start_rip != b->offset[i])
				i = BLOCK_NO_INSN;
		}
		n++;
		if (f & BLOCK_I_IO) {
			nio++;
			if (d->board->dbg.fired || board_reset_requested(d->board, 0))
				break; /* the guest's run is over */
		}
	}
	*insns = n;
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
	if (!d->cfg.block.enabled || (v->rflags & RFLAGS_TF) || (v->dr7 & DR7_ENABLE_BITS))
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
