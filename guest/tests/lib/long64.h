/*
 * Long mode for a 32-bit test guest (blk_long64.c), header-only: include it from exactly one file.
 * The guest stays a Multiboot1 ELF32 image; long64_init turns on IA-32e paging (SDM Vol. 3A
 * 10.8.5 "Initializing IA-32e Mode": CR4.PAE, CR3, EFER.LME, then CR0.PG) with 4-level tables
 * that map the first 4 MiB with 4 KiB pages, so the C code goes on in compatibility mode
 * (a 32-bit code segment, Vol. 3A 3.4.5 L = 0) and reaches 64-bit code (GNU as .code64 in the
 * same image) by a far call through the 64-bit code segment, which returns with a 32-bit RETF.
 * The 64-bit IDT (Vol. 3A 6.14.1, 16-byte gates) sends every exception to one handler that
 * logs it (vector, error code, CR2, RIP) and mends it as the test asked: a page-table entry
 * written back, or a new RIP and RSP.
 */
#ifndef GUEST_TESTS_LIB_LONG64_H
#define GUEST_TESTS_LIB_LONG64_H

#include "guest.h"

#define L64_SEL_CODE32 0x08
#define L64_SEL_DATA 0x10
#define L64_SEL_CODE64 0x18
#define L64_PAGE 4096u
#define L64_P 0x001ull
#define L64_RW 0x002ull
#define L64_A 0x020ull
#define L64_D 0x040ull
#define L64_NX (1ull << 63)
#define L64_CR4_PAE 0x20u
#define L64_CR0_PG 0x80000000u
#define L64_CR0_WP 0x00010000u /* supervisor writes obey read-only pages (Vol. 3A 4.6) */
#define L64_MSR_EFER 0xC0000080u
#define L64_EFER_LME 0x100u
#define L64_EFER_NXE 0x800u
#define L64_FAULT_MAX 256
#define L64_STR_(x) #x
#define L64_STR(x) L64_STR_(x)
#define L64_TRAP_EXIT 3 /* an exception nobody asked to mend: the guest ends with this code */
#define L64_SECOND_2M 0x200000u
#define L64_VEC_IRQ0 0x20 /* the master PIC based at 0x20: its IRQ 0 */
#define L64_IDT_VECTORS (L64_VEC_IRQ0 + 1)

struct l64_fault {
	u32 vector, error, cr2, rip;
};

/* 4-level tables: PML4 -> PDPT -> PD (2 entries) -> two page tables of 4 KiB pages. */
u64 l64_pml4[512] __attribute__((aligned(4096)));
u64 l64_pdpt[512] __attribute__((aligned(4096)));
u64 l64_pd[512] __attribute__((aligned(4096)));
u64 l64_pt0[512] __attribute__((aligned(4096))); /* 0 .. 2 MiB: the image */
u64 l64_pt1[512] __attribute__((aligned(4096))); /* 2 .. 4 MiB: the test's remapped pages */

/* Shared with the 64-bit code below: the call, the exception log and the mend. */
u32 l64_call_fn, l64_call_a, l64_call_b, l64_call_stack;
u64 l64_call_ret;
struct l64_fault l64_faults[L64_FAULT_MAX];
u32 l64_nfaults;
u32 l64_fix_pte, l64_fix_lin, l64_fix_rip; /* 0: nothing to mend */
u64 l64_fix_val, l64_fix_rsp;

static u64 l64_gdt[4] __attribute__((aligned(8))) = {
	0,
	0x00CF9A000000FFFFull, /* 32-bit code, flat (compatibility mode) */
	0x00CF92000000FFFFull, /* data, flat */
	0x00AF9A000000FFFFull, /* 64-bit code: L = 1, D = 0 */
};
u64 l64_idt[2 * L64_IDT_VECTORS] __attribute__((aligned(16)));
u32 l64_ticks; /* IRQ 0 interrupts taken */
extern const u32 l64_stubs[32];
extern const u8 l64_irq0[];

/* l64_enter: the far-call target. It calls l64_call_fn(l64_call_a, l64_call_b) on the stack
 * l64_call_stack (0: the caller's), keeps RAX in l64_call_ret. The stubs push a zero error code
 * where the processor pushes none (Vol. 3A 6.13) so that every frame looks alike. */
__asm__(".pushsection .text\n.intel_syntax noprefix\n.code64\n"
        ".globl l64_enter\n"
        "l64_enter:\n"
        "	mov esp, esp\n" /* RSP[63:32] are not defined after compatibility mode */
        "	push rbx\n	push rbp\n	push rsi\n	push rdi\n	push r12\n	push r13\n	push r14\n	push r15\n"
        "	mov rbp, rsp\n"
        "	mov eax, dword ptr [rip + l64_call_stack]\n"
        "	test eax, eax\n"
        "	jz 1f\n"
        "	mov rsp, rax\n"
        "1:\n"
        "	mov eax, dword ptr [rip + l64_call_fn]\n"
        "	mov edi, dword ptr [rip + l64_call_a]\n"
        "	mov esi, dword ptr [rip + l64_call_b]\n"
        "	call rax\n"
        "	mov qword ptr [rip + l64_call_ret], rax\n"
        "	mov rsp, rbp\n"
        "	pop r15\n	pop r14\n	pop r13\n	pop r12\n	pop rdi\n	pop rsi\n	pop rbp\n	pop rbx\n"
        "	.byte 0xCB\n" /* RETF, 32-bit operand size: back to compatibility mode */
        /* IRQ 0: count, non-specific EOI to the master PIC (8259A OCW2) */
        ".globl l64_irq0\n"
        "l64_irq0:\n"
        "	push rax\n"
        "	inc dword ptr [rip + l64_ticks]\n"
        "	mov al, 0x20\n	out 0x20, al\n"
        "	pop rax\n"
        "	iretq\n"
        ".macro L64_STUB v\n"
        "l64_stub_\\v:\n"
        ".if (\\v == 8) || ((\\v >= 10) && (\\v <= 14)) || (\\v == 17) || (\\v == 21) || (\\v == 29) || (\\v == 30)\n"
        "	push \\v\n"
        ".else\n"
        "	push 0\n"
        "	push \\v\n"
        ".endif\n"
        "	jmp l64_trap\n"
        ".endm\n"
        ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "L64_STUB \\v\n"
        ".endr\n"
        /* frame: [rsp] rcx, rbx, rax, vector, error, rip, cs, rflags, rsp, ss */
        "l64_trap:\n"
        "	push rax\n	push rbx\n	push rcx\n"
        "	mov ecx, dword ptr [rip + l64_nfaults]\n"
        "	cmp ecx, " L64_STR(L64_FAULT_MAX) "\n"
        "	jae 1f\n"
        "	shl ecx, 4\n"
        "	lea rbx, [rip + l64_faults]\n"
        "	add rbx, rcx\n"
        "	mov eax, dword ptr [rsp + 24]\n	mov dword ptr [rbx], eax\n"
        "	mov eax, dword ptr [rsp + 32]\n	mov dword ptr [rbx + 4], eax\n"
        "	mov rax, cr2\n	mov dword ptr [rbx + 8], eax\n"
        "	mov eax, dword ptr [rsp + 40]\n	mov dword ptr [rbx + 12], eax\n"
        "1:\n"
        "	inc dword ptr [rip + l64_nfaults]\n"
        "	mov ebx, dword ptr [rip + l64_fix_pte]\n"
        "	test ebx, ebx\n"
        "	jz 2f\n"
        "	mov rax, qword ptr [rip + l64_fix_val]\n"
        "	mov qword ptr [rbx], rax\n"
        "	mov eax, dword ptr [rip + l64_fix_lin]\n"
        "	invlpg [rax]\n"
        "	mov dword ptr [rip + l64_fix_pte], 0\n"
        "	jmp 3f\n"
        "2:\n"
        "	mov eax, dword ptr [rip + l64_fix_rip]\n"
        "	test eax, eax\n"
        "	jz 4f\n"
        "	mov qword ptr [rsp + 40], rax\n"
        "	mov rax, qword ptr [rip + l64_fix_rsp]\n"
        "	mov qword ptr [rsp + 64], rax\n"
        "	mov dword ptr [rip + l64_fix_rip], 0\n"
        "3:\n"
        "	pop rcx\n	pop rbx\n	pop rax\n"
        "	add rsp, 16\n"
        "	iretq\n"
        "4:\n" /* nothing to mend: end the guest */
        "	mov eax, 3\n"
        "	out 0xF4, eax\n"
        "5:\n"
        "	cli\n	hlt\n	jmp 5b\n"
        ".code32\n.att_syntax prefix\n.popsection\n"
        ".pushsection .rodata\n.balign 4\nl64_stubs:\n"
        ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "	.long l64_stub_\\v\n"
        ".endr\n.popsection\n");

/* Calls the 64-bit function fn(a, b) (on the stack `stack` when nonzero); its RAX. */
static inline u64 l64_call(void *fn, u32 a, u32 b, u32 stack)
{
	l64_call_fn = (u32)(uintptr_t)fn;
	l64_call_a = a;
	l64_call_b = b;
	l64_call_stack = stack;
	__asm__ volatile("lcall %0, $l64_enter" : : "i"(L64_SEL_CODE64) : "eax", "ecx", "edx", "memory", "cc");
	return l64_call_ret;
}

static inline void l64_invlpg(u32 lin) { __asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory"); }

/* The page-table entry of linear address lin (< 4 MiB). */
static inline volatile u64 *l64_pte(u32 lin)
{
	return lin < L64_SECOND_2M ? &l64_pt0[lin >> 12] : &l64_pt1[(lin - L64_SECOND_2M) >> 12];
}

/* Tables, GDT, IDT, then IA-32e mode; returns in compatibility mode. */
static inline void long64_init(void)
{
	static struct __attribute__((packed)) {
		u16 limit;
		u32 base;
	} gdtr, idtr;
	for (u32 i = 0; i < 512; i++) {
		l64_pt0[i] = (u64)i * L64_PAGE | L64_P | L64_RW;
		l64_pt1[i] = (u64)(L64_SECOND_2M + i * L64_PAGE) | L64_P | L64_RW;
	}
	l64_pd[0] = (u32)(uintptr_t)l64_pt0 | L64_P | L64_RW;
	l64_pd[1] = (u32)(uintptr_t)l64_pt1 | L64_P | L64_RW;
	l64_pdpt[0] = (u32)(uintptr_t)l64_pd | L64_P | L64_RW;
	l64_pml4[0] = (u32)(uintptr_t)l64_pdpt | L64_P | L64_RW;
	for (u32 v = 0; v < L64_IDT_VECTORS; v++) {
		u32 h = v < 32 ? l64_stubs[v] : (u32)(uintptr_t)l64_irq0;
		/* a present 64-bit interrupt gate, DPL 0 (Vol. 3A 6.14.1) */
		l64_idt[2 * v] = (u64)(h & 0xFFFF) | (u64)L64_SEL_CODE64 << 16 | 0x8Eull << 40 | (u64)(h >> 16) << 48;
		l64_idt[2 * v + 1] = 0;
	}
	gdtr.limit = sizeof l64_gdt - 1;
	gdtr.base = (u32)(uintptr_t)l64_gdt;
	idtr.limit = sizeof l64_idt - 1;
	idtr.base = (u32)(uintptr_t)l64_idt;
	__asm__ volatile("cli\n\t"
	                 "lgdt %0\n\t"
	                 "ljmp %2, $1f\n"
	                 "1:\n\t"
	                 "movw %3, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "lidt %1"
	                 : : "m"(gdtr), "m"(idtr), "i"(L64_SEL_CODE32), "i"(L64_SEL_DATA) : "eax", "memory");
	__asm__ volatile("movl %%cr4, %%eax\n\t"
	                 "orl %1, %%eax\n\t"
	                 "movl %%eax, %%cr4\n\t"
	                 "movl %0, %%cr3\n\t"
	                 "movl %2, %%ecx\n\t"
	                 "rdmsr\n\t"
	                 "orl %3, %%eax\n\t"
	                 "wrmsr\n\t"
	                 "movl %%cr0, %%eax\n\t"
	                 "orl %4, %%eax\n\t"
	                 "movl %%eax, %%cr0\n\t"
	                 "jmp 1f\n"
	                 "1:"
	                 : : "r"(l64_pml4), "i"(L64_CR4_PAE), "i"(L64_MSR_EFER), "i"(L64_EFER_LME | L64_EFER_NXE),
	                   "i"(L64_CR0_PG | L64_CR0_WP)
	                 : "eax", "ecx", "edx", "memory");
}

/* Whether IA-32e mode is active (EFER.LMA, bit 10). */
static inline bool long64_active(void)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(L64_MSR_EFER));
	return (lo >> 10) & 1;
}

#endif
