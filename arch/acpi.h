/*
 * ACPI tables the core reads (ACPI 6.5 chapter 5.2): the RSDP -> XSDT (or RSDT) walk with
 * checksum and bounds checks, and the three tables that describe host hardware the console and
 * the clock need: SPCR (Microsoft "Serial Port Console Redirection Table" spec), HPET (IA-PC
 * HPET spec 1.0a, 3.2.4) and the FADT's PM timer (ACPI 6.5 5.2.9). Pure C: the tables are read
 * through acpi_mem, which maps physical memory in the core and a blob in the host tests.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "types.h"

/* A readable view of [phys, phys + len), or NULL when that range is outside what may be read. */
struct acpi_mem {
	void *ctx;
	const u8 *(*map)(void *ctx, u64 phys, u64 len);
};

/* The core's acpi_mem: physical = virtual below 4 GiB, which the loaders and the core's own page
 * tables identity-map (arch/paging.c); NULL above. */
#define ACPI_IDENTITY_TOP (4 * GIB)
const u8 *acpi_identity_map(void *ctx, u64 phys, u64 len);

#define ACPI_HEADER_LEN 36
#define ACPI_TABLE_MAX_LEN (1024 * 1024) /* a bound on a corrupt length field */
#define ACPI_TABLES_MAX 256

enum acpi_err {
	ACPI_OK = 0,
	ACPI_NO_RSDP,      /* address 0 or unreadable */
	ACPI_BAD_RSDP,     /* signature or checksum */
	ACPI_BAD_ROOT,     /* XSDT/RSDT signature, length or checksum */
	ACPI_NOT_FOUND,    /* no valid table with that signature */
};

/* Finds the first table with signature sig whose length and checksum are sound. */
enum acpi_err acpi_find(const struct acpi_mem *m, u64 rsdp, const char sig[4], u64 *phys, u32 *len);
const char *acpi_err_name(enum acpi_err e);

/* A 16550 as SPCR describes it. */
struct acpi_spcr {
	u8 interface_type;
	bool mmio;      /* GAS address space 0 (memory); else 1 (system IO) */
	u64 base;
	u8 reg_width;   /* access size in bytes: 1 or 4 */
	u8 reg_shift;   /* registers are 1 << reg_shift apart */
	u32 baud;       /* 0: as the firmware left it */
};
#define SPCR_TYPE_16550 0x00
#define SPCR_TYPE_16450 0x01
#define SPCR_TYPE_16550_GAS 0x12 /* "16550-compatible with parameters defined in the GAS" */

/* 0, or -1 with *why set (not a 16550, an address space or width the core cannot use). */
int acpi_parse_spcr(const u8 *t, u32 len, struct acpi_spcr *out, const char **why);
/* The HPET's register block (memory space) or -1. */
int acpi_parse_hpet(const u8 *t, u32 len, u64 *base);
/* The PM timer's IO port and whether it counts 32 bits (FADT flag TMR_VAL_EXT), or -1. */
int acpi_parse_fadt_pmtimer(const u8 *t, u32 len, u16 *port, bool *bits32);

#endif
