/*
 * Protected-mode machinery for the block-IO test guests (blk_*.c), header-only so that a guest
 * needs nothing beyond the default runtime to link: include it from exactly one file.
 *  - a GDT with flat ring-0 and ring-3 code and data, a 32-bit TSS with an IO permission
 *    bitmap (SDM Vol. 1 19.5.2; Vol. 3A 8.2.1 "TSS"), and a small ring-3 data segment;
 *  - an IDT whose exception vectors (0..31), vectors 0x20..0x2F (the IRQs of a PIC pair
 *    programmed there) and system call (0x80, DPL 3) go to C handlers with a frame the
 *    handler may change (EIP, EFLAGS) before the return;
 *  - the way into ring 3 (IRET to an outer level, Vol. 2A "IRET") and back out (a handler
 *    calls traps_leave_ring3, which resumes the ring-0 caller of traps_enter_ring3);
 *  - identity paging of the first 4 MiB with 4 KiB pages (Vol. 3A 5.3, 32-bit paging).
 * The interrupt gates clear IF and TF on entry (Vol. 3A 6.12.1.3), so a #DB handler does not
 * step itself.
 */
#ifndef GUEST_TESTS_LIB_TRAPS_H
#define GUEST_TESTS_LIB_TRAPS_H

#include "guest.h"

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1B /* GDT index 3, RPL 3 */
#define SEL_DATA3 0x23 /* GDT index 4, RPL 3 */
#define SEL_TSS 0x28
#define SEL_SMALL3 0x33 /* GDT index 6, RPL 3: bytes 0..SMALL_SEG_LIMIT of traps_small_seg */
#define SMALL_SEG_LIMIT 0xFF

#define VEC_DB 1
#define VEC_BP 3
#define VEC_GP 13
#define VEC_PF 14
#define VEC_SYSCALL 0x80
#define TRAP_EXIT_CODE 3 /* an exception no handler expected ends the guest with this */

#define EFLAGS_TF 0x100u
#define EFLAGS_IF_BIT 0x200u
#define EFLAGS_IOPL_SHIFT 12
#define EFLAGS_RF 0x10000u
#define EFLAGS_RESERVED1 0x2u

#define IO_BITMAP_PORTS 0x400 /* the bitmap covers ports 0..0x3FF; beyond it every port is denied */

/* What traps_common leaves on the stack, lowest address first. */
struct trap_frame {
	u32 edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax; /* PUSHAD */
	u32 vector, error; /* error: 0 for the vectors without an error code */
	u32 eip, cs, eflags;
	u32 esp3, ss3; /* only on entry from ring 3 */
};

typedef void (*trap_fn)(struct trap_frame *f);

struct __attribute__((packed)) tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap_base;
	u8 iomap[IO_BITMAP_PORTS / 8];
	u8 iomap_end; /* 0xFF: the processor may read one byte past the last port's (Vol. 1 19.5.2) */
};

struct __attribute__((packed)) traps_table_ptr {
	u16 limit;
	u32 base;
};

/* ---- the stubs: one per exception vector, the PIC's IRQs and the system call ---- */

#define TRAPS_VECTORS 48 /* 0..31 exceptions, 0x20..0x2F the IRQs of a PIC pair based there */
#define TRAPS_STUBS (TRAPS_VECTORS + 1)

extern const u32 traps_stubs[TRAPS_STUBS]; /* vectors 0..47, then 0x80 */
void traps_dispatch(struct trap_frame *f);
void traps_enter_ring3(u32 eip, u32 esp, u32 eflags);
__attribute__((noreturn)) void traps_leave_ring3(void);

/* The processor pushes an error code for 8, 10..14, 17, 21, 29, 30 (Vol. 3A 6.13); the stubs
 * push a zero for the others so that every frame looks the same. */
__asm__(".pushsection .text\n"
        ".macro TRAPS_STUB v\n"
        "traps_stub_\\v:\n"
        ".if (\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || (\\v == 21) || (\\v == 29) || (\\v == 30)\n"
        "\tpushl $\\v\n"
        ".else\n"
        "\tpushl $0\n"
        "\tpushl $\\v\n"
        ".endif\n"
        "\tjmp traps_common\n"
        ".endm\n"
        "traps_common:\n"
        "\tpushal\n"
        "\tcld\n"
        "\tpushl %esp\n"
        "\tcall traps_dispatch\n"
        "\taddl $4, %esp\n"
        "\tpopal\n"
        "\taddl $8, %esp\n"
        "\tiretl\n"
        ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,"
        "32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128\n"
        "TRAPS_STUB \\v\n"
        ".endr\n"
        /* traps_enter_ring3(eip, esp, eflags): saves the ring-0 context, then IRET to ring 3 */
        ".globl traps_enter_ring3\n"
        "traps_enter_ring3:\n"
        "\tpushl %ebp\n"
        "\tpushl %ebx\n"
        "\tpushl %esi\n"
        "\tpushl %edi\n"
        "\tpushfl\n"
        "\tmovl %esp, traps_ring0_esp\n"
        "\tmovl 24(%esp), %eax\n"
        "\tmovl 28(%esp), %ecx\n"
        "\tmovl 32(%esp), %edx\n"
        "\tmovw $0x23, %bx\n"
        "\tmovw %bx, %ds\n"
        "\tmovw %bx, %es\n"
        "\tmovw %bx, %fs\n"
        "\tmovw %bx, %gs\n"
        "\tpushl $0x23\n"
        "\tpushl %ecx\n"
        "\tpushl %edx\n"
        "\tpushl $0x1B\n"
        "\tpushl %eax\n"
        "\tiretl\n"
        /* traps_leave_ring3(): from a handler, back to the caller of traps_enter_ring3 */
        ".globl traps_leave_ring3\n"
        "traps_leave_ring3:\n"
        "\tmovw $0x10, %ax\n"
        "\tmovw %ax, %ds\n"
        "\tmovw %ax, %es\n"
        "\tmovw %ax, %fs\n"
        "\tmovw %ax, %gs\n"
        "\tmovl traps_ring0_esp, %esp\n"
        "\tpopfl\n"
        "\tpopl %edi\n"
        "\tpopl %esi\n"
        "\tpopl %ebx\n"
        "\tpopl %ebp\n"
        "\tret\n"
        ".popsection\n"
        ".pushsection .rodata\n"
        ".balign 4\n"
        "traps_stubs:\n"
        ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,"
        "32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128\n"
        "\t.long traps_stub_\\v\n"
        ".endr\n"
        ".popsection\n");

/* ---- tables ---- */

#define TRAPS_GATE_KERNEL 0x8E /* present, DPL 0, 32-bit interrupt gate */
#define TRAPS_GATE_USER 0xEE   /* present, DPL 3: INT n allowed from ring 3 */
#define TRAPS_RING0_STACK 8192

struct traps_gate {
	u16 offset_lo, selector;
	u8 zero, type;
	u16 offset_hi;
};

static u64 traps_gdt[7] __attribute__((aligned(8), unused)) = {
	0,
	0x00CF9A000000FFFFull, /* ring-0 code, flat */
	0x00CF92000000FFFFull, /* ring-0 data, flat */
	0x00CFFA000000FFFFull, /* ring-3 code, flat */
	0x00CFF2000000FFFFull, /* ring-3 data, flat */
	0,                     /* the TSS: filled in by traps_init */
	0,                     /* small ring-3 data: filled in by traps_init */
};
static struct traps_gate traps_idt[256] __attribute__((aligned(8), unused));
static trap_fn traps_handlers[256] __attribute__((unused));
static struct tss32 traps_tss __attribute__((aligned(128), unused));
static u8 traps_ring0_stack[TRAPS_RING0_STACK] __attribute__((aligned(16), unused));
/* The ring-3 data segment SEL_SMALL3 covers the first SMALL_SEG_LIMIT + 1 bytes of this. */
static u8 traps_small_seg[2 * (SMALL_SEG_LIMIT + 1)] __attribute__((aligned(16), unused));
u32 traps_ring0_esp; /* used by the assembly above */

/* A byte-granular 32-bit segment descriptor (Vol. 3A 3.4.5). */
static inline u64 traps_descriptor(u32 base, u32 limit, u8 access, u8 flags)
{
	return (u64)(limit & 0xFFFF) | (u64)(base & 0xFFFFFF) << 16 | (u64)access << 40 |
	       (u64)((limit >> 16) & 0xF) << 48 | (u64)(flags & 0xF) << 52 | (u64)(base >> 24) << 56;
}

static inline void traps_set_gate(u32 vector, u32 handler, u8 type)
{
	traps_idt[vector] = (struct traps_gate){(u16)handler, SEL_CODE0, 0, type, (u16)(handler >> 16)};
}

/* Loads the GDT (reloading every segment register), the TSS and the IDT; interrupts stay off. */
static inline void traps_init(void)
{
	static struct traps_table_ptr gdtr, idtr;
	traps_tss.ss0 = SEL_DATA0;
	traps_tss.esp0 = (u32)(uintptr_t)(traps_ring0_stack + TRAPS_RING0_STACK);
	traps_tss.iomap_base = (u16)__builtin_offsetof(struct tss32, iomap);
	memset(traps_tss.iomap, 0xFF, sizeof traps_tss.iomap); /* every port denied */
	traps_tss.iomap_end = 0xFF;
	/* present, DPL 0, available 32-bit TSS (type 9) */
	traps_gdt[5] = traps_descriptor((u32)(uintptr_t)&traps_tss, sizeof traps_tss - 1, 0x89, 0);
	/* present, DPL 3, data read/write; D/B = 1, byte granular */
	traps_gdt[6] = traps_descriptor((u32)(uintptr_t)traps_small_seg, SMALL_SEG_LIMIT, 0xF2, 0x4);
	gdtr = (struct traps_table_ptr){sizeof traps_gdt - 1, (u32)(uintptr_t)traps_gdt};
	__asm__ volatile("cli\n\t"
	                 "lgdt %0\n\t"
	                 "ljmp %1, $1f\n"
	                 "1:\n\t"
	                 "movw %2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "movw %3, %%ax\n\t"
	                 "ltr %%ax"
	                 : : "m"(gdtr), "i"(SEL_CODE0), "i"(SEL_DATA0), "i"(SEL_TSS) : "eax", "memory");
	for (u32 v = 0; v < TRAPS_VECTORS; v++)
		traps_set_gate(v, traps_stubs[v], TRAPS_GATE_KERNEL);
	traps_set_gate(VEC_SYSCALL, traps_stubs[TRAPS_VECTORS], TRAPS_GATE_USER);
	idtr = (struct traps_table_ptr){sizeof traps_idt - 1, (u32)(uintptr_t)traps_idt};
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static inline void traps_handle(u32 vector, trap_fn fn) { traps_handlers[vector & 0xFF] = fn; }

/* Lets ring 3 use ports [first, last] through the TSS bitmap (a clear bit allows the port). */
static inline void traps_allow_ports(u16 first, u16 last)
{
	for (u32 p = first; p <= last && p < IO_BITMAP_PORTS; p++)
		traps_tss.iomap[p / 8] &= (u8)~(1u << (p % 8));
}

void traps_dispatch(struct trap_frame *f)
{
	trap_fn fn = traps_handlers[f->vector & 0xFF];
	if (fn) {
		fn(f);
		return;
	}
	__asm__ volatile("movw %0, %%ax; movw %%ax, %%ds; movw %%ax, %%es" : : "i"(SEL_DATA0) : "eax");
	gprintf("unexpected exception: vector %u, error code 0x%x, at eip 0x%08x\n", f->vector, f->error, f->eip);
	guest_exit(TRAP_EXIT_CODE);
}

/* ---- 32-bit paging, 4 KiB pages, identity over the first 4 MiB ---- */

#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_US 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PAGE_BYTES 4096u
#define CR0_PG_BIT 0x80000000u
#define CR0_WP_BIT 0x00010000u

static u32 traps_pgdir[1024] __attribute__((aligned(4096), unused));
static u32 traps_pgtab[1024] __attribute__((aligned(4096), unused));

/* Maps linear = physical for 0..4 MiB, present, writable, user; then turns paging on. */
static inline void paging_on(void)
{
	for (u32 i = 0; i < 1024; i++)
		traps_pgtab[i] = i * PAGE_BYTES | PTE_P | PTE_RW | PTE_US;
	traps_pgdir[0] = (u32)(uintptr_t)traps_pgtab | PTE_P | PTE_RW | PTE_US;
	__asm__ volatile("movl %0, %%cr3\n\t"
	                 "movl %%cr0, %%eax\n\t"
	                 "orl %1, %%eax\n\t"
	                 "movl %%eax, %%cr0\n\t"
	                 "jmp 1f\n"
	                 "1:"
	                 : : "r"(traps_pgdir), "i"(CR0_PG_BIT) : "eax", "memory");
}

static inline void paging_off(void)
{
	__asm__ volatile("movl %%cr0, %%eax\n\t"
	                 "andl %0, %%eax\n\t"
	                 "movl %%eax, %%cr0\n\t"
	                 "jmp 1f\n"
	                 "1:"
	                 : : "i"(~CR0_PG_BIT) : "eax", "memory");
}

/* The page-table entry that maps linear address lin (lin < 4 MiB). */
static inline volatile u32 *pte_of(u32 lin) { return &traps_pgtab[(lin >> 12) & 0x3FF]; }

static inline void invlpg(u32 lin) { __asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory"); }

static inline u32 read_cr2(void)
{
	u32 v;
	__asm__ volatile("movl %%cr2, %0" : "=r"(v));
	return v;
}

#endif
