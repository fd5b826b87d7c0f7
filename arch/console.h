/*
 * The hypervisor's console: one serial line shared with the guest's UART
 * output (DESIGN.md section 5). Every hypervisor line starts with "[hv] ".
 */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

#include <stdarg.h>
#include "types.h"

#define CON_PREFIX "[hv] "

typedef void (*con_out_fn)(const char *s, size_t n);

/* Routes console bytes to out (the serial port in the core, a buffer in tests). */
void con_set_output(con_out_fn out);
/* A second output that gets the same bytes: the screen console (arch/fbcon.h); NULL: none. */
void con_set_screen(con_out_fn out);
/* Text: "\n" becomes "\r\n". */
void con_write(const char *s, size_t n);
/* Bytes passed through untouched, e.g. the guest's UART output. */
void con_write_raw(const char *s, size_t n);
int con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One hypervisor line: starts a new line if needed, then "[hv] " and the text. */
int con_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int con_vlog(const char *fmt, va_list ap);
bool con_at_line_start(void);

#endif
