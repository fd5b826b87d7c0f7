/* The test build's deliberate panic (boot/test_panic.c). */
#ifndef BOOT_TEST_PANIC_H
#define BOOT_TEST_PANIC_H

void test_panic_now(void);

#endif
