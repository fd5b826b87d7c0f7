# Test guests (guest/tests/): freestanding 32-bit Multiboot1 images, one ELF32 each in
# $(BUILD)/guest/tests/<name>.elf, linked at 1 MiB by guest/tests/guest.ld. Included by the top
# Makefile. The same binaries run bare on QEMU (scripts/run-qemu-bare.sh) and under microhv.
#   hello iosweep aout   oracle guests: identical transcript bare and under microhv
#   outside triple       microhv-only behaviour (bad accesses, triple fault)
#   exitcost mbinfo      benchmark and diagnostic, not oracles
#   blockcost            benchmark: a cached 10-IO block per round against ten single exits
#   picregs pitirq pitoneshot uartirq halttimer
#                        oracle guests of the PIC, PIT and UART with interrupts (lib/irq.h)
#   idle                 benchmark: halts (or, with the argument "spin", spins) on PIT ticks
#   blk_*                block-IO oracle guests (lib/blocks.h): the same transcript bare, with
#                        block_io=off and on (tests/integration/bochs_blocks.sh)
# aout is loaded by the Multiboot header's address fields (flags bit 16); the rest as ELF.
# The interrupt guests also link the runtime's GDT/IDT, PIC and PIT helpers (GUEST_IRQ_LIB).

GUEST_DIR := guest/tests
GUEST_OUT := $(BUILD)/guest/tests
GUEST_IRQ_NAMES := picregs pitirq pitoneshot uartirq halttimer idle echo
GUEST_BLK_NAMES := $(patsubst $(GUEST_DIR)/%.c,%,$(wildcard $(GUEST_DIR)/blk_*.c))
GUEST_NAMES := hello outside triple iosweep exitcost mbinfo aout $(GUEST_IRQ_NAMES) $(GUEST_BLK_NAMES)
GUEST_NAMES += blockcost
GUEST_NAMES += gfuzz
GUEST_CFLAGS := -std=c11 -m32 -march=i686 -ffreestanding -fno-builtin -fno-pic -fno-pie \
	-fno-stack-protector -nostdlib -O2 -mgeneral-regs-only -fno-asynchronous-unwind-tables $(WARN)
GUEST_LDFLAGS := -m elf_i386 -nostdlib -z max-page-size=0x1000 -z noexecstack -T $(GUEST_DIR)/guest.ld
GUEST_LIB := $(GUEST_OUT)/lib/uart.o $(GUEST_OUT)/lib/printf.o $(GUEST_OUT)/lib/runtime.o
GUEST_IRQ_LIB := $(GUEST_OUT)/lib/desc.o $(GUEST_OUT)/lib/pic.o $(GUEST_OUT)/lib/pit.o $(GUEST_OUT)/lib/isr.asm.o

.PHONY: guests
guests: $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	@$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_OUT)/lib/start.asm.o: $(GUEST_DIR)/lib/start.asm
	@mkdir -p $(dir $@)
	@echo "  NASM32  $<"
	@$(NASM) -f elf32 -Werror -o $@ $<
$(GUEST_OUT)/lib/isr.asm.o: $(GUEST_DIR)/lib/isr.asm
	@mkdir -p $(dir $@)
	@echo "  NASM32  $<"
	@$(NASM) -f elf32 -Werror -o $@ $<
$(GUEST_OUT)/lib/start-aout.asm.o: $(GUEST_DIR)/lib/start.asm
	@mkdir -p $(dir $@)
	@echo "  NASM32  $< (a.out kludge)"
	@$(NASM) -f elf32 -Werror -DMB_AOUT -o $@ $<

guest_start = $(GUEST_OUT)/lib/$(if $(filter aout,$(1)),start-aout,start).asm.o
guest_libs = $(GUEST_LIB) $(if $(filter $(GUEST_IRQ_NAMES),$(1)),$(GUEST_IRQ_LIB))
define GUEST_RULE
$(GUEST_OUT)/$(1).elf: $(call guest_start,$(1)) $(GUEST_OUT)/$(1).o $(call guest_libs,$(1)) $(GUEST_DIR)/guest.ld
	@echo "  LD32    $$@"
	@$(LD) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_RULE,$(g))))

-include $(wildcard $(GUEST_OUT)/*.d $(GUEST_OUT)/lib/*.d)
