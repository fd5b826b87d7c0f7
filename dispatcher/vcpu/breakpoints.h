/*
 * Debug-register breakpoints hit by an instruction that microhv emulates (DESIGN.md section 3:
 * the guest must not tell emulation from native execution). The processor checks DR7's data and
 * I/O breakpoints against every access an instruction makes and raises a trap-class #DB after
 * the instruction (SDM Vol. 3B 18.2.4 "Debug Control Register (DR7)", 18.2.5 "Breakpoint Field
 * Recognition", 18.3.1.2 "Data Memory and I/O Breakpoint Exception Conditions"). When microhv
 * performs the access instead, these functions say which breakpoints it hit; vcpu_debug_trap
 * (vcpu.h) turns the answer into the pending debug exception that vmx/ hands to the processor.
 * Pure C: the vCPU's DR7, DR0-DR3 and CR4 are all it reads.
 *
 * Only enabled breakpoints (an L or G bit in DR7) are reported: the SDM lets DR6.Bn be set or
 * not for a condition met by a disabled one (18.2.3), and a debug handler looks only at enabled
 * ones.
 */
#ifndef DISPATCHER_BREAKPOINTS_H
#define DISPATCHER_BREAKPOINTS_H

#include "vcpu.h"
#include "../../arch/x86.h"

/* DR7 (SDM Vol. 3B 18.2.4, figure 18-1). */
#define DR7_ENABLE_MASK 0xffULL /* L0, G0 .. L3, G3 */
#define DR7_ENABLE_SHIFT(n) (2 * (n))
#define DR7_RW_SHIFT(n) (16 + 4 * (n))
#define DR7_LEN_SHIFT(n) (18 + 4 * (n))
#define DR7_FIELD_MASK 0x3u
#define DR7_RW_EXEC 0u
#define DR7_RW_WRITE 1u
#define DR7_RW_IO 2u /* with CR4.DE = 1; undefined otherwise */
#define DR7_RW_ACCESS 3u
#define DR7_LEN_1 0u
#define DR7_LEN_2 1u
#define DR7_LEN_8 2u
#define DR7_LEN_4 3u

/* The Bn bits (in the DR6 / pending-debug-exceptions format) of the enabled I/O breakpoints
 * that an access to ports port..port+size-1 hits: R/W = 10b, CR4.DE = 1, the port zero-extended
 * and compared as an address of LEN bytes. */
u32 bp_io_hits(const struct vcpu *v, u16 port, u32 size);

/* The Bn bits of the enabled data breakpoints that a data access of size bytes at linear hits:
 * R/W = 01b for writes, 11b for reads and writes; never 00b (instruction) or 10b (I/O). */
u32 bp_data_hits(const struct vcpu *v, u64 linear, u32 size, bool write);

#endif
