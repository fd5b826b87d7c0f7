/*
 * Architectural constants of x86-64, one name each: control-register, EFER and RFLAGS bits,
 * paging-structure entry bits, exception vectors and MSR numbers.
 *
 * Pure: macros only, no types, no code, no includes. The core, the loaders, devices/,
 * dispatcher/ and the host tests all take their names from here, never from a local
 * #define. Naming: the SDM's register and bit names, register first (CR0_PG, EFER_LMA,
 * RFLAGS_IF); vectors as X86_EXC_ and the SDM mnemonic (X86_EXC_GP); MSRs as MSR_ and the
 * SDM name without its IA32_ prefix (MSR_EFER for IA32_EFER). Constants that only VMX
 * defines (VMCS fields, VMX capability MSRs) stay in vmx/.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

/* CR0 (SDM Vol. 3A 2.5 "Control Registers", figure 2-7) */
#define CR0_PE (1ULL << 0)  /* protection enable */
#define CR0_MP (1ULL << 1)  /* monitor coprocessor */
#define CR0_EM (1ULL << 2)  /* x87 emulation */
#define CR0_TS (1ULL << 3)  /* task switched */
#define CR0_ET (1ULL << 4)  /* extension type, hard-wired to 1 since the i486 */
#define CR0_NE (1ULL << 5)  /* numeric error */
#define CR0_WP (1ULL << 16) /* write protect */
#define CR0_AM (1ULL << 18) /* alignment mask */
#define CR0_NW (1ULL << 29) /* not write-through */
#define CR0_CD (1ULL << 30) /* cache disable */
#define CR0_PG (1ULL << 31) /* paging */

/* CR3 with linear-address masking (SDM Vol. 3A 5.5 and 4.4 of the ISE) */
#define CR3_LAM_U57 (1ULL << 61)
#define CR3_LAM_U48 (1ULL << 62)

/* CR4 (SDM Vol. 3A 2.5, figure 2-7) */
#define CR4_DE (1ULL << 3)       /* debugging extensions: DR7 R/W = 10b means IO */
#define CR4_PSE (1ULL << 4)      /* 4-MiB pages with 32-bit paging */
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)      /* global pages */
#define CR4_LA57 (1ULL << 12)    /* 5-level paging */
#define CR4_VMXE (1ULL << 13)
#define CR4_SMXE (1ULL << 14)
#define CR4_PCIDE (1ULL << 17)
#define CR4_OSXSAVE (1ULL << 18)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE (1ULL << 22)
#define CR4_PKS (1ULL << 24)
#define CR4_LAM_SUP (1ULL << 28)

/* IA32_EFER (SDM Vol. 3A 2.2.1, table 2-1 "IA32_EFER MSR Information") */
#define EFER_SCE (1ULL << 0) /* SYSCALL enable */
#define EFER_LME (1ULL << 8) /* IA-32e mode enable */
#define EFER_LMA (1ULL << 10) /* IA-32e mode active */
#define EFER_NXE (1ULL << 11) /* execute-disable bit enable */

/* RFLAGS (SDM Vol. 1 3.4.3 "EFLAGS Register", figure 3-8) */
#define RFLAGS_CF (1ULL << 0)
#define RFLAGS_FIXED1 (1ULL << 1) /* reserved, always 1 */
#define RFLAGS_PF (1ULL << 2)
#define RFLAGS_AF (1ULL << 4)
#define RFLAGS_ZF (1ULL << 6)
#define RFLAGS_SF (1ULL << 7)
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_OF (1ULL << 11)
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_IOPL_MASK 0x3ULL /* after the shift */
#define RFLAGS_RF (1ULL << 16)
#define RFLAGS_VM (1ULL << 17)
#define RFLAGS_AC (1ULL << 18)
/* The six status flags (SDM Vol. 1 3.4.3.1) */
#define RFLAGS_STATUS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* Paging-structure entry bits common to every paging mode (SDM Vol. 3A 5.3 to 5.5) */
#define PTE_P (1ULL << 0)   /* present */
#define PTE_RW (1ULL << 1)  /* writes allowed */
#define PTE_US (1ULL << 2)  /* user-mode accesses allowed */
#define PTE_A (1ULL << 5)   /* accessed */
#define PTE_D (1ULL << 6)   /* dirty */
#define PTE_PS (1ULL << 7)  /* page size: maps a page in a PDPTE or PDE */
#define PTE_G (1ULL << 8)   /* global */
#define PTE_XD (1ULL << 63) /* execute disable, with EFER.NXE */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12 */

/* PAE paging: CR3 holds the PDPT's address in bits 31:5 (SDM Vol. 3A 5.4.1) */
#define CR3_PAE_PDPT_MASK (~0x1fULL)

/* Exception vectors (SDM Vol. 3A 6.3.1, table 6-1) */
#define X86_EXC_DE 0  /* divide error */
#define X86_EXC_DB 1  /* debug */
#define X86_EXC_NMI 2
#define X86_EXC_BP 3  /* breakpoint (INT3) */
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6  /* invalid opcode */
#define X86_EXC_NM 7
#define X86_EXC_DF 8  /* double fault */
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13 /* general protection */
#define X86_EXC_PF 14 /* page fault */
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19
#define X86_EXC_COUNT 32 /* vectors 0-31 are reserved for exceptions */

/* MSRs (SDM Vol. 4 chapter 2, table 2-2 "IA-32 Architectural MSRs") */
#define MSR_TSC 0x10 /* IA32_TIME_STAMP_COUNTER */
#define MSR_PLATFORM_ID 0x17
#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083 /* compatibility-mode SYSCALL target (not used by Intel CPUs) */
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

#endif
