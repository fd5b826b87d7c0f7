# The VM-exit dispatcher: exit-reason table and handlers, over blockio/, emul/ and vcpu/.
include dispatcher/vcpu/vcpu.mk dispatcher/emul/emul.mk dispatcher/blockio/blockio.mk
DISPATCH_SRCS := dispatcher/dispatch.c dispatcher/exit_reasons.c dispatcher/exits_io.c dispatcher/exits_cpu.c \
	dispatcher/exits_cr.c dispatcher/interrupts.c dispatcher/cpuid.c dispatcher/msr.c
DISPATCH_SRCS += dispatcher/stats.c dispatcher/stats_ports.c dispatcher/trace_io.c
DISPATCHER_SRCS := $(DISPATCH_SRCS) $(BLOCKIO_SRCS) $(EMUL_SRCS) $(VCPU_SRCS)
