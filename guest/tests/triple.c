/*
 * microhv-only guest: loads an IDT with limit 0 and divides by zero. #DE finds no gate, nor
 * does the #GP that follows, nor the #DF: the processor shuts down (triple fault, SDM Vol. 3A
 * 6.15, interrupt 8). microhv reports it and ends cleanly; bare QEMU with -no-reboot exits.
 */
#include "lib/guest.h"

struct __attribute__((packed)) idt_ptr {
	u16 limit;
	u32 base;
};

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	gprintf("triple: start, multiboot magic 0x%08x\n", magic);
	gprintf("triple: loading an empty IDT, then dividing by zero\n");
	uart_flush();
	static const struct idt_ptr empty = {0, 0};
	__asm__ volatile("lidt %0" : : "m"(empty));
	u32 eax = 1, edx = 0;
	__asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" : "+a"(eax), "+d"(edx) : : "ecx", "cc");
	gprintf("triple: still running after the fault\n");
	guest_exit(1);
}
