/* Ending a run: the exit line, then the action that on_exit= chose. */
#include "shutdown.h"
#include "console.h"
#include "cpu.h"
#include "serial.h"

#define RESET_CONTROL_FULL_RESET 0x06 /* system reset + CPU reset (PCH datasheets, port CF9h) */
#define RESET_CONTROL_SYS_RST 0x02
#define KBC_STATUS_INPUT_FULL 0x02
#define KBC_CMD_PULSE_RESET 0xfe
#define KBC_SPIN_LIMIT 100000

static void flush_com1(void) { serial_flush(SERIAL_COM1); }
static void (*console_flush)(void) = flush_com1;

void hv_set_console_flush(void (*flush)(void)) { console_flush = flush; }

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

static __attribute__((noreturn)) void machine_reset(void)
{
	outb(RESET_CONTROL_PORT, RESET_CONTROL_SYS_RST);
	outb(RESET_CONTROL_PORT, RESET_CONTROL_FULL_RESET);
	for (int i = 0; i < KBC_SPIN_LIMIT && (inb(KBC_COMMAND_PORT) & KBC_STATUS_INPUT_FULL); i++)
		pause();
	outb(KBC_COMMAND_PORT, KBC_CMD_PULSE_RESET);
	/* last resort: a triple fault through an empty IDT */
	static const struct __attribute__((packed)) { u16 limit; u64 base; } empty_idt = {0, 0};
	__asm__ volatile("lidt %0; int3" ::"m"(empty_idt));
	halt_forever();
}

void hv_exit_action(enum on_exit_action how, int code)
{
	static const char bochs_cmd[] = "Shutdown";
	console_flush();
	switch (how) {
	case ON_EXIT_BOCHS:
		for (const char *p = bochs_cmd; *p; p++)
			outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
		break;
	case ON_EXIT_QEMU: outl(QEMU_DEBUG_EXIT_PORT, (u32)code); break;
	case ON_EXIT_RESET: machine_reset();
	case ON_EXIT_HALT: break;
	}
	con_log("halted: reset the machine to continue\n");
	halt_forever();
}

void hv_exit(enum on_exit_action how, int code, const char *reason)
{
	con_log("exit: code=%d (%s)\n", code, reason);
	hv_exit_action(how, code);
}
