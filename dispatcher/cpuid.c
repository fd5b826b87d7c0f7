/* Guest CPUID: hidden features and the hypervisor leaves (Intel SDM Vol. 2A, CPUID). */
#include "cpuid.h"
#include "../arch/x86.h"

#define SIG_BYTES_PER_REG 4
#define BITS_PER_BYTE 8

struct cpuid_hide {
	u32 leaf;
	enum cpuid_reg reg;
	u32 mask;
};

/* Feature bits the guest must not see, each for a reason it would otherwise trip on. */
static const struct cpuid_hide hides[] = {
	/* No nested VMX: VMX instructions in the guest exit and get #UD. */
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_VMX_BIT},
	/* GETSEC would exit unconditionally (SDM Vol. 3C 26.1.2); microhv offers no SMX. */
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_SMX_BIT},
	/* MONITOR/MWAIT are intercepted and get #UD, as on a CPU without them, so the guest
	 * idles with HLT, which microhv turns into sleeping until the next device deadline. */
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_MONITOR},
	/* No local APIC is emulated: no APIC, no x2APIC MSRs, no TSC-deadline timer. The
	 * guest takes its interrupts from the emulated 8259 PIC pair and time from the PIT. */
	{CPUID_LEAF_FEATURES, CPUID_EDX, CPUID_1_EDX_APIC},
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_X2APIC},
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_TSC_DEADLINE},
	/* Every feature below names MSRs microhv does not give the guest (they answer #GP), and
	 * an OS that sees the bit reads or writes them without expecting a fault: machine check
	 * (MCG_*, MCi_* banks), thermal monitoring and SpeedStep, performance capabilities,
	 * TSC_ADJUST, and the speculation-control MSRs (SPEC_CTRL, PRED_CMD, FLUSH_CMD,
	 * ARCH_CAPABILITIES, CORE_CAPABILITIES). Seen with Debian's kernel: an MCA bit it could
	 * not back with MSRs makes it panic ("MCA architectural violation"). */
	{CPUID_LEAF_FEATURES, CPUID_EDX, CPUID_1_EDX_MCE | CPUID_1_EDX_MCA | CPUID_1_EDX_ACPI_THERMAL | CPUID_1_EDX_TM},
	{CPUID_LEAF_FEATURES, CPUID_ECX, CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_PDCM},
	{CPUID_LEAF_EXT_FEATURES, CPUID_EBX, CPUID_7_EBX_TSC_ADJUST},
	{CPUID_LEAF_EXT_FEATURES, CPUID_EDX,
	 CPUID_7_EDX_MD_CLEAR | CPUID_7_EDX_IBRS_IBPB | CPUID_7_EDX_STIBP | CPUID_7_EDX_L1D_FLUSH |
	     CPUID_7_EDX_ARCH_CAPABILITIES | CPUID_7_EDX_CORE_CAPABILITIES | CPUID_7_EDX_SSBD},
};

/*
 * Leaves answered with all zeros. 6: thermal and power management sit behind MSRs and
 * the APIC thermal interrupt, none of which the guest gets. 0xB and 0x1F: the x2APIC
 * topology describes x2APIC IDs of a host the guest does not see (one vCPU, no APIC).
 * 0x40000001..0x400000FF: microhv defines no hypervisor leaves past the signature leaf;
 * zero also replaces whatever a hypervisor below microhv answers there.
 */
static const struct {
	u32 first, last;
} zeroed[] = {
	{CPUID_LEAF_THERMAL_POWER, CPUID_LEAF_THERMAL_POWER},
	{CPUID_LEAF_PERFMON, CPUID_LEAF_PERFMON}, /* no PMU: its counters are host MSRs */
	{CPUID_LEAF_X2APIC_TOPOLOGY, CPUID_LEAF_X2APIC_TOPOLOGY},
	{CPUID_LEAF_V2_TOPOLOGY, CPUID_LEAF_V2_TOPOLOGY},
	{CPUID_LEAF_HV_BASE + 1, CPUID_LEAF_HV_LAST},
};

/* Bytes 4*i .. 4*i+3 of the signature, little-endian, as register i of EBX, ECX, EDX. */
static u32 signature_word(u32 i)
{
	static const char sig[] = CPUID_HV_SIGNATURE;
	u32 w = 0;
	for (u32 b = 0; b < SIG_BYTES_PER_REG; b++) {
		u32 at = i * SIG_BYTES_PER_REG + b;
		u32 c = at < sizeof(sig) - 1 ? (u8)sig[at] : 0;
		w |= c << (b * BITS_PER_BYTE);
	}
	return w;
}

void cpuid_filter(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS])
{
	for (size_t i = 0; i < ARRAY_SIZE(zeroed); i++) {
		if (leaf >= zeroed[i].first && leaf <= zeroed[i].last) {
			for (int r = 0; r < CPUID_NREGS; r++)
				regs[r] = 0;
			return;
		}
	}
	if (leaf == CPUID_LEAF_HV_BASE) {
		/* EAX: the highest hypervisor leaf; "microhv" identifies the hypervisor. */
		regs[CPUID_EAX] = CPUID_LEAF_HV_BASE;
		regs[CPUID_EBX] = signature_word(0);
		regs[CPUID_ECX] = signature_word(1);
		regs[CPUID_EDX] = signature_word(2);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(hides); i++)
		if (hides[i].leaf == leaf && (leaf != CPUID_LEAF_EXT_FEATURES || subleaf == 0))
			regs[hides[i].reg] &= ~hides[i].mask;
	/* Bit 31 is reserved for hypervisors to say the guest runs under one, so it may look
	 * at the 0x40000000 leaves (SDM Vol. 2A, CPUID, table 3-10: "not used", always 0 on
	 * bare metal). */
	if (leaf == CPUID_LEAF_FEATURES)
		regs[CPUID_ECX] |= CPUID_1_ECX_HYPERVISOR;
	/* XSAVES/XRSTORS manage supervisor state through IA32_XSS, an MSR the guest does not get
	 * (Debian's kernel writes it unchecked when it sees the bit): hidden. */
	if (leaf == CPUID_LEAF_XSAVE && subleaf == 1)
		regs[CPUID_EAX] &= ~CPUID_D1_EAX_XSAVES;
}

static void set_bit_if(u32 *reg, u32 bit, bool on)
{
	*reg = on ? (*reg | bit) : (*reg & ~bit);
}

void cpuid_reflect_guest_cr4(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS], u64 guest_cr4)
{
	if (leaf == CPUID_LEAF_FEATURES)
		set_bit_if(&regs[CPUID_ECX], CPUID_1_ECX_OSXSAVE, (guest_cr4 & CR4_OSXSAVE) != 0);
	/* CR4.PKE can be 1 only where the CPU has PKU, so OSPKE never claims a missing feature. */
	if (leaf == CPUID_LEAF_EXT_FEATURES && subleaf == 0)
		set_bit_if(&regs[CPUID_ECX], CPUID_7_ECX_OSPKE, (guest_cr4 & CR4_PKE) != 0);
}

void cpuid_reflect_user_wait(u32 leaf, u32 subleaf, u32 regs[CPUID_NREGS], bool user_wait_pause)
{
	if (leaf == CPUID_LEAF_EXT_FEATURES && subleaf == 0 && !user_wait_pause)
		regs[CPUID_ECX] &= ~CPUID_7_ECX_WAITPKG;
}
