/*
 * Block-IO oracle guest: blocks with interrupts on. The PIT raises IRQ0 about every 100 us
 * (mode 2), and while it does the guest runs a loop of IO sequences on the UART's scratch
 * register, one block each with block_io=on. Natively an interrupt may come between any two
 * instructions; under microhv it comes between exits, so between blocks with block_io=on and
 * between IO instructions with block_io=off. The IRQ0 handler uses the scratch register too
 * (it saves it, writes and reads back its own value, restores it, then sends the EOI), so the
 * loop's results do not depend on where the interrupts fall, only on each interrupted block
 * resuming exactly where it stopped. Printed: the loop's checksum, the handler's, and whether
 * any tick came during the loop; never how many. The loop lasts many periods under microhv in
 * Bochs, but bare QEMU can finish it before the first tick: it then runs again (the same
 * checksum each time), up to MAX_LOOPS times, until a tick comes during it.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define ROUNDS 1500
#define MAX_LOOPS 100
#define PIT_COUNT_10KHZ 119 /* 1193182 Hz / 119: about 10 kHz */
#define IRQ0_VECTOR 0x20
#define HANDLER_PATTERN 0xE7

u32 blk_irq_loop(u32 n);

__asm__(BLK_ASM_BEGIN
        ".globl blk_irq_loop\n"
        "blk_irq_loop:\n"
        "	push ebx\n"
        "	push esi\n"
        "	mov esi, [esp + 12]\n"
        "	xor ecx, ecx\n"
        "	xor ebx, ebx\n"
        "	mov dx, 0x3FF\n"
        "	.balign 256\n"
        "1:\n"
        "	mov al, cl\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	movzx eax, al\n"
        "	add ebx, eax\n"
        "	xor al, 0x55\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	shl ebx, 1\n"
        "	add ebx, eax\n"
        "	not al\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	add ebx, eax\n"
        "	inc ecx\n"
        "	cmp ecx, esi\n"
        "	jb 1b\n"
        "	mov eax, ebx\n"
        "	pop esi\n"
        "	pop ebx\n"
        "	ret\n" BLK_ASM_END);

static volatile u32 ticks, handler_sum = BLK_FNV_OFFSET;

static void on_irq0(struct trap_frame *f)
{
	u8 saved = inb(SCR_PORT);
	outb(SCR_PORT, HANDLER_PATTERN);
	handler_sum = blk_fnv(handler_sum, inb(SCR_PORT));
	outb(SCR_PORT, saved);
	outb(0x20, 0x20); /* non-specific EOI */
	ticks++;
}

/* ICW1..ICW4 (vectors 0x20 and 0x28, the slave on IR2), then only IRQ0 unmasked. */
static void pic_setup(void)
{
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, IRQ0_VECTOR);
	outb(0xA1, IRQ0_VECTOR + 8);
	outb(0x21, 0x04);
	outb(0xA1, 0x02);
	outb(0x21, 0x01);
	outb(0xA1, 0x01);
	outb(0x21, 0xFE);
	outb(0xA1, 0xFF);
}

static u32 expected(u32 n)
{
	u32 sum = 0;
	for (u32 i = 0; i < n; i++) {
		u8 a = (u8)i, b = a ^ 0x55, c = (u8)~b;
		sum += a;
		sum = (sum << 1) + b;
		sum += c;
	}
	return sum;
}

void guest_main(u32 magic, u32 mbi)
{
	traps_init();
	traps_handle(IRQ0_VECTOR, on_irq0);
	pic_setup();
	outb(0x43, 0x34); /* channel 0, LSB then MSB, mode 2 */
	outb(0x40, PIT_COUNT_10KHZ & 0xFF);
	outb(0x40, PIT_COUNT_10KHZ >> 8);
	u32 want_sum = expected(ROUNDS), sum, wrong = 0, loops = 0, during;
	__asm__ volatile("sti" ::: "memory");
	do {
		u32 before = ticks;
		sum = blk_irq_loop(ROUNDS);
		during = ticks - before;
		wrong += sum != want_sum;
		loops++;
	} while (!during && loops < MAX_LOOPS);
	__asm__ volatile("cli" ::: "memory");
	outb(0x21, 0xFF);
	u32 n = ticks;
	gprintf("blk_irq: %u rounds of 6 IO instructions with IRQ0 at about 10 kHz\n", ROUNDS);
	blk_check("blk_irq", "loop checksum", sum, want_sum);
	blk_check("blk_irq", "loops with another checksum", wrong, 0);
	gprintf("blk_irq: timer interrupts during the loop: %s\n", during ? "yes" : "no");
	/* every tick read back the handler's own pattern: the checksum of n such reads */
	u32 want = BLK_FNV_OFFSET;
	for (u32 i = 0; i < n; i++)
		want = blk_fnv(want, HANDLER_PATTERN);
	blk_check("blk_irq", "handler reads that were not its own pattern", handler_sum != want, 0);
	blk_finish("blk_irq");
}
