/*
 * guest/linux.c: the page tables, GDT and entry state it sets up, every refusal of a bad
 * image, initrd or command line, and Debian's own kernel when scripts/linux-guest.sh has fetched it.
 * The fixture, shared with test_linux.c, is linux_fixture.{h,c}.
 */
#include "linux_fixture.h"

/* ---- page tables, GDT, entry state ---- */

/* Walks the 4-level tables from CR3 as the processor would; returns the physical address. */
static u64 walk(u64 cr3, u64 va)
{
	u64 pml4e = r64(cr3 + 8 * ((va >> 39) & 511));
	assert_true(pml4e & PTE_P);
	u64 pdpte = r64((pml4e & ~0xFFFULL) + 8 * ((va >> 30) & 511));
	assert_true(pdpte & PTE_P);
	assert_false(pdpte & PTE_PS);
	u64 pde = r64((pdpte & ~0xFFFULL) + 8 * ((va >> 21) & 511));
	assert_true(pde & PTE_P);
	assert_true(pde & PTE_RW);
	assert_true(pde & PTE_PS);
	return (pde & ~(2 * MIB - 1) & 0x000FFFFFFFFFFFFFULL) + (va & (2 * MIB - 1));
}

static void test_page_tables_identity(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	struct guest_entry_state s;
	linux_entry_state(&boot, &s);
	assert_int_equal(s.cr3, LINUX_PT_ADDR);
	const u64 probe[] = {0,
			     LINUX_BOOT_PARAMS,
			     LINUX_CMDLINE_ADDR + 5,
			     LINUX_GDT_ADDR,
			     boot.kernel_addr,
			     boot.entry,
			     boot.kernel_addr + boot.kernel_span - 1,
			     boot.initrd_addr,
			     boot.initrd_addr + rd_size - 1,
			     RAM_DEFAULT - 1,
			     GIB + 0x123456,
			     4 * GIB - 1};
	for (unsigned i = 0; i < ARRAY_SIZE(probe); i++)
		assert_int_equal(walk(s.cr3, probe[i]), probe[i]);
	/* Only PML4[0] and PDPT[0..3] are present: nothing above 4 GiB is mapped. */
	for (unsigned i = 1; i < 512; i++)
		assert_int_equal(r64(LINUX_PT_ADDR + 8 * i), 0);
	for (unsigned i = LINUX_PT_PDS; i < 512; i++)
		assert_int_equal(r64(LINUX_PT_ADDR + PAGE_SIZE + 8 * i), 0);
}

/* Decodes a GDT code/data descriptor into base, limit (scaled by G) and VMX access rights. */
static void decode_desc(u64 d, u64 *base, u32 *limit, u32 *ar)
{
	*base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24;
	u32 raw = (u32)((d & 0xFFFF) | ((d >> 48) & 0xF) << 16);
	*ar = (u32)((d >> 40) & 0xFF) | (u32)((d >> 52) & 0xF) << 12;
	*limit = (*ar & VCPU_AR_G) ? raw << 12 | 0xFFF : raw;
}

static void test_gdt_descriptors(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	struct guest_entry_state s;
	linux_entry_state(&boot, &s);
	assert_int_equal(s.gdtr.base, LINUX_GDT_ADDR);
	assert_int_equal(s.gdtr.limit, LINUX_GDT_LIMIT);
	assert_int_equal(r64(LINUX_GDT_ADDR), 0);
	u64 base;
	u32 limit, ar;
	/* __BOOT_CS: 64-bit code, execute/read, flat; matches CS in the entry state. */
	decode_desc(r64(LINUX_GDT_ADDR + LINUX_SEL_CS), &base, &limit, &ar);
	assert_int_equal(base, 0);
	assert_int_equal(limit, 0xFFFFFFFFu);
	assert_int_equal(ar, s.seg[VCPU_CS].ar);
	assert_int_equal(ar & 0xF, VCPU_AR_TYPE_CODE_RX_ACCESSED);
	assert_true(ar & VCPU_AR_L);
	assert_false(ar & VCPU_AR_DB); /* L = 1 needs D = 0 */
	assert_true(ar & VCPU_AR_S);
	assert_true(ar & VCPU_AR_P);
	assert_int_equal((ar >> VCPU_AR_DPL_SHIFT) & 3, 0);
	/* __BOOT_DS: read/write data, flat; matches DS, ES, SS. */
	decode_desc(r64(LINUX_GDT_ADDR + LINUX_SEL_DS), &base, &limit, &ar);
	assert_int_equal(base, 0);
	assert_int_equal(limit, 0xFFFFFFFFu);
	assert_int_equal(ar & 0xF, VCPU_AR_TYPE_DATA_RW_ACCESSED);
	assert_int_equal(ar, s.seg[VCPU_DS].ar);
	assert_int_equal(ar, s.seg[VCPU_ES].ar);
	assert_int_equal(ar, s.seg[VCPU_SS].ar);
	/* The TSS descriptor (16 bytes) says what TR says. */
	u64 lo = r64(LINUX_GDT_ADDR + LINUX_SEL_TSS), hi = r64(LINUX_GDT_ADDR + LINUX_SEL_TSS + 8);
	decode_desc(lo, &base, &limit, &ar);
	base |= hi << 32;
	assert_int_equal(base, s.tr.base);
	assert_int_equal(limit, s.tr.limit);
	assert_int_equal(ar, s.tr.ar);
	assert_int_equal(ar & 0x1F, VCPU_AR_TYPE_TSS64_BUSY); /* S = 0: a system descriptor */
	assert_int_equal(r16(LINUX_TSS_ADDR + LINUX_TSS_IOMAP_FIELD), LINUX_TSS_LIMIT + 1);
	assert_true(LINUX_SEL_TSS + 16 <= LINUX_GDT_LIMIT + 1);
}

static void test_entry_state(void **state)
{
	(void)state;
	expect_ok(CMDLINE);
	struct guest_entry_state s;
	memset(&s, 0xAB, sizeof(s));
	linux_entry_state(&boot, &s);
	assert_int_equal(s.cr0, CR0_PE | CR0_ET | CR0_PG);
	assert_int_equal(s.cr4, CR4_PAE);
	assert_int_equal(s.efer, EFER_LME | EFER_LMA);
	assert_int_equal(s.rip, T_PREF + 0x200);
	assert_int_equal(s.gpr[VCPU_RSI], LINUX_BOOT_PARAMS);
	assert_int_equal(s.rflags, 2);
	assert_int_equal(s.dr7, GUEST_DR7_INIT);
	assert_int_equal(s.seg[VCPU_CS].sel, 0x10);
	assert_true(s.seg[VCPU_CS].ar & VCPU_AR_L);
	assert_false(s.seg[VCPU_CS].ar & VCPU_AR_DB);
	for (unsigned i = 0; i < VCPU_NSEGS; i++)
		if (i != VCPU_CS)
			assert_int_equal(s.seg[i].sel, 0x18);
	assert_int_equal(s.tr.sel, LINUX_SEL_TSS);
	assert_false(s.tr.ar & VCPU_AR_UNUSABLE);
	assert_true(s.ldtr.ar & VCPU_AR_UNUSABLE);
	assert_int_equal(s.idtr.limit, 0);
	/* The stack: 16-byte aligned, in free low RAM, below boot_params and above the GDT page. */
	u64 rsp = s.gpr[VCPU_RSP];
	assert_int_equal(rsp % 16, 0);
	assert_true(rsp <= LINUX_BOOT_PARAMS);
	assert_true(rsp - PAGE_SIZE >= LINUX_GDT_ADDR + PAGE_SIZE);
	for (u64 a = rsp - PAGE_SIZE; a < rsp; a++)
		assert_int_equal(ram.buf[a], RAM_FILL); /* the loader put nothing there */
	for (unsigned r = 0; r < VCPU_NREGS; r++)
		if (r != VCPU_RSI && r != VCPU_RSP)
			assert_int_equal(s.gpr[r], 0);
}

/* The fixed areas do not overlap one another and stay below 1 MiB, clear of the EBDA. */
static void test_layout_disjoint(void **state)
{
	(void)state;
	const struct {
		u64 start, end;
	} a[] = {
		{LINUX_GDT_ADDR, LINUX_GDT_ADDR + PAGE_SIZE},
		{LINUX_STACK_TOP - PAGE_SIZE, LINUX_STACK_TOP},
		{LINUX_BOOT_PARAMS, LINUX_BOOT_PARAMS + LINUX_BP_SIZE},
		{LINUX_PT_ADDR, LINUX_PT_ADDR + LINUX_PT_SIZE},
		{LINUX_CMDLINE_ADDR, LINUX_CMDLINE_ADDR + LINUX_CMDLINE_AREA},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(a); i++) {
		assert_true(a[i].end <= MB1_LOW_AVAILABLE_END);
		for (unsigned j = i + 1; j < ARRAY_SIZE(a); j++)
			assert_true(a[i].end <= a[j].start || a[j].end <= a[i].start);
	}
	assert_true(LINUX_TSS_ADDR + LINUX_TSS_LIMIT < LINUX_GDT_ADDR + PAGE_SIZE);
	assert_true(LINUX_TSS_ADDR >= LINUX_GDT_ADDR + LINUX_GDT_LIMIT + 1);
}

/* ---- refusals ---- */

static void test_refuses_empty(void **state)
{
	(void)state;
	img_size = 0;
	expect_refused("kernel image: the file is empty");
}

static void test_refuses_truncated_file(void **state)
{
	(void)state;
	img_size = 0x100;
	expect_refused("kernel image: truncated: 256 bytes cannot hold a setup header");
	img_size = 0x250; /* HdrS there, but the header runs to 0x26C */
	expect_refused("kernel image: truncated: setup header ends at 0x26c, file has 592 bytes");
}

static void test_refuses_setup_beyond_file(void **state)
{
	(void)state;
	img[LINUX_HDR_SETUP_SECTS] = 200;
	expect_refused("kernel image: truncated: setup says 102912 bytes (setup_sects 200), file has 14848");
}

static void test_setup_sects_zero_means_four(void **state)
{
	(void)state;
	img[LINUX_HDR_SETUP_SECTS] = 0;
	expect_ok(CMDLINE);
	assert_memory_equal(ram.buf + T_PREF, img + T_SETUP_SIZE, T_PM_SIZE);
}

static void test_refuses_truncated_kernel(void **state)
{
	(void)state;
	img_size -= 16;
	expect_refused("kernel image: truncated: syssize says the protected-mode kernel has 12288 bytes after "
		       "the 2560-byte setup, file has 12272");
}

static void test_refuses_no_protected_mode_part(void **state)
{
	(void)state;
	img_size = T_SETUP_SIZE;
	expect_refused("file has 0");
	img_size = T_SETUP_SIZE + T_PM_SIZE;
	w32(LINUX_HDR_SYSSIZE, 0);
	expect_refused("kernel image: the protected-mode kernel has zero length (syssize 0)");
	w32(LINUX_HDR_SYSSIZE, 0x200 / 16);
	expect_refused("has no 64-bit entry at +0x200");
}

static void test_refuses_bad_boot_flag(void **state)
{
	(void)state;
	w16(LINUX_HDR_BOOT_FLAG, 0x1234);
	expect_refused("kernel image: bad setup header (boot_flag 0x1234 at 0x1fe, expected 0xaa55)");
}

static void test_refuses_no_hdrs(void **state)
{
	(void)state;
	memcpy(img + LINUX_HDR_MAGIC, "HdrZ", 4);
	expect_refused("kernel image: bad setup header (no HdrS signature at 0x202)");
	assert_null(strstr(load_err, "Multiboot"));
}

static void test_refuses_multiboot_image(void **state)
{
	(void)state;
	/* A Multiboot ELF, as guest/tests builds them: ELF magic, a Multiboot header. */
	memset(img, 0, img_size);
	memcpy(img, "\x7f" "ELF", 4);
	w32(0x1000, MB1_HEADER_MAGIC);
	expect_refused("kernel image: bad setup header (no HdrS signature at 0x202) (a Multiboot ELF image");
	memcpy(img, "\0\0\0\0", 4); /* an a.out-kludge image: no ELF magic */
	expect_refused("(a Multiboot image: boot it as a Multiboot guest)");
}

static void test_refuses_elf_vmlinux(void **state)
{
	(void)state;
	memset(img, 0, img_size);
	memcpy(img, "\x7f" "ELF", 4);
	expect_refused("(an ELF file: an uncompressed vmlinux?");
}

static void test_refuses_old_protocol(void **state)
{
	(void)state;
	w16(LINUX_HDR_VERSION, 0x0204);
	expect_refused("kernel image: boot protocol 2.04 is too old (need 2.12 for the 64-bit entry)");
	w16(LINUX_HDR_VERSION, 0x020B);
	expect_refused("boot protocol 2.11 is too old");
	w16(LINUX_HDR_VERSION, 0x020C);
	expect_ok(CMDLINE);
}

static void test_refuses_no_xlf_kernel_64(void **state)
{
	(void)state;
	w16(LINUX_HDR_XLOADFLAGS, 0x7E);
	expect_refused("kernel image: no 64-bit entry (xloadflags 0x007e lacks XLF_KERNEL_64");
}

static void test_refuses_zimage(void **state)
{
	(void)state;
	img[LINUX_HDR_LOADFLAGS] = 0;
	expect_refused("lacks LOADED_HIGH");
}

static void test_refuses_bad_header_end(void **state)
{
	(void)state;
	img[LINUX_HDR_JUMP + 1] = 0x40; /* the header would end at 0x242, before pref_address */
	expect_refused("kernel image: bad setup header (it ends at 0x242");
	img[LINUX_HDR_JUMP + 1] = 0xA0; /* 0x2A2: past the setup_header's room in boot_params */
	expect_refused("it ends at 0x2a2");
}

static void test_refuses_payload_beyond_kernel(void **state)
{
	(void)state;
	w32(LINUX_HDR_PAYLOAD_LENGTH, T_PM_SIZE);
	expect_refused("kernel image: payload [0x300, 0x3300) lies beyond the 12288-byte protected-mode kernel");
}

static void test_refuses_small_init_size(void **state)
{
	(void)state;
	w32(LINUX_HDR_INIT_SIZE, T_PM_SIZE - 16);
	expect_refused("kernel image: init_size 0x2ff0 is smaller than the protected-mode kernel (0x3000 bytes)");
}

static void test_refuses_bad_alignment(void **state)
{
	(void)state;
	w32(LINUX_HDR_KERNEL_ALIGNMENT, 0x300000);
	expect_refused("kernel image: kernel_alignment 0x300000 is not a power of two");
}

static void test_refuses_kernel_too_big(void **state)
{
	(void)state;
	ram_init(8 * MIB, 8 * MIB);
	expect_refused("kernel image: needs 8 MiB at 0x1000000 (or 0x200000 relocated), guest RAM is 8 MiB");
	/* Not relocatable: pref_address or nothing. */
	ram_init(20 * MIB, 20 * MIB);
	img[LINUX_HDR_RELOCATABLE] = 0;
	expect_refused("kernel image: needs 8 MiB at 0x1000000 (not relocatable), guest RAM is 20 MiB");
	ram_init(24 * MIB, 24 * MIB);
	expect_ok(CMDLINE); /* exactly enough */
	assert_int_equal(boot.kernel_addr, T_PREF);
}

static void test_refuses_initrd_too_big(void **state)
{
	(void)state;
	build_initrd(60 * MIB);
	expect_refused("initrd: 60 MiB does not fit below 0x4000000 in 64 MiB of guest RAM (the kernel takes "
		       "[0x1000000, 0x1800000))");
	/* initrd_addr_max bounds it even where RAM would hold it. */
	build_initrd(16 * MIB); /* 4 MiB above the kernel, 15 MiB between 1 MiB and it */
	w32(LINUX_HDR_INITRD_ADDR_MAX, 28 * MIB - 1);
	expect_refused("initrd: 16 MiB does not fit below 0x1c00000 in 64 MiB of guest RAM");
}

static void test_refuses_long_cmdline(void **state)
{
	(void)state;
	w32(LINUX_HDR_CMDLINE_SIZE, 16);
	assert_int_equal(load("0123456789abcdefg"), -1);
	assert_string_equal(load_err, "kernel command line: 17 bytes, the kernel takes at most 16 (cmdline_size)");
	assert_int_equal(ram.calls, 0);
	/* A kernel that takes more than the loader's area: the area bounds it. */
	w32(LINUX_HDR_CMDLINE_SIZE, 0x100000);
	char *big = malloc(LINUX_CMDLINE_AREA + 1);
	assert_non_null(big);
	memset(big, 'x', LINUX_CMDLINE_AREA);
	big[LINUX_CMDLINE_AREA] = 0;
	assert_int_equal(load(big), -1);
	free(big);
	assert_non_null(strstr(load_err, "kernel command line: 65536 bytes, at most 65535 fit at 0x20000"));
	assert_int_equal(ram.calls, 0);
}

static void test_refuses_tiny_ram(void **state)
{
	(void)state;
	ram_init(MIB, MIB);
	expect_refused("guest RAM: 1 MiB is too small for a Linux guest");
}

static void test_reports_write_failures(void **state)
{
	(void)state;
	/* Fail each write in turn: every one is reported, none passes silently. */
	for (int n = 1;; n++) {
		ram_init(32 * MIB, 32 * MIB);
		ram.fail_at = n;
		int rc = load(CMDLINE);
		if (rc == 0) {
			assert_true(n > 5);
			break;
		}
		if (!strstr(load_err, "guest RAM: writing"))
			fail_msg("write %d: \"%s\"", n, load_err);
	}
}

/* ---- Debian's kernel, when scripts/linux-guest.sh has fetched it ---- */

static u8 *slurp(const char *path, u64 *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	u8 *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*size = (u64)n;
	return b;
}

#define LINUX_DIR UNIT_DATA_DIR "/../../build/linux/"

/* build/linux/vmlinuz, or $MICROHV_LINUX_KERNEL. */
static const char *kernel_path(void)
{
	const char *p = getenv("MICROHV_LINUX_KERNEL");
	return p && *p ? p : LINUX_DIR "vmlinuz";
}

static void test_debian_kernel(void **state)
{
	(void)state;
	u64 ks = 0, is = 0;
	u8 *k = file_k = slurp(kernel_path(), &ks);
	assert_non_null(k); /* main() runs this test only when the file is there */
	u8 *i = file_i = slurp(LINUX_DIR "initrd.img", &is);
	ram_init(256 * MIB, 256 * MIB);
	int rc = linux_load(k, ks, i, i ? is : 0, "console=ttyS0 microhv.test=1", &gm, &boot, load_err, sizeof(load_err));
	if (rc)
		fail_msg("Debian's kernel refused: %s", load_err);
	printf("# Debian kernel: protocol %u.%02u, %llu bytes at 0x%llx, init_size 0x%llx, initrd %llu bytes at 0x%llx\n",
	       boot.version >> 8, boot.version & 0xFF, (unsigned long long)boot.kernel_size,
	       (unsigned long long)boot.kernel_addr, (unsigned long long)boot.kernel_span,
	       (unsigned long long)boot.initrd_size, (unsigned long long)boot.initrd_addr);
	assert_true(boot.version >= LINUX_VERSION_MIN);
	assert_int_equal(boot.kernel_addr, boot.pref_address);
	assert_int_equal(boot.entry, boot.kernel_addr + 0x200);
	u64 setup = (u64)((k[0x1F1] ? k[0x1F1] : 4) + 1) * 512;
	assert_memory_equal(ram.buf + boot.kernel_addr, k + setup, boot.kernel_size);
	assert_memory_equal(ram.buf + LINUX_BOOT_PARAMS + LINUX_HDR_MAGIC, "HdrS", 4);
	if (i)
		assert_initrd_at(i, is, 256 * MIB);
	/* The smallest RAM that holds it: init_size from 2 MiB, relocated. */
	ram_init(boot.kernel_span + 2 * MIB + MIB, 0);
	assert_int_equal(linux_load(k, ks, NULL, 0, NULL, &gm, &boot, load_err, sizeof(load_err)), 0);
	assert_true(boot.relocated);
	ram_init(64 * MIB, 0);
	assert_int_equal(linux_load(k, ks, NULL, 0, NULL, &gm, &boot, load_err, sizeof(load_err)), -1);
	assert_non_null(strstr(load_err, "kernel image: needs 64 MiB at 0x1000000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_page_tables_identity),
		T(test_gdt_descriptors),
		T(test_entry_state),
		T(test_layout_disjoint),
		T(test_refuses_empty),
		T(test_refuses_truncated_file),
		T(test_refuses_setup_beyond_file),
		T(test_setup_sects_zero_means_four),
		T(test_refuses_truncated_kernel),
		T(test_refuses_no_protected_mode_part),
		T(test_refuses_bad_boot_flag),
		T(test_refuses_no_hdrs),
		T(test_refuses_multiboot_image),
		T(test_refuses_elf_vmlinux),
		T(test_refuses_old_protocol),
		T(test_refuses_no_xlf_kernel_64),
		T(test_refuses_zimage),
		T(test_refuses_bad_header_end),
		T(test_refuses_payload_beyond_kernel),
		T(test_refuses_small_init_size),
		T(test_refuses_bad_alignment),
		T(test_refuses_kernel_too_big),
		T(test_refuses_initrd_too_big),
		T(test_refuses_long_cmdline),
		T(test_refuses_tiny_ram),
		T(test_reports_write_failures),
		T(test_debian_kernel), /* last: left out when the kernel is absent */
#undef T
	};
	size_t n = ARRAY_SIZE(tests);
	FILE *f = fopen(kernel_path(), "rb");
	if (f) {
		fclose(f);
	} else {
		/* Not run rather than "skipped": cmocka's TAP prints a skip as "not ok". */
		printf("test_debian_kernel not run: no %s (scripts/linux-guest.sh fetches it)\n", kernel_path());
		n--;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	return _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
}
