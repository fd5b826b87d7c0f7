# microhv — see README.md. `make` builds everything with warnings as errors.
VERSION := 0.1.0
BUILD := build
CC := gcc
NASM := nasm
LD := ld

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# The core: freestanding, higher half (-mcmodel=kernel), no red zone, no SSE/x87 (DESIGN.md section 7).
CORE_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
	-mgeneral-regs-only -mcmodel=kernel -fno-pic -fno-pie -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -DMICROHV_VERSION='"$(VERSION)"'
CORE_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T linker.ld

# Pure C shared by the core, the UEFI loader and the host tests.
include dispatcher/dispatcher.mk
PURE_SRCS := arch/printf.c arch/console.c arch/pmm.c arch/elf.c arch/memmap.c arch/string.c \
	boot/options.c vmx/caps.c vmx/controls.c vmx/ept.c vmx/vmx_errors.c vmx/exit_needs.c vmx/vmcs_names.c $(DISPATCHER_SRCS) \
	devices/iobus.c devices/uart.c devices/debug_exit.c devices/pic.c devices/pit.c devices/sysport.c devices/rtc.c devices/reset.c devices/board.c guest/mb1.c guest/linux.c
# The host console and clock (issues 11 and 13): output ring, in-memory log, ACPI, TSC choice, COM1 link.
PURE_SRCS += arch/conq.c arch/memlog.c arch/acpi.c arch/tsc_calib.c vmx/conlink.c
# what becomes of a host NMI, in the guest or in root mode (issue 13)
PURE_SRCS += vmx/nmi_policy.c
# C, one VM exit and entry, measured at start (issue 11 item 7)
PURE_SRCS += vmx/exit_cost_meter.c
CORE_SRCS := $(PURE_SRCS) arch/serial.c arch/desc.c arch/exceptions.c arch/paging.c \
	arch/shutdown.c arch/tsc.c arch/cmos.c boot/main.c boot/launch.c boot/multiboot2/mb2.c vmx/report.c \
	vmx/guest_ram.c vmx/vmx.c vmx/run.c vmx/vmcs.c vmx/vcpu_sync.c vmx/nmi.c vmx/diag.c
# the screen console (arch/fbcon.h, arch/screen.h)
CORE_SRCS += arch/fbcon.c arch/font8x16.c arch/screen.c boot/vtx_gate.c
CORE_SRCS += arch/ksyms.c
CORE_SRCS += arch/hostcon.c
# the LAPIC-timer fallback for the preemption timer (issue 13)
CORE_SRCS += arch/lapic.c vmx/timer.c
CORE_SRCS += vmx/exit_cost.c
CORE_ASMS := boot/multiboot2/entry.asm arch/entry.asm arch/isr.asm vmx/entry.asm
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/core/%.o) $(CORE_ASMS:%.asm=$(BUILD)/core/%.asm.o)

.PHONY: all core efi iso usb guests test unit bench run clean deps fuzz FORCE
.PHONY: test-nested
.PHONY: debug
all: core efi iso usb guests

core: $(BUILD)/microhv.elf
$(BUILD)/microhv.elf: $(CORE_OBJS) linker.ld scripts/link-core.sh
	@echo "  LD      $@ (two passes: the second carries the symbol table, arch/ksyms.h)"
	@CC="$(CC)" CFLAGS="$(CORE_CFLAGS)" LD="$(LD)" LDFLAGS="$(CORE_LDFLAGS)" scripts/link-core.sh $@ $(CORE_OBJS)

# The test build with a deliberate panic (tests/integration/bochs_panic.sh): boot/main.c built
# again with HV_TEST_PANIC, plus boot/test_panic.c; every other object is the core's own.
PANIC_OBJS := $(filter-out $(BUILD)/core/boot/main.o,$(CORE_OBJS)) $(BUILD)/core-test/boot/main.o \
	$(BUILD)/core-test/boot/test_panic.o
$(BUILD)/test/microhv-panic.elf: $(PANIC_OBJS) linker.ld scripts/link-core.sh
	@mkdir -p $(dir $@)
	@echo "  LD      $@ (test build: panics on purpose)"
	@CC="$(CC)" CFLAGS="$(CORE_CFLAGS)" LD="$(LD)" LDFLAGS="$(CORE_LDFLAGS)" scripts/link-core.sh $@ $(PANIC_OBJS)
$(BUILD)/core-test/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (test build)"
	@$(CC) $(CORE_CFLAGS) -DHV_TEST_PANIC -MMD -MP -c $< -o $@

$(BUILD)/core/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/core/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -Werror -o $@ $<

-include $(wildcard $(BUILD)/core/*/*.d $(BUILD)/core/*/*/*.d $(BUILD)/core/*/*/*/*.d)
-include $(wildcard $(BUILD)/core-test/*/*.d)
-include boot/uefi/uefi.mk
-include guest/tests/guests.mk
-include tests/unit/unit.mk
-include tests/bench/bench.mk

iso: $(BUILD)/microhv.iso
$(BUILD)/microhv.iso: $(BUILD)/microhv.elf scripts/mkiso.sh
	scripts/mkiso.sh --core $(BUILD)/microhv.elf --out $@

# `make usb [KERNEL=bzImage] [INITRD=file] [APPEND="guest command line"]`: the image also
# carries the guest, named by kernel=, initrd= and append= in its microhv.cfg. The words are
# kept in $(BUILD)/usb.args, so that changing them (or leaving them out) rebuilds the image.
USB_ARGS := $(if $(KERNEL),--kernel '$(KERNEL)') $(if $(INITRD),--initrd '$(INITRD)') $(if $(APPEND),--append '$(APPEND)')
usb: $(BUILD)/microhv-usb.img
$(BUILD)/usb.args: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' "$(USB_ARGS)" | cmp -s - $@ || printf '%s\n' "$(USB_ARGS)" > $@
$(BUILD)/microhv-usb.img: $(BUILD)/BOOTX64.EFI scripts/mkusb.sh $(BUILD)/usb.args $(KERNEL) $(INITRD)
	scripts/mkusb.sh --efi $(BUILD)/BOOTX64.EFI --out $@ $(USB_ARGS)

deps:
	scripts/deps.sh

# `make run`: Debian's kernel with a busybox initramfs, an interactive shell on the console.
# `make run GUEST=name|file` (a Multiboot test guest) or `KERNEL=bzImage [INITRD=file]`;
# also APPEND="guest command line", HVARGS="key=value ...", CPU=model, TIMEOUT=seconds.
GUEST ?=
LINUX_KERNEL := $(BUILD)/linux/vmlinuz
LINUX_INITRD := $(BUILD)/linux/initrd.img
RUN_GUEST = $(if $(KERNEL),$(KERNEL),$(if $(GUEST),$(if $(wildcard $(GUEST)),$(GUEST),$(BUILD)/guest/tests/$(GUEST).elf),$(LINUX_KERNEL)))
RUN_INITRD = $(if $(INITRD),$(INITRD),$(if $(KERNEL)$(GUEST),,$(LINUX_INITRD)))
run: deps
	$(MAKE) all
	$(if $(KERNEL)$(GUEST),,scripts/linux-guest.sh)
	scripts/run-bochs.sh $(if $(CPU),--cpu $(CPU)) $(if $(HVARGS),--cmdline "$(HVARGS)") \
		--guest $(RUN_GUEST) $(if $(RUN_INITRD),--initrd $(RUN_INITRD)) $(if $(APPEND),--append "$(APPEND)") \
		--timeout $(or $(TIMEOUT),3600) --console --log $(BUILD)/run-serial.log

# `make debug GUEST=... [HVARGS=...]`: the same Bochs run under Bochs's debugger, stopped before the
# first instruction, microhv's symbols loaded (README "Exit statistics")
debug: deps
	$(MAKE) all
	$(if $(KERNEL)$(GUEST),,scripts/linux-guest.sh)
	scripts/run-bochs.sh --debug $(if $(CPU),--cpu $(CPU)) $(if $(HVARGS),--cmdline "$(HVARGS)") \
		--guest $(RUN_GUEST) $(if $(RUN_INITRD),--initrd $(RUN_INITRD)) $(if $(APPEND),--append "$(APPEND)") \
		--timeout $(or $(TIMEOUT),86400) --log $(BUILD)/debug-serial.log

test: deps
	$(MAKE) all unit
	@# Debian's kernel first, so that the unit tests' test_debian_kernel runs on a fresh clone too
	@# (a failed fetch is reported by bochs_linux.sh, which fetches it again)
	-scripts/linux-guest.sh >/dev/null
	scripts/test.sh

# `make test-nested`: microhv under nested KVM, with Bochs as the outermost machine (README,
# "Nested KVM"); run only when named, not by make test (tests/integration/nested_kvm.sh)
test-nested: deps
	$(MAKE) core guests
	scripts/test.sh nested_kvm

# `make fuzz [FUZZ_RUNS=10000000] [FUZZ_SECONDS=7200]`: each libFuzzer harness for FUZZ_RUNS
# executions, FUZZ_SECONDS at most (make test runs them briefly)
fuzz: deps
	FUZZ_RUNS=$(or $(FUZZ_RUNS),10000000) tests/fuzz/run.sh $(or $(FUZZ_SECONDS),7200)

# `make fuzz-guests [N=20]`: the guest-level differential fuzzer (tests/integration/gfuzz.sh),
# seeds 1..N, each under every block-IO configuration; about 14 s of Bochs per run, two at a time
.PHONY: fuzz-guests
fuzz-guests: deps
	$(MAKE) all
	GFUZZ_SEEDS="$$(seq 1 $(or $(N),20))" GFUZZ_CONFIGS="on cpu nofollow" tests/integration/gfuzz.sh

# `make bench [BENCH="part ..."]`: every part, or those named (scripts/bench.sh lists them;
# BENCH=linux is the Linux boot in Bochs, about 15 minutes)
bench: deps
	$(MAKE) all $(BUILD)/tests/bench/micro_block
	BENCH="$(BENCH)" scripts/bench.sh

clean:
	rm -rf $(BUILD)

# `make -s print-VAR`: a variable's value, for the shell scripts that build from the same lists
print-%:
	@echo $($*)
