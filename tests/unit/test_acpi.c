/*
 * arch/acpi.c on table blobs (tests/data/acpi/, written by gen_acpi.py there and checked against
 * ACPICA's disassembler, iasl -d): the RSDP -> XSDT/RSDT walk with its checksum and bounds checks,
 * SPCR, HPET and the FADT's PM timer. Each blob is physical memory from BLOB_BASE, RSDP first.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "arch/acpi.h"

#define BLOB_BASE 0xe0000
#define BLOB_MAX 4096
#define RSDP_OFF_CHECKSUM 8
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_XSDT 24
#define HDR_OFF_LENGTH 4
#define HDR_OFF_CHECKSUM 9

static u8 mem[BLOB_MAX];
static size_t mem_len;

static const u8 *blob_map(void *ctx, u64 phys, u64 len)
{
	(void)ctx;
	if (phys < BLOB_BASE || len > mem_len || phys - BLOB_BASE > mem_len - len)
		return NULL;
	return mem + (phys - BLOB_BASE);
}

static const struct acpi_mem m = {NULL, blob_map};

static void load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/acpi/%s", UNIT_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	mem_len = fread(mem, 1, sizeof(mem), f);
	fclose(f);
	assert_true(mem_len > 36);
}

static u32 rd32(size_t off) { return (u32)mem[off] | (u32)mem[off + 1] << 8 | (u32)mem[off + 2] << 16 | (u32)mem[off + 3] << 24; }
static void wr32(size_t off, u32 v)
{
	for (int i = 0; i < 4; i++)
		mem[off + i] = (u8)(v >> (8 * i));
}

/* The offset in mem of the table with this signature (found by the test itself, by scanning). */
static size_t table_off(const char *sig)
{
	for (size_t o = 0; o + 4 <= mem_len; o += 16)
		if (!memcmp(mem + o, sig, 4))
			return o;
	fail_msg("no %s in the blob", sig);
	return 0;
}

static void fix_sum(size_t off, size_t len, size_t sum_at)
{
	u8 s = 0;
	mem[sum_at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (u8)(s + mem[off + i]);
	mem[sum_at] = (u8)-s;
}

static struct acpi_spcr find_spcr(void)
{
	u64 phys;
	u32 len;
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_OK);
	assert_int_equal(len, 80);
	struct acpi_spcr s;
	const char *why = NULL;
	assert_int_equal(acpi_parse_spcr(blob_map(NULL, phys, len), len, &s, &why), 0);
	return s;
}

static void test_spcr_io_through_xsdt(void **state)
{
	(void)state;
	load("spcr_io_xsdt.bin");
	struct acpi_spcr s = find_spcr();
	assert_false(s.mmio);
	assert_int_equal(s.base, 0x2f8);
	assert_int_equal(s.reg_width, 1);
	assert_int_equal(s.reg_shift, 0);
	assert_int_equal(s.baud, 115200);
	assert_int_equal(s.interface_type, SPCR_TYPE_16550);
}

static void test_spcr_mmio32_through_rsdt(void **state)
{
	(void)state;
	load("spcr_mmio32_rsdt.bin");
	struct acpi_spcr s = find_spcr();
	assert_true(s.mmio);
	assert_int_equal(s.base, 0xfe032000);
	assert_int_equal(s.reg_width, 4);
	assert_int_equal(s.reg_shift, 2);
	assert_int_equal(s.baud, 0); /* "as is": the firmware's divisor is kept */
	assert_int_equal(s.interface_type, SPCR_TYPE_16550_GAS);
}

static void test_no_spcr(void **state)
{
	(void)state;
	load("no_spcr.bin");
	u64 phys;
	u32 len;
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_NOT_FOUND);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "HPET", &phys, &len), ACPI_NOT_FOUND);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "FACP", &phys, &len), ACPI_OK);
}

static void test_rsdp_refusals(void **state)
{
	(void)state;
	u64 phys;
	u32 len;
	load("spcr_io_xsdt.bin");
	assert_int_equal(acpi_find(&m, 0, "SPCR", &phys, &len), ACPI_NO_RSDP);
	assert_int_equal(acpi_find(&m, BLOB_BASE + BLOB_MAX, "SPCR", &phys, &len), ACPI_NO_RSDP);
	mem[0] = 'X';
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_BAD_RSDP);
	load("spcr_io_xsdt.bin");
	mem[RSDP_OFF_CHECKSUM] ^= 1;
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_BAD_RSDP);
	load("spcr_io_xsdt.bin");
	mem[33] ^= 1; /* the extended checksum covers bytes 0-35 */
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_BAD_RSDP);
}

/* A corrupt XSDT: the RSDT is used (both name the same tables); both corrupt: refused. */
static void test_root_table_fallback_and_refusal(void **state)
{
	(void)state;
	u64 phys;
	u32 len;
	load("spcr_io_xsdt.bin");
	size_t x = rd32(RSDP_OFF_XSDT) - BLOB_BASE, r = rd32(RSDP_OFF_RSDT) - BLOB_BASE;
	mem[x + HDR_OFF_CHECKSUM] ^= 0x40;
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_OK);
	mem[r + 40] ^= 1; /* an entry of the RSDT: its checksum no longer holds */
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_BAD_ROOT);
	load("spcr_io_xsdt.bin");
	wr32(x + HDR_OFF_LENGTH, 0xfffffff0); /* absurd length: bounded, not read */
	wr32(r + HDR_OFF_LENGTH, 0x7fffffff);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_BAD_ROOT);
}

/* Tables that fail their own checks are skipped, never returned. */
static void test_bad_tables_are_skipped(void **state)
{
	(void)state;
	u64 phys;
	u32 len;
	load("spcr_io_xsdt.bin");
	size_t s = table_off("SPCR");
	mem[s + 50] ^= 1;
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_NOT_FOUND);
	load("spcr_io_xsdt.bin");
	wr32(s + HDR_OFF_LENGTH, BLOB_MAX * 2); /* runs past readable memory */
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_NOT_FOUND);
	load("spcr_io_xsdt.bin");
	wr32(s + HDR_OFF_LENGTH, 20); /* shorter than a header */
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_NOT_FOUND);
	/* an XSDT entry pointing outside memory, checksum fixed: skipped, the others still found */
	load("spcr_io_xsdt.bin");
	size_t x = rd32(RSDP_OFF_XSDT) - BLOB_BASE;
	wr32(x + 36, 0x12345678);
	fix_sum(x, rd32(x + HDR_OFF_LENGTH), x + HDR_OFF_CHECKSUM);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "FACP", &phys, &len), ACPI_NOT_FOUND);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "SPCR", &phys, &len), ACPI_OK);
}

static void test_spcr_refusals(void **state)
{
	(void)state;
	static const struct {
		size_t off;
		u8 value;
	} bad[] = {
		{36, 0x03},  /* ARM PL011 */
		{36, 0x0e},  /* ARM SBSA */
		{40, 2},     /* GAS in PCI configuration space */
		{43, 2},     /* MMIO with word access (after the space is made memory below) */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		load("spcr_mmio32_rsdt.bin");
		size_t s = table_off("SPCR");
		mem[s + bad[i].off] = bad[i].value;
		struct acpi_spcr out;
		const char *why = NULL;
		assert_int_equal(acpi_parse_spcr(mem + s, 80, &out, &why), -1);
		assert_non_null(why);
	}
	load("spcr_io_xsdt.bin");
	size_t s = table_off("SPCR");
	struct acpi_spcr out;
	const char *why = NULL;
	assert_int_equal(acpi_parse_spcr(mem + s, 79, &out, &why), -1); /* too short */
	wr32(s + 44, 0);
	assert_int_equal(acpi_parse_spcr(mem + s, 80, &out, &why), -1); /* no address */
	wr32(s + 44, 0xfffc);
	assert_int_equal(acpi_parse_spcr(mem + s, 80, &out, &why), -1); /* IO ports past 0xffff */
}

static void test_hpet_and_pm_timer(void **state)
{
	(void)state;
	u64 phys, base;
	u32 len;
	u16 port;
	bool wide;
	load("spcr_io_xsdt.bin");
	assert_int_equal(acpi_find(&m, BLOB_BASE, "HPET", &phys, &len), ACPI_OK);
	assert_int_equal(acpi_parse_hpet(blob_map(NULL, phys, len), len, &base), 0);
	assert_int_equal(base, 0xfed00000);
	assert_int_equal(acpi_find(&m, BLOB_BASE, "FACP", &phys, &len), ACPI_OK);
	assert_int_equal(acpi_parse_fadt_pmtimer(blob_map(NULL, phys, len), len, &port, &wide), 0);
	assert_int_equal(port, 0x608);
	assert_true(wide);
	load("spcr_mmio32_rsdt.bin");
	assert_int_equal(acpi_find(&m, BLOB_BASE, "FACP", &phys, &len), ACPI_OK);
	assert_int_equal(acpi_parse_fadt_pmtimer(blob_map(NULL, phys, len), len, &port, &wide), 0);
	assert_int_equal(port, 0xb008);
	assert_false(wide);
	/* no timer block at all */
	u8 *f = mem + (phys - BLOB_BASE);
	memset(f + 76, 0, 4);
	assert_int_equal(acpi_parse_fadt_pmtimer(f, len, &port, &wide), -1);
	assert_int_equal(acpi_parse_fadt_pmtimer(f, 100, &port, &wide), -1); /* too short for the flags */
}

/* The core's accessor: identity below 4 GiB, refused at 0, across the top, and for huge lengths
 * (only the address is computed here, nothing is read). */
static void test_identity_map_bounds(void **state)
{
	(void)state;
	assert_null(acpi_identity_map(NULL, 0, 1));
	assert_ptr_equal(acpi_identity_map(NULL, 0xe0000, 36), (const u8 *)(uintptr_t)0xe0000);
	assert_non_null(acpi_identity_map(NULL, ACPI_IDENTITY_TOP - 16, 16));
	assert_null(acpi_identity_map(NULL, ACPI_IDENTITY_TOP - 16, 17));
	assert_null(acpi_identity_map(NULL, 0x1000, ACPI_IDENTITY_TOP * 2));
	assert_null(acpi_identity_map(NULL, UINT64_MAX - 4, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spcr_io_through_xsdt),
		cmocka_unit_test(test_spcr_mmio32_through_rsdt),
		cmocka_unit_test(test_no_spcr),
		cmocka_unit_test(test_rsdp_refusals),
		cmocka_unit_test(test_root_table_fallback_and_refusal),
		cmocka_unit_test(test_bad_tables_are_skipped),
		cmocka_unit_test(test_spcr_refusals),
		cmocka_unit_test(test_hpet_and_pm_timer),
		cmocka_unit_test(test_identity_map_bounds),
	};
	return UNIT_RUN(tests);
}
