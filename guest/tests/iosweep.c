/*
 * Oracle guest heavy on port IO, for the block-IO work: a loop of OUT 0x80 and an OUT/IN pair
 * on the UART's scratch register with plain arithmetic between them, then the same through
 * REP OUTSB and REP INSB. It prints checksums of what it read: deterministic, no timing.
 */
#include "lib/guest.h"

#define ROUNDS 10000
#define STRING_BYTES 4096
#define FNV_OFFSET 0x811C9DC5u
#define FNV_PRIME 16777619u

static u8 out_buf[STRING_BYTES], in_buf[STRING_BYTES];

static u32 fnv(u32 h, u8 b) { return (h ^ b) * FNV_PRIME; }

void guest_main(u32 magic, u32 mbi)
{
	(void)mbi;
	gprintf("iosweep: start, multiboot magic 0x%08x\n", magic);
	u32 sum = FNV_OFFSET, bad = 0;
	for (u32 i = 0; i < ROUNDS; i++) {
		u8 v = (u8)(i * 7 + 3);
		outb(POST_PORT, v);
		outb(COM1 + UART_SCR, v);
		u8 r = inb(COM1 + UART_SCR);
		bad += r != v;
		sum = fnv(sum, r);
	}
	gprintf("iosweep: %u rounds of out 0x80 and out/in scratch: checksum 0x%08x, mismatches %u\n", ROUNDS,
		sum, bad);

	for (u32 i = 0; i < STRING_BYTES; i++)
		out_buf[i] = (u8)(i ^ (i >> 8));
	const u8 *src = out_buf;
	u32 n = STRING_BYTES;
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(POST_PORT) : "memory");
	outb(COM1 + UART_SCR, 0x5A);
	u8 *dst = in_buf;
	n = STRING_BYTES;
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(COM1 + UART_SCR) : "memory");
	u32 sum2 = FNV_OFFSET, bad2 = 0;
	for (u32 i = 0; i < STRING_BYTES; i++) {
		bad2 += in_buf[i] != 0x5A;
		sum2 = fnv(sum2, in_buf[i]);
	}
	gprintf("iosweep: rep outsb %u bytes to 0x80, rep insb %u bytes from scratch: checksum 0x%08x, mismatches %u\n",
		STRING_BYTES, STRING_BYTES, sum2, bad2);
	gprintf("iosweep: bye\n");
	guest_exit(bad || bad2 ? 1 : 0);
}
