/*
 * TSC calibration against PIT channel 2 (Intel 82C54 datasheet; port 0x61 gates channel 2 and
 * shows its OUT in bit 5). Channel 2 counts down CALIBRATE_COUNT input clocks in mode 0; the TSC
 * delta over that interval gives the frequency. On real hardware this is what firmware-less
 * kernels do; under Bochs with clock: sync=none both advance with executed instructions.
 */
#include "tsc.h"
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
#define CALIBRATE_SPIN_LIMIT 100000000ULL
#define NS_PER_S 1000000000ULL
#define FALLBACK_HZ 1000000000ULL /* if no PIT answers: 1 GHz, said in the boot report */

/* Fixed-point conversions with a 2^-24 fraction: 128-bit products, no 128-bit division. */
#define FIX_SHIFT 24
static u64 hz = FALLBACK_HZ;
static u64 t0;
static u64 ns_per_tick_fix = (NS_PER_S << FIX_SHIFT) / FALLBACK_HZ;
static u64 ticks_per_ns_fix = (FALLBACK_HZ << FIX_SHIFT) / NS_PER_S;

static void set_hz(u64 h)
{
	hz = h;
	ns_per_tick_fix = (NS_PER_S << FIX_SHIFT) / h;
	ticks_per_ns_fix = (h << FIX_SHIFT) / NS_PER_S;
}

int tsc_calibrate(void)
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
	t0 = rdtsc();
	if (spins >= CALIBRATE_SPIN_LIMIT || end <= start)
		return -1;
	set_hz((end - start) * PIT_HZ / CALIBRATE_COUNT);
	return 0;
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
