/*
 * Shared by test_interp.c and test_interp_mem.c: a fake platform for dispatcher/emul/interp.c —
 * 4 MiB of guest RAM with one guest-physical page that is not RAM, three vCPU set-ups (64-bit
 * mode with 4-level paging and a not-present, a read-only and a supervisor-only page; flat
 * 32-bit protected mode with paging off; real mode), a recording IO bus, and the helpers that
 * decode and execute instruction bytes.
 */
#ifndef TESTS_UNIT_FAKE_INTERP_H
#define TESTS_UNIT_FAKE_INTERP_H

#include "dispatcher/emul/decode.h"
#include "dispatcher/vcpu/gmem.h"
#include "dispatcher/emul/interp.h"
#include "fake_io.h"

#define RAM_SIZE (4 * MIB)
#define HOLE 0x300000ULL /* one guest-physical page that is not RAM */
#define CF 0x001ULL
#define PF 0x004ULL
#define AF 0x010ULL
#define ZF 0x040ULL
#define SF 0x080ULL
#define DF 0x400ULL
#define OF 0x800ULL
#define ACF (1ULL << 18)
#define ARITH (CF | PF | AF | ZF | SF | OF)
#define PML4 0x1000ULL
#define PDPT 0x2000ULL
#define PD 0x3000ULL
#define PT 0x4000ULL
#define PAGE_NP 0x100000ULL   /* not present */
#define PAGE_RO 0x101000ULL   /* read-only */
#define PAGE_SUP 0x102000ULL  /* supervisor-only */
#define PAGE_SELF 0x1fe000ULL /* maps the page table itself */
#define CODE 0x10000ULL
#define DATA 0x20000ULL
#define AR_CODE 0x9bu /* present, code, readable, accessed */
#define AR_DATA 0x93u /* present, data, writable, accessed */
#define MAX_TRACKED 32
#define BYTES(...) ((const u8[]){__VA_ARGS__})
#define EXEC(v, ...) exec_bytes(v, BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__)))
#define FLAGS(v) ((v).rflags & ARITH)
#define EXPECT_STOP(v, ...) expect_stop(v, BYTES(__VA_ARGS__), sizeof(BYTES(__VA_ARGS__)), __LINE__)

extern u8 *ram;
extern u8 *snapshot_ram;

/* Pages handed out by the platform while `tracking`, with their contents from before. */
struct tracked_page {
	u64 page;
	u8 data[PAGE_SIZE];
};
extern bool tracking;
extern int ntracked;
extern struct tracked_page tracked[MAX_TRACKED];

extern const struct vcpu_platform plat;
/* The 8-byte entry idx of the paging-structure table at guest-physical table. */
u64 *pte(u64 table, unsigned idx);
void build_page_tables(void);
void reset_ram(void);
void flat_segments(struct vcpu *v, u32 cs_ar);
struct vcpu vcpu64(void);
struct vcpu vcpu32(void);
void real_segment(struct vcpu *v, int s, u16 sel);
struct vcpu vcpu16(void);

/* The ports: every access recorded (fake_io.h); an IN returns next_in, then next_in + 1, ... */
extern struct io_log io;
extern const struct interp_io fake_io;
void reset_io(u32 first_in);

/* The result of the last exec_bytes. */
extern struct interp_result res;
/* Decodes n bytes in v's mode (they must be one whole instruction of the subset) and runs them. */
int exec_bytes(struct vcpu *v, const u8 *b, u32 n);
/* Executes and expects INTERP_STOP with nothing at all changed: vCPU, RAM, ports. */
void expect_stop(struct vcpu *v, const u8 *b, u32 n, int line);
u32 rd32(u64 gpa);
void wr32(u64 gpa, u32 x);
/* cmocka group setup and teardown: RAM and its snapshot. */
int group_setup(void **state);
int group_teardown(void **state);

#endif
