/* The scanning unit; see scanner.h. */
#include "scanner.h"
#include "../vcpu/gmem.h"
#include "../vcpu/gmem_tlb.h"
#include "hash.h"
#include "../../arch/string.h"

#define PAGE_MASK_LOW 0xfffULL
#define READ_MAX (BLOCK_SCAN_MAX_BYTES + INSN_MAX_LEN)

u64 scan_rip_linear(const struct vcpu *v)
{
	if (vcpu_long_mode(v))
		return v->rip; /* CS base is 0 in 64-bit mode (SDM Vol. 3A 3.4.4) */
	return (vcpu_seg(v, VCPU_CS)->base + v->rip) & 0xffffffffULL;
}

u32 scan_extent(const struct block_config *cfg, u64 rip_linear)
{
	switch (cfg->extent) {
	case BLOCK_EXTENT_BYTES: return cfg->extent_bytes;
	case BLOCK_EXTENT_PAGE: return (u32)(PAGE_SIZE - (rip_linear & PAGE_MASK_LOW));
	case BLOCK_EXTENT_CPU: return BLOCK_EXTENT_CPU_MAX;
	}
	return 0;
}

/* Reads up to want bytes of code, page by page, stopping at the first page the guest's paging
 * does not map executable; returns how many bytes it got. No accessed flag is set (gmem_peek). */
u32 scan_read_code(struct vcpu *v, u64 linear, u8 *buf, u32 want)
{
	u32 got = 0;
	bool user = v->cpl == 3;
	while (got < want) {
		u32 chunk = (u32)(PAGE_SIZE - ((linear + got) & PAGE_MASK_LOW));
		if (chunk > want - got)
			chunk = want - got;
		struct gmem_fault f;
		if (gmem_peek(v, linear + got, buf + got, chunk, VCPU_EXEC, user, &f) != GMEM_OK)
			break;
		got += chunk;
	}
	return got;
}

/* Whether window page w serves want bytes at linear now. */
static bool window_serves(const struct vcpu *v, const struct code_window_page *w, u64 linear, u32 want)
{
	return w->host && w->gen == v->tlb->gen && w->cpl == v->cpl && (linear >> PAGE_SHIFT) == w->page &&
	       (linear & PAGE_MASK_LOW) + want <= PAGE_SIZE;
}

u32 scan_read_code_at(struct vcpu *v, struct code_window *w, u64 linear, u8 *buf, u32 want)
{
	for (u32 i = 0; v->tlb && i < CODE_WINDOW_PAGES; i++)
		if (window_serves(v, &w->p[i], linear, want)) {
			memcpy(buf, w->p[i].host + (linear & PAGE_MASK_LOW), want);
			return want;
		}
	u32 got = scan_read_code(v, linear, buf, want);
	u64 gpa;
	struct walk wk;
	/* the read checked the execute access through the cache; keep the page only while the
	 * cache holds its walk (not PAE, room for its entries' frames) */
	if (got && v->tlb && gmem_translate(v, linear, VCPU_EXEC, v->cpl == 3, &gpa, 0) == GMEM_OK &&
	    gmem_tlb_get(v, linear, &wk) && wk.te && wk.te->host) {
		struct code_window_page *p = &w->p[w->next];
		w->next = (w->next + 1) % CODE_WINDOW_PAGES;
		*p = (struct code_window_page){linear >> PAGE_SHIFT, wk.te->host, v->tlb->gen, (u8)v->cpl};
	}
	return got;
}


static u16 index_at(const struct block *b, u64 off)
{
	for (u32 i = 0; i < b->ninsns; i++)
		if (b->offset[i] == off)
			return (u16)i;
	return BLOCK_NO_INSN;
}

/* The links and flags of struct block, from the designated instructions. A branch whose
 * target lies outside the designated bytes leaves the block when taken. */
static void link_block(struct block *b)
{
	for (u32 i = 0; i < b->ninsns; i++) {
		const struct insn *in = &b->insns[i];
		u64 fall = (u64)b->offset[i] + in->length;
		bool branch = in->kind == INSN_JMP || in->kind == INSN_JCC;
		b->next[i] = in->kind == INSN_JMP ? BLOCK_NO_INSN : index_at(b, fall);
		b->taken[i] = branch ? index_at(b, fall + in->imm) : BLOCK_NO_INSN;
		b->iflags[i] = (u8)((insn_is_io(in->kind) ? BLOCK_I_IO : 0) | (interp_may_write(in) ? BLOCK_I_WRITES : 0));
		interp_fast_prepare(in, b->offset[i], b->offset, b->ninsns, &b->fast[i]);
	}
}

int scan_block(struct vcpu *v, const struct block_config *cfg, struct block *b)
{
	u8 buf[READ_MAX];
	b->rip_linear = scan_rip_linear(v);
	b->mode = (u8)interp_cpu_mode(v);
	u32 extent = scan_extent(cfg, b->rip_linear);
	u32 want = extent < READ_MAX ? extent : READ_MAX;
	u32 avail = scan_read_code(v, b->rip_linear, buf, want);
	u32 off = 0;
	int last_io = -1;
	b->ninsns = 0;
	b->nio = 0;
	while (off < avail && off < BLOCK_SCAN_MAX_BYTES && b->ninsns < BLOCK_SCAN_MAX_INSNS) {
		struct insn *in = &b->insns[b->ninsns];
		if (decode_insn(buf + off, avail - off, (enum cpu_mode)b->mode, in) != DECODE_OK)
			break;
		if (off + in->length > extent || off + in->length > BLOCK_SCAN_MAX_BYTES)
			break; /* the instruction does not end inside the extent (or the kept bytes) */
		if (b->ninsns == 0 && (!insn_is_io(in->kind) || insn_is_string_io(in->kind)))
			return -1;
		if (b->ninsns > 0 && insn_is_string_io(in->kind))
			break; /* a REP string needs its own bounded exit path */
		if ((in->kind == INSN_JMP || in->kind == INSN_JCC) && in->backward)
			break; /* only forward branches: a block always ends */
		if (in->kind >= INSN_CALL)
			break; /* stack and indirect control flow: only block_follow (trace.h) runs them */
		b->offset[b->ninsns] = (u16)off;
		if (insn_is_io(in->kind)) {
			last_io = b->ninsns;
			b->nio++;
		}
		b->ninsns++;
		u64 next = (u64)off + in->length;
		if (in->kind == INSN_JMP)
			next += in->imm; /* the stream goes on at the target: the bytes skipped are not code */
		if (next >= avail)
			break;
		off = (u32)next;
	}
	if (last_io < 0)
		return -1;
	/* designate the block: through the last IO instruction, no further */
	b->ninsns = (u16)(last_io + 1);
	b->nio = 0;
	for (u32 i = 0; i < b->ninsns; i++)
		b->nio += insn_is_io(b->insns[i].kind);
	b->len = (u16)(b->offset[last_io] + b->insns[last_io].length);
	memcpy(b->bytes, buf, b->len);
	b->hash = block_hash(b->bytes, b->len);
	b->followed = false;
	b->nseg = 1;
	b->seg[0] = (struct block_seg){b->rip_linear, 0, b->len};
	link_block(b);
	return b->nio;
}
