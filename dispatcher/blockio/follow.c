/* Followed blocks; see trace.h. */
#include "follow.h"
#include "block_dispatch.h"
#include "block_run.h"
#include "hash.h"
#include "../emul/interp_fast.h"
#include "scanner.h"
#include "../../arch/console.h"
#include "../../arch/string.h"

/* Whether the instruction at lin continues b's last code range (else it needs a new one). */
static bool continues_range(const struct block *b, u64 lin)
{
	return b->nseg && b->seg[b->nseg - 1].linear + b->seg[b->nseg - 1].len == lin;
}

/* Whether code range i of b holds the len bytes at lin. */
static bool seg_holds(const struct block *b, u32 i, u64 lin, u32 len)
{
	return lin >= b->seg[i].linear && lin + len <= b->seg[i].linear + b->seg[i].len;
}

/* Where b holds the len bytes at lin already (a loop runs the same code again): their copy in
 * b->bytes, or NULL. *hint names the range that held the last instruction looked up (a loop's
 * next instruction is most often in it): it is tried first, then the others. */
static const u8 *held_code_at(const struct block *b, u64 lin, u32 len, u32 *hint)
{
	u32 i = *hint;
	if (i >= b->nseg || !seg_holds(b, i, lin, len)) {
		for (i = 0; i < b->nseg && !seg_holds(b, i, lin, len); i++)
			;
		if (i == b->nseg)
			return 0;
		*hint = i;
	}
	return b->bytes + b->seg[i].off + (lin - b->seg[i].linear);
}

static const u8 *held_code(const struct block *b, u64 lin, u32 len)
{
	u32 hint = 0;
	return held_code_at(b, lin, len, &hint);
}

/* Adds the instruction at lin (len bytes in buf) to b's code ranges unless they hold it
 * already (held, from held_code); the caller has made sure a new range, if one is needed, has
 * room. */
static void add_code_held(struct block *b, u64 lin, const u8 *buf, u32 len, const u8 *held)
{
	if (held)
		return;
	if (continues_range(b, lin))
		b->seg[b->nseg - 1].len = (u16)(b->seg[b->nseg - 1].len + len);
	else
		b->seg[b->nseg++] = (struct block_seg){lin, b->len, (u16)len};
	memcpy(b->bytes + b->len, buf, len);
	b->len = (u16)(b->len + len);
}

static void add_code(struct block *b, u64 lin, const u8 *buf, u32 len)
{
	add_code_held(b, lin, buf, len, held_code(b, lin, len));
}

/* The code ranges as they were after an instruction was added (ranges only grow: later
 * instructions extend the last range or add new ones). */
struct code_mark {
	u32 nseg, len, last_len;
};

static struct code_mark mark_code(const struct block *b)
{
	return (struct code_mark){b->nseg, b->len, b->nseg ? b->seg[b->nseg - 1].len : 0};
}

/* Keeps the first n instructions of the record, with the code ranges as they were after the
 * nth (m). */
static void designate(struct block *b, u32 n, struct code_mark m)
{
	b->nseg = (u8)m.nseg;
	if (m.nseg)
		b->seg[m.nseg - 1].len = (u16)m.last_len;
	b->len = (u16)m.len;
	b->ninsns = (u16)n;
	b->nio = 0;
	for (u32 i = 0; i < n; i++) {
		const struct insn *in = &b->insns[i];
		b->nio += insn_is_io(in->kind);
		bool writes = interp_may_write(in);
		b->iflags[i] = (u8)((insn_is_io(in->kind) ? BLOCK_I_IO : 0) | (writes ? BLOCK_I_WRITES : 0));
		b->next[i] = b->taken[i] = BLOCK_NO_INSN; /* followed by address, not by link */
		interp_fast_prepare(in, 0, 0, 0, &b->fast[i]); /* no in-block JMP form */
		replay_prepare(in, &b->rp[i]);
	}
	replay_mark_fetches(b->rp, b->lin, b->insns, n);
	b->hash = block_hash(b->bytes, b->len);
}

/* Why a recording ended, for trace=blocks. */
static const char *stop_reason;
static u64 stop_at;
static u8 stop_bytes[INSN_MAX_LEN];
static u32 stop_got; /* how many of them were read (the rest lie on a page that faults) */

static void note_stop(const char *why, u64 lin, const u8 *buf, u32 got)
{
	stop_reason = why;
	stop_at = lin;
	memset(stop_bytes, 0, sizeof stop_bytes);
	stop_got = got < INSN_MAX_LEN ? got : INSN_MAX_LEN;
	memcpy(stop_bytes, buf, stop_got);
}

void follow_print_stop(void)
{
	if (!stop_reason)
		return;
	con_log("  recording ended at 0x%llx (%s):", (unsigned long long)stop_at, stop_reason);
	for (u32 i = 0; i < 8 && i < stop_got; i++) /* only bytes that were read */
		con_printf(" %02x", stop_bytes[i]);
	con_printf("\n");
}

/* Decoded instructions of the record by address, so that a loop's rounds decode each once:
 * the record index of the last instruction added at an address hashed to each entry. */
#define SEEN_ENTRIES 128
#define SEEN_SHIFT 57 /* 64 - log2(SEEN_ENTRIES) */
static u32 seen_of(u64 lin) { return (u32)((lin * 0x9e3779b97f4a7c15ULL) >> SEEN_SHIFT); }

/* Whether the record decoded the instruction at lin already, with the bytes now in buf (got
 * of them): its decoded form into *in and its bytes' copy in the record into *held. x86
 * decoding reads no byte past the instruction, so the same bytes decode the same. */
static bool decoded_before(const struct block *b, const u16 *seen, u64 lin, const u8 *buf, u32 got,
                           struct insn *in, const u8 **held, u32 *hint)
{
	u32 k = seen[seen_of(lin)];
	if (k >= b->ninsns || b->lin[k] != lin || b->insns[k].length > got)
		return false;
	u32 len = b->insns[k].length;
	const u8 *h = held_code_at(b, lin, len, hint);
	if (!h || memcmp(h, buf, len))
		return false;
	*in = b->insns[k];
	*held = h;
	return true;
}

/* The first `at` instructions of path p (they ran already) begin b's record; returns the index
 * of the last IO instruction among them, or -1, and its code mark in *m. */
static int copy_prefix(struct block *b, const struct block *p, u32 at, struct code_mark *m)
{
	int last_io = -1;
	b->rip_linear = p->rip_linear;
	for (u32 k = 0; k < at; k++) {
		b->insns[k] = p->insns[k];
		add_code(b, p->lin[k], held_code(p, p->lin[k], p->insns[k].length), p->insns[k].length);
		b->lin[b->ninsns++] = p->lin[k];
		if (insn_is_io(p->insns[k].kind)) {
			last_io = (int)k;
			*m = mark_code(b);
		}
	}
	return last_io;
}

/* The forecast a recording keeps under block_policy=auto (block_policy.h, record_budget). */
struct forecast {
	bool on;
	struct record_budget bud;
	u32 nio;     /* IO instructions in the record */
	i64 best;    /* the best balance at an IO instruction so far */
	int best_io; /* its record index; -1 before any */
	struct code_mark best_mark;
};

static const char forecast_why[] = "the forecast: more instructions cannot pay for their replay";

/* The predicted ledger of the record's first n instructions, f->nio of them IO. */
static i64 balance(const struct forecast *f, u32 n)
{
	u64 won = (f->nio ? f->nio - 1 : 0) * f->bud.gain, cost = (n ? n - 1 : 0) * f->bud.rate;
	return (i64)won - (i64)cost;
}

static void forecast_begin(struct blockio *bio, const struct block *b, int prefix_io, struct code_mark mark,
                           struct forecast *f)
{
	*f = (struct forecast){.best_io = -1};
	f->on = bpol_record_budget(bio, &f->bud);
	if (!f->on)
		return;
	for (u32 k = 0; k < b->ninsns; k++)
		f->nio += insn_is_io(b->insns[k].kind);
	if (prefix_io >= 0) { /* the prefix's balance at its last IO instruction is the one to beat */
		f->best = balance(f, (u32)prefix_io + 1);
		f->best_io = prefix_io;
		f->best_mark = mark;
	}
}

/* Whether the recording stops before its next instruction: its balance fell more than the slack
 * below the best one. */
static bool forecast_stop(const struct forecast *f, const struct block *b)
{
	return f->on && balance(f, b->ninsns) < f->best - (i64)f->bud.slack;
}

/* An IO instruction was recorded (the record's last): a new best balance ends the block there. */
static void forecast_io(struct forecast *f, const struct block *b)
{
	if (!f->on)
		return;
	f->nio++;
	i64 bal = balance(f, b->ninsns);
	if (f->best_io < 0 || bal > f->best) {
		f->best = bal;
		f->best_io = (int)b->ninsns - 1;
		f->best_mark = mark_code(b);
	}
}

int follow_record(struct blockio *bio, struct vcpu *v, struct block *b, const struct block *prefix, u32 at,
                  u32 *insns, u32 *nio)
{
	struct interp_io io = bio->bus;
	bool io_ok = block_io_allowed(v);
	b->rip_linear = scan_rip_linear(v);
	b->mode = (u8)interp_cpu_mode(v);
	b->followed = true;
	b->nseg = 0;
	b->len = 0;
	b->ninsns = 0;
	*insns = *nio = 0;
	if (b->mode != CPU_MODE_64)
		return -1;
	struct code_mark mark = {0, 0, 0};
	int last_io = prefix ? copy_prefix(b, prefix, at, &mark) : -1, prefix_io = last_io;
	struct forecast fc;
	forecast_begin(bio, b, prefix_io, mark, &fc);
	const char *why = 0; /* why the recording ended, for trace=blocks */
	u64 fetch_page = b->rip_linear & ~(u64)(PAGE_SIZE - 1);
	u64 lin = b->rip_linear;
	u8 buf[INSN_MAX_LEN];
	u32 got = 0, hint = 0;
	struct code_window cw = {0};
	u16 seen[SEEN_ENTRIES];
	memset(seen, 0xff, sizeof seen); /* BLOCK_NO_INSN: none */
	while (!why) {
		lin = scan_rip_linear(v);
		got = 0;
		if (b->ninsns == b->max_insns) {
			why = "the instruction limit (BLOCK_MAX_INSNS)";
		} else if (forecast_stop(&fc, b)) {
			why = forecast_why;
			bio->pol.forecast_stops++;
		}
		if (why)
			break; /* before the instruction at lin: none of its bytes read */
		got = scan_read_code_at(v, &cw, lin, buf, INSN_MAX_LEN);
		struct insn *in = &b->insns[b->ninsns];
		bool is_io = false;
		const u8 *held = 0; /* the instruction's bytes where the record holds them already */
		if (!decoded_before(b, seen, lin, buf, got, in, &held, &hint) &&
		    decode_insn(buf, got, CPU_MODE_64, in) != DECODE_OK) {
			/* fewer bytes than an instruction may need: the fetch stopped at a page it may not use */
			why = got < INSN_MAX_LEN ? "code not fetchable here (its page faults)" : "outside the subset";
		} else if (!held && !(held = held_code_at(b, lin, in->length, &hint)) && b->len + in->length > b->max_bytes) {
			why = "the code byte limit (BLOCK_MAX_BYTES)";
		} else if (held && memcmp(held, buf, in->length)) {
			why = "code written while recorded";
		} else {
			is_io = insn_is_io(in->kind);
			bool string = insn_is_string_io(in->kind);
			struct interp_result res;
			/* a block starts at a non-string IO; a REP string has its own exit path */
			if (b->ninsns == 0 ? !is_io || string || !block_insn_is_exit(in, v) : string || (is_io && !io_ok))
				why = "string IO, IO not permitted, or not the exiting instruction";
			else if (!held && !continues_range(b, lin) && b->nseg == BLOCK_MAX_SEGS)
				why = "the code range limit (BLOCK_MAX_SEGS)";
			else
				block_fetch(v, lin, in->length, &fetch_page);
			if (!why && interp_exec(v, in, &io, &res) != INTERP_OK)
				why = "not exactly emulable here";
		}
		if (why)
			break;
		add_code_held(b, lin, buf, in->length, held);
		seen[seen_of(lin)] = b->ninsns;
		b->lin[b->ninsns++] = lin;
		if (is_io) {
			(*nio)++;
			last_io = b->ninsns - 1;
			mark = mark_code(b);
			forecast_io(&fc, b);
			if (block_stops_after_io(bio, v))
				why = "the guest's run ended or an interrupt is deliverable";
		}
	}
	note_stop(why, lin, buf, got);
	*insns = b->ninsns - at;
	bio->pol.record_insns += *insns;
	if (last_io < 0 || last_io == prefix_io)
		return why == forecast_why ? FOLLOW_UNPROFITABLE : -1;
	if (fc.on) { /* the forecast's best place to end, if any past the first (or the prefix) pays */
		if (fc.best_io <= (prefix_io > 0 ? prefix_io : 0) || fc.best <= (i64)fc.bud.fixed)
			return FOLLOW_UNPROFITABLE;
		last_io = fc.best_io;
		mark = fc.best_mark;
	}
	designate(b, (u32)last_io + 1, mark);
	return b->nio;
}

u32 follow_run(struct blockio *bio, struct vcpu *v, const struct block *b, struct block_pages *pg,
               u32 from, u32 *insns)
{
	struct interp_io io = bio->bus;
	bool io_ok = block_io_allowed(v);
	bool fast = interp_fast_ready(v, b->mode, b->len) && v->tlb;
	struct replay_ctx rc;
	replay_begin(&rc, v);
	replay_io(&rc, bio, io, io_ok);
	if (!from)
		replay_seen(&rc); /* every instruction of the path runs in order from the first */
	u32 n = 0, nio = 0;
	/* continuing another path: the next fetch touches its page again (the accessed flag is
	 * already set there, so that changes nothing) */
	u64 fetch_page = from ? 1 : b->rip_linear & ~(u64)(PAGE_SIZE - 1);
	for (u32 i = from; i < b->ninsns; i++) {
		if (i == 0 && !block_insn_is_exit(&b->insns[0], v))
			break; /* not what the processor executed: the one-exit path takes it */
		/* the direct forms (replay.h) of as many instructions as have one, each behind the
		 * RIP guard; then the general path for the one they stopped at */
		if (fast && i > 0) {
			u32 j = replay_run(v, &rc, b, i, pg, &fetch_page);
			n += j - i;
			nio += rc.nio;
			rc.nio = 0;
			i = j;
			if (i == b->ninsns || rc.io_stop)
				break; /* an IN or OUT form ended the block (block_stops_after_io) */
		}
		if (scan_rip_linear(v) != b->lin[i])
			break; /* the guest went another way: the block ends here */
		const struct insn *in = &b->insns[i];
		u8 f = b->iflags[i];
		if ((f & BLOCK_I_IO) && i > 0 && !io_ok)
			break;
		u64 wl, wlen;
		if ((f & BLOCK_I_WRITES) && interp_write_range(v, in, &wl, &wlen) == 0 &&
		    block_writes_into(v, b, pg, wl, wlen))
			break;
		block_fetch(v, b->lin[i], in->length, &fetch_page);
		if (fast && b->fast[i].kind != INTERP_FAST_NONE) {
			interp_fast_exec(v, &b->fast[i], 0, &io);
		} else {
			struct interp_result res;
			if (interp_exec(v, in, &io, &res) != INTERP_OK)
				break;
		}
		n++;
		if (f & BLOCK_I_IO) {
			nio++;
			if (block_stops_after_io(bio, v))
				break;
		}
	}
	*insns = n;
	return nio;
}
