/* From a usable VT-x to a running guest: guest RAM, the image, the VMCS, the run, the statistics. */
#include "launch.h"
#include "../arch/console.h"
#include "../arch/printf.h"
#include "../arch/string.h"
#include "../arch/cmos.h"
#include "../arch/hostcon.h"
#include "../arch/tsc.h"
#include "../devices/board.h"
#include "../dispatcher/dispatch.h"
#include "../guest/linux.h"
#include "../guest/mb1.h"
#include "../vmx/conlink.h"
#include "../vmx/exit_cost.h"
#include "../vmx/timer.h"
#include "../vmx/vmx.h"

#define GUEST_MODULE_NAME "guest"
#define INITRD_MODULE_NAME "initrd"
#define LINUX_HDRS_OFFSET 0x202
/* The Linux guest's default command line (README.md documents each word): the platform is a
 * PIC, a PIT and a UART, no APIC, no ACPI, no PCI, one CPU; reboot through port 0xCF9. */
#define LINUX_DEFAULT_CMDLINE "console=ttyS0 nolapic noapic acpi=off pci=off nosmp reboot=pci"
#define LAUNCH_ERR_MAX 192

static struct guest_ram ram;
static struct vmx_cpu vcpu_hw;
static struct board board;
static struct dispatcher disp;

static const struct boot_module *find_module(const struct boot_info *bi, const char *name)
{
	for (u32 i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, name))
			return &bi->modules[i];
	return 0;
}

static const struct boot_module *find_guest(const struct boot_info *bi)
{
	const struct boot_module *m = find_module(bi, GUEST_MODULE_NAME);
	return m ? m : (bi->module_count ? &bi->modules[0] : 0);
}

static bool is_bzimage(const struct boot_module *m)
{
	const u8 *p = (const u8 *)(uintptr_t)m->phys;
	return m->size > LINUX_HDRS_OFFSET + 4 && !memcmp(p + LINUX_HDRS_OFFSET, "HdrS", 4);
}

/* Loads the guest image into guest RAM: a Linux bzImage (with the "initrd" module) or a
 * Multiboot1 image. Fills the entry state; 0, or -1 after printing why. */
static int load_image(const struct boot_info *bi, const struct boot_module *m, const struct loader_ram *gm,
                      struct guest_entry_state *entry)
{
	char err[LAUNCH_ERR_MAX];
	static char cmdline[BOOT_NAME_MAX + BOOT_CMDLINE_MAX];
	if (is_bzimage(m)) {
		const struct boot_module *rd = find_module(bi, INITRD_MODULE_NAME);
		const char *args = m->cmdline[0] ? m->cmdline : LINUX_DEFAULT_CMDLINE;
		struct linux_boot lb;
		if (linux_load((const void *)(uintptr_t)m->phys, m->size, rd ? (const void *)(uintptr_t)rd->phys : 0,
		               rd ? rd->size : 0, args, gm, &lb, err, sizeof(err))) {
			con_log("%s\n", err);
			return -1;
		}
		linux_entry_state(&lb, entry);
		con_log("guest: Linux bzImage, %llu KiB at 0x%llx, initrd %llu KiB, command line \"%s\"\n",
		        (unsigned long long)(m->size / 1024), (unsigned long long)lb.kernel_addr,
		        (unsigned long long)(rd ? rd->size / 1024 : 0), args);
		return 0;
	}
	/* Like GRUB and QEMU, a Multiboot guest's command line starts with its own name. */
	fmt_snprintf(cmdline, sizeof(cmdline), "%s %s", m->name, m->cmdline);
	struct mb1_boot mb;
	if (mb1_load((const void *)(uintptr_t)m->phys, m->size, gm, cmdline, &mb, err, sizeof(err))) {
		con_log("%s\n", err);
		return -1;
	}
	mb1_entry_state(&mb, entry);
	con_log("guest: %s, %llu KiB Multiboot image, entry 0x%x\n", m->name, (unsigned long long)(m->size / 1024),
	        mb.entry);
	return 0;
}

static int host_getc(void *ctx) { return hostcon_getc(); }
/* Typed bytes pass the statistics' console escape first: Ctrl-A s (dispatcher/stats.h). */
static int typed_getc(void *ctx) { return console_keys_next(&disp.sctl.keys, host_getc, ctx); }

/* A block ends where the one-exit path would inject an interrupt (block_dispatch.h). */
static bool board_irq_ready(void *b) { return board_irq_pending(b); }

static u64 clock_tsc_ns(void *ctx) { return tsc_now_ns(); }

static int ram_write(void *ctx, u64 gpa, const void *src, u64 len) { return guest_ram_write(ctx, gpa, src, len); }
static int ram_fill(void *ctx, u64 gpa, u8 byte, u64 len) { return guest_ram_fill(ctx, gpa, byte, len); }

/* trace=io: the ring, from the page allocator (identity-mapped: the address is the pointer). */
static int trace_io_ring(struct dispatcher *d, struct pmm *p, u32 records)
{
	u64 pages = ((u64)records * sizeof(struct tio_rec) + PAGE_SIZE - 1) / PAGE_SIZE, pa;
	if (pmm_alloc(p, pages, PAGE_SIZE, 0, &pa)) {
		con_log("trace=io: no room for %u records (%llu KiB)\n", records, (unsigned long long)(pages * PAGE_SIZE / 1024));
		return -1;
	}
	tio_init(&d->tio, (struct tio_rec *)(uintptr_t)pa, records);
	d->tio.drain = hostcon_flush;
	con_log("trace=io: a ring of %u records (%llu KiB)\n", records, (unsigned long long)(pages * PAGE_SIZE / 1024));
	return 0;
}

int launch_guest(const struct boot_info *bi, const struct hv_options *o, struct pmm *p,
                 const struct vmx_msrs *msrs, const struct vmx_caps *caps, const char **reason)
{
	*reason = "the guest image was refused";
	char err[LAUNCH_ERR_MAX];
	const struct boot_module *m = find_guest(bi);
	if (!m) {
		con_log("no guest image: give one as the Multiboot module \"guest\" (make run GUEST=...)\n");
		return HV_EXIT_GUEST_LOAD;
	}
	u64 free_before = p->free_pages; /* for the footprint line: what VT-x set-up takes */
	if (guest_ram_alloc(&ram, p, o->guest_mem, err, sizeof(err))) {
		con_log("guest RAM: %s\n", err);
		return HV_EXIT_GUEST_LOAD;
	}
	struct loader_ram gm = {&ram, ram_write, ram_fill, ram.size};
	struct guest_entry_state entry;
	if (load_image(bi, m, &gm, &entry))
		return HV_EXIT_GUEST_LOAD;
	con_log("guest RAM: %llu MiB\n", (unsigned long long)(ram.size / MIB));

	vcpu_hw.msrs = *msrs;
	vcpu_hw.caps = *caps;
	vcpu_hw.no_preemption_timer = !o->preemption_timer;
	if (vmx_enable(&vcpu_hw, p, err, sizeof(err)) || vmx_setup_vmcs(&vcpu_hw, p, &ram, &entry, err, sizeof(err)) ||
	    vmx_timer_setup(&vcpu_hw, err, sizeof(err))) {
		con_log("VT-x not usable: %s\n", err);
		*reason = "VT-x not usable";
		return HV_EXIT_VTX_UNUSABLE;
	}
	con_log("vmx: VMXON done, VMCS ready, EPT with %llu table pages, VPID %s\n",
	        (unsigned long long)vcpu_hw.ept.pages_used, (vcpu_hw.ctl.proc2 & VMX_PROC2_VPID) ? "on" : "off");
	static const struct dev_clock tsc_clock = {0, clock_tsc_ns};
	struct board_params bp = {cmos_read_epoch() - tsc_now_ns() / 1000000000ULL, ram.size};
	static struct conlink link;
	board_init(&board, conlink_guest_tx, &link, &tsc_clock, &bp);
	conlink_init(&link, hostcon_queue(), &board, typed_getc, 0, hostcon_fifo_ns());
	static const enum block_extent extents[] = {[EXTENT_BYTES] = BLOCK_EXTENT_BYTES, [EXTENT_PAGE] = BLOCK_EXTENT_PAGE,
	                                            [EXTENT_CPU] = BLOCK_EXTENT_CPU};
	struct dispatch_config cfg = {
		.trace_exits = o->trace == TRACE_EXITS,
		.cr4_allowed = vmx_guest_cr4_allowed(&vcpu_hw),
		.stats_interval_s = o->stats_interval,
		.irq_pace = o->irq_pace,
		.block = {.enabled = o->block_io, .extent = extents[o->extent], .extent_bytes = o->extent_bytes,
		          .trace = o->trace == TRACE_BLOCKS, .follow = o->block_follow,
		          .code_gen = o->block_wp, .policy = (enum block_policy_mode)o->block_policy,
		          .exit_cost = o->exit_cost},
	};
	dispatch_init(&disp, &board, &cfg);
	/* issue 11: the core's footprint, guest RAM excluded (the host page tables were built before
	 * and are counted in the "memory:" line's free figure) */
	u64 vmx_kib = (free_before - p->free_pages) * PAGE_SIZE / 1024 - ram.size / 1024;
	con_log("footprint: core image and data %llu KiB (block storage %llu KiB), EPT and VMX regions %llu KiB: "
	        "%llu KiB, guest RAM excluded\n",
	        (unsigned long long)(bi->core_size / 1024), (unsigned long long)(sizeof(disp.blockio.table) / 1024),
	        (unsigned long long)vmx_kib, (unsigned long long)(bi->core_size / 1024 + vmx_kib));
	if (o->trace == TRACE_IO && trace_io_ring(&disp, p, o->trace_ring))
		return HV_EXIT_GUEST_LOAD;
	vmx_exit_cost_start(&vcpu_hw, &disp); /* its line goes out now, not at the guest's exits */
	conlink_attach(&link);
	hostcon_set_async(true);
	disp.blockio.irq_pending = board_irq_ready;
	if (o->selftest == SELFTEST_ROOT_NMI) {
		con_log("selftest=root_nmi: INT 2 in root mode, before the guest's first entry\n");
		__asm__ volatile("int $2" ::: "memory"); /* the IDT's NMI gate (arch/isr.asm) */
	}
	int code = vmx_run(&vcpu_hw, &disp, &ram, &entry, reason);
	hostcon_set_async(false); /* everything the guest wrote is out before the statistics */
	vmx_timer_report(&vcpu_hw);
	conlink_attach(0);
	conlink_print_stats(&link);
	dispatch_print_stats(&disp);
	return code;
}
