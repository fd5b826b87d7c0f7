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
PURE_SRCS := arch/printf.c arch/console.c arch/pmm.c arch/elf.c arch/memmap.c arch/string.c \
	boot/options.c vmx/caps.c vmx/controls.c vmx/ept.c vmx/vmx_errors.c \
	dispatcher/cpuid.c dispatcher/exit_reasons.c dispatcher/guest_mem.c dispatcher/msr.c \
	dispatcher/dispatch.c dispatcher/exits_io.c dispatcher/breakpoints.c dispatcher/exits_cpu.c dispatcher/exits_cr.c dispatcher/interrupts.c \
	dispatcher/decode.c dispatcher/decode_subset.c dispatcher/hash.c dispatcher/table.c dispatcher/scanner.c dispatcher/rip_update.c \
	dispatcher/interp.c dispatcher/interp_string.c dispatcher/interp_stack.c dispatcher/interp_fast.c dispatcher/block_dispatch.c dispatcher/trace.c \
	devices/iobus.c devices/uart.c devices/debug_exit.c devices/pic.c devices/pit.c devices/sysport.c devices/rtc.c devices/reset.c devices/board.c guest/mb1.c guest/linux.c
CORE_SRCS := $(PURE_SRCS) arch/serial.c arch/desc.c arch/exceptions.c arch/paging.c \
	arch/shutdown.c arch/tsc.c arch/cmos.c boot/main.c boot/launch.c boot/multiboot2/mb2.c vmx/report.c \
	vmx/guest_ram.c vmx/vmx.c vmx/run.c
CORE_ASMS := boot/multiboot2/entry.asm arch/entry.asm arch/isr.asm vmx/entry.asm
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/core/%.o) $(CORE_ASMS:%.asm=$(BUILD)/core/%.asm.o)

.PHONY: all core efi iso usb guests test unit bench run clean deps fuzz FORCE
.PHONY: test-nested
all: core efi iso usb guests

core: $(BUILD)/microhv.elf
$(BUILD)/microhv.elf: $(CORE_OBJS) linker.ld
	@echo "  LD      $@"
	@$(LD) $(CORE_LDFLAGS) -o $@ $(CORE_OBJS)

$(BUILD)/core/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/core/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -Werror -o $@ $<

-include $(wildcard $(BUILD)/core/*/*.d $(BUILD)/core/*/*/*.d)
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
		--timeout $(or $(TIMEOUT),3600) --console

test: deps
	$(MAKE) all unit
	scripts/test.sh

# `make test-nested`: microhv under nested KVM, with Bochs as the outermost machine (README,
# "Nested KVM"); make test runs it too (tests/integration/nested_kvm.sh)
test-nested: deps
	$(MAKE) core guests
	scripts/test.sh nested_kvm

# `make fuzz [FUZZ_SECONDS=600]`: the libFuzzer harnesses for as long as asked (make test runs them briefly)
fuzz: deps
	tests/fuzz/run.sh $(or $(FUZZ_SECONDS),600)

# `make bench [BENCH="part ..."]`: every part, or those named (scripts/bench.sh lists them;
# BENCH=linux is the Linux boot in Bochs, about 15 minutes)
bench: deps
	$(MAKE) all $(BUILD)/tests/bench/micro_block
	BENCH="$(BENCH)" scripts/bench.sh

clean:
	rm -rf $(BUILD)
