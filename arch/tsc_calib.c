/* The TSC frequency's arithmetic and source choice; see tsc_calib.h. */
#include "tsc_calib.h"

#define CPUID16_MHZ_MASK 0xffffu
#define HZ_PER_MHZ 1000000ULL
#define PPM 1000000ULL

u64 tsc_hz_cpuid15(u32 eax, u32 ebx, u32 ecx)
{
	/* EAX or EBX 0: the ratio is not enumerated; ECX 0: the crystal is not (SDM Vol. 2A, 15H) */
	if (!eax || !ebx || !ecx)
		return 0;
	return (u64)ecx * ebx / eax;
}

u64 tsc_hz_cpuid16(u32 eax) { return (u64)(eax & CPUID16_MHZ_MASK) * HZ_PER_MHZ; }

u64 tsc_hz_from_count(u64 tsc_ticks, u64 ref_ticks, u64 ref_hz)
{
	if (!ref_ticks)
		return 0;
	/* no 128-bit division in the freestanding core: whole part and remainder separately */
	u64 q = tsc_ticks / ref_ticks, r = tsc_ticks % ref_ticks;
	if (q && ref_hz > UINT64_MAX / q)
		return UINT64_MAX;
	u64 whole = q * ref_hz, frac;
	if (!r || ref_hz <= UINT64_MAX / r) {
		frac = r * ref_hz / ref_ticks;
	} else { /* r < ref_ticks: scale both down until the product fits */
		unsigned shift = 0;
		while ((r >> shift) && ref_hz > UINT64_MAX / (r >> shift))
			shift++;
		frac = (r >> shift) * ref_hz / (ref_ticks >> shift);
	}
	return whole > UINT64_MAX - frac ? UINT64_MAX : whole + frac;
}

bool tsc_agree(u64 a, u64 b)
{
	u64 d = a > b ? a - b : b - a;
	return (unsigned __int128)d * PPM <= (unsigned __int128)b * TSC_AGREE_PPM;
}

static u64 cpuid_hz(const struct tsc_inputs *in, enum tsc_source s)
{
	if (s == TSC_SRC_CPUID15 && in->max_leaf >= CPUID_LEAF_TSC_CRYSTAL)
		return tsc_hz_cpuid15(in->c15_eax, in->c15_ebx, in->c15_ecx);
	if (s == TSC_SRC_CPUID16 && in->max_leaf >= CPUID_LEAF_FREQUENCY)
		return tsc_hz_cpuid16(in->c16_eax);
	return 0;
}

void tsc_choose(const struct tsc_inputs *in, struct tsc_choice *out)
{
	*out = (struct tsc_choice){TSC_SRC_FALLBACK, TSC_FALLBACK_HZ, TSC_SRC_COUNT, 0, false};
	u64 hz[TSC_SRC_COUNT] = {0};
	for (int s = TSC_SRC_CPUID15; s < TSC_SRC_FALLBACK; s++)
		hz[s] = s <= TSC_SRC_CPUID16 ? cpuid_hz(in, (enum tsc_source)s) : in->measured[s];
	/* the first source, then the first measured one after it as the check */
	int first = TSC_SRC_FALLBACK;
	for (int s = TSC_SRC_CPUID15; s < TSC_SRC_FALLBACK && first == TSC_SRC_FALLBACK; s++)
		if (hz[s])
			first = s;
	if (first == TSC_SRC_FALLBACK)
		return;
	out->source = (enum tsc_source)first;
	out->hz = hz[first];
	for (int s = first < TSC_SRC_HPET ? TSC_SRC_HPET : first + 1; s < TSC_SRC_FALLBACK; s++)
		if (hz[s]) {
			out->check = (enum tsc_source)s;
			out->check_hz = hz[s];
			break;
		}
	if (out->check == TSC_SRC_COUNT || tsc_agree(out->hz, out->check_hz))
		return;
	out->disagree = true;
	if (first <= TSC_SRC_CPUID16) { /* a measurement beats a CPUID figure it contradicts: swap */
		out->source = out->check;
		out->hz = out->check_hz;
		out->check = (enum tsc_source)first;
		out->check_hz = hz[first];
	}
}

const char *tsc_source_name(enum tsc_source s)
{
	switch (s) {
	case TSC_SRC_CPUID15: return "CPUID 0x15 crystal ratio";
	case TSC_SRC_CPUID16: return "CPUID 0x16 base frequency";
	case TSC_SRC_HPET: return "HPET";
	case TSC_SRC_PMTIMER: return "ACPI PM timer";
	case TSC_SRC_PIT: return "PIT channel 2";
	case TSC_SRC_FALLBACK: return "none answered, assumed";
	case TSC_SRC_COUNT: break;
	}
	return "?";
}
