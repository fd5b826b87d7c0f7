/*
 * The guest-level differential fuzzer (issue 12; tests/integration/gfuzz.sh): from the seed
 * on its command line ("gfuzz SEED"), this guest builds a random program of x86 machine code
 * and runs it, then prints its end state: registers, flags, a checksum of its data pages and
 * of the page-table entries it used (accessed and dirty flags included), the devices' state
 * and what its interrupt handler saw. microhv must give the same transcript with block_io=off,
 * on (extent=page and cpu) and block_follow=off: a guest must never tell block mode from one
 * exit per IO instruction (DESIGN.md section 3), and no run may end other than with code 0.
 *
 * The program mixes what the block path handles (IN/OUT and REP INS/OUTS to the UART's
 * scratch, interrupt-enable and identification registers, the PIC's mask registers and the
 * CMOS RAM; ALU, flags, loads and stores, the stack, CALL/RET, forward Jcc) with what ends a
 * block (STI/CLI, CR0 and CR4 writes, INVLPG after page-table edits, string IO from the legacy
 * hole), an interrupt (the UART's transmitter-empty interrupt on IRQ4) that an OUT can make
 * deliverable, and, between chunks, PAE paging entered with random PDPTEs (a reserved bit must
 * be #GP, SDM Vol. 3A 5.4.1) and an OUT that ends at linear 0xFFFFFFFF (EIP wraps to 0).
 * Only flags that every instruction used defines are printed or branched on (CF, ZF, SF):
 * where the SDM leaves one undefined, processors and emulators may differ.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define CODE_PAGES 4
#define DATA_BYTES 4096
#define CHUNKS 90
#define ALIAS_LIN 0x3F0000u  /* a linear page inside the identity-mapped 4 MiB, remapped at will */
#define HOLE_LIN 0xB8000u    /* the legacy hole: reads all ones under microhv */
#define WRAP_LIN 0xFFFFF000u /* the last page of the 4-GiB linear space */
#define UART_IIR 2
#define IER_THRE 0x02
#define MCR_OUT2 0x08
#define IRQ_UART 4
#define VEC_UART (0x20 + IRQ_UART)
#define PIC_MASK_ALL_BUT_UART 0xEF
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80
#define CMOS_RAM_FIRST 0x20 /* general-purpose CMOS RAM: no clock behind it */
#define CMOS_RAM_COUNT 0x20
#define CR4_PAE 0x20u
#define CR4_PGE 0x80u
#define CR0_TS 0x8u
#define CR0_NE 0x20u
#define PDPTE_P 1ull
#define PDE_PS 0x80u
#define FLAGS_SHOWN 0x6C1u /* CF, ZF, SF, IF, DF */
#define PIC1_CMD_PORT 0x20
#define PIC1_DATA_PORT 0x21
#define PIC2_CMD_PORT 0xA0
#define PIC2_DATA_PORT 0xA1
#define OCW2_EOI_CMD 0x20 /* non-specific EOI */

static u8 code[CODE_PAGES * PAGE_BYTES] __attribute__((aligned(4096)));
static u8 data[2][DATA_BYTES] __attribute__((aligned(4096)));
static u32 wrap_pt[1024] __attribute__((aligned(4096)));
static u64 pae_pd[512] __attribute__((aligned(4096)));
static u64 pae_pdpt[4] __attribute__((aligned(32)));
static volatile u32 progress, irq_count, irq_log, gp_count;
static u32 result[8];
static u32 pos, rnd_state;
static bool no_hole, no_pae, no_wrap;
static u32 volatile zero_page; /* linear 0, kept in a variable: a null pointer constant is UB */

/* ---- the random source: xorshift32 ---- */

static u32 rnd(void)
{
	u32 x = rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}
static u32 pick(u32 n) { return rnd() % n; }

/* ---- the machine code emitter ---- */

static void b1(u32 v) { code[pos++] = (u8)v; }
static void b4(u32 v)
{
	for (int i = 0; i < 4; i++)
		b1(v >> (8 * i));
}
static u32 addr(const volatile void *p) { return (u32)(uintptr_t)p; }

/* EAX, ECX, EBX, ESI, EDI: the registers the program plays with (EDX holds ports). */
static const u8 regs[] = {0, 1, 3, 6, 7};
static u8 reg(void) { return regs[pick(sizeof regs)]; }

static void mov_imm(u8 r, u32 v) { b1(0xB8 + r), b4(v); }
static void mov_dx(u16 port) { b1(0x66), b1(0xBA), b1(port), b1(port >> 8); }
static void mov_al(u8 v) { b1(0xB0), b1(v); }
/* An operation on [abs32]: opcode, ModRM reg field, then disp32. */
static void mem_op(u8 op, u8 r, u32 lin) { b1(op), b1(0x05 | (r << 3)), b4(lin); }
static u32 data_lin(u32 size) { return addr(data[pick(2)]) + pick(DATA_BYTES - size); }

static void chunk_alu(void)
{
	static const u8 ops[] = {0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39, 0x85};
	u8 a = reg(), b = reg();
	switch (pick(6)) {
	case 0: b1(ops[pick(sizeof ops)]), b1(0xC0 | (b << 3) | a); break; /* op a, b */
	case 1: b1(0x81), b1(0xC0 | (pick(8) << 3) | a), b4(rnd()); break; /* op a, imm32 */
	case 2: b1(pick(2) ? 0x40 + a : 0x48 + a); break;                   /* INC, DEC */
	case 3: b1(0xF7), b1(0xC0 | ((2 + pick(2)) << 3) | a); break;       /* NOT, NEG */
	case 4: b1(0xC1), b1(0xC0 | ((u8[]){4, 5, 7}[pick(3)] << 3) | a), b1(1); break; /* SHL/SHR/SAR 1 */
	default: mov_imm(a, rnd()); break;
	}
}

static void chunk_mem(void)
{
	u8 r = reg();
	switch (pick(5)) {
	case 0: mem_op(0x89, r, data_lin(4)); break; /* MOV [m], r */
	case 1: mem_op(0x8B, r, data_lin(4)); break; /* MOV r, [m] */
	case 2: mem_op(0x01, r, data_lin(4)); break; /* ADD [m], r */
	case 3: mem_op(0x88, pick(2) ? 0 : 3, data_lin(1)); break; /* MOV [m], AL/BL */
	default: mem_op(0x89, r, ALIAS_LIN + pick(DATA_BYTES - 4)); break; /* through the alias */
	}
}

static void chunk_stack(void)
{
	b1(0x50 + reg());
	chunk_alu();
	b1(0x58 + reg());
}

/* IO to the emulated devices: values that depend on no clock. */
static void chunk_io(void)
{
	switch (pick(8)) {
	case 0: mov_dx(COM1 + UART_SCR), b1(pick(2) ? 0xEE : 0xEC); break; /* OUT/IN scratch */
	case 1: case 7: mov_dx(COM1 + UART_IER), mov_al(pick(2) ? IER_THRE : 0), b1(0xEE); break;
	case 2: mov_dx(COM1 + UART_IIR), b1(0xEC); break;
	case 3: mov_al(pick(2) ? PIC_MASK_ALL_BUT_UART : 0xFF), b1(0xE6), b1(PIC1_DATA_PORT); break;
	case 4: b1(0xE4), b1(PIC1_DATA_PORT); break;
	case 5: /* CMOS RAM: index (NMI off), then read or write the byte */
		mov_al(CMOS_NMI_OFF | (CMOS_RAM_FIRST + pick(CMOS_RAM_COUNT))), b1(0xE6), b1(CMOS_INDEX);
		b1(0xE4 + 2 * pick(2)), b1(CMOS_DATA);
		break;
	default: /* REP OUTSB / REP INSB on the scratch register, 1..8 bytes */
		mov_dx(COM1 + UART_SCR);
		mov_imm(1, 1 + pick(8));
		if (pick(2))
			mov_imm(6, data_lin(8)), b1(0xF3), b1(0x6E);
		else
			mov_imm(7, data_lin(8)), b1(0xF3), b1(0x6C);
		break;
	}
}

/* What ends a block: interrupts on or off, CR writes, a page-table edit with INVLPG, OUTS
 * from the legacy hole. */
static void chunk_system(void)
{
	u32 page = pick(CODE_PAGES + 3);
	u32 lin = page < CODE_PAGES ? addr(code) + page * PAGE_BYTES
	                            : page < CODE_PAGES + 2 ? addr(data[page - CODE_PAGES]) : ALIAS_LIN;
	switch (pick(6)) {
	case 0: b1(pick(3) ? 0xFB : 0xFA); break; /* STI (twice as often), CLI */
	case 1: /* MOV EAX, CR0; XOR EAX, TS (and NE: then the write exits); MOV CR0, EAX */
		b1(0x0F), b1(0x20), b1(0xC0), b1(0x83), b1(0xF0), b1(CR0_TS | (pick(2) ? CR0_NE : 0));
		b1(0x0F), b1(0x22), b1(0xC0);
		break;
	case 2: b1(0x0F), b1(0x20), b1(0xE0), b1(0x35), b4(CR4_PGE), b1(0x0F), b1(0x22), b1(0xE0); break;
	case 3: /* clear the accessed (and dirty) flags of a page's PTE, then INVLPG it */
		b1(0x81), b1(0x25), b4(addr(pte_of(lin))), b4(~(PTE_A | PTE_D));
		b1(0x0F), b1(0x01), b1(0x3D), b4(lin);
		break;
	case 4: /* point the alias at the other data page */
		b1(0xC7), b1(0x05), b4(addr(pte_of(ALIAS_LIN))), b4(addr(data[pick(2)]) | PTE_P | PTE_RW | PTE_US);
		b1(0x0F), b1(0x01), b1(0x3D), b4(ALIAS_LIN);
		break;
	default:
		if (no_hole)
			break;
		mov_dx(COM1 + UART_SCR), mov_imm(1, 1 + pick(4)), mov_imm(6, HOLE_LIN + pick(64)), b1(0xF3), b1(0x6E);
		break;
	}
}

static void chunk_plain(void)
{
	switch (pick(4)) {
	case 0: chunk_alu(); break;
	case 1: chunk_mem(); break;
	case 2: chunk_stack(); break;
	default: chunk_io(); break;
	}
}

/* Jcc over a plain chunk, on CF, ZF or SF alone (JB JAE JZ JNZ JBE JA JS JNS). */
static void chunk_jcc(void)
{
	static const u8 cc[] = {0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79};
	b1(cc[pick(sizeof cc)]);
	u32 at = pos++;
	chunk_plain();
	code[at] = (u8)(pos - at - 1);
}

/* CALL to a body of plain chunks that RETs; a short JMP skips the body on the way in. */
static void chunk_call(void)
{
	b1(0xE8), b4(2);
	b1(0xEB);
	u32 at = pos++;
	for (u32 n = 1 + pick(3); n; n--)
		chunk_plain();
	b1(0xC3);
	code[at] = (u8)(pos - at - 1);
}

/* The whole program: random registers, the chunks (each first records its number, for the
 * interrupt handler), then the registers and flags into result[], interrupts off, RET. */
static void generate(void)
{
	pos = 0;
	for (u32 i = 0; i < sizeof regs; i++)
		mov_imm(regs[i], rnd());
	/* interrupts on and IRQ4 unmasked from the start, half the time each */
	if (pick(2))
		b1(0xFB);
	if (pick(2))
		mov_al(PIC_MASK_ALL_BUT_UART), b1(0xE6), b1(PIC1_DATA_PORT);
	for (u32 i = 0; i < CHUNKS && pos < sizeof code - 256; i++) {
		b1(0xC7), b1(0x05), b4(addr(&progress)), b4(i);
		u32 k = pick(16);
		if (k < 9)
			chunk_plain();
		else if (k < 11)
			chunk_jcc();
		else if (k < 13)
			chunk_call();
		else
			chunk_system();
	}
	for (u32 i = 0; i < sizeof regs; i++)
		mem_op(0x89, regs[i], addr(&result[i]));
	b1(0x9C), b1(0x58), mem_op(0x89, 0, addr(&result[5])); /* PUSHFD; POP EAX */
	b1(0xFA), b1(0xFC), b1(0xC3);                          /* CLI; CLD; RET */
}

/* ---- interrupts and exceptions ---- */

/* IRQ4: the UART's transmitter-empty interrupt. What the program had done when it came is
 * what tells an interrupt taken late from one taken at once. */
static void on_uart(struct trap_frame *f)
{
	irq_count++;
	irq_log = blk_fnv(irq_log, progress);
	irq_log = blk_fnv(irq_log, f->eip - addr(code));
	irq_log = blk_fnv(irq_log, f->eax ^ f->ebx ^ f->ecx ^ f->esi ^ f->edi);
	u32 accessed = 0; /* which code pages the fetches so far have marked accessed */
	for (u32 p = 0; p < CODE_PAGES; p++)
		accessed |= (*pte_of(addr(code) + p * PAGE_BYTES) & PTE_A) ? 1u << p : 0;
	irq_log = blk_fnv(irq_log, accessed);
	irq_log = blk_fnv(irq_log, inb(COM1 + UART_IIR)); /* reading IIR clears the THRE interrupt */
	outb(PIC1_CMD_PORT, OCW2_EOI_CMD);
}

extern const u8 pae_cr0_write[], pae_cr0_write_end[];

/* #GP from the CR0 write that turns PAE paging on with a reserved PDPTE bit: skip the write. */
static void on_gp(struct trap_frame *f)
{
	if (f->eip != addr(pae_cr0_write)) {
		gprintf("gfuzz: unexpected #GP at 0x%08x, error 0x%x\n", f->eip, f->error);
		guest_exit(TRAP_EXIT_CODE);
	}
	gp_count++;
	f->eip = addr(pae_cr0_write_end);
}

/* ---- between chunks of the program: PAE paging and the 4-GiB wrap ---- */

/* PAE paging over 2-MiB pages with random PDPTEs (one with a reserved bit, at times), then back
 * to 32-bit paging. A present PDPTE with a reserved bit makes the CR0 write #GP. */
static void pae_round(void)
{
	for (u32 i = 0; i < 2; i++)
		pae_pd[i] = (u64)i << 21 | PTE_P | PTE_RW | PDE_PS;
	pae_pdpt[0] = addr(pae_pd) | PDPTE_P;
	static const u64 junk[] = {0, 0xDEAD0000ull, PDPTE_P | 0x20, PDPTE_P | 0x4, PDPTE_P | (1ull << 52)};
	for (u32 i = 1; i < 4; i++)
		pae_pdpt[i] = junk[pick(sizeof junk / sizeof junk[0])];
	/* flipping CR0.NE, a bit microhv owns (VMX fixed), makes the write exit to microhv */
	u32 flip = CR0_PG_BIT | (pick(2) ? CR0_NE : 0);
	paging_off();
	__asm__ volatile("movl %%cr4, %%eax\n\t"
	                 "orl %0, %%eax\n\t"
	                 "movl %%eax, %%cr4\n\t"
	                 "movl %1, %%cr3\n\t"
	                 "movl %%cr0, %%eax\n\t"
	                 "xorl %2, %%eax\n\t"
	                 ".globl pae_cr0_write, pae_cr0_write_end\n"
	                 "pae_cr0_write: movl %%eax, %%cr0\n"
	                 "pae_cr0_write_end:\n\t"
	                 "jmp 1f\n"
	                 "1:"
	                 : : "i"(CR4_PAE), "r"(addr(pae_pdpt)), "r"(flip) : "eax", "memory");
	data[1][pick(DATA_BYTES)] ^= 0x5A; /* one store under PAE paging (or none: it #GPed) */
	paging_off();
	__asm__ volatile("movl %%cr4, %%eax\n\t"
	                 "andl %0, %%eax\n\t"
	                 "movl %%eax, %%cr4"
	                 : : "i"(~CR4_PAE) : "eax", "memory");
}

/* An OUT whose last byte is at linear 0xFFFFFFFF, then a RET at linear 0: EIP wraps. */
static void wrap_round(void)
{
	traps_pgdir[WRAP_LIN >> 22] = addr(wrap_pt) | PTE_P | PTE_RW;
	wrap_pt[0x3FF] = addr(data[0]) | PTE_P | PTE_RW;
	invlpg(WRAP_LIN + 0xFFF);
	volatile u8 *at0 = (volatile u8 *)(uintptr_t)zero_page;
	u8 saved = *at0;
	data[0][0xFFF] = 0xEE; /* OUT DX, AL */
	*at0 = 0xC3;           /* RET */
	__asm__ volatile("call *%0" : : "r"(0xFFFFFFFFu), "a"(0x77), "d"(COM1 + UART_SCR) : "memory");
	*at0 = saved;
	traps_pgdir[WRAP_LIN >> 22] = 0;
}

/* ---- the run and its end state ---- */

void gfuzz_run(const void *entry);
__asm__(".pushsection .text\n"
        ".globl gfuzz_run\n"
        "gfuzz_run:\n"
        "	pushal\n"
        "	call *36(%esp)\n"
        "	popal\n"
        "	ret\n"
        ".popsection\n");

/* "SEED [no=LETTERS]": the letters leave parts out (h: OUTS from the hole, p: PAE rounds,
 * w: the 4-GiB wrap), so that one finding does not hide the rest of a program. */
static bool left_out(const char *a, char part)
{
	while (*a && !(a[0] == 'n' && a[1] == 'o' && a[2] == '='))
		a++;
	for (a += *a ? 3 : 0; *a && *a != ' '; a++)
		if (*a == part)
			return true;
	return false;
}

static u32 seed_of(const char *a)
{
	u32 s = 0;
	while (*a >= '0' && *a <= '9')
		s = s * 10 + (u32)(*a++ - '0');
	return s ? s : 1;
}

static void setup_devices(void)
{
	/* the PIC pair at vectors 0x20/0x28, everything masked (8259A datasheet, ICW1-ICW4) */
	static const u8 init[][2] = {{0x11, 0x11}, {0x20, 0x28}, {0x04, 0x02}, {0x01, 0x01}, {0xFF, 0xFF}};
	for (u32 i = 0; i < 5; i++) {
		outb(i ? PIC1_DATA_PORT : PIC1_CMD_PORT, init[i][0]);
		outb(i ? PIC2_DATA_PORT : PIC2_CMD_PORT, init[i][1]);
	}
	outb(COM1 + UART_MCR, inb(COM1 + UART_MCR) | MCR_OUT2); /* the UART's IRQ reaches the PIC */
	outb(COM1 + UART_IER, 0);
	for (u32 i = 0; i < CMOS_RAM_COUNT; i++) {
		outb(CMOS_INDEX, CMOS_NMI_OFF | (CMOS_RAM_FIRST + i));
		outb(CMOS_DATA, (u8)i);
	}
}

static void print_state(u32 seed)
{
	gprintf("gfuzz: seed %u regs %08x %08x %08x %08x %08x flags %03x\n", seed, result[0], result[1],
	        result[2], result[3], result[4], result[5] & FLAGS_SHOWN);
	u32 mem = blk_fnv_bytes(BLK_FNV_OFFSET, data[0], sizeof data);
	u32 ptes = BLK_FNV_OFFSET;
	for (u32 p = 0; p < CODE_PAGES; p++)
		ptes = blk_fnv(ptes, *pte_of(addr(code) + p * PAGE_BYTES));
	for (u32 p = 0; p < 2; p++)
		ptes = blk_fnv(ptes, *pte_of(addr(data[p])));
	ptes = blk_fnv(ptes, *pte_of(ALIAS_LIN));
	gprintf("gfuzz: memory %08x ptes %08x\n", mem, ptes);
	u32 cmos = BLK_FNV_OFFSET;
	for (u32 i = 0; i < CMOS_RAM_COUNT; i++) {
		outb(CMOS_INDEX, CMOS_NMI_OFF | (CMOS_RAM_FIRST + i));
		cmos = blk_fnv(cmos, inb(CMOS_DATA));
	}
	gprintf("gfuzz: devices imr %02x/%02x scr %02x ier %02x iir %02x cmos %08x\n", inb(PIC1_DATA_PORT),
	        inb(PIC2_DATA_PORT), inb(COM1 + UART_SCR), inb(COM1 + UART_IER), inb(COM1 + UART_IIR), cmos);
	gprintf("gfuzz: interrupts %u log %08x gp %u\n", irq_count, irq_log, gp_count);
}

void guest_main(u32 magic, u32 mbi)
{
	const char *args = magic == MB_BOOT_MAGIC ? mb_arguments((const struct mb_info *)(uintptr_t)mbi) : "";
	u32 seed = seed_of(args);
	no_hole = left_out(args, 'h');
	no_pae = left_out(args, 'p');
	no_wrap = left_out(args, 'w');
	rnd_state = seed * 2654435761u | 1;
	traps_init();
	traps_handle(VEC_UART, on_uart);
	traps_handle(VEC_GP, on_gp);
	setup_devices();
	paging_on();
	*pte_of(ALIAS_LIN) = addr(data[0]) | PTE_P | PTE_RW | PTE_US;
	invlpg(ALIAS_LIN);
	for (u32 round = 0; round < 3; round++) {
		generate();
		gfuzz_run(code);
		if (pick(2) && !no_pae)
			pae_round();
		paging_on();
		*pte_of(ALIAS_LIN) = addr(data[round & 1]) | PTE_P | PTE_RW | PTE_US;
		invlpg(ALIAS_LIN);
		if (pick(3) == 0 && !no_wrap)
			wrap_round();
	}
	outb(COM1 + UART_IER, 0);
	print_state(seed);
	guest_exit(0);
}
