/* The core's console backends; see hostcon.h. */
#include "hostcon.h"
#include "acpi.h"
#include "boot_info.h"
#include "console.h"
#include "cpu.h"
#include "memlog.h"
#include "printf.h"

#define OUT_RING_SIZE (16 * 1024)
/* Room kept above the guest's high-water mark for the core's own lines and for a guest that
 * writes THR without looking at THRE. */
#define OUT_RING_RESERVE 1024
/* Polls of THRE per FIFO load in a synchronous flush: at 9600 baud a 16-byte load takes
 * 17 ms; an inb takes about 1 us, so this allows for the slowest line. */
#define OUT_SPIN_LIMIT 200000
#define BITS_PER_CHAR 10 /* start, 8 data, stop */
#define NS_PER_S 1000000000ULL
/* PCI configuration mechanism #1 (PCI Local Bus spec 3.0, 3.2.2.3.2) */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE 0x80000000u
#define PCI_REG_VENDOR 0x00
#define PCI_REG_COMMAND 0x04
#define PCI_REG_BAR0 0x10
#define PCI_VENDOR_NONE 0xffff
#define PCI_VENDOR_MASK 0xffffu
#define PCI_BUS_SHIFT 16
#define PCI_DEV_SHIFT 11
#define PCI_FN_SHIFT 8
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_BAR_IO 0x1
#define PCI_BAR_IO_MASK 0xfffffffcu
#define PCI_BAR_MEM_MASK 0xfffffff0u
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_64 0x4
#define MMIO_REG_SHIFT_32 2
#define MMIO_REG_WIDTH_32 4

static u8 out_ring[OUT_RING_SIZE];
static struct conq queue;
static struct memlog mlog;
static struct serial_port port;
static struct conq_port port_ops;
static bool chosen;

static bool op_tx_empty(void *ctx) { return serial_port_tx_empty(ctx); }
static void op_tx(void *ctx, u8 byte) { serial_port_tx(ctx, byte); }

void hostcon_early(void)
{
	conq_init(&queue, out_ring, OUT_RING_SIZE, OUT_RING_SIZE - OUT_RING_RESERVE, OUT_SPIN_LIMIT);
	queue.sync = false; /* held until a port is chosen */
	memlog_init(&mlog, 0);
}

void hostcon_out(const char *s, size_t n)
{
	memlog_write(&mlog, s, n);
	conq_write(&queue, s, n);
}

void hostcon_log_only(const char *s, size_t n) { memlog_write(&mlog, s, n); }

struct conq *hostcon_queue(void) { return &queue; }

void hostcon_set_async(bool on)
{
	queue.sync = !on;
	if (!on)
		conq_flush(&queue);
}

int hostcon_getc(void) { return port.present ? serial_port_rx(&port) : -1; }

u64 hostcon_fifo_ns(void)
{
	if (!port.present)
		return 0;
	u32 baud = port.baud ? port.baud : SERIAL_BAUD;
	return (u64)port.fifo_depth * BITS_PER_CHAR * NS_PER_S / baud;
}

static void pci_select(const struct serial_option *o, u8 reg)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (u32)o->bus << PCI_BUS_SHIFT | (u32)o->dev << PCI_DEV_SHIFT |
	                             (u32)o->fn << PCI_FN_SHIFT | reg);
}

static u32 pci_read(const struct serial_option *o, u8 reg)
{
	pci_select(o, reg);
	return inl(PCI_CONFIG_DATA);
}

static void pci_write(const struct serial_option *o, u8 reg, u32 v)
{
	pci_select(o, reg);
	outl(PCI_CONFIG_DATA, v);
}

/* A PCI 16550 (e.g. Intel AMT SOL): BAR0 gives an IO or memory register block; decoding of that
 * space is switched on if the firmware left it off. */
static const char *pci_port(const struct serial_option *o, struct serial_port *p)
{
	if ((pci_read(o, PCI_REG_VENDOR) & PCI_VENDOR_MASK) == PCI_VENDOR_NONE)
		return "no PCI function there";
	u32 bar = pci_read(o, PCI_REG_BAR0), cmd = pci_read(o, PCI_REG_COMMAND);
	if (bar & PCI_BAR_IO) {
		*p = (struct serial_port){.space = SERIAL_SPACE_IO, .base = bar & PCI_BAR_IO_MASK};
		pci_write(o, PCI_REG_COMMAND, cmd | PCI_CMD_IO);
	} else {
		u64 base = bar & PCI_BAR_MEM_MASK;
		if ((bar & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64)
			base |= (u64)pci_read(o, PCI_REG_BAR0 + 4) << 32;
		if (base >= ACPI_IDENTITY_TOP)
			return "BAR0 lies above 4 GiB, outside the core's identity map";
		*p = (struct serial_port){.space = SERIAL_SPACE_MMIO, .base = base, .reg_shift = MMIO_REG_SHIFT_32,
		                          .reg_width = MMIO_REG_WIDTH_32};
		pci_write(o, PCI_REG_COMMAND, cmd | PCI_CMD_MEM);
	}
	return p->base ? 0 : "BAR0 is not assigned";
}

/* The port serial= names; NULL with *why when it cannot be used. */
static bool option_port(const struct serial_option *o, struct serial_port *p, const char **why)
{
	*why = 0;
	switch (o->kind) {
	case SERIAL_IO: *p = (struct serial_port){.space = SERIAL_SPACE_IO, .base = o->addr}; break;
	case SERIAL_MMIO:
		*p = (struct serial_port){SERIAL_SPACE_MMIO, o->addr, MMIO_REG_SHIFT_32, MMIO_REG_WIDTH_32, 0, 0, false};
		break;
	case SERIAL_MMIO8: *p = (struct serial_port){.space = SERIAL_SPACE_MMIO, .base = o->addr, .reg_width = 1}; break;
	case SERIAL_PCI: *why = pci_port(o, p); break;
	default: *why = "not a port"; return false;
	}
	if (!*why && p->space == SERIAL_SPACE_MMIO && p->base >= ACPI_IDENTITY_TOP)
		*why = "the address lies above 4 GiB, outside the core's identity map";
	p->baud = SERIAL_BAUD;
	return !*why;
}

static bool spcr_port(u64 rsdp, struct serial_port *p, const char **why)
{
	struct acpi_mem m = {0, acpi_identity_map};
	u64 phys;
	u32 len;
	enum acpi_err e = acpi_find(&m, rsdp, "SPCR", &phys, &len);
	if (e) {
		*why = e == ACPI_NOT_FOUND ? "no ACPI SPCR table" : acpi_err_name(e);
		return false;
	}
	struct acpi_spcr s;
	if (acpi_parse_spcr(acpi_identity_map(0, phys, len), len, &s, why))
		return false;
	if (s.mmio && s.base >= ACPI_IDENTITY_TOP) {
		*why = "SPCR's UART lies above 4 GiB";
		return false;
	}
	*p = (struct serial_port){s.mmio ? SERIAL_SPACE_MMIO : SERIAL_SPACE_IO, s.base, s.reg_shift, s.reg_width, s.baud, 0,
	                          false};
	return true;
}

static bool try_port(struct serial_port *p, const char **why)
{
	if (serial_port_init(p))
		return true;
	*why = "no 16550 answers there (scratch and loopback probe)";
	return false;
}

static void use_port(const struct serial_port *p)
{
	port = *p;
	port_ops = (struct conq_port){&port, op_tx_empty, op_tx, port.fifo_depth};
	conq_set_port(&queue, &port_ops);
}

static void describe(char *buf, size_t size, const struct serial_port *p);

void hostcon_select(const struct serial_option *opt, u64 acpi_rsdp, u64 core_phys)
{
	struct serial_port p = {0};
	const char *why = 0, *source;
	char reason[96] = "";
	bool ok = false;
	chosen = true;
	queue.sync = true;
	if (opt->kind == SERIAL_NONE) {
		conq_set_port(&queue, 0);
		conq_flush(&queue); /* what was held goes to the in-memory log only */
		source = "serial=none";
	} else {
		bool auto_choice = opt->kind == SERIAL_AUTO;
		source = auto_choice ? "ACPI SPCR" : "serial= option";
		ok = (auto_choice ? spcr_port(acpi_rsdp, &p, &why) : option_port(opt, &p, &why)) && try_port(&p, &why);
		if (!ok) {
			fmt_snprintf(reason, sizeof(reason), "%s: %s; ", source, why);
			p = (struct serial_port){.space = SERIAL_SPACE_IO, .base = SERIAL_COM1, .baud = SERIAL_BAUD};
			source = "COM1 fallback";
			ok = try_port(&p, &why);
		}
		if (ok)
			use_port(&p);
		else
			conq_set_port(&queue, 0);
		conq_flush(&queue);
	}
	char where[96] = "none";
	if (ok)
		describe(where, sizeof(where), &port);
	con_log("console: serial %s (%s%s)%s\n", where, reason, source,
	        ok || opt->kind == SERIAL_NONE ? "" : ": no 16550 answers at COM1, output goes to the in-memory log");
	mlog.self = core_phys + ((u64)(uintptr_t)&mlog - KERNEL_VBASE - KERNEL_PBASE);
	con_log("console: in-memory log of the last %u KiB at physical 0x%llx (README: Real hardware)\n",
	        MEMLOG_SIZE / 1024, (unsigned long long)mlog.self);
}

static void describe(char *buf, size_t size, const struct serial_port *p)
{
	char baud[24] = "the firmware's baud rate";
	if (p->baud)
		fmt_snprintf(baud, sizeof(baud), "%u baud", p->baud);
	fmt_snprintf(buf, size, "%s 0x%llx%s, %s, %u-byte FIFO", p->space == SERIAL_SPACE_IO ? "IO" : "MMIO",
	             (unsigned long long)p->base, p->reg_width == MMIO_REG_WIDTH_32 ? " (32-bit registers)" : "", baud,
	             p->fifo_depth);
}

void hostcon_flush(void)
{
	if (!chosen) {
		struct serial_option com1 = {SERIAL_IO, SERIAL_COM1, 0, 0, 0};
		struct serial_port p;
		const char *why;
		chosen = true;
		if (option_port(&com1, &p, &why) && try_port(&p, &why))
			use_port(&p);
	}
	queue.sync = true; /* a panic's last lines go straight out */
	conq_flush(&queue);
	serial_port_wait_idle(&port);
}
