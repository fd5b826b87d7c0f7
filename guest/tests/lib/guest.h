/*
 * Runtime of the freestanding 32-bit test guests (booted by Multiboot1, paging off, flat
 * segments). The Multiboot view below is the guests' own reading of the spec (0.6.96, 3.3),
 * independent of guest/mb1.h, so that a misreading in the loader cannot hide in both.
 */
#ifndef GUEST_TESTS_LIB_GUEST_H
#define GUEST_TESTS_LIB_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_INFO_MEM (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MMAP (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)
#define MB_MMAP_AVAILABLE 1

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper; /* KiB from 0 and from 1 MiB */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __attribute__((packed));

struct mb_mmap_entry {
	u32 size; /* of the rest of the entry: the next one starts at &base + size */
	u64 base, length;
	u32 type;
} __attribute__((packed));

/* Ports: COM1 (16550) and QEMU's isa-debug-exit, which microhv emulates too. */
#define COM1 0x3F8
#define UART_THR 0 /* DLAB = 0 */
#define UART_DLL 0 /* DLAB = 1 */
#define UART_IER 1
#define UART_DLM 1 /* DLAB = 1 */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define DEBUG_EXIT_PORT 0xF4
#define POST_PORT 0x80

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Called by start.asm with EAX and EBX as the loader left them; returning means guest_exit(0). */
void guest_main(u32 magic, u32 mbi);

void uart_init(void);          /* 115200 8N1, FIFO on; start.asm calls it before guest_main */
void uart_putc(char c);        /* '\n' goes out as "\r\n" */
void uart_puts(const char *s);
void uart_flush(void);         /* waits until the transmitter is empty */
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int gvprintf(const char *fmt, va_list ap);
/* Flushes the UART, writes code to the debug-exit port, then halts with interrupts off. */
__attribute__((noreturn)) void guest_exit(u32 code);

/* The command line's arguments: what follows its first word (the image name, by convention). */
const char *mb_arguments(const struct mb_info *mbi);
/* Whether the first word of the guest's arguments (Multiboot boot only) is `word`. */
bool guest_first_arg_is(u32 magic, u32 mbi, const char *word);

void *memset(void *dst, int c, __SIZE_TYPE__ n);
void *memcpy(void *dst, const void *src, __SIZE_TYPE__ n);

#endif
