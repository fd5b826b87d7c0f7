/* The core's C entry, common to every loader: console, options, host set-up, CPU report. */
#include "../arch/boot_info.h"
#include "../arch/console.h"
#include "../arch/cpu.h"
#include "../arch/desc.h"
#include "../arch/exceptions.h"
#include "../arch/memmap.h"
#include "../arch/paging.h"
#include "../arch/pmm.h"
#include "../arch/serial.h"
#include "../arch/shutdown.h"
#include "../arch/string.h"
#include "../arch/tsc.h"
#include "../vmx/report.h"
#include "launch.h"
#include "options.h"

#define LOW_MEMORY_RESERVED MIB /* real-mode IVT, BDA, EBDA, option ROMs: never handed out */

void core_main(const struct boot_info *loader_bi);

static struct boot_info bi;
static struct hv_options opts;
static struct pmm pmm;

static void serial_out(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(SERIAL_COM1, s[i]);
}

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
	serial_init(SERIAL_COM1);
	con_set_output(serial_out);
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

	con_log("microhv %s (%s)\n", MICROHV_VERSION, bi.loader_name);
	desc_init();
	mask_host_pic();
	char err[OPT_ERR_MAX];
	int bad = options_parse(bi.cmdline, &opts, err, sizeof(err));
	exc_set_on_exit(opts.on_exit);
	if (bad) {
		con_log("%s\n", err);
		hv_exit(opts.on_exit, HV_EXIT_BAD_OPTION, "bad option");
	}
	char words[256];
	options_format(&opts, words, sizeof(words));
	con_log("options: %s\n", words);

	setup_memory();

	if (tsc_calibrate())
		con_log("tsc: no PIT answered; assuming %llu MHz\n", (unsigned long long)(tsc_hz() / 1000000));
	else
		con_log("tsc: %llu.%03llu MHz (calibrated against PIT channel 2)\n", (unsigned long long)(tsc_hz() / 1000000),
		        (unsigned long long)(tsc_hz() / 1000 % 1000));

	struct cpu_ident id;
	struct vmx_msrs msrs;
	struct vmx_caps caps;
	vmx_probe(&id, &msrs);
	vmx_report(&id, &msrs, &caps);
	const char *why = vmx_unavailable_reason(&id, &caps);
	if (why) {
		con_log("VT-x not available: %s\n", why);
		hv_exit(opts.on_exit, HV_EXIT_NO_VTX, "VT-x not available");
	}
	const char *missing = vmx_missing_feature(&caps);
	if (missing) {
		con_log("VT-x not usable: %s\n", missing);
		hv_exit(opts.on_exit, HV_EXIT_VTX_UNUSABLE, "VT-x not usable");
	}
	con_log("VT-x usable: EPT, unrestricted guest and the preemption timer are present\n");
	const char *reason;
	int code = launch_guest(&bi, &opts, &pmm, &msrs, &caps, &reason);
	/* every level's cost of the run: under Bochs's sync=none its instructions (make bench) */
	con_log("tsc: %llu from the core's start to its exit\n", (unsigned long long)(rdtsc() - start_tsc));
	hv_exit(opts.on_exit, code, reason);
}
