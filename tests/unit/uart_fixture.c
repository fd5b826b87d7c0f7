/* The 16550 test fixture; see uart_fixture.h. */
#include "unit.h"

#include <string.h>

#include "uart_fixture.h"

struct uart_fixture fk;

struct uart u;
struct iobus bus;

static u64 fake_now(void *ctx) { return fk.now; }

/* The UART promises to signal changes only: each event must flip the line. */
static void fake_irq(void *ctx, unsigned line, bool level)
{
	assert_true(line < 16);
	assert_int_not_equal(fk.level[line], level);
	fk.level[line] = level;
	assert_true(fk.n_ev < MAX_EVENTS);
	fk.ev[fk.n_ev++] = (struct irq_event){line, level};
}

static void fake_tx(void *ctx, u8 byte)
{
	assert_true(fk.n_tx < sizeof(fk.tx));
	fk.tx[fk.n_tx++] = byte;
}

const struct irq_sink sink = {0, fake_irq};
static const struct dev_clock clk = {0, fake_now};

int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	fk.now = 1000 * MS;
	uart_init(&u, COM1, fake_tx, 0);
	uart_set_irq(&u, &sink, IRQ_LINE);
	uart_set_clock(&u, &clk);
	iobus_init(&bus);
	assert_int_equal(iobus_register(&bus, &u.io), 0);
	return 0;
}

u8 rd(u16 reg) { return (u8)iobus_in(&bus, (u16)(COM1 + reg), 1); }
void wr(u16 reg, u8 v) { iobus_out(&bus, (u16)(COM1 + reg), 1, v); }
bool line(void) { return fk.level[IRQ_LINE]; }
unsigned rises(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fk.n_ev; i++)
		n += fk.ev[i].line == IRQ_LINE && fk.ev[i].level;
	return n;
}

void set_divisor(u16 d, u8 lcr)
{
	wr(UART_REG_LCR, UART_LCR_DLAB);
	wr(UART_REG_DLL, (u8)(d & 0xff));
	wr(UART_REG_DLM, (u8)(d >> 8));
	wr(UART_REG_LCR, lcr);
}

void fifo_on(u8 trigger) { wr(UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | trigger); }

void receive_n(unsigned n, u8 first)
{
	for (unsigned i = 0; i < n; i++)
		assert_true(uart_receive(&u, (u8)(first + i)));
}
