/* The fixture of linux_fixture.h; one copy, linked into each test program that includes it. */
#include "linux_fixture.h"

u16 r16(u64 gpa) { return (u16)(ram.buf[gpa] | ram.buf[gpa + 1] << 8); }

u32 r32(u64 gpa) { return r16(gpa) | (u32)r16(gpa + 2) << 16; }

u64 r64(u64 gpa) { return r32(gpa) | (u64)r32(gpa + 4) << 32; }

u8 *img;
u64 img_size;
void w16(u64 off, u64 v) { img[off] = (u8)v; img[off + 1] = (u8)(v >> 8); }

void w32(u64 off, u64 v) { w16(off, v); w16(off + 2, v >> 16); }

void w64(u64 off, u64 v) { w32(off, v); w32(off + 4, v >> 32); }

u8 pm_byte(u64 i) { return (u8)(i * 7 + 3); }

void build(u64 extra)
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

u8 *rd;
u64 rd_size;
void build_initrd(u64 size)
{
	free(rd);
	rd_size = size;
	rd = malloc(size);
	assert_non_null(rd);
	for (u64 i = 0; i < size; i++)
		rd[i] = (u8)(i * 13 + 1);
}

int setup(void **state)
{
	(void)state;
	ram_init(RAM_DEFAULT, RAM_DEFAULT);
	build(0);
	build_initrd(MIB + 123);
	return 0;
}

u8 *file_k, *file_i; /* Debian's kernel and initrd, when the test reads them */
int teardown(void **state)
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

char load_err[256];
struct linux_boot boot;
int load(const char *cmdline)
{
	return linux_load(img, img_size, rd, rd_size, cmdline, &gm, &boot, load_err, sizeof(load_err));
}

void expect_ok(const char *cmdline)
{
	int rc = load(cmdline);
	if (rc)
		fail_msg("refused: %s", load_err);
	assert_string_equal(load_err, "");
}

void expect_refused(const char *want)
{
	assert_int_equal(load(CMDLINE), -1);
	if (!strstr(load_err, want))
		fail_msg("message \"%s\" lacks \"%s\"", load_err, want);
	assert_int_equal(ram.calls, 0);
	assert_int_equal(boot.entry, 0);
}

void assert_initrd_at(const u8 *data, u64 size, u64 top)
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
