/*
 * libFuzzer harness for the device models on their bus: the board of devices/board.c (8259A
 * pair, 8254 PIT and port 0x61, 16550 UART, RTC/CMOS, reset and debug-exit ports) driven by a
 * sequence of port accesses, clock steps, interrupt acknowledges and received bytes, as a guest
 * and time would drive them. Besides ASan/UBSan findings it aborts when
 *   - a read returns bits beyond its width;
 *   - after a tick a device deadline lies in the past (something due was not raised);
 *   - the PIC signals an interrupt and its acknowledge is spurious, or acknowledges with no
 *     request signalled are not counted as spurious;
 *   - the UART's LSR says the transmitter is empty (TEMT) while its holding register is not
 *     (THRE), which a 16550 never reports (PC16550D datasheet, LSR bits 5 and 6).
 */
#include <stdint.h>
#include <stdlib.h>

#include "devices/board.h"

#define CHECK(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

#define OP_BYTES 3
#define LSR_PORT 0x3FD
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define STEP_SHIFT_MAX 16

static const u16 ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x40, 0x41, 0x42, 0x43, 0x61,
                            0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF, 0x70, 0x71,
                            0x80, 0x92, 0x64, 0xCF9, 0xF4, 0x2F8};
#define NPORTS (sizeof ports / sizeof ports[0])

static u64 now;
static u64 clock_ns(void *ctx) { (void)ctx; return now; }
static void tx(void *ctx, u8 byte) { (void)ctx, (void)byte; }

static u32 width_mask(u8 size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board b;
	static const struct dev_clock clk = {0, clock_ns};
	const struct board_params params = {1700000000ULL, 64ULL << 20};
	now = 0;
	board_init(&b, tx, 0, &clk, &params);
	for (size_t i = 0; i + OP_BYTES <= size; i += OP_BYTES) {
		u8 op = data[i], a = data[i + 1], v = data[i + 2];
		u16 port = ports[a % NPORTS];
		u8 sz = (u8)(1u << ((op >> 4) % 3)); /* 1, 2 or 4 bytes */
		switch (op % 8) {
		case 0: case 1: case 2:
			iobus_out(&b.bus, port, sz, (u32)v * 0x01010101u & width_mask(sz));
			break;
		case 3: case 4:
			CHECK((iobus_in(&b.bus, port, sz) & ~width_mask(sz)) == 0);
			break;
		case 5: { /* time passes: up to 255 << 15 ns, about 8 ms */
			now += (u64)a << (v % STEP_SHIFT_MAX);
			board_tick(&b);
			u64 d = board_next_deadline(&b);
			CHECK(d == CLOCK_NEVER || d >= now);
			break;
		}
		case 6: {
			bool pending = board_irq_pending(&b);
			u64 spurious = b.pic.spurious;
			(void)board_irq_acknowledge(&b);
			CHECK(pending ? b.pic.spurious == spurious : b.pic.spurious == spurious + 1);
			break;
		}
		default: {
			(void)board_console_input(&b, v);
			u8 lsr = (u8)iobus_in(&b.bus, LSR_PORT, 1);
			CHECK(!(lsr & LSR_TEMT) || (lsr & LSR_THRE));
			break;
		}
		}
	}
	return 0;
}
