/*
 * Choosing the TSC frequency (issue 13 section 2): from CPUID leaf 0x15 (TSC/crystal ratio and the
 * crystal's frequency), else leaf 0x16 (processor base frequency), else measured against the HPET,
 * the ACPI PM timer or PIT channel 2, in that order; a second source cross-checks the first where
 * one exists. A CPUID figure that a measurement contradicts by more than TSC_AGREE_PPM is not
 * believed (a virtual CPU's CPUID can name a model whose TSC it does not run at): the
 * measurement is used and the disagreement reported. Pure C: the arithmetic and the choice,
 * host-tested; arch/tsc.c does the measuring.
 */
#ifndef ARCH_TSC_CALIB_H
#define ARCH_TSC_CALIB_H

#include "types.h"

enum tsc_source {
	TSC_SRC_CPUID15 = 0,
	TSC_SRC_CPUID16,
	TSC_SRC_HPET,
	TSC_SRC_PMTIMER,
	TSC_SRC_PIT,
	TSC_SRC_FALLBACK,
	TSC_SRC_COUNT,
};

#define TSC_FALLBACK_HZ 1000000000ULL /* nothing answered: 1 GHz, said in the boot report */
#define TSC_AGREE_PPM 20000           /* 2 %: leaf 0x16 is the base frequency in whole MHz */
#define CPUID_LEAF_TSC_CRYSTAL 0x15
#define CPUID_LEAF_FREQUENCY 0x16

struct tsc_inputs {
	u32 max_leaf;              /* CPUID.0:EAX */
	u32 c15_eax, c15_ebx, c15_ecx;
	u32 c16_eax;
	u64 measured[TSC_SRC_COUNT]; /* Hz per measured source (HPET, PM timer, PIT); 0: none */
};

struct tsc_choice {
	enum tsc_source source;
	u64 hz;
	enum tsc_source check;     /* the other source (TSC_SRC_COUNT: none to cross-check against) */
	u64 check_hz;
	bool disagree;             /* the two differ by more than TSC_AGREE_PPM */
};

/* CPUID.15H: TSC Hz = ECX * EBX / EAX (Intel SDM Vol. 2A, CPUID leaf 15H); 0 when not enumerated. */
u64 tsc_hz_cpuid15(u32 eax, u32 ebx, u32 ecx);
/* CPUID.16H:EAX[15:0], the base frequency in MHz; 0 when not enumerated. */
u64 tsc_hz_cpuid16(u32 eax);
/* TSC Hz from tsc_ticks counted over ref_ticks of a reference clock of ref_hz (0 if ref_ticks is). */
u64 tsc_hz_from_count(u64 tsc_ticks, u64 ref_ticks, u64 ref_hz);
/* Whether a and b agree within TSC_AGREE_PPM of b. */
bool tsc_agree(u64 a, u64 b);
void tsc_choose(const struct tsc_inputs *in, struct tsc_choice *out);
const char *tsc_source_name(enum tsc_source s);

#endif
