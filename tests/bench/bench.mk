# Host microbenchmarks (make bench): optimised, no sanitizers, the same sources as the unit tests.
MICRO_BIN := $(BUILD)/tests/bench/micro_block
$(MICRO_BIN): tests/bench/micro_block.c $(UNIT_DISPATCH_SRCS) tests/unit/fake_block.c tests/unit/fake_io.c tests/unit/fake_vcpu.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) -std=c11 -O2 -g $(WARN) -I. -D_DEFAULT_SOURCE -o $@ $^ -lcmocka
