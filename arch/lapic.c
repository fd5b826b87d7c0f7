/* The host's local APIC timer; see lapic.h (Intel SDM Vol. 3A chapter 11). */
#include "lapic.h"
#include "cpu.h"
#include "printf.h"
#include "tsc.h"

#define CPUID_1_EDX_APIC_BIT (1u << 9) /* CPUID.1:EDX.APIC */
#define APIC_BASE_EXTD (1ULL << 10) /* x2APIC mode (11.12.1) */
#define APIC_BASE_EN (1ULL << 11)   /* APIC global enable (11.4.3) */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define X2APIC_MSR_BASE 0x800
#define X2APIC_REG_SHIFT 4
/* Register offsets (11.4.1, table 11-1). */
#define REG_EOI 0x0b0
#define REG_SVR 0x0f0
#define REG_LVT_TIMER 0x320
#define REG_IRR 0x200 /* 8 registers 16 bytes apart, 32 vectors each */
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define SVR_APIC_ENABLED (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_ONE_SHOT (0u << 17)
#define TIMER_DIVIDE_BY_1 0xb /* 11.5.4, figure 11-10: bits 3,1,0 = 1011b */

static bool x2apic;
static u64 mmio_base;
static u64 cal_tsc;
static u32 cal_count;
volatile u64 lapic_root_irqs; /* isr.asm counts interrupts taken in root mode */

static u32 reg_read(u32 off)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR_BASE + (off >> X2APIC_REG_SHIFT));
	return *(volatile u32 *)(uintptr_t)(mmio_base + off);
}

static void reg_write(u32 off, u32 v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + (off >> X2APIC_REG_SHIFT), v);
	else
		*(volatile u32 *)(uintptr_t)(mmio_base + off) = v;
}

int lapic_timer_init(u64 calib_tsc, struct lapic_timer_info *out, char *err, size_t errlen)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC_BIT)) {
		fmt_snprintf(err, errlen, "the CPU has no local APIC (CPUID.1:EDX.APIC is 0)");
		return -1;
	}
	u64 apic_base = rdmsr(MSR_APIC_BASE);
	if (!(apic_base & APIC_BASE_EN)) /* globally disabled by the firmware: enable, xAPIC mode */
		wrmsr(MSR_APIC_BASE, apic_base | APIC_BASE_EN);
	x2apic = (apic_base & APIC_BASE_EXTD) != 0;
	mmio_base = apic_base & APIC_BASE_ADDR_MASK;
	if (!x2apic && mmio_base >= 4 * GIB) { /* the core identity-maps the low 4 GiB (paging.c) */
		fmt_snprintf(err, errlen, "the local APIC is at 0x%llx, above 4 GiB", (unsigned long long)mmio_base);
		return -1;
	}
	reg_write(REG_SVR, SVR_APIC_ENABLED | LAPIC_SPURIOUS_VECTOR);
	reg_write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	reg_write(REG_LVT_TIMER, LVT_MASKED | LVT_TIMER_ONE_SHOT | LAPIC_TIMER_VECTOR);
	/* Calibration: the timer counts down from its maximum (masked: no interrupt) while the TSC
	 * advances calib_tsc ticks. */
	reg_write(REG_TIMER_INITIAL, (u32)LAPIC_COUNT_MAX);
	u64 t0 = rdtsc();
	while (rdtsc() - t0 < calib_tsc)
		pause();
	u32 left = reg_read(REG_TIMER_CURRENT);
	u64 t1 = rdtsc();
	reg_write(REG_TIMER_INITIAL, 0); /* stopped (11.5.4) */
	cal_tsc = t1 - t0;
	cal_count = (u32)LAPIC_COUNT_MAX - left;
	if (!cal_count || !cal_tsc) {
		fmt_snprintf(err, errlen, "the local APIC timer does not count (%u ticks in %llu TSC ticks)", cal_count,
		             (unsigned long long)cal_tsc);
		return -1;
	}
	reg_write(REG_LVT_TIMER, LVT_TIMER_ONE_SHOT | LAPIC_TIMER_VECTOR); /* unmasked: armed by a count */
	u64 hz = tsc_hz() / cal_tsc * cal_count + tsc_hz() % cal_tsc * cal_count / cal_tsc;
	*out = (struct lapic_timer_info){x2apic, mmio_base, hz, cal_tsc, cal_count};
	return 0;
}

static bool timer_requested(void)
{
	u32 vec = LAPIC_TIMER_VECTOR;
	return (reg_read(REG_IRR + (vec / 32) * 0x10) >> (vec % 32)) & 1;
}

void lapic_timer_arm(u64 tsc_ticks)
{
	/* An interrupt of the last count that expired in root mode (IF=0) is still requested and
	 * would exit the guest right after the entry: taken here instead, in the one-instruction
	 * window STI opens (isr.asm counts it and sends the EOI). One that expires between this
	 * check and the write below still costs that extra exit; none is ever lost. */
	if (timer_requested())
		__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
	reg_write(REG_TIMER_INITIAL, tsc_ticks == LAPIC_NEVER ? 0 : lapic_count_for(tsc_ticks, cal_tsc, cal_count));
}

void lapic_eoi(void) { reg_write(REG_EOI, 0); }

u64 lapic_root_timer_irqs(void) { return lapic_root_irqs; }

void lapic_root_irq(void); /* isr.asm */
void lapic_root_irq(void)
{
	lapic_root_irqs++;
	lapic_eoi();
}
