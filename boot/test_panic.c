/*
 * The deliberate panic of the test build (build/test/microhv-panic.elf, HV_TEST_PANIC): a chain
 * of calls that ends in hv_panic, so that tests/integration/bochs_panic.sh can check the
 * symbolised backtrace frame by frame. Never linked into build/microhv.elf.
 */
#include "test_panic.h"
#include "../arch/exceptions.h"

__attribute__((noinline)) static void test_panic_inner(unsigned depth)
{
	hv_panic("deliberate panic of the test build (depth %u)", depth);
}

__attribute__((noinline)) void test_panic_now(void)
{
	test_panic_inner(1);
}
