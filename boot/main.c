/* The core's C entry, common to every loader: console, options, host set-up, CPU report. */
#include "../arch/boot_info.h"
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/desc.h"
#include "../arch/exceptions.h"
#include "../arch/memmap.h"
#include "../arch/paging.h"
#include "../arch/pmm.h"
#include "../arch/screen.h"
#include "../arch/serial.h"
#include "../arch/printf.h"
#include "../arch/hostcon.h"
#include "../arch/shutdown.h"
#include "../arch/string.h"
#include "../arch/tsc.h"
#include "../vmx/report.h"
#include "launch.h"
#include "options.h"
#ifdef HV_TEST_PANIC
#include "test_panic.h"
#endif
#include "vtx_gate.h"

#define LOW_MEMORY_RESERVED MIB /* real-mode IVT, BDA, EBDA, option ROMs: never handed out */

void core_main(const struct boot_info *loader_bi);

static struct boot_info bi;
static struct hv_options opts;
static struct pmm pmm;
static struct tsc_platform clocks;

/* The host's own 8259 pair: every line masked, so no host interrupt is ever raised, in root
 * mode or in the guest (whose PIC is the emulated one). OCW1 on both data ports (8259A datasheet). */
#define HOST_PIC_MASTER_DATA 0x21
#define HOST_PIC_SLAVE_DATA 0xa1
#define PIC_MASK_ALL 0xff
static void mask_host_pic(void)
{
	outb(HOST_PIC_MASTER_DATA, PIC_MASK_ALL);
	outb(HOST_PIC_SLAVE_DATA, PIC_MASK_ALL);
}

/* console=: serial, screen or both (DESIGN.md section 5); says where the lines go. */
static void console_choose(bool screen, const char *no_screen)
{
	char where[80];
	screen_describe(&bi.fb, where, sizeof(where));
	if (opts.console == CONSOLE_SERIAL && screen) {
		con_log("console: serial only (console=serial); the screen (%s) stops here\n", where);
		screen_off();
		return;
	}
	if (opts.console == CONSOLE_SCREEN && !screen) {
		con_log("console: console=screen, but %s: serial stays on\n", no_screen);
		return;
	}
	if (screen)
		con_log("console: %sscreen %s\n", opts.console == CONSOLE_SCREEN ? "" : "serial and ", where);
	else
		con_log("console: serial only: %s\n", no_screen);
	if (opts.console == CONSOLE_SCREEN)
		con_set_output(hostcon_log_only); /* serial stops; the in-memory log keeps everything */
}

static void print_mhz(char *buf, size_t size, u64 hz)
{
	fmt_snprintf(buf, size, "%llu.%03llu MHz", (unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000));
}

/* "tsc: F (source[, check])": where the frequency came from and what cross-checked it. */
static void calibrate_tsc(const struct tsc_platform *p)
{
	struct tsc_choice c;
	tsc_calibrate(p, &c);
	char mhz[32], check[96] = "";
	print_mhz(mhz, sizeof(mhz), c.hz);
	if (c.check != TSC_SRC_COUNT) {
		char other[32];
		print_mhz(other, sizeof(other), c.check_hz);
		fmt_snprintf(check, sizeof(check), c.disagree ? "; %s says %s, disagreeing" : "; %s agrees: %s",
		             tsc_source_name(c.check), other);
	}
	con_log("tsc: %s (%s%s)\n", mhz, tsc_source_name(c.source), check);
}

static void setup_memory(void)
{
	memmap_print(bi.mmap, bi.mmap_count);
	pmm_init(&pmm, bi.mmap, bi.mmap_count);
	pmm_reserve(&pmm, 0, LOW_MEMORY_RESERVED);
	pmm_reserve(&pmm, bi.core_phys, bi.core_size);
	for (u32 i = 0; i < bi.module_count; i++) {
		const struct boot_module *m = &bi.modules[i];
		pmm_reserve(&pmm, m->phys, m->size);
		/* what the loader handed over, whichever loader it was: the UEFI tests compare it */
		con_log("boot module %s: %llu bytes at 0x%llx, command line \"%s\"\n", m->name, (unsigned long long)m->size,
		        (unsigned long long)m->phys, m->cmdline);
	}
	struct memmap_summary s;
	memmap_summarize(bi.mmap, bi.mmap_count, &s);
	if (paging_init(&pmm, bi.core_phys, s.highest_end))
		hv_panic("out of memory for the core's page tables");
	con_log("memory: core at 0x%llx (%llu KiB), %llu MiB free in %u extents, page tables loaded\n",
	        (unsigned long long)bi.core_phys, (unsigned long long)(bi.core_size / 1024),
	        (unsigned long long)(pmm.free_pages * PAGE_SIZE / MIB), pmm.count);
}

void core_main(const struct boot_info *loader_bi)
{
	u64 start_tsc = rdtsc();
	hostcon_early(); /* output is held until the serial port is chosen */
	con_set_output(hostcon_out);
	hv_set_console_flush(hostcon_flush);
	options_defaults(&opts);
	if (!loader_bi || loader_bi->magic != BOOT_INFO_MAGIC || loader_bi->version != BOOT_INFO_VERSION) {
		con_log("microhv %s: the loader's boot_info is missing or of another version\n", MICROHV_VERSION);
		hv_exit(opts.on_exit, HV_EXIT_BOOT, "bad boot_info");
	}
	bi = *loader_bi; /* from here on the loader's memory may be reused */
	bi.loader_name[BOOT_NAME_MAX - 1] = 0;
	bi.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	for (u32 i = 0; i < BOOT_MODULES_MAX; i++) {
		bi.modules[i].name[BOOT_NAME_MAX - 1] = 0;
		bi.modules[i].cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	}
	if (bi.mmap_count > BOOT_MMAP_MAX)
		bi.mmap_count = BOOT_MMAP_MAX;
	if (bi.module_count > BOOT_MODULES_MAX)
		bi.module_count = BOOT_MODULES_MAX;

	const char *no_screen;
	bool screen = screen_init(&bi.fb, &no_screen);
	con_log("microhv %s (%s)\n", MICROHV_VERSION, bi.loader_name);
	desc_init();
	mask_host_pic();
	char err[OPT_ERR_MAX];
	int bad = options_parse(bi.cmdline, &opts, err, sizeof(err));
	exc_set_on_exit(opts.on_exit);
	hostcon_select(&opts.serial, bi.acpi_rsdp, bi.core_phys);
	tsc_platform_from_acpi(bi.acpi_rsdp, &clocks); /* the RSDP may lie in the loader's memory */
	if (bad) {
		con_log("%s\n", err);
		hv_exit(opts.on_exit, HV_EXIT_BAD_OPTION, "bad option");
	}
	char words[OPT_WORDS_MAX];
	options_format(&opts, words, sizeof(words));
	con_log("options: %s\n", words);
	console_choose(screen, no_screen);
#ifdef HV_TEST_PANIC
	test_panic_now(); /* the test build's deliberate panic (tests/integration/bochs_panic.sh) */
#endif

	setup_memory();

	calibrate_tsc(&clocks);

	struct cpu_ident id;
	struct vmx_msrs msrs;
	struct vmx_caps caps;
	vmx_probe(&id, &msrs);
	vmx_report(&id, &msrs, &caps);
	char gate[VTX_GATE_MSG_MAX];
	int gate_code = vtx_gate(&id, &msrs, &caps, gate, sizeof(gate));
	con_log("%s\n", gate);
	if (gate_code)
		hv_exit(opts.on_exit, gate_code, gate_code == HV_EXIT_NO_VTX ? "VT-x not available" : "VT-x not usable");
	const char *reason;
	int code = launch_guest(&bi, &opts, &pmm, &msrs, &caps, &reason);
	/* every level's cost of the run: under Bochs's sync=none its instructions (make bench) */
	con_log("tsc: %llu from the core's start to its exit\n", (unsigned long long)(rdtsc() - start_tsc));
	hv_exit(opts.on_exit, code, reason);
}
