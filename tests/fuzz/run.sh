#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined) and runs each for a
# bounded time, printing one TAP line per harness: "ok - fuzz: NAME (...)" or "not ok - ...".
# A crash leaves its input in build/tests/fuzz/NAME/crash-*; rerun it with
#   build/tests/fuzz/NAME.bin build/tests/fuzz/NAME/crash-...
# Usage: tests/fuzz/run.sh [SECONDS]   (default 20 each; FUZZ_SECONDS works too). Exits 0.
set -u
cd "$(dirname "$0")/../.." || exit 0
secs=${1:-${FUZZ_SECONDS:-20}}
out=${BUILD:-build}/tests/fuzz
mkdir -p "$out"
CC=${FUZZ_CC:-clang}
CFLAGS=(-std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I. -D_DEFAULT_SOURCE
	"-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined)
# the emulator's one source list (dispatcher/emul/emul.mk)
mk() { MAKEFLAGS= MAKELEVEL= make -s --no-print-directory "print-$1"; }
declare -A srcs=(
	[fuzz_decode]="tests/fuzz/fuzz_decode.c $(mk DECODE_SRCS)"
	[fuzz_interp]="tests/fuzz/fuzz_interp.c $(mk EMUL_SRCS) dispatcher/vcpu/gmem.c dispatcher/vcpu/gmem_tlb.c"
)
if ! command -v "$CC" >/dev/null; then
	for name in fuzz_decode fuzz_interp; do echo "ok - fuzz: $name # SKIP $CC not installed (scripts/deps.sh)"; done
	exit 0
fi
for name in fuzz_decode fuzz_interp; do
	bin=$out/$name.bin
	# shellcheck disable=SC2086
	if ! "$CC" "${CFLAGS[@]}" ${srcs[$name]} -o "$bin" >"$out/$name.build.log" 2>&1; then
		echo "not ok - fuzz: $name does not build"
		sed 's/^/# /' "$out/$name.build.log" | tail -20
		continue
	fi
	mkdir -p "$out/$name/corpus"
	log=$out/$name.log
	( cd "$out/$name" && timeout $((secs + 60)) "../$name.bin" -max_total_time="$secs" -print_final_stats=1 \
		-seed=1 -max_len=512 corpus ) >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
	cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, ft \2, corpus \3/p')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz: $name ($secs s, $runs runs, ${cov:-no coverage line})"
	else
		echo "not ok - fuzz: $name (exit status $rc after ${runs:-?} runs; see $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 | sed 's/^/# /'
	fi
done
exit 0
