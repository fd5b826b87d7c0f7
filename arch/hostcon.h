/*
 * The core's console backends (DESIGN.md section 5): the serial port that serial= or ACPI SPCR
 * names (COM1 as the fallback), behind the output queue (conq.h), and the in-memory log
 * (memlog.h). hostcon_out is what con_set_output gets. Until hostcon_select() has chosen the
 * port, output is held in the queue, so the first lines are not lost.
 */
#ifndef ARCH_HOSTCON_H
#define ARCH_HOSTCON_H

#include "conq.h"
#include "serial.h"

/* Queue and in-memory log ready; nothing is sent yet. */
void hostcon_early(void);
void hostcon_out(const char *s, size_t n);
/* The in-memory log alone (console=screen: the serial line stops, the log goes on). */
void hostcon_log_only(const char *s, size_t n);
/* Chooses the serial port (serial=, then ACPI SPCR from the RSDP, then COM1), sends what was
 * held, and says which port and why, and where the in-memory log is. */
void hostcon_select(const struct serial_option *opt, u64 acpi_rsdp, u64 core_phys);
/* Asynchronous while the guest runs: writes queue, conq_drain sends (DESIGN.md section 5). */
void hostcon_set_async(bool on);
struct conq *hostcon_queue(void);
/* The chosen port's receiver: a byte or -1 (no port: -1). */
int hostcon_getc(void);
/* Synchronous: everything queued goes out (bounded); chooses COM1 if nothing was chosen yet. */
void hostcon_flush(void);
/* The time one FIFO load takes on the line (0: no port). */
u64 hostcon_fifo_ns(void);

#endif
