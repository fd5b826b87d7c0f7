# The vCPU interface's sources: guest-memory access by linear address and the debug-register rules.
VCPU_SRCS := dispatcher/vcpu/gmem.c dispatcher/vcpu/breakpoints.c dispatcher/vcpu/gmem_tlb.c
VCPU_SRCS += dispatcher/vcpu/page_gen.c
