/* GDT with a 64-bit TSS, and an IDT whose exception vectors report and stop, but for NMIs
 * and the local APIC timer (isr.asm). */
#include "desc.h"
#include "lapic.h"
#include "string.h"
#include "x86.h"

#define GDT_ENTRIES 5 /* null, code, data, TSS (two slots) */
#define IST_STACK_SIZE 16384
#define IDT_VECTORS 256
#define IDT_EXCEPTIONS X86_EXC_COUNT
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define TSS_AVAILABLE 0x89  /* present, DPL 0, 64-bit TSS (available) */
/* code: L=1, P=1, S=1, type execute/read; data: P=1, S=1, type read/write (SDM Vol. 3A 3.4.5) */
#define GDT_CODE64 0x00af9a000000ffffULL
#define GDT_DATA 0x00cf92000000ffffULL

struct __attribute__((packed)) tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

struct __attribute__((packed)) idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

struct __attribute__((packed)) table_ptr {
	u16 limit;
	u64 base;
};

static u64 gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

extern const u64 isr_stub_table[IDT_EXCEPTIONS]; /* isr.asm */
extern void isr_unexpected(void);
extern void isr_nmi(void), isr_lapic_timer(void), isr_spurious(void);
extern u8 core_stack_bottom[], core_stack_top[];

static void set_gate(unsigned vec, u64 handler, u8 ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = (u16)handler, .selector = SEL_CODE64, .ist = ist, .type = GATE_INTERRUPT,
		.offset_mid = (u16)(handler >> 16), .offset_hi = (u32)(handler >> 32),
	};
}

void desc_init(void)
{
	memset(&tss, 0, sizeof(tss));
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)(uintptr_t)(ist_stacks[i] + IST_STACK_SIZE);
	tss.rsp[0] = (u64)(uintptr_t)core_stack_top;
	tss.iomap_base = sizeof(tss); /* no IO bitmap */
	u64 base = (u64)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[0] = 0;
	gdt[1] = GDT_CODE64;
	gdt[2] = GDT_DATA;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((u64)TSS_AVAILABLE << 40) |
	         (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	struct table_ptr g = {sizeof(gdt) - 1, (u64)(uintptr_t)gdt};
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movw %w2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "xorl %%eax, %%eax\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "ltr %w3"
	                 :
	                 : "m"(g), "i"(SEL_CODE64), "r"((u64)SEL_DATA), "r"((u16)SEL_TSS)
	                 : "rax", "memory");

	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(v, (u64)(uintptr_t)isr_unexpected, 0);
	for (unsigned v = 0; v < IDT_EXCEPTIONS; v++)
		set_gate(v, isr_stub_table[v], 0);
	/* NMIs in root mode are counted and returned from (isr.asm, vmx/nmi.h), on their own stack. */
	set_gate(2, (u64)(uintptr_t)isr_nmi, IST_NMI);
	set_gate(LAPIC_TIMER_VECTOR, (u64)(uintptr_t)isr_lapic_timer, 0);
	set_gate(LAPIC_SPURIOUS_VECTOR, (u64)(uintptr_t)isr_spurious, 0);
	set_gate(8, isr_stub_table[8], IST_DF);
	set_gate(18, isr_stub_table[18], IST_MC);
	struct table_ptr i = {sizeof(idt) - 1, (u64)(uintptr_t)idt};
	__asm__ volatile("lidt %0" ::"m"(i));
}

u64 desc_gdt_base(void) { return (u64)(uintptr_t)gdt; }
u64 desc_idt_base(void) { return (u64)(uintptr_t)idt; }
u64 desc_tss_base(void) { return (u64)(uintptr_t)&tss; }

bool desc_on_core_stack(u64 addr)
{
	if (addr >= (u64)(uintptr_t)core_stack_bottom && addr + 16 <= (u64)(uintptr_t)core_stack_top)
		return true;
	for (int i = 0; i < 3; i++)
		if (addr >= (u64)(uintptr_t)ist_stacks[i] && addr + 16 <= (u64)(uintptr_t)(ist_stacks[i] + IST_STACK_SIZE))
			return true;
	return false;
}
