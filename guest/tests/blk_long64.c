/*
 * Block-IO oracle guest in 64-bit code: microhv *follows* 64-bit code (README "Block IO
 * virtualization", block_follow=on): from an IO exit it records the path through calls,
 * returns and function pointers up to later IO instructions and replays it on later exits.
 * The other blk_* guests are 32-bit; this one turns on IA-32e mode (lib/long64.h), runs its
 * loops in compatibility mode and its blocks in 64-bit code, and prints only what the
 * architecture fixes, so its transcript is the same bare on QEMU and under microhv with
 * block_io=off, block_io=on block_follow=off and the default
 * (tests/integration/bochs_long64.sh). Ports: the 16550's LSR (0x3FD, idle: THRE|TEMT) and its
 * scratch register (0x3FF). Each part runs its block some hundred times, so that the table
 * records it and then replays it:
 *  1  a driver loop: IN status, a retpoline-like thunk into one of three output functions
 *     chosen by the character (several paths from one IN), IN back; register and memory sums;
 *  2  the block's data page and stack page remapped to other frames (INVLPG) every 40 runs;
 *  3  accessed/dirty flags of the data and stack PTEs and of the PDE cleared before each run;
 *  4  the data page made read-only or not present every 5th run: #PF inside the block, logged
 *     and mended by the handler, the block goes on;
 *  5  the called function's immediate rewritten every 25 runs, once through an alias mapping;
 *  6  the block stores a PTE, then loads through the page that PTE maps;
 *  7  a RET and a CALL r64 to a non-canonical address (#GP) or into a no-execute page (#PF);
 *  8  the called function's code page remapped between frames with other bytes, and unmapped;
 *  9  the block's pushes and pops straddling two stack pages, the lower one remapped;
 * 10  parts 1, 5 and 6 again with PIT interrupts at about 3 kHz.
 */
#include "lib/blocks.h"
#include "lib/long64.h"

#define NAME "blk_long64"
#define DRV_RUNS 600
#define RUNS 300
#define REMAP_EVERY 40
#define FAULT_EVERY 5
#define SMC_EVERY 25
#define SMC_ALIAS_ROUND 6 /* the rewrite at this round goes through the alias */
#define DATA_LIN 0x300000u
#define STACK_LIN 0x301000u
#define DATA2_LIN 0x302000u
#define ALIAS_LIN 0x303000u
#define NX_LIN 0x304000u
#define CODE_LIN 0x305000u
#define CODE_REMAP_EVERY 20
#define CODE_UNMAP_EVERY 50
#define SPLIT_LO_LIN 0x306000u
#define SPLIT_HI_LIN 0x307000u
#define SPLIT_STACK_TOP (SPLIT_HI_LIN + 0x14) /* st_block's PUSH RSI then straddles the two pages */
#define SPLIT_BYTES 64
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_CH0_RATE_GEN 0x34 /* channel 0, lobyte/hibyte, mode 2 */
#define PIT_DIVISOR 400       /* about 3 kHz */
#define SHOW_FAULTS 4
#define VEC_GP 13
#define VEC_PF 14

/* Frames the test maps at its linear pages (identity-mapped too, so C reads them directly). */
static u8 frame_a[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_b[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_s1[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_s2[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_c[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_d[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_e[L64_PAGE] __attribute__((aligned(4096)));
static u8 frame_f[L64_PAGE] __attribute__((aligned(4096)));
u32 drv_mem, drv_lower;

extern u8 drv_loop[], st_block[], smc_block[], smc_imm[], pt_block[], nc_ret_block[], nc_call_block[], nc_base[], nc_ret_at[], nc_call_at[];
extern u8 cp_block[], cp_callee[], cp_callee_imm[], cp_callee_end[];

/* The 64-bit code. drv_loop(n, text): n characters of text (cycled) through drv_char.
 * st_block(data, v): OUT v, push, call st_helper (store into data when v is even, else only
 * loads), IN, OUT. smc_block(v): OUT v, call smc_fn (MOV AL, imm8; OUT; IN). pt_block(pte, v):
 * OUT, call pt_store (v into the PTE), load from DATA2_LIN, OUT, IN. nc_ret_block(i, 0) and
 * nc_call_block(i, 1): OUT, then a RET or a CALL r64 to the target for i & 7: valid (OUT, IN on
 * the way), non-canonical (#GP) or in the no-execute page (#PF). */
__asm__(BLK_ASM_BEGIN ".code64\n"
        ".globl drv_loop\n"
        "drv_loop:\n"
        "	push rbx\n	push r12\n	push r13\n	push r14\n"
        "	mov r12d, edi\n	mov r13d, esi\n	xor r14d, r14d\n	xor ebx, ebx\n"
        "1:	movzx edi, byte ptr [r13 + r14]\n"
        "	test edi, edi\n	jnz 2f\n"
        "	xor r14d, r14d\n	movzx edi, byte ptr [r13]\n"
        "2:	inc r14d\n"
        "	call drv_char\n"
        "	mov ecx, ebx\n	shl ebx, 5\n	add ebx, ecx\n	xor ebx, eax\n"
        "	dec r12d\n	jnz 1b\n"
        "	mov eax, ebx\n"
        "	pop r14\n	pop r13\n	pop r12\n	pop rbx\n	ret\n"
        "drv_char:\n"
        "	push rbx\n"
        "	mov ebx, edi\n"
        "	call drv_status\n"
        "	mov ecx, eax\n"
        "	lea rax, [rip + put_plain]\n"
        "	cmp bl, 0x30\n	jb 1f\n"
        "	cmp bl, 0x39\n	ja 2f\n"
        "	lea rax, [rip + put_digit]\n	jmp 1f\n"
        "2:	cmp bl, 0x61\n	jb 1f\n"
        "	lea rax, [rip + put_lower]\n"
        "1:	mov edi, ebx\n"
        "	push rcx\n"
        "	call drv_thunk_rax\n"
        "	pop rcx\n"
        "	mov dx, 0x3FF\n	in al, dx\n"
        "	movzx eax, al\n	shl eax, 8\n	or eax, ecx\n"
        "	add dword ptr [rip + drv_mem], eax\n"
        "	pop rbx\n	ret\n"
        "drv_status:\n"
        "	mov dx, 0x3FD\n	in al, dx\n	and eax, 0x60\n	ret\n"
        "drv_thunk_rax:\n" /* a retpoline: the RET goes to RAX */
        "	call 1f\n"
        "2:	pause\n	lfence\n	jmp 2b\n"
        "1:	mov qword ptr [rsp], rax\n	ret\n"
        "put_plain:\n"
        "	mov dx, 0x3FF\n	mov eax, edi\n	out dx, al\n	ret\n"
        "put_lower:\n"
        "	mov dx, 0x3FF\n	mov eax, edi\n	sub al, 0x20\n	out dx, al\n"
        "	add dword ptr [rip + drv_lower], eax\n	ret\n"
        "put_digit:\n"
        "	mov dx, 0x3FF\n	mov eax, edi\n	and al, 0x0F\n	out dx, al\n"
        "	in al, dx\n	add al, 0x40\n	out dx, al\n	ret\n"

        ".globl st_block\n"
        "st_block:\n"
        "	push rbx\n"
        "	mov dx, 0x3FF\n	mov eax, esi\n	out dx, al\n"
        "	push rsi\n"
        "	call st_helper\n"
        "	pop rcx\n"
        "	mov ebx, eax\n"
        "	mov dx, 0x3FF\n	in al, dx\n"
        "	movzx eax, al\n	add eax, ebx\n	add eax, ecx\n"
        "	out dx, al\n"
        "	pop rbx\n	ret\n"
        "st_helper:\n"
        "	test esi, 1\n	jnz 1f\n"
        "	mov dword ptr [rdi + 16], esi\n"
        "	mov eax, dword ptr [rdi + 32]\n	add eax, esi\n	ret\n"
        "1:	mov eax, dword ptr [rdi + 16]\n	add eax, dword ptr [rdi + 32]\n	ret\n"

        ".globl smc_block, smc_imm\n"
        "smc_block:\n"
        "	mov dx, 0x3FF\n	mov eax, edi\n	out dx, al\n"
        "	call smc_fn\n"
        "	movzx eax, al\n	mov ecx, eax\n"
        "	in al, dx\n	movzx eax, al\n	shl eax, 8\n	or eax, ecx\n	ret\n"
        "smc_fn:\n"
        "	.byte 0xB0\n" /* MOV AL, imm8 */
        "smc_imm:\n"
        "	.byte 0x00\n"
        "	out dx, al\n	in al, dx\n	add al, 1\n	ret\n"

        ".globl pt_block\n"
        "pt_block:\n"
        "	mov dx, 0x3FF\n	mov eax, esi\n	out dx, al\n"
        "	call pt_store\n"
        "	mov r8d, 0x302000\n"
        "	mov ecx, dword ptr [r8 + 8]\n"
        "	mov eax, ecx\n	out dx, al\n	in al, dx\n"
        "	mov eax, ecx\n	ret\n"
        "pt_store:\n"
        "	mov qword ptr [rdi], rsi\n	ret\n"

        /* the path up to the branch is the same every run; only the target differs */
        ".globl nc_base, nc_ret_block, nc_call_block, nc_ret_at, nc_call_at\n"
        "nc_base:\n"
        "nc_ret_block:\n"
        "	lea r9, [rip + nc_ret_targets]\n"
        "	jmp 1f\n"
        "nc_call_block:\n"
        "	lea r9, [rip + nc_call_targets]\n"
        "1:	mov dx, 0x3FF\n	mov eax, edi\n	out dx, al\n"
        "	mov qword ptr [rip + l64_fix_rsp], rsp\n"
        "	lea rax, [rip + nc_recover]\n"
        "	mov dword ptr [rip + l64_fix_rip], eax\n"
        "	mov ecx, edi\n	and ecx, 7\n"
        "	mov rax, qword ptr [r9 + rcx * 8]\n"
        "	test esi, esi\n	jnz 2f\n"
        "	push rax\n"
        "nc_ret_at:\n"
        "	ret\n"
        "2:\n"
        "nc_call_at:\n"
        "	call rax\n"
        "	in al, dx\n	movzx eax, al\n	ret\n"
        "nc_valid:\n" /* the RET's target: OUT, IN, back to l64_enter */
        "	mov eax, edi\n	add al, 0x40\n	out dx, al\n	in al, dx\n	movzx eax, al\n	ret\n"
        "nc_callee:\n" /* the CALL's target: OUT, back after the CALL */
        "	mov eax, edi\n	add al, 0x50\n	out dx, al\n	ret\n"
        "nc_recover:\n" /* after a fault, RSP back at the block's entry */
        "	mov dx, 0x3FF\n	in al, dx\n	movzx eax, al\n	ret\n"
        ".globl cp_block, cp_callee, cp_callee_imm, cp_callee_end\n"
        "cp_block:\n" /* OUT, CALL into CODE_LIN, IN */
        "	mov dx, 0x3FF\n	mov eax, edi\n	out dx, al\n"
        "	mov eax, 0x305000\n	call rax\n"
        "	movzx ecx, al\n	in al, dx\n	movzx eax, al\n	shl eax, 8\n	or eax, ecx\n	ret\n"
        "cp_callee:\n" /* copied into the frames CODE_LIN maps; position independent */
        "	.byte 0xB0\n"
        "cp_callee_imm:\n"
        "	.byte 0x00\n"
        "	out dx, al\n	in al, dx\n	add al, 3\n	ret\n"
        "cp_callee_end:\n"
        ".pushsection .rodata\n.balign 8\n"
        "nc_ret_targets:\n" /* by run & 7: 3 non-canonical, 7 no-execute */
        "	.long nc_valid, 0, nc_valid, 0, nc_valid, 0, 0x1000, 0x80000000\n"
        "	.long nc_valid, 0, nc_valid, 0, nc_valid, 0, 0x304000, 0\n"
        "nc_call_targets:\n" /* by run & 7: 3 no-execute, 7 non-canonical */
        "	.long nc_callee, 0, nc_callee, 0, nc_callee, 0, 0x304000, 0\n"
        "	.long nc_callee, 0, nc_callee, 0, nc_callee, 0, 0x1000, 0x80000000\n"
        ".popsection\n"
        ".code32\n" BLK_ASM_END);

static void map(u32 lin, const void *frame, u64 flags)
{
	*l64_pte(lin) = (u32)(uintptr_t)frame | flags;
	l64_invlpg(lin);
}

static u32 st_run(u32 v) { return (u32)l64_call(st_block, DATA_LIN, v, STACK_LIN + L64_PAGE); }

static void part1_driver(void)
{
	static const char text[] = "ttyS0 at 0x3f8 (irq = 4) is a 16550A\nOK 42";
	drv_mem = drv_lower = 0;
	u32 h = (u32)l64_call(drv_loop, DRV_RUNS, (u32)(uintptr_t)text, 0);
	gprintf(NAME ": 1 driver loop, %u characters: hash 0x%08x, memory sum 0x%08x, lower-case sum 0x%08x\n",
	        DRV_RUNS, h, drv_mem, drv_lower);
}

static void part2_remap(void)
{
	u32 sum = 0;
	for (u32 i = 0; i < RUNS; i++) {
		if (i % REMAP_EVERY == 0) {
			bool odd = (i / REMAP_EVERY) & 1;
			map(DATA_LIN, odd ? frame_b : frame_a, L64_P | L64_RW);
			map(STACK_LIN, odd ? frame_s2 : frame_s1, L64_P | L64_RW);
		}
		sum = sum * 31 + st_run(i * 2 + (i % 3 == 0)); /* mostly stores, every third only loads */
	}
	gprintf(NAME ": 2 remapped pages: results 0x%08x, frame A 0x%08x, frame B 0x%08x, stack 1 0x%08x, stack 2 0x%08x\n",
	        sum, blk_fnv_bytes(BLK_FNV_OFFSET, frame_a, L64_PAGE), blk_fnv_bytes(BLK_FNV_OFFSET, frame_b, L64_PAGE),
	        blk_fnv_bytes(BLK_FNV_OFFSET, frame_s1, L64_PAGE), blk_fnv_bytes(BLK_FNV_OFFSET, frame_s2, L64_PAGE));
}

static void part3_flags(void)
{
	u32 data_a = 0, data_d = 0, stack_a = 0, stack_d = 0, pde_a = 0, h = BLK_FNV_OFFSET;
	map(DATA_LIN, frame_a, L64_P | L64_RW);
	map(STACK_LIN, frame_s1, L64_P | L64_RW);
	for (u32 i = 0; i < RUNS; i++) {
		*l64_pte(DATA_LIN) &= ~(L64_A | L64_D);
		*l64_pte(STACK_LIN) &= ~(L64_A | L64_D);
		l64_pd[1] &= ~L64_A;
		l64_invlpg(DATA_LIN);
		l64_invlpg(STACK_LIN);
		st_run(i);
		u32 d = (u32)*l64_pte(DATA_LIN), s = (u32)*l64_pte(STACK_LIN), p = (u32)l64_pd[1];
		data_a += !!(d & L64_A), data_d += !!(d & L64_D), stack_a += !!(s & L64_A), stack_d += !!(s & L64_D);
		pde_a += !!(p & L64_A);
		h = blk_fnv(h, (d & 0x60) | (s & 0x60) << 8 | (p & 0x20) << 16);
	}
	gprintf(NAME ": 3 accessed/dirty after %u runs: data A %u D %u, stack A %u D %u, PDE A %u, sequence 0x%08x\n", RUNS,
	        data_a, data_d, stack_a, stack_d, pde_a, h);
	/* every run loads the data page and pushes; only even values store into the data page */
	if (data_a != RUNS || data_d != RUNS / 2 || stack_a != RUNS || stack_d != RUNS || pde_a != RUNS) {
		gprintf(NAME ": ^ expected data A %u D %u, stack A %u D %u, PDE A %u\n", RUNS, RUNS / 2, RUNS, RUNS, RUNS);
		blk_failures++;
	}
}

/* The fault log: the first few records, the count and a hash. A #GP's RIP is left out of both:
 * for a RET to a non-canonical address the SDM ("RET", 64-bit mode) faults on the RET, as
 * Bochs does, while QEMU's TCG faults at the fetch from the target; part 7 prints where it
 * was on a "(cpu)" line that bochs_long64.sh compares only between microhv's runs. */
static void print_faults(const char *part, u32 base)
{
	u32 h = BLK_FNV_OFFSET;
	for (u32 i = 0; i < l64_nfaults && i < L64_FAULT_MAX; i++) {
		const struct l64_fault *f = &l64_faults[i];
		bool pf = f->vector == VEC_PF;
		h = blk_fnv(blk_fnv(blk_fnv(blk_fnv(h, f->vector), f->error), pf ? f->cr2 : 0), pf ? f->rip : 0);
		if (i < SHOW_FAULTS)
			gprintf(NAME ": %s fault %u: vector %u error 0x%x cr2 0x%x rip +0x%x\n", part, i, f->vector, f->error,
			        pf ? f->cr2 : 0, pf ? f->rip - base : 0);
	}
	gprintf(NAME ": %s %u faults, log hash 0x%08x\n", part, l64_nfaults, h);
}

static void part4_faults(void)
{
	u32 sum = 0;
	l64_nfaults = 0;
	for (u32 i = 0; i < RUNS; i++) {
		if (i % FAULT_EVERY == 0) {
			/* even runs store (read-only page: #PF W), odd runs only load (not present: #PF) */
			u64 flags = (i & 1) ? 0 : L64_P;
			l64_fix_pte = (u32)(uintptr_t)l64_pte(DATA_LIN);
			l64_fix_val = (u32)(uintptr_t)frame_a | L64_P | L64_RW;
			l64_fix_lin = DATA_LIN;
			map(DATA_LIN, frame_a, flags);
		}
		sum = sum * 31 + st_run(i);
		l64_fix_pte = 0;
	}
	gprintf(NAME ": 4 faults in the block: results 0x%08x, frame A 0x%08x\n", sum,
	        blk_fnv_bytes(BLK_FNV_OFFSET, frame_a, L64_PAGE));
	print_faults("4", (u32)(uintptr_t)st_block);
	blk_check(NAME, "4 fault count", l64_nfaults, RUNS / FAULT_EVERY);
}

static void part5_smc(void)
{
	u32 sum = 0, imm = (u32)(uintptr_t)smc_imm;
	map(ALIAS_LIN, (const void *)(uintptr_t)(imm & ~(L64_PAGE - 1)), L64_P | L64_RW);
	for (u32 i = 0; i < RUNS; i++) {
		if (i % SMC_EVERY == 0) {
			u8 nv = (u8)(0x21 + i / SMC_EVERY * 7);
			if (i / SMC_EVERY == SMC_ALIAS_ROUND)
				*(volatile u8 *)(uintptr_t)(ALIAS_LIN + (imm & (L64_PAGE - 1))) = nv;
			else
				smc_imm[0] = nv;
		}
		sum = sum * 31 + (u32)l64_call(smc_block, i, 0, 0);
	}
	gprintf(NAME ": 5 rewritten immediate: results 0x%08x, last 0x%x\n", sum, smc_imm[0]);
}

static void part6_pte_store(void)
{
	u32 sum = 0, h = BLK_FNV_OFFSET;
	frame_c[8] = 0xC1;
	frame_d[8] = 0xD2;
	map(DATA2_LIN, frame_c, L64_P | L64_RW);
	for (u32 i = 0; i < RUNS; i++) {
		const u8 *f = i % 3 == 1 ? frame_d : frame_c;
		l64_invlpg(DATA2_LIN); /* no stale translation: the load must walk the new PTE */
		sum = sum * 31 +
		      (u32)l64_call(pt_block, (u32)(uintptr_t)l64_pte(DATA2_LIN), (u32)(uintptr_t)f | L64_P | L64_RW, 0);
		/* the stored PTE has A = D = 0; the load through it sets A alone, in the new value */
		h = blk_fnv(h, (u32)*l64_pte(DATA2_LIN));
	}
	gprintf(NAME ": 6 PTE stored inside the block: results 0x%08x, PTEs afterwards 0x%08x\n", sum, h);
}

/* Part 7's two blocks share their path up to the branch; only the target (a table entry by
 * run & 7) differs, so a replay recorded on a valid target meets the bad one at the branch. */
static void part7_bad_targets(void)
{
	static void *const blocks[2] = {nc_ret_block, nc_call_block};
	u32 gp = 0, at_branch = 0;
	map(NX_LIN, frame_d, L64_P | L64_RW | L64_NX);
	for (u32 b = 0; b < 2; b++) {
		u32 sum = 0;
		l64_nfaults = 0;
		for (u32 i = 0; i < RUNS; i++) {
			sum = sum * 31 + (u32)l64_call(blocks[b], i, b, 0);
			l64_fix_rip = 0;
		}
		const char *part = b ? "7 call" : "7 ret";
		gprintf(NAME ": %s, bad branch targets: results 0x%08x\n", part, sum);
		print_faults(part, (u32)(uintptr_t)nc_base);
		blk_check(NAME, b ? "7 call fault count" : "7 ret fault count", l64_nfaults, RUNS / 4);
		u32 at = (u32)(uintptr_t)(b ? nc_call_at : nc_ret_at);
		for (u32 i = 0; i < l64_nfaults && i < L64_FAULT_MAX; i++)
			if (l64_faults[i].vector == VEC_GP)
				gp++, at_branch += l64_faults[i].rip == at;
	}
	gprintf(NAME ": (cpu) 7 #GP reported at the branch itself: %u of %u\n", at_branch, gp);
}

/* The called function's code page (CODE_LIN) remapped between two frames that hold it with
 * different immediates every CODE_REMAP_EVERY runs, and not present every CODE_UNMAP_EVERY:
 * the fetch faults (#PF, I/D = 1), the handler maps it back. */
static void part8_code_remap(void)
{
	u32 n = (u32)(cp_callee_end - cp_callee), off = (u32)(cp_callee_imm - cp_callee), sum = 0;
	memcpy(frame_e, cp_callee, n);
	memcpy(frame_f, cp_callee, n);
	frame_e[off] = 0x5E;
	frame_f[off] = 0x6F;
	l64_nfaults = 0;
	for (u32 i = 0; i < RUNS; i++) {
		const u8 *f = (i / CODE_REMAP_EVERY) & 1 ? frame_f : frame_e;
		if (i % CODE_REMAP_EVERY == 0)
			map(CODE_LIN, f, L64_P | L64_RW);
		if (i % CODE_UNMAP_EVERY == CODE_UNMAP_EVERY - 1) {
			l64_fix_pte = (u32)(uintptr_t)l64_pte(CODE_LIN);
			l64_fix_val = (u32)(uintptr_t)f | L64_P | L64_RW;
			l64_fix_lin = CODE_LIN;
			map(CODE_LIN, f, 0);
		}
		sum = sum * 31 + (u32)l64_call(cp_block, i, 0, 0);
		l64_fix_pte = 0;
	}
	gprintf(NAME ": 8 code page remapped: results 0x%08x\n", sum);
	print_faults("8", CODE_LIN);
	blk_check(NAME, "8 fault count", l64_nfaults, RUNS / CODE_UNMAP_EVERY);
}

/* st_block on a stack whose block-internal PUSH/POP straddle two pages, the lower one remapped
 * between two frames every REMAP_EVERY runs. */
static void part9_split_stack(void)
{
	u32 sum = 0;
	memset(frame_s1, 0, L64_PAGE);
	memset(frame_s2, 0, L64_PAGE);
	memset(frame_c, 0, L64_PAGE);
	map(DATA_LIN, frame_a, L64_P | L64_RW);
	map(SPLIT_HI_LIN, frame_c, L64_P | L64_RW);
	for (u32 i = 0; i < RUNS; i++) {
		if (i % REMAP_EVERY == 0)
			map(SPLIT_LO_LIN, (i / REMAP_EVERY) & 1 ? frame_s2 : frame_s1, L64_P | L64_RW);
		sum = sum * 31 + (u32)l64_call(st_block, DATA_LIN, 0x1000 + i * 5, SPLIT_STACK_TOP);
	}
	gprintf(NAME ": 9 stack across two pages: results 0x%08x, low 1 0x%08x, low 2 0x%08x, high 0x%08x\n", sum,
	        blk_fnv_bytes(BLK_FNV_OFFSET, frame_s1 + L64_PAGE - SPLIT_BYTES, SPLIT_BYTES),
	        blk_fnv_bytes(BLK_FNV_OFFSET, frame_s2 + L64_PAGE - SPLIT_BYTES, SPLIT_BYTES),
	        blk_fnv_bytes(BLK_FNV_OFFSET, frame_c, SPLIT_BYTES));
}

/* Parts 1, 5 and 6 again with PIT interrupts at about 3 kHz (8259A ICW1-4, Intel 8254 mode 2):
 * the handler's EOI is an IO instruction between blocks, and interrupts cut blocks short;
 * the results must be those of the first pass. How many come depends on time: not printed. */
static void part10_interrupts(void)
{
	outb(PIC1_CMD, 0x11), outb(PIC2_CMD, 0x11);       /* ICW1: edge, cascade, ICW4 */
	outb(PIC1_DATA, L64_VEC_IRQ0), outb(PIC2_DATA, 0x28); /* ICW2: vector bases */
	outb(PIC1_DATA, 0x04), outb(PIC2_DATA, 0x02);     /* ICW3: the slave on IRQ 2 */
	outb(PIC1_DATA, 0x01), outb(PIC2_DATA, 0x01);     /* ICW4: 8086 mode */
	outb(PIC1_DATA, 0xFE), outb(PIC2_DATA, 0xFF);     /* IRQ 0 only */
	outb(PIT_MODE, PIT_CH0_RATE_GEN);
	outb(PIT_CH0, PIT_DIVISOR & 0xFF), outb(PIT_CH0, PIT_DIVISOR >> 8);
	gprintf(NAME ": 10 parts 1, 5 and 6 again with PIT interrupts\n");
	uart_flush();
	__asm__ volatile("sti" ::: "memory");
	part1_driver();
	uart_flush();
	part5_smc();
	part6_pte_store();
	__asm__ volatile("cli" ::: "memory");
	outb(PIC1_DATA, 0xFF);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic, (void)mbi;
	long64_init();
	gprintf(NAME ": IA-32e mode %s\n", long64_active() ? "active" : "NOT active");
	uart_flush(); /* an idle transmitter: the LSR reads THRE | TEMT from here on */
	part1_driver();
	uart_flush();
	part2_remap();
	part3_flags();
	part4_faults();
	part5_smc();
	part6_pte_store();
	part7_bad_targets();
	part8_code_remap();
	part9_split_stack();
	part10_interrupts();
	blk_finish(NAME);
}
