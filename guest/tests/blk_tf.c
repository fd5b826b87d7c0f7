/*
 * Block-IO oracle guest: an IO sequence under single-stepping (EFLAGS.TF; SDM Vol. 3A 17.3.1.4).
 * The processor raises a trap-class #DB after every instruction executed with TF set, but not
 * after the POPFD that sets it, with DR6.BS set and EIP at the next instruction. microhv never
 * runs a block with TF set (each IO instruction exits on its own, and the emulated one is
 * followed by the single-step trap), so the guest sees every step in every mode. The #DB
 * handler records each trap's EIP (as an offset from the first stepped instruction) and
 * clears TF in the saved EFLAGS when EIP reaches the end label. Printed: the step count, the
 * offsets, whether every trap had DR6.BS, and the values read back.
 */
#include "lib/blocks.h"
#include "lib/traps.h"

#define ROUNDS 3
#define MAX_STEPS 32
#define DR6_BS 0x4000u

u32 blk_tf_run(void);
extern u8 tf_start[], tf_end[];

__asm__(BLK_ASM_BEGIN
        ".balign 256\n"
        ".globl blk_tf_run, tf_start, tf_end\n"
        "blk_tf_run:\n"
        "	push ebx\n"
        "	xor ebx, ebx\n"
        "	mov dx, 0x3FF\n"
        "	pushfd\n"
        "	or dword ptr [esp], 0x100\n"
        "	popfd\n" /* TF: the first trap comes after the next instruction */
        "tf_start:\n"
        "	mov al, 0x11\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "	mov bl, al\n"
        "	out 0x80, al\n"
        "	jmp 1f\n"
        "1:\n"
        "	mov al, 0x22\n"
        "	out dx, al\n"
        "	add al, 1\n"
        "	in al, dx\n"
        "	mov bh, al\n"
        "	out dx, al\n"
        "	in al, dx\n"
        "tf_end:\n"
        "	movzx eax, bx\n"
        "	pop ebx\n"
        "	ret\n" BLK_ASM_END);

static volatile u32 steps, bs_missing;
static volatile u32 step_off[MAX_STEPS];

static u32 read_dr6(void)
{
	u32 v;
	__asm__ volatile("movl %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr6(u32 v) { __asm__ volatile("movl %0, %%dr6" : : "r"(v)); }

static void on_debug(struct trap_frame *f)
{
	u32 dr6 = read_dr6();
	write_dr6(0); /* DR6 bits are sticky (Vol. 3B 17.2.3) */
	if (!(dr6 & DR6_BS))
		bs_missing++;
	if (steps < MAX_STEPS)
		step_off[steps] = f->eip - (u32)(uintptr_t)tf_start;
	steps++;
	if (f->eip == (u32)(uintptr_t)tf_end || steps >= MAX_STEPS)
		f->eflags &= ~EFLAGS_TF;
}

void guest_main(u32 magic, u32 mbi)
{
	traps_init();
	traps_handle(VEC_DB, on_debug);
	write_dr6(0);
	for (u32 r = 0; r < ROUNDS; r++) {
		steps = bs_missing = 0;
		u32 v = blk_tf_run();
		gprintf("blk_tf: round %u: %u steps at", r, steps);
		for (u32 i = 0; i < steps && i < MAX_STEPS; i++)
			gprintf(" +%u", step_off[i]);
		gprintf("; DR6.BS missing in %u; read 0x%02x 0x%02x\n", bs_missing, v & 0xFF, (v >> 8) & 0xFF);
	}
	blk_finish("blk_tf");
}
