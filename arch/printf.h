/* A small printf for the core: no floating point, no libc. Pure C, host-tested. */
#ifndef ARCH_PRINTF_H
#define ARCH_PRINTF_H

#include <stdarg.h>
#include "types.h"

/*
 * Supported: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ' '#',
 * width and precision (also '*'), length modifiers hh h l ll z t j.
 * Like C's vsnprintf: writes at most size bytes including the NUL and
 * returns the length the full output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The error convention of the loaders: formats the message into err (when err and errlen are
 * non-zero) and returns -1. */
int fmt_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Streams the output to a sink one chunk at a time; returns the number of bytes produced. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

#endif
