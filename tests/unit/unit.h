/* Shared by the host unit tests: cmocka's required includes and a runner. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/*
 * Unbuffered stdout: if a sanitizer aborts the binary mid-run, the TAP lines of the tests
 * that already ran are not lost in a stdio buffer, so run.sh can still show where it stopped.
 */
#define UNIT_RUN_GROUP(tests, setup, teardown) \
	(setvbuf(stdout, NULL, _IONBF, 0), cmocka_run_group_tests(tests, setup, teardown))
#define UNIT_RUN(tests) UNIT_RUN_GROUP(tests, NULL, NULL)

/* Deterministic xorshift64* for the randomized tests: fixed seeds, reproducible failures. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform enough in [0, n) for tests; n > 0. */
static inline uint64_t unit_below(uint64_t *state, uint64_t n) { return unit_rand(state) % n; }

#endif
