/*
 * libFuzzer harness for guest/linux.c, the bzImage loader. Byte 0 picks the form: odd, the rest
 * of the input is the whole image; even, the image is a well-formed synthetic bzImage (boot
 * protocol 2.15, the layout of tests/unit/test_linux_fixture.h) patched by the rest of the input
 * as (offset low, offset high, value) triples, so that the fuzzer starts past the magic numbers.
 * Byte 1 sets the command line's length, byte 2 the initrd's, byte 3 the guest RAM size.
 * Besides ASan/UBSan findings (reads only inside the image, writes only through guest_mem) it
 * aborts when a refusal leaves no message, or an accepted image's kernel, initrd or command
 * line lies outside guest RAM or its entry point is not the load address + 0x200.
 */
#include "fuzz_ram.h"

#include "guest/linux.h"

#define MIB_BYTES (1ULL << 20)
#define RAM_MAX (64 * MIB_BYTES)
#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 0x3000
#define HDR_END 0x26C
#define ENTRY_OFFSET 0x200
#define OPT_BYTES 4

static uint8_t img[SETUP_SIZE + PM_SIZE];
static uint8_t initrd[4096];
static char cmdline[256];

static void w16(size_t off, uint32_t v) { img[off] = (uint8_t)v, img[off + 1] = (uint8_t)(v >> 8); }
static void w32(size_t off, uint32_t v) { w16(off, v), w16(off + 2, v >> 16); }

static void template_image(void)
{
	memset(img, 0x5A, sizeof img);
	img[LINUX_HDR_SETUP_SECTS] = SETUP_SECTS;
	w32(LINUX_HDR_SYSSIZE, PM_SIZE / 16);
	w16(LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG);
	img[LINUX_HDR_JUMP] = 0xEB;
	img[LINUX_HDR_JUMP + 1] = HDR_END - LINUX_HDR_MAGIC;
	memcpy(img + LINUX_HDR_MAGIC, "HdrS", 4);
	w16(LINUX_HDR_VERSION, 0x020F);
	img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	for (size_t i = 0x210; i < HDR_END; i++)
		if (i != LINUX_HDR_LOADFLAGS)
			img[i] = 0;
	img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	w32(LINUX_HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
	w32(LINUX_HDR_KERNEL_ALIGNMENT, 2 * MIB_BYTES);
	img[LINUX_HDR_RELOCATABLE] = 1;
	w16(LINUX_HDR_XLOADFLAGS, 0x7F);
	w32(LINUX_HDR_CMDLINE_SIZE, 2047);
	w32(LINUX_HDR_PREF_ADDRESS, 16 * MIB_BYTES);
	w32(LINUX_HDR_INIT_SIZE, 8 * MIB_BYTES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < OPT_BYTES)
		return 0;
	size_t clen = data[1], ilen = (size_t)data[2] * 16;
	u64 ram_size = (u64)(8 + data[3] % 57) * MIB_BYTES; /* 8..64 MiB */
	memset(cmdline, 'a', clen);
	cmdline[clen] = 0;
	memset(initrd, 0x11, sizeof initrd);
	const uint8_t *k = img;
	u64 ksize = sizeof img;
	if (data[0] & 1) {
		k = data + OPT_BYTES;
		ksize = size - OPT_BYTES;
	} else {
		template_image();
		for (size_t i = OPT_BYTES; i + 3 <= size; i += 3)
			img[((size_t)data[i] | (size_t)data[i + 1] << 8) % sizeof img] = data[i + 2];
	}
	struct guest_mem gm = fuzz_ram(RAM_MAX);
	gm.size = ram_size;
	struct linux_boot b;
	char err[256] = "";
	if (linux_load(k, ksize, initrd, ilen, clen ? cmdline : NULL, &gm, &b, err, sizeof err)) {
		CHECK(err[0] != 0);
		return 0;
	}
	CHECK(b.kernel_addr + b.kernel_span <= ram_size && b.kernel_size <= b.kernel_span);
	CHECK(b.entry == b.kernel_addr + ENTRY_OFFSET);
	CHECK(b.initrd_size == ilen && (ilen == 0 || b.initrd_addr + ilen <= ram_size));
	CHECK(b.cmdline_len == clen && b.cmdline_addr + clen < ram_size);
	struct guest_entry_state s;
	linux_entry_state(&b, &s);
	CHECK(s.rip == b.entry);
	return 0;
}
