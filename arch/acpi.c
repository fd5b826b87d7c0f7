/* ACPI table walk and the few tables the core reads; see acpi.h. */
#include "acpi.h"
#include "le.h"

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_LENGTH 20
#define RSDP_OFF_XSDT 24
#define HDR_OFF_LENGTH 4
#define GAS_LEN 12
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1
#define GAS_OFF_BIT_WIDTH 1
#define GAS_OFF_ACCESS 3
#define GAS_OFF_ADDRESS 4
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_DWORD 3
#define GAS_BITS_32 32
/* SPCR field offsets (SPCR spec, table 3) */
#define SPCR_OFF_TYPE 36
#define SPCR_OFF_BASE 40
#define SPCR_OFF_BAUD 58
#define SPCR_MIN_LEN 80
/* HPET: the base address GAS follows the event timer block ID (HPET spec, table 3) */
#define HPET_OFF_BASE 40
#define HPET_MIN_LEN 56
/* FADT (ACPI 6.5 table 5.9) */
#define FADT_OFF_PM_TMR_BLK 76
#define FADT_OFF_FLAGS 112
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_OFF_X_PM_TMR_BLK 208
#define FADT_MIN_LEN 116
#define FADT_X_MIN_LEN (FADT_OFF_X_PM_TMR_BLK + GAS_LEN)
/* the highest IO base that still leaves room for a 16550's 8 ports / the PM timer's 4 */
#define IO_UART_BASE_MAX 0xfff8
#define IO_PMTMR_PORT_MAX 0xfffc

const u8 *acpi_identity_map(void *ctx, u64 phys, u64 len)
{
	(void)ctx;
	if (!phys || len > ACPI_IDENTITY_TOP || phys > ACPI_IDENTITY_TOP - len)
		return 0;
	return (const u8 *)(uintptr_t)phys;
}

static bool sum_ok(const u8 *p, u32 len)
{
	u8 s = 0;
	for (u32 i = 0; i < len; i++)
		s = (u8)(s + p[i]);
	return s == 0;
}

static bool sig_eq(const u8 *p, const char *sig, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != (u8)sig[i])
			return false;
	return true;
}

/* A table at phys: its header readable, its length sane and readable, its checksum zero. */
static const u8 *table_at(const struct acpi_mem *m, u64 phys, u32 *len)
{
	const u8 *h = phys ? m->map(m->ctx, phys, ACPI_HEADER_LEN) : 0;
	if (!h)
		return 0;
	u32 n = le_rd32(h + HDR_OFF_LENGTH);
	if (n < ACPI_HEADER_LEN || n > ACPI_TABLE_MAX_LEN)
		return 0;
	const u8 *t = m->map(m->ctx, phys, n);
	if (!t || !sum_ok(t, n))
		return 0;
	*len = n;
	return t;
}

/* The root table's entries: the XSDT's 64-bit ones when the RSDP (revision 2+) names a sound
 * XSDT, else the RSDT's 32-bit ones (ACPI 6.5 5.2.5.3: the OS uses the XSDT when present). */
static enum acpi_err root_table(const struct acpi_mem *m, u64 rsdp, const u8 **root, u32 *len, unsigned *entry)
{
	const u8 *r = rsdp ? m->map(m->ctx, rsdp, RSDP_V1_LEN) : 0;
	if (!r)
		return ACPI_NO_RSDP;
	if (!sig_eq(r, "RSD PTR ", 8) || !sum_ok(r, RSDP_V1_LEN))
		return ACPI_BAD_RSDP;
	if (r[RSDP_OFF_REVISION] >= 2) {
		const u8 *r2 = m->map(m->ctx, rsdp, RSDP_V2_LEN);
		u32 rlen = r2 ? le_rd32(r2 + RSDP_OFF_LENGTH) : 0;
		const u8 *full = rlen >= RSDP_V2_LEN && rlen <= PAGE_SIZE ? m->map(m->ctx, rsdp, rlen) : 0;
		if (!full || !sum_ok(full, rlen))
			return ACPI_BAD_RSDP;
		*root = table_at(m, le_rd64(full + RSDP_OFF_XSDT), len);
		if (*root && sig_eq(*root, "XSDT", 4)) {
			*entry = 8;
			return ACPI_OK;
		}
	}
	*root = table_at(m, le_rd32(r + RSDP_OFF_RSDT), len);
	if (!*root || !sig_eq(*root, "RSDT", 4))
		return ACPI_BAD_ROOT;
	*entry = 4;
	return ACPI_OK;
}

enum acpi_err acpi_find(const struct acpi_mem *m, u64 rsdp, const char sig[4], u64 *phys, u32 *len)
{
	const u8 *root;
	u32 root_len;
	unsigned esz;
	enum acpi_err e = root_table(m, rsdp, &root, &root_len, &esz);
	if (e)
		return e;
	u32 count = (root_len - ACPI_HEADER_LEN) / esz;
	if (count > ACPI_TABLES_MAX)
		count = ACPI_TABLES_MAX;
	for (u32 i = 0; i < count; i++) {
		const u8 *p = root + ACPI_HEADER_LEN + i * esz;
		u64 a = esz == 8 ? le_rd64(p) : le_rd32(p);
		u32 n;
		const u8 *t = table_at(m, a, &n);
		if (t && sig_eq(t, sig, 4)) {
			*phys = a;
			*len = n;
			return ACPI_OK;
		}
	}
	return ACPI_NOT_FOUND;
}

const char *acpi_err_name(enum acpi_err e)
{
	switch (e) {
	case ACPI_OK: return "ok";
	case ACPI_NO_RSDP: return "no RSDP from the loader";
	case ACPI_BAD_RSDP: return "RSDP signature or checksum wrong";
	case ACPI_BAD_ROOT: return "XSDT/RSDT missing or corrupt";
	case ACPI_NOT_FOUND: return "no such table";
	}
	return "?";
}

/* SPCR's "configured baud rate" codes (SPCR spec, table 3); 0 = as is. */
static u32 spcr_baud(u8 code)
{
	switch (code) {
	case 3: return 9600;
	case 4: return 19200;
	case 6: return 57600;
	case 7: return 115200;
	default: return 0;
	}
}

int acpi_parse_spcr(const u8 *t, u32 len, struct acpi_spcr *out, const char **why)
{
	if (len < SPCR_MIN_LEN || !sig_eq(t, "SPCR", 4)) {
		*why = "SPCR too short";
		return -1;
	}
	u8 type = t[SPCR_OFF_TYPE];
	if (type != SPCR_TYPE_16550 && type != SPCR_TYPE_16450 && type != SPCR_TYPE_16550_GAS) {
		*why = "SPCR names a UART that is not a 16550";
		return -1;
	}
	const u8 *gas = t + SPCR_OFF_BASE;
	u8 space = gas[0], access = gas[GAS_OFF_ACCESS];
	u64 base = le_rd64(gas + GAS_OFF_ADDRESS);
	if (space != GAS_SPACE_MEMORY && space != GAS_SPACE_IO) {
		*why = "SPCR's UART is in an address space other than memory or IO";
		return -1;
	}
	if (!base || (space == GAS_SPACE_IO && base > IO_UART_BASE_MAX)) {
		*why = "SPCR's UART address is invalid";
		return -1;
	}
	bool wide = access == GAS_ACCESS_DWORD || (access == 0 && gas[GAS_OFF_BIT_WIDTH] == GAS_BITS_32);
	if (space == GAS_SPACE_IO)
		wide = false;
	else if (access != 0 && access != GAS_ACCESS_BYTE && access != GAS_ACCESS_DWORD) {
		*why = "SPCR's UART access size is neither byte nor dword";
		return -1;
	}
	*out = (struct acpi_spcr){type, space == GAS_SPACE_MEMORY, base, (u8)(wide ? 4 : 1), (u8)(wide ? 2 : 0),
	                          spcr_baud(t[SPCR_OFF_BAUD])};
	return 0;
}

int acpi_parse_hpet(const u8 *t, u32 len, u64 *base)
{
	if (len < HPET_MIN_LEN || !sig_eq(t, "HPET", 4) || t[HPET_OFF_BASE] != GAS_SPACE_MEMORY)
		return -1;
	*base = le_rd64(t + HPET_OFF_BASE + GAS_OFF_ADDRESS);
	return *base ? 0 : -1;
}

int acpi_parse_fadt_pmtimer(const u8 *t, u32 len, u16 *port, bool *bits32)
{
	if (len < FADT_MIN_LEN || !sig_eq(t, "FACP", 4))
		return -1;
	u64 p = le_rd32(t + FADT_OFF_PM_TMR_BLK);
	if (len >= FADT_X_MIN_LEN && t[FADT_OFF_X_PM_TMR_BLK] == GAS_SPACE_IO) {
		u64 x = le_rd64(t + FADT_OFF_X_PM_TMR_BLK + GAS_OFF_ADDRESS);
		if (x)
			p = x;
	}
	if (!p || p > IO_PMTMR_PORT_MAX)
		return -1;
	*port = (u16)p;
	*bits32 = (le_rd32(t + FADT_OFF_FLAGS) & FADT_FLAG_TMR_VAL_EXT) != 0;
	return 0;
}
