# BOOTX64.EFI, the UEFI loader (boot/uefi/): a GNU-EFI application (Debian package gnu-efi)
# that carries the core, $(BUILD)/microhv.elf, inside it. Included by the top Makefile.
#
# Only crt0 and libgnuefi.a (_relocate) come from GNU-EFI; libefi.a is not linked, so
# arch/string.c is the one memcpy/memset (libefi's init.o defines them too). Firmware
# services are called through the system table with the MS ABI (GNU_EFI_USE_MS_ABI).
#
# $(BUILD)/efi/BOOTX64-test-handover.EFI is the same loader built with LDR_TEST_HANDOVER:
# it hands over to the core even without VT-x, so that QEMU TCG (no VMX) tests the
# hand-over path (tests/integration/qemu_uefi.sh). Never put it on a stick.

EFI_LIBDIR := /usr/lib
EFI_INCDIR := /usr/include/efi
EFI_CRT0 := $(EFI_LIBDIR)/crt0-efi-x86_64.o
EFI_LDS := $(EFI_LIBDIR)/elf_x86_64_efi.lds
EFI_LIBGNUEFI := $(EFI_LIBDIR)/libgnuefi.a
EFI_OBJCOPY := objcopy
EFI_READELF := readelf

EFI_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -fno-builtin -fpic -fshort-wchar -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-strict-aliasing -fvisibility=hidden \
	-fno-asynchronous-unwind-tables -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
	-DMICROHV_VERSION='"$(VERSION)"' -isystem $(EFI_INCDIR) -isystem $(EFI_INCDIR)/x86_64
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic -z nocombreloc --no-undefined -T $(EFI_LDS)
# PE sections kept from the ELF (the layout is elf_x86_64_efi.lds's)
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .reloc

# The shared sources the loader uses, by name: PURE_SRCS also holds the devices, the
# dispatcher and the VMX units, which have no business in the loader.
EFI_SHARED_SRCS := arch/printf.c arch/console.c arch/elf.c arch/memmap.c arch/string.c boot/options.c \
	vmx/caps.c arch/serial.c arch/shutdown.c vmx/report.c
# the VT-x gate as the core runs it, controls included (boot/vtx_gate.h)
EFI_SHARED_SRCS += vmx/controls.c boot/vtx_gate.c
EFI_SRCS := $(EFI_SHARED_SRCS) boot/uefi/efisvc.c boot/uefi/handover.c boot/uefi/cmdline.c \
	boot/uefi/gop.c
EFI_ASMS := boot/uefi/jump.S boot/uefi/core_blob.S
EFI_OBJS := $(EFI_SRCS:%.c=$(BUILD)/efi/%.o) $(EFI_ASMS:%.S=$(BUILD)/efi/%.S.o)
EFI_CORE := $(BUILD)/efi/microhv.elf

.PHONY: efi
efi: $(BUILD)/BOOTX64.EFI $(BUILD)/efi/BOOTX64-test-handover.EFI

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (efi)"
	@$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/efi/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (efi)"
	@$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/efi/boot/uefi/loader-test-handover.o: boot/uefi/loader.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (efi, LDR_TEST_HANDOVER)"
	@$(CC) $(EFI_CFLAGS) -DLDR_TEST_HANDOVER -MMD -MP -c $< -o $@

# The core travels inside the loader without its debug sections; the blob is rebuilt
# whenever the core changes.
$(EFI_CORE): $(BUILD)/microhv.elf
	@mkdir -p $(dir $@)
	@$(EFI_OBJCOPY) --strip-debug $< $@
$(BUILD)/efi/boot/uefi/core_blob.S.o: $(EFI_CORE)
$(BUILD)/efi/boot/uefi/core_blob.S.o: EFI_CFLAGS += -DCORE_ELF='"$(EFI_CORE)"'

# _relocate in crt0 applies R_X86_64_RELATIVE only: refuse a link that needs anything else.
define efi_link
	@echo "  LD      $@"
	@$(LD) $(EFI_LDFLAGS) -o $@ $(EFI_CRT0) $^ $(EFI_LIBGNUEFI)
	@bad=$$($(EFI_READELF) -rW $@ | awk '/^[0-9a-f]+ +[0-9a-f]+ +R_X86_64_/ && $$3 != "R_X86_64_RELATIVE"'); \
	if [ -n "$$bad" ]; then echo "$@: relocations the EFI loader cannot apply:"; echo "$$bad"; \
		rm -f $@; exit 1; fi
endef
define efi_objcopy
	@echo "  OBJCOPY $@"
	@$(EFI_OBJCOPY) $(addprefix -j ,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@
endef

$(BUILD)/efi/loader.so: $(EFI_OBJS) $(BUILD)/efi/boot/uefi/loader.o | $(EFI_CRT0) $(EFI_LDS)
	$(efi_link)
$(BUILD)/efi/loader-test-handover.so: $(EFI_OBJS) $(BUILD)/efi/boot/uefi/loader-test-handover.o | $(EFI_CRT0)
	$(efi_link)

$(BUILD)/BOOTX64.EFI: $(BUILD)/efi/loader.so
	$(efi_objcopy)
$(BUILD)/efi/BOOTX64-test-handover.EFI: $(BUILD)/efi/loader-test-handover.so
	$(efi_objcopy)

-include $(wildcard $(BUILD)/efi/*/*.d $(BUILD)/efi/*/*/*.d)
