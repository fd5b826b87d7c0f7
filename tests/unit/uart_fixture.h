/*
 * Shared by test_uart.c and test_uart_lines.c: devices/uart.c at COM1 on an IO bus, with a
 * fake clock, an IRQ sink that records every level change (and asserts that each one flips
 * the line), a TX buffer, and the register helpers the tests drive it with.
 */
#ifndef TESTS_UNIT_UART_FIXTURE_H
#define TESTS_UNIT_UART_FIXTURE_H

#include "devices/iobus.h"
#include "devices/uart.h"

#define COM1 UART_COM1_BASE
#define IRQ_LINE UART_COM1_IRQ
#define OTHER_LINE 3
#define MAX_EVENTS 1024
#define NS_PER_S 1000000000ULL
#define MS 1000000ULL

#define LCR_8N1 0x03
#define LCR_7E2 (0x02 | UART_LCR_STB | UART_LCR_PEN | UART_LCR_EPS)
#define LCR_5N15 (0x00 | UART_LCR_STB)
#define DIVISOR_115200 1
#define DIVISOR_9600 12
/* Linux's LCR values for its configuration-mode probes (not registers of a 16550A) */
#define LCR_CONF_MODE_A 0x80
#define LCR_CONF_MODE_B 0xbf
#define LCR_NATSEMI_BANK2 0xe0
#define IER_UUE 0x40 /* XScale's unit-enable bit */
#define FCR_64BYTE 0x20 /* TI16750's 64-byte FIFO bit */
#define REG_EFR 2

struct irq_event {
	unsigned line;
	bool level;
};

struct uart_fixture {
	u64 now;
	struct irq_event ev[MAX_EVENTS];
	unsigned n_ev;
	bool level[16];
	u8 tx[4096];
	unsigned n_tx;
};
extern struct uart_fixture fk;
extern struct uart u;
extern struct iobus bus;
extern const struct irq_sink sink; /* the recording IRQ sink */

/* cmocka setup: a fresh UART on a fresh bus, the clock at 1 s. */
int setup(void **state);
u8 rd(u16 reg);
void wr(u16 reg, u8 v);
/* The level of the UART's IRQ line, and how often it rose. */
bool line(void);
unsigned rises(void);
void set_divisor(u16 d, u8 lcr);
void fifo_on(u8 trigger);
/* Receives n bytes first, first + 1, ... */
void receive_n(unsigned n, u8 first);

#endif
