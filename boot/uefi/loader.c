/*
 * BOOTX64.EFI: the UEFI loader of microhv (DESIGN.md sections 1-2).
 *
 * Console on COM1, options from \microhv.cfg and the load options, the memory
 * map, the guest's files (kernel=, initrd=, append=), the VT-x gate; then the
 * embedded core is placed at a 2 MiB-aligned address the firmware chooses,
 * boot services end and core_entry64(bi) runs.
 * Any failure before ExitBootServices prints "[hv] exit: code=N (reason)" and
 * ends as on_exit= says: the emulators' exit ports, or an error status back
 * to the firmware on real hardware.
 */
#include "ldr.h"
#include "cmdline.h"
#include "../../arch/console.h"
#include "../../arch/memmap.h"
#include "../../arch/printf.h"
#include "../../arch/serial.h"
#include "../../arch/shutdown.h"
#include "../../arch/string.h"
#include "../../vmx/report.h"
#include "../vtx_gate.h"

#define LOG_KEEP 16384                      /* bytes of transcript kept to replay on ConOut */
#define CFG_MAX_BYTES (64 * 1024)           /* microhv.cfg: words and comments */
#define HANDOVER_STACK_PAGES 4              /* the core's first stack, until it takes its own */
#define MAP_SLACK 64                        /* descriptors the map may grow by before ExitBootServices */
#define HALT_STALL_US (5ULL * 1000 * 1000)  /* let a person read the screen before the firmware goes on */

EFI_HANDLE ldr_image;
EFI_SYSTEM_TABLE *ldr_st;
EFI_BOOT_SERVICES *ldr_bs;

extern const u8 core_blob_start[] __attribute__((visibility("hidden")));
extern const u8 core_blob_end[] __attribute__((visibility("hidden")));

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static struct {
	char text[LOG_KEEP];
	size_t len;
	bool mirror;     /* also on ConOut: real hardware (on_exit=halt or reset) */
	bool via_conout; /* mirroring, and ConOut has a serial terminal: COM1 gets lines only from it */
} out_log;

/* Everything the loader allocated, released when it returns to the firmware. */
static struct ldr_state {
	EFI_FILE_HANDLE root;
	struct hv_options opts;
	enum on_exit_action on_exit; /* valid before options_parse succeeds, too */
	char cmdline[BOOT_CMDLINE_MAX];
	struct ucmd_guest guest; /* kernel=, initrd=, append= */
	char err[LDR_ERR_MAX];
	struct boot_info *bi;
	struct efi_map map;
	struct core_place core;
	u64 root_table, stack;
} ldr;

static void out_serial_log(const char *s, size_t n)
{
	for (size_t i = 0; i < n && !out_log.via_conout; i++)
		serial_putc(SERIAL_COM1, s[i]);
	size_t room = sizeof(out_log.text) - out_log.len;
	size_t k = n < room ? n : room;
	memcpy(out_log.text + out_log.len, s, k);
	out_log.len += k;
	if (out_log.mirror)
		efi_conout(s, n);
}

/*
 * From now on the lines also go to the firmware console (the screen), starting with those
 * printed so far. Where that console also drives a serial terminal (console redirection,
 * OVMF), writing COM1 as well would interleave every line with itself: the console alone
 * carries them then.
 */
static void mirror_on_conout(void)
{
	if (out_log.mirror)
		return;
	efi_conout_enable(true);
	efi_conout(out_log.text, out_log.len);
	out_log.mirror = true;
	out_log.via_conout = efi_conout_has_uart();
}

/* Back to COM1 alone: boot services are about to end. */
static void mirror_off(void)
{
	efi_conout_enable(false);
	out_log.mirror = false;
	out_log.via_conout = false;
}

static u64 pages_of(u64 bytes) { return ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE; }

static void release_all(void)
{
	struct boot_info *bi = ldr.bi;
	if (bi) {
		for (u32 i = 0; i < bi->module_count; i++)
			efi_free_pages(bi->modules[i].phys, pages_of(bi->modules[i].size ? bi->modules[i].size : 1));
		efi_free_pages((u64)(uintptr_t)bi, pages_of(sizeof(*bi)));
	}
	if (ldr.core.size)
		efi_free_pages(ldr.core.phys, pages_of(ldr.core.size));
	if (ldr.stack)
		efi_free_pages(ldr.stack, HANDOVER_STACK_PAGES);
	efi_free_pages((u64)(uintptr_t)ldr.map.buf, ldr.map.buf_pages);
	/* the page tables are left: their size is not kept, and they are small */
}

/* Ends without handing over. Returns the status for the firmware (halt and reset). */
static EFI_STATUS finish(int code, const char *reason)
{
	enum on_exit_action how = ldr.on_exit;
	if (how == ON_EXIT_HALT || how == ON_EXIT_RESET) {
		mirror_on_conout();
		/* the screen replays the whole transcript: on a firmware console of 25-31 rows the banner
		 * has scrolled away by now, so the last words name the program */
		con_log("microhv %s (uefi): returning to the firmware%s\n", MICROHV_VERSION,
		        how == ON_EXIT_HALT ? " in 5 seconds" : "");
	}
	con_log("exit: code=%d (%s)\n", code, reason);
	if (how == ON_EXIT_QEMU || how == ON_EXIT_BOCHS)
		hv_exit_action(how, code);
	if (how == ON_EXIT_HALT)
		ldr_bs->Stall(HALT_STALL_US);
	release_all();
	if (ldr.root)
		ldr.root->Close(ldr.root);
	return code == HV_EXIT_NO_VTX || code == HV_EXIT_VTX_UNUSABLE ? EFI_UNSUPPORTED : EFI_LOAD_ERROR;
}

static EFI_STATUS fail(int code, const char *reason)
{
	con_log("%s\n", ldr.err);
	return finish(code, reason);
}

/* \microhv.cfg then the load options: 0, or an exit code with ldr.err filled. */
static int gather_options(void)
{
	ldr.root = efi_open_boot_volume(ldr.err, sizeof(ldr.err));
	if (!ldr.root)
		con_log("%s: microhv.cfg, guest.elf and initrd are not read\n", ldr.err);
	u64 phys = 0, size = 0;
	int rc = ldr.root ? efi_read_file(ldr.root, L"microhv.cfg", "\\microhv.cfg", CFG_MAX_BYTES,
	                                  "bytes a microhv.cfg may hold", &phys, &size, ldr.err, sizeof(ldr.err))
	                : 1;
	if (rc < 0)
		return HV_EXIT_BOOT;
	if (rc == 0) {
		con_log("config: \\microhv.cfg, %llu bytes\n", (unsigned long long)size);
		rc = ucmd_append_cfg(ldr.cmdline, sizeof(ldr.cmdline), (const char *)(uintptr_t)phys, size, &ldr.guest,
		                     ldr.err, sizeof(ldr.err));
		efi_free_pages(phys, pages_of(size ? size : 1));
		if (rc)
			return HV_EXIT_BAD_OPTION;
	} else if (ldr.root) {
		con_log("config: no \\microhv.cfg on the boot volume\n");
	}

	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	if (!EFI_ERROR(ldr_bs->HandleProtocol(ldr_image, &li_guid, (void **)&li)) && li->LoadOptionsSize) {
		rc = ucmd_append_load_options(ldr.cmdline, sizeof(ldr.cmdline), li->LoadOptions, li->LoadOptionsSize,
		                              &ldr.guest, ldr.err, sizeof(ldr.err));
		if (rc < 0)
			return HV_EXIT_BAD_OPTION;
		if (rc > 0)
			con_log("load options: %u bytes of binary data, not options: ignored\n", li->LoadOptionsSize);
	}
	return 0;
}

static int parse_options(void)
{
	options_defaults(&ldr.opts);
	ldr.on_exit = ucmd_exit_action(ldr.cmdline);
	if (options_parse(ldr.cmdline, &ldr.opts, ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BAD_OPTION;
	ldr.on_exit = ldr.opts.on_exit;
	char words[OPT_WORDS_MAX];
	options_format(&ldr.opts, words, sizeof(words));
	con_log("options: %s\n", words);
	return 0;
}

/*
 * One file of the guest into a boot_info module, as GRUB's module2 would hand it over: 0, 1
 * when the file is absent and optional, or an exit code (> 1) with ldr.err filled. Opened by its
 * path from the root of the boot volume (UEFI spec 2.10 section 13.5, EFI_FILE_PROTOCOL.Open).
 */
static int load_module(const char *path, bool named, const char *key, const char *name, const char *cmdline)
{
	CHAR16 wpath[UCMD_PATH_MAX];
	size_t n = 0;
	for (; path[n] && n + 1 < ARRAY_SIZE(wpath); n++)
		wpath[n] = (CHAR16)(unsigned char)path[n];
	wpath[n] = 0;
	u64 phys, size;
	char limit[64];
	fmt_snprintf(limit, sizeof(limit), "bytes of guest RAM (guest_mem=%lluM)",
	             (unsigned long long)(ldr.opts.guest_mem / MIB));
	int rc = efi_read_file(ldr.root, wpath, path, ldr.opts.guest_mem, limit, &phys, &size, ldr.err, sizeof(ldr.err));
	if (rc > 0 && !named)
		return 1;
	if (rc > 0)
		fmt_snprintf(ldr.err, sizeof(ldr.err), "%s%s: no such file on the boot volume", key, path);
	if (rc)
		return HV_EXIT_GUEST_LOAD;
	struct boot_module *m = &ldr.bi->modules[ldr.bi->module_count++];
	m->phys = phys;
	m->size = size;
	str_copy(m->name, name, sizeof(m->name));
	str_copy(m->cmdline, cmdline, sizeof(m->cmdline));
	if (size == 0) {
		fmt_snprintf(ldr.err, sizeof(ldr.err), "%s is empty", path);
		return HV_EXIT_GUEST_LOAD;
	}
	con_log("module %s: %s, %llu bytes at 0x%llx, crc32 0x%08x\n", m->name, path, (unsigned long long)size,
	        (unsigned long long)phys, efi_crc32((const void *)(uintptr_t)phys, size));
	return 0;
}

/*
 * The guest: the files kernel= and initrd= name, else \guest.elf and \initrd when the ESP
 * has them; append= becomes the guest module's command line.
 */
static int load_modules(void)
{
	const struct ucmd_guest *g = &ldr.guest;
	if (!ldr.root && (g->kernel[0] || g->initrd[0])) {
		fmt_snprintf(ldr.err, sizeof(ldr.err), "%s names a file, but the boot volume cannot be read",
		             g->kernel[0] ? "kernel=" : "initrd=");
		return HV_EXIT_GUEST_LOAD;
	}
	if (!ldr.root)
		return 0;
	int rc = load_module(g->kernel[0] ? g->kernel : "\\guest.elf", g->kernel[0], "kernel=", "guest", g->append);
	if (rc > 1)
		return rc;
	if (rc == 0)
		con_log("guest command line: %s%s%s\n", g->append[0] ? "\"" : "", g->append[0] ? g->append : "none given",
		        g->append[0] ? "\"" : "");
	rc = load_module(g->initrd[0] ? g->initrd : "\\initrd", g->initrd[0], "initrd=", "initrd", "");
	return rc > 1 ? rc : 0;
}

/* boot_info and the memory map as the firmware sees it now. */
static int memory_summary(u64 *highest_end)
{
	u64 phys;
	if (efi_alloc_pages(pages_of(sizeof(*ldr.bi)), &phys, "boot_info", ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;
	ldr.bi = (struct boot_info *)(uintptr_t)phys;
	memset(ldr.bi, 0, sizeof(*ldr.bi));
	if (efi_map_read(&ldr.map, MAP_SLACK, ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;
	u32 dropped = efi_map_convert(&ldr.map, ldr.bi, highest_end);
	memmap_print(ldr.bi->mmap, ldr.bi->mmap_count);
	if (dropped)
		con_log("memory map: %u firmware ranges did not fit the %d-entry table\n", dropped, BOOT_MMAP_MAX);
	return 0;
}

/* The core, its page tables and stack, boot_info: everything but the final memory map. */
static int prepare_core(u64 highest_end)
{
	u64 blob_size = (u64)(core_blob_end - core_blob_start);
	if (ho_place_core(core_blob_start, blob_size, &ldr.core, ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;
	con_log("core: %llu KiB placed at 0x%llx, entry 0x%llx\n", (unsigned long long)(ldr.core.size / 1024),
	        (unsigned long long)ldr.core.phys, (unsigned long long)ldr.core.elf.entry64);
	/* the screen, for the core's console: its framebuffer inside the identity map too */
	char why[LDR_ERR_MAX];
	struct boot_fb fb;
	if (efi_gop_framebuffer(&fb, why, sizeof(why)) == 0) {
		con_log("screen: GOP %ux%u, %u bpp, framebuffer at 0x%llx, for the core\n", fb.width, fb.height, fb.bpp,
		        (unsigned long long)fb.base);
		u64 fb_end = fb.base + (u64)fb.pitch * fb.height;
		if (fb_end > highest_end)
			highest_end = fb_end;
	} else {
		con_log("screen: %s: the core has serial only\n", why);
	}
	if (ho_build_page_tables(&ldr.core, highest_end, &ldr.root_table, ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;
	if (efi_alloc_pages(HANDOVER_STACK_PAGES, &ldr.stack, "the hand-over stack", ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;

	struct boot_info *bi = ldr.bi;
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->loader = BOOT_LOADER_UEFI;
	str_copy(bi->loader_name, "uefi", sizeof(bi->loader_name));
	str_copy(bi->cmdline, ldr.cmdline, sizeof(bi->cmdline));
	bi->core_phys = ldr.core.phys;
	bi->core_size = ldr.core.size;
	bi->acpi_rsdp = efi_acpi_rsdp();
	bi->fb = fb;
	con_log("boot_info at 0x%llx, ACPI RSDP at 0x%llx\n", (unsigned long long)(uintptr_t)bi,
	        (unsigned long long)bi->acpi_rsdp);
	/* a buffer for the final map, with room for what these allocations added */
	if (efi_map_read(&ldr.map, MAP_SLACK, ldr.err, sizeof(ldr.err)))
		return HV_EXIT_BOOT;
	return 0;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	ldr_image = image;
	ldr_st = st;
	ldr_bs = st->BootServices;
	serial_init(SERIAL_COM1);
	con_set_output(out_serial_log);
	con_write("\n", 1); /* the firmware may have left its cursor mid-line, e.g. after escape codes */
	con_log("microhv %s (uefi)\n", MICROHV_VERSION);
	ldr_bs->SetWatchdogTimer(0, 0, 0, NULL); /* large files on slow sticks must not reset the machine */

	int code = gather_options();
	if (code) {
		ldr.on_exit = ucmd_exit_action(ldr.cmdline);
		return fail(code, code == HV_EXIT_BOOT ? "boot failed" : "bad option");
	}
	if (parse_options())
		return fail(HV_EXIT_BAD_OPTION, "bad option");
	if (ldr.on_exit == ON_EXIT_HALT || ldr.on_exit == ON_EXIT_RESET)
		mirror_on_conout();

	u64 highest_end;
	if ((code = memory_summary(&highest_end)))
		return fail(code, "boot failed");
	/* the ESP's files before the VT-x gate: one open volume, and the path is tested without VT-x */
	if ((code = load_modules()))
		return fail(code, "guest load failed");

	struct cpu_ident id;
	struct vmx_msrs msrs;
	struct vmx_caps caps;
	vmx_probe(&id, &msrs);
	vmx_report(&id, &msrs, &caps);
	/* the whole gate, controls included, while the firmware's console still shows the verdict */
	char gate[VTX_GATE_MSG_MAX];
	code = vtx_gate(&id, &msrs, &caps, gate, sizeof(gate));
	con_log("%s\n", gate);
	if (code) {
#ifdef LDR_TEST_HANDOVER
		/* the test build (uefi.mk) takes the hand-over path on QEMU TCG, which has no VMX */
		con_log("test build: handing over anyway; the core decides\n");
#else
		return finish(code, code == HV_EXIT_NO_VTX ? "VT-x not available" : "VT-x not usable");
#endif
	}

	if ((code = prepare_core(highest_end)))
		return fail(code, "boot failed");

	con_log("exiting boot services\n");
	mirror_off();
	bool gone;
	u64 stack_top = ldr.stack + HANDOVER_STACK_PAGES * PAGE_SIZE;
	ho_exit_and_enter(&ldr.map, ldr.bi, ldr.root_table, ldr.core.elf.entry64, stack_top, &gone, ldr.err,
	                  sizeof(ldr.err));
	con_log("%s\n", ldr.err);
	if (gone) { /* the firmware may be half shut down: it cannot be returned to */
		con_log("exit: code=%d (%s)\n", HV_EXIT_BOOT, "boot failed");
		hv_exit_action(ldr.on_exit, HV_EXIT_BOOT);
	}
	return finish(HV_EXIT_BOOT, "boot failed");
}
