/*
 * TSC calibration (the choice: tsc_calib.c). The measured references, each over about 10 ms:
 * - HPET main counter (IA-PC HPET spec 1.0a, 2.3: GCAP_ID bits 63:32 give the tick period in fs,
 *   GEN_CONF bit 0 starts the counter, the main counter is at 0xF0);
 * - ACPI PM timer, 3.579545 MHz, 24 or 32 bits wide (ACPI 6.5, 4.8.3.3);
 * - PIT channel 2 in mode 0, gated through port 0x61, whose bit 5 shows OUT2 (Intel 82C54).
 * Under Bochs with clock: sync=none all of them advance with executed instructions.
 */
#include "tsc.h"
#include "acpi.h"
#include "cpu.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
#define PIT_CH2_MODE0_LOHI 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT61 0x61
#define PORT61_GATE2 0x01
#define PORT61_SPEAKER 0x02
#define PORT61_OUT2 0x20
#define CALIBRATE_COUNT 11932 /* 10 ms of PIT input clocks */
#define CALIBRATE_NS 10000000ULL
#define CALIBRATE_SPIN_LIMIT 100000000ULL
#define NS_PER_S 1000000000ULL
#define FS_PER_S 1000000000000000ULL
#define PM_TIMER_HZ 3579545ULL
#define PM_TIMER_MASK_24 0xffffffULL
#define PM_TIMER_MASK_32 0xffffffffULL
#define HPET_GCAP_ID 0x000
#define HPET_GEN_CONF 0x010
#define HPET_MAIN_COUNTER 0x0f0
#define HPET_ENABLE_CNF 0x1ULL
#define HPET_PERIOD_SHIFT 32
#define HPET_PERIOD_MAX_FS 100000000ULL /* the spec's bound: at most 100 ns per tick */
#define HPET_COUNT_SIZE_64 (1ULL << 13)
#define HPET_MASK_32 0xffffffffULL

/* Fixed-point conversions with a 2^-24 fraction: 128-bit products, no 128-bit division. */
#define FIX_SHIFT 24
static u64 hz = TSC_FALLBACK_HZ;
static u64 t0;
static u64 ns_per_tick_fix = (NS_PER_S << FIX_SHIFT) / TSC_FALLBACK_HZ;
static u64 ticks_per_ns_fix = (TSC_FALLBACK_HZ << FIX_SHIFT) / NS_PER_S;

static void set_hz(u64 h)
{
	hz = h;
	ns_per_tick_fix = (NS_PER_S << FIX_SHIFT) / h;
	ticks_per_ns_fix = (h << FIX_SHIFT) / NS_PER_S;
}

void tsc_platform_from_acpi(u64 acpi_rsdp, struct tsc_platform *p)
{
	const struct acpi_mem m = {0, acpi_identity_map};
	*p = (struct tsc_platform){0};
	u64 phys;
	u32 len;
	/* each parser leaves the field 0 when its table says nothing usable */
	if (acpi_find(&m, acpi_rsdp, "HPET", &phys, &len) == ACPI_OK)
		acpi_parse_hpet(acpi_identity_map(0, phys, len), len, &p->hpet_base);
	if (p->hpet_base >= ACPI_IDENTITY_TOP)
		p->hpet_base = 0;
	if (acpi_find(&m, acpi_rsdp, "FACP", &phys, &len) == ACPI_OK)
		acpi_parse_fadt_pmtimer(acpi_identity_map(0, phys, len), len, &p->pm_port, &p->pm_32bit);
}

static u64 measure_pit(void)
{
	u8 p61 = inb(PORT61);
	outb(PORT61, (u8)((p61 & ~PORT61_SPEAKER) & ~PORT61_GATE2)); /* gate low: hold the counter */
	outb(PIT_COMMAND, PIT_CH2_MODE0_LOHI);
	outb(PIT_CH2_DATA, CALIBRATE_COUNT & 0xff);
	outb(PIT_CH2_DATA, CALIBRATE_COUNT >> 8);
	outb(PORT61, (u8)((p61 & ~PORT61_SPEAKER) | PORT61_GATE2)); /* gate high: count */
	u64 start = rdtsc();
	u64 spins = 0;
	while (!(inb(PORT61) & PORT61_OUT2) && ++spins < CALIBRATE_SPIN_LIMIT)
		pause();
	u64 end = rdtsc();
	outb(PORT61, p61);
	if (spins >= CALIBRATE_SPIN_LIMIT || end <= start)
		return 0;
	return tsc_hz_from_count(end - start, CALIBRATE_COUNT, PIT_HZ);
}

static u64 measure_pmtimer(u16 port, bool bits32)
{
	u64 mask = bits32 ? PM_TIMER_MASK_32 : PM_TIMER_MASK_24;
	u64 want = PM_TIMER_HZ * CALIBRATE_NS / NS_PER_S, ticks = 0;
	u64 c0 = inl(port) & mask, start = rdtsc(), spins = 0;
	while (ticks < want && ++spins < CALIBRATE_SPIN_LIMIT)
		ticks = ((inl(port) & mask) - c0) & mask;
	u64 end = rdtsc();
	if (ticks < want || end <= start)
		return 0; /* a timer that never counts (an all-ones port reads 0 ticks) */
	return tsc_hz_from_count(end - start, ticks, PM_TIMER_HZ);
}

static u64 hpet_rd(u64 base, u32 reg) { return *(volatile u64 *)(uintptr_t)(base + reg); }
static void hpet_wr(u64 base, u32 reg, u64 v) { *(volatile u64 *)(uintptr_t)(base + reg) = v; }

static u64 measure_hpet(u64 base)
{
	u64 cap = hpet_rd(base, HPET_GCAP_ID), period = cap >> HPET_PERIOD_SHIFT;
	if (!period || period > HPET_PERIOD_MAX_FS)
		return 0; /* all ones (nothing there) or not an HPET */
	u64 mask = (cap & HPET_COUNT_SIZE_64) ? UINT64_MAX : HPET_MASK_32;
	u64 conf = hpet_rd(base, HPET_GEN_CONF);
	if (!(conf & HPET_ENABLE_CNF))
		hpet_wr(base, HPET_GEN_CONF, conf | HPET_ENABLE_CNF);
	u64 want = CALIBRATE_NS * (FS_PER_S / NS_PER_S) / period, ticks = 0;
	u64 c0 = hpet_rd(base, HPET_MAIN_COUNTER) & mask, start = rdtsc(), spins = 0;
	while (ticks < want && ++spins < CALIBRATE_SPIN_LIMIT)
		ticks = ((hpet_rd(base, HPET_MAIN_COUNTER) & mask) - c0) & mask;
	u64 end = rdtsc();
	if (!(conf & HPET_ENABLE_CNF))
		hpet_wr(base, HPET_GEN_CONF, conf);
	if (ticks < want || end <= start)
		return 0;
	return tsc_hz_from_count(end - start, ticks, FS_PER_S / period);
}

void tsc_calibrate(const struct tsc_platform *p, struct tsc_choice *out)
{
	struct tsc_inputs in = {0};
	u32 b, c, d;
	cpuid(0, 0, &in.max_leaf, &b, &c, &d);
	if (in.max_leaf >= CPUID_LEAF_TSC_CRYSTAL)
		cpuid(CPUID_LEAF_TSC_CRYSTAL, 0, &in.c15_eax, &in.c15_ebx, &in.c15_ecx, &d);
	if (in.max_leaf >= CPUID_LEAF_FREQUENCY)
		cpuid(CPUID_LEAF_FREQUENCY, 0, &in.c16_eax, &b, &c, &d);
	/* two references at most (one choice, one check), in the order of preference */
	unsigned measured = 0;
	if (p->hpet_base && (in.measured[TSC_SRC_HPET] = measure_hpet(p->hpet_base)))
		measured++;
	if (p->pm_port && (in.measured[TSC_SRC_PMTIMER] = measure_pmtimer(p->pm_port, p->pm_32bit)))
		measured++;
	if (measured < 2)
		in.measured[TSC_SRC_PIT] = measure_pit();
	tsc_choose(&in, out);
	set_hz(out->hz);
	t0 = rdtsc();
}

u64 tsc_hz(void) { return hz; }

u64 tsc_now_ns(void)
{
	unsigned __int128 d = rdtsc() - t0;
	return (u64)((d * ns_per_tick_fix) >> FIX_SHIFT);
}

u64 tsc_ticks_for_ns(u64 ns)
{
	unsigned __int128 t = ((unsigned __int128)ns * ticks_per_ns_fix) >> FIX_SHIFT;
	return t > UINT64_MAX ? UINT64_MAX : (u64)t;
}
