/*
 * libFuzzer harness for guest/mb1.c (with arch/elf.c): the input is a Multiboot1 image, ELF32,
 * ELF64 or a.out kludge. Besides ASan/UBSan findings (the loader reads only the image it was
 * given, writes only through struct guest_mem) it aborts when
 *   - a refusal leaves no message;
 *   - an accepted image's span is empty or outside guest RAM, or its boot information is not
 *     where the layout puts it, or its entry state is not the one of the spec (EAX, EBX, PE).
 */
#include "fuzz_ram.h"

#include "guest/mb1.h"

#define RAM_SIZE (32ULL << 20)
#define ENTRY_CR0_PE 1ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm = fuzz_ram(RAM_SIZE);
	struct mb1_boot b;
	char err[256] = "";
	if (mb1_load(data, size, &gm, "fuzz arg", &b, err, sizeof err)) {
		CHECK(err[0] != 0);
		return 0;
	}
	CHECK(b.load_start < b.load_end && b.load_end <= RAM_SIZE);
	CHECK(b.mbi_addr == MB1_INFO_AREA);
	struct guest_entry_state s;
	mb1_entry_state(&b, &s);
	CHECK(s.rip == b.entry);
	CHECK(s.gpr[0] == MB1_BOOT_MAGIC && s.gpr[3] == b.mbi_addr);
	CHECK(s.cr0 & ENTRY_CR0_PE);
	return 0;
}
