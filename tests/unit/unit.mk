# Host unit tests (cmocka), included by the top Makefile. `make unit` builds one binary per
# tests/unit/test_*.c into $(BUILD)/tests/unit/; tests/unit/run.sh runs them and prints TAP.
# The pure sources are compiled natively with ASan and UBSan. arch/string.c is never linked:
# it defines memcpy and friends, which the host's libc (and the sanitizers) provide.

UNIT_DIR := $(BUILD)/tests/unit
UNIT_CC ?= gcc
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS := -std=c11 -O1 -g $(WARN) $(UNIT_SAN) -fno-omit-frame-pointer -I. \
	-D_DEFAULT_SOURCE -DUNIT_DATA_DIR='"$(abspath tests/data)"'
UNIT_LDLIBS := -lcmocka

# Pure sources under test, per binary (kept explicit and small).
UNIT_SRCS_test_printf := arch/printf.c
UNIT_SRCS_test_console := arch/console.c arch/printf.c
UNIT_SRCS_test_options := boot/options.c arch/printf.c
UNIT_SRCS_test_ucmd := boot/uefi/cmdline.c boot/options.c arch/printf.c
UNIT_SRCS_test_pmm := arch/pmm.c
UNIT_SRCS_test_pmm_random := arch/pmm.c
UNIT_SRCS_test_elf := arch/elf.c arch/printf.c
UNIT_SRCS_test_elf_segments := arch/elf.c arch/printf.c
UNIT_SRCS_test_memmap := arch/memmap.c arch/console.c arch/printf.c
UNIT_SRCS_test_caps := vmx/caps.c
UNIT_SRCS_test_ksyms := arch/ksyms.c
UNIT_SRCS_test_guest_mem := dispatcher/vcpu/gmem.c dispatcher/vcpu/gmem_tlb.c tests/unit/gmem_fixture.c tests/unit/fake_guest_ram.c
UNIT_SRCS_test_guest_mem_faults := dispatcher/vcpu/gmem.c dispatcher/vcpu/gmem_tlb.c tests/unit/gmem_fixture.c tests/unit/fake_guest_ram.c
UNIT_SRCS_test_gmem_tlb := dispatcher/vcpu/gmem.c dispatcher/vcpu/gmem_tlb.c tests/unit/gmem_fixture.c tests/unit/fake_guest_ram.c
UNIT_SRCS_test_guest_mem += dispatcher/vcpu/page_gen.c
UNIT_SRCS_test_guest_mem_faults += dispatcher/vcpu/page_gen.c
UNIT_SRCS_test_gmem_tlb += dispatcher/vcpu/page_gen.c
UNIT_SRCS_test_controls := vmx/controls.c
UNIT_SRCS_test_nmi_policy := vmx/nmi_policy.c
UNIT_SRCS_test_exit_cost := vmx/exit_cost_meter.c arch/printf.c
# the measurement's VMX side over a fake VMCS and vmx_enter (the fakes are in the test)
UNIT_SRCS_test_exit_cost_vmx := vmx/exit_cost.c vmx/exit_cost_meter.c vmx/nmi_policy.c dispatcher/exit_reasons.c \
	arch/console.c arch/printf.c
UNIT_SRCS_test_ept := vmx/ept.c
UNIT_SRCS_test_cpuid := dispatcher/cpuid.c
UNIT_SRCS_test_exit_reasons := dispatcher/exit_reasons.c vmx/vmx_errors.c
UNIT_SRCS_test_mb1 := guest/mb1.c arch/elf.c arch/printf.c tests/unit/fake_loader_ram.c tests/unit/mb1_fixture.c
UNIT_SRCS_test_mb1_refusals := guest/mb1.c arch/elf.c arch/printf.c tests/unit/fake_loader_ram.c tests/unit/mb1_fixture.c
UNIT_SRCS_test_decode := $(DECODE_SRCS) tests/unit/decode_fixture.c
UNIT_SRCS_test_decode_other := $(DECODE_SRCS) tests/unit/decode_fixture.c
UNIT_SRCS_test_interp := $(EMUL_SRCS) $(VCPU_SRCS) tests/unit/fake_interp.c tests/unit/fake_io.c tests/unit/fake_guest_ram.c
UNIT_SRCS_test_interp_mem := $(EMUL_SRCS) $(VCPU_SRCS) tests/unit/fake_interp.c tests/unit/fake_io.c tests/unit/fake_guest_ram.c
UNIT_SRCS_test_interp_fast := $(EMUL_SRCS) $(VCPU_SRCS)
UNIT_SRCS_test_linux := guest/linux.c arch/printf.c tests/unit/fake_loader_ram.c tests/unit/linux_fixture.c
UNIT_SRCS_test_linux_entry := guest/linux.c arch/printf.c tests/unit/fake_loader_ram.c tests/unit/linux_fixture.c
UNIT_SRCS_test_pit := devices/pit.c tests/unit/pit_fixture.c
UNIT_SRCS_test_pit_timing := devices/pit.c tests/unit/pit_fixture.c
UNIT_SRCS_test_pit_modes := devices/pit.c tests/unit/pit_fixture.c
UNIT_SRCS_test_sysport := devices/sysport.c devices/pit.c
UNIT_SRCS_test_pic := devices/pic.c devices/iobus.c tests/unit/pic_fixture.c
UNIT_SRCS_test_pic_modes := devices/pic.c devices/iobus.c tests/unit/pic_fixture.c
UNIT_SRCS_test_uart := devices/uart.c devices/iobus.c tests/unit/uart_fixture.c
UNIT_SRCS_test_uart_lines := devices/uart.c devices/iobus.c tests/unit/uart_fixture.c
UNIT_SRCS_test_uart_busy := devices/uart.c devices/iobus.c tests/unit/uart_fixture.c
# The dispatcher over tests/unit/fake_vcpu.c: a board built from the IO bus and debug-exit alone.
UNIT_DISPATCH_SRCS := tests/unit/fake_vcpu.c tests/unit/fake_guest_ram.c $(DISPATCHER_SRCS) devices/iobus.c \
	devices/debug_exit.c arch/console.c arch/printf.c
UNIT_SRCS_test_dispatch := $(UNIT_DISPATCH_SRCS)
UNIT_SRCS_test_stats := $(UNIT_DISPATCH_SRCS)
UNIT_SRCS_test_exit_needs := $(UNIT_DISPATCH_SRCS) vmx/exit_needs.c
UNIT_SRCS_test_vmcs_names := vmx/vmcs_names.c
UNIT_SRCS_test_exits_io := $(UNIT_DISPATCH_SRCS) tests/unit/exits_io_fixture.c tests/unit/fake_io.c
UNIT_SRCS_test_exits_io_string := $(UNIT_DISPATCH_SRCS) tests/unit/exits_io_fixture.c tests/unit/fake_io.c
UNIT_SRCS_test_exits_io_agree := $(UNIT_DISPATCH_SRCS) tests/unit/exits_io_fixture.c tests/unit/fake_io.c
UNIT_SRCS_test_exits_io_faults := $(UNIT_DISPATCH_SRCS) tests/unit/exits_io_fixture.c tests/unit/fake_io.c
UNIT_SRCS_test_exits_cpu := $(UNIT_DISPATCH_SRCS)
UNIT_SRCS_test_exits_cr := $(UNIT_DISPATCH_SRCS)
UNIT_SRCS_test_exits_io_debug := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c
UNIT_SRCS_test_breakpoints := dispatcher/vcpu/breakpoints.c
# Block IO (DESIGN.md section 3): the units alone, and the scanner and block dispatch over the
# fake vCPU with tests/unit/fake_block.c tests/unit/fake_io.c (a recording device and a one-exit-per-IO reference run).
UNIT_SRCS_test_hash := dispatcher/blockio/hash.c
UNIT_SRCS_test_table := dispatcher/blockio/table.c
UNIT_SRCS_test_scanner := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c
UNIT_SRCS_test_block_dispatch := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_block_limits := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_follow := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c
UNIT_SRCS_test_block_hostile := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_code_gen := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_block_policy := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_block_forecast := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/block_dispatch_fixture.c
UNIT_SRCS_test_follow_paths := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c
UNIT_SRCS_test_replay := $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/replay_gen.c
UNIT_SRCS_test_interrupts := dispatcher/interrupts.c
UNIT_SRCS_test_irq_pacing := dispatcher/interrupts.c devices/board.c devices/pic.c devices/pit.c devices/sysport.c \
	devices/uart.c devices/debug_exit.c devices/rtc.c devices/reset.c devices/iobus.c
UNIT_SRCS_test_iobus := devices/iobus.c devices/debug_exit.c
UNIT_SRCS_test_rtc := devices/rtc.c devices/iobus.c tests/unit/rtc_fixture.c
UNIT_SRCS_test_rtc_registers := devices/rtc.c devices/iobus.c tests/unit/rtc_fixture.c
UNIT_SRCS_test_reset := devices/reset.c devices/iobus.c
UNIT_SRCS_test_fbcon := arch/fbcon.c arch/font8x16.c
UNIT_SRCS_test_vtx_gate := boot/vtx_gate.c vmx/caps.c vmx/controls.c arch/printf.c
UNIT_SRCS_test_mb2_fb := boot/multiboot2/mb2.c arch/memmap.c arch/console.c arch/printf.c
# The host console (issues 11 and 13): output ring, in-memory log, the link to the emulated COM1, ACPI.
UNIT_SRCS_test_conq := arch/conq.c arch/memlog.c
UNIT_SRCS_test_conlink := vmx/conlink.c arch/conq.c arch/console.c arch/printf.c devices/board.c devices/iobus.c \
	devices/uart.c devices/pic.c devices/pit.c devices/sysport.c devices/rtc.c devices/reset.c devices/debug_exit.c
UNIT_SRCS_test_acpi := arch/acpi.c
UNIT_SRCS_test_tsc_calib := arch/tsc_calib.c

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_TESTS:%=$(UNIT_DIR)/%)

.PHONY: unit
unit: $(UNIT_BINS)

$(UNIT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

define UNIT_BIN_RULE
$(UNIT_DIR)/$(1): $(UNIT_DIR)/obj/tests/unit/$(1).o $(UNIT_SRCS_$(1):%.c=$(UNIT_DIR)/obj/%.o)
	$(UNIT_CC) $(UNIT_SAN) -o $$@ $$^ $(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_BIN_RULE,$(t))))

-include $(shell find $(UNIT_DIR)/obj -name '*.d' 2>/dev/null)
