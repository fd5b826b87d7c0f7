# Host microbenchmarks (make bench): optimised, no sanitizers, the same sources as the unit tests.
MICRO_BIN := $(BUILD)/tests/bench/micro_block
# One compile and link of all its sources, so no per-object dependency files: it depends on
# every header those sources may include (a header-only change, a struct's layout, rebuilds it).
MICRO_HDRS := $(wildcard arch/*.h devices/*.h dispatcher/*.h dispatcher/*/*.h vmx/*.h tests/unit/*.h)
$(MICRO_BIN): tests/bench/micro_block.c $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/fake_vcpu.c \
		vmx/guest_ram.c vmx/ept.c arch/pmm.c $(MICRO_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) -std=c11 -O2 -g $(WARN) -I. -D_DEFAULT_SOURCE -o $@ $(filter %.c,$^) -lcmocka
