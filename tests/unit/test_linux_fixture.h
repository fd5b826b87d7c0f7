/*
 * The fixture of test_linux.c and test_linux_entry.c: the includes, constants, fake
 * platform and helpers the tests of both use. Each file is its own test program with its own
 * copy of this state; the helpers are static inline so that neither warns of unused ones.
 */
#ifndef TESTS_UNIT_TEST_LINUX_FIXTURE_H
#define TESTS_UNIT_TEST_LINUX_FIXTURE_H

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "guest/linux.h"
#include "guest/mb1.h"

/* ---- guest RAM for the tests: a malloc'd buffer behind the guest_mem callbacks ---- */

#define RAM_FILL 0xCC /* what RAM holds before the load: shows which bytes the loader wrote */

struct ram {
	u8 *buf;    /* NULL: writes are only recorded (for RAM sizes too big to back) */
	u64 size;   /* guest RAM size the loader is told */
	int calls, fail_at;
	u64 lo, hi; /* the span of all writes */
};

static inline bool ram_ok(const struct ram *r, u64 gpa, u64 len)
{
	u64 end = gpa + len;
	if (end < gpa || end > r->size)
		return false;
	return !(gpa < MB1_HIGH_START && end > MB1_HOLE_START);
}

static inline int ram_touch(struct ram *r, u64 gpa, u64 len)
{
	if (++r->calls == r->fail_at || !ram_ok(r, gpa, len))
		return -1;
	if (gpa < r->lo)
		r->lo = gpa;
	if (gpa + len > r->hi)
		r->hi = gpa + len;
	return 0;
}

static inline int ram_write(void *ctx, u64 gpa, const void *src, u64 len)
{
	struct ram *r = ctx;
	if (ram_touch(r, gpa, len))
		return -1;
	if (r->buf)
		memcpy(r->buf + gpa, src, len);
	return 0;
}

static inline int ram_fill(void *ctx, u64 gpa, u8 byte, u64 len)
{
	struct ram *r = ctx;
	if (ram_touch(r, gpa, len))
		return -1;
	if (r->buf)
		memset(r->buf + gpa, byte, len);
	return 0;
}

#define RAM_DEFAULT (64 * MIB)
static struct ram ram;
static struct loader_ram gm;

static inline void ram_init(u64 size, bool backed)
{
	free(ram.buf);
	ram = (struct ram){.buf = backed ? malloc(size) : NULL, .size = size, .lo = ~0ULL};
	if (backed) {
		assert_non_null(ram.buf);
		memset(ram.buf, RAM_FILL, size);
	}
	gm = (struct loader_ram){.ctx = &ram, .write = ram_write, .fill = ram_fill, .size = size};
}

static inline u16 r16(u64 gpa) { return (u16)(ram.buf[gpa] | ram.buf[gpa + 1] << 8); }
static inline u32 r32(u64 gpa) { return r16(gpa) | (u32)r16(gpa + 2) << 16; }
static inline u64 r64(u64 gpa) { return r32(gpa) | (u64)r32(gpa + 4) << 32; }

/* ---- a synthetic bzImage: boot sector + 4 setup sectors, then the protected-mode kernel ---- */

#define T_SETUP_SECTS 4
#define T_SETUP_SIZE ((T_SETUP_SECTS + 1) * 512)
#define T_PM_SIZE 0x3000 /* protected-mode bytes (syssize * 16) */
#define T_INIT_SIZE (8 * MIB)
#define T_PREF (16 * MIB)
#define T_ALIGN (2 * MIB)
#define T_HDR_END 0x26C /* through kernel_info_offset, as protocol 2.15 */

static u8 *img;
static u64 img_size;

static inline void w16(u64 off, u64 v) { img[off] = (u8)v; img[off + 1] = (u8)(v >> 8); }
static inline void w32(u64 off, u64 v) { w16(off, v); w16(off + 2, v >> 16); }
static inline void w64(u64 off, u64 v) { w32(off, v); w32(off + 4, v >> 32); }
static inline u8 pm_byte(u64 i) { return (u8)(i * 7 + 3); }

/* A well-formed image with `extra` bytes past the kernel (a signature, say). */
static inline void build(u64 extra)
{
	free(img);
	img_size = T_SETUP_SIZE + T_PM_SIZE + extra;
	img = calloc(1, img_size);
	assert_non_null(img);
	for (u64 i = 0; i < 0x1F1; i++)
		img[i] = 0x5A; /* boot sector code: must never reach boot_params */
	img[0x1EF] = 0xFF; /* the sentinel a loader copying the whole sector would carry over */
	img[LINUX_HDR_SETUP_SECTS] = T_SETUP_SECTS;
	w32(LINUX_HDR_SYSSIZE, T_PM_SIZE / 16);
	w16(LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG);
	img[LINUX_HDR_JUMP] = 0xEB;
	img[LINUX_HDR_JUMP + 1] = T_HDR_END - LINUX_HDR_MAGIC;
	memcpy(img + LINUX_HDR_MAGIC, "HdrS", 4);
	w16(LINUX_HDR_VERSION, 0x020F);
	img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	w32(0x214, 0x100000); /* code32_start */
	w16(LINUX_HDR_HEAP_END_PTR, 0x1234);
	w32(LINUX_HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
	w32(LINUX_HDR_KERNEL_ALIGNMENT, T_ALIGN);
	img[LINUX_HDR_RELOCATABLE] = 1;
	img[0x235] = 21; /* min_alignment */
	w16(LINUX_HDR_XLOADFLAGS, 0x7F);
	w32(LINUX_HDR_CMDLINE_SIZE, 2047);
	w32(LINUX_HDR_PAYLOAD_OFFSET, 0x300);
	w32(LINUX_HDR_PAYLOAD_LENGTH, 0x1000);
	w64(LINUX_HDR_PREF_ADDRESS, T_PREF);
	w32(LINUX_HDR_INIT_SIZE, T_INIT_SIZE);
	w32(0x264, 0x190);  /* handover_offset */
	w32(0x268, 0x2000); /* kernel_info_offset */
	for (u64 i = T_HDR_END; i < T_SETUP_SIZE; i++)
		img[i] = 0x6B; /* setup code */
	for (u64 i = 0; i < T_PM_SIZE + extra; i++)
		img[T_SETUP_SIZE + i] = pm_byte(i);
}

static u8 *rd;
static u64 rd_size;
static inline void build_initrd(u64 size)
{
	free(rd);
	rd_size = size;
	rd = malloc(size);
	assert_non_null(rd);
	for (u64 i = 0; i < size; i++)
		rd[i] = (u8)(i * 13 + 1);
}

static inline int setup(void **state)
{
	(void)state;
	ram_init(RAM_DEFAULT, true);
	build(0);
	build_initrd(MIB + 123);
	return 0;
}

static u8 *file_k, *file_i; /* Debian's kernel and initrd, when the test reads them */

static inline int teardown(void **state)
{
	(void)state;
	free(ram.buf);
	free(img);
	free(rd);
	free(file_k);
	free(file_i);
	ram.buf = NULL;
	img = rd = file_k = file_i = NULL;
	return 0;
}

static char err[256];
static struct linux_boot boot;
#define CMDLINE "console=ttyS0 nolapic microhv.test=1"

static inline int load(const char *cmdline)
{
	return linux_load(img, img_size, rd, rd_size, cmdline, &gm, &boot, err, sizeof(err));
}

static inline void expect_ok(const char *cmdline)
{
	int rc = load(cmdline);
	if (rc)
		fail_msg("refused: %s", err);
	assert_string_equal(err, "");
}

/* A refusal: the message contains want, and guest RAM was not touched at all. */
static inline void expect_refused(const char *want)
{
	assert_int_equal(load(CMDLINE), -1);
	if (!strstr(err, want))
		fail_msg("message \"%s\" lacks \"%s\"", err, want);
	assert_int_equal(ram.calls, 0);
	assert_int_equal(boot.entry, 0);
}

/* The initrd (data, size) where the protocol allows it: page-aligned, below top, above 1 MiB,
 * clear of the kernel's init_size span, and its bytes in place. */
static inline void assert_initrd_at(const u8 *data, u64 size, u64 top)
{
	assert_int_equal(boot.initrd_size, size);
	assert_int_equal(boot.initrd_addr % PAGE_SIZE, 0);
	assert_true(boot.initrd_addr + size <= top);
	assert_true(boot.initrd_addr >= MIB);
	bool clear = boot.initrd_addr + size <= boot.kernel_addr ||
		     boot.initrd_addr >= boot.kernel_addr + boot.kernel_span;
	assert_true(clear);
	if (ram.buf)
		assert_memory_equal(ram.buf + boot.initrd_addr, data, size);
}

#endif
