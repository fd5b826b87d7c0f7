#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined) and runs each for a
# bounded time, printing one TAP line per harness: "ok - fuzz: NAME (...)" or "not ok - ...".
# A crash leaves its input in build/tests/fuzz/NAME/crash-*; rerun it with
#   build/tests/fuzz/NAME.bin build/tests/fuzz/NAME/crash-...
# Usage: tests/fuzz/run.sh [SECONDS]   (default 20 each; FUZZ_SECONDS works too). Exits 0.
# FUZZ_RUNS=N stops each harness after N executions instead (SECONDS then only bounds it);
# FUZZ_ONLY="name ..." runs only those harnesses.
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
	[fuzz_interp]="tests/fuzz/fuzz_interp.c $(mk EMUL_SRCS) $(mk VCPU_SRCS)"
	[fuzz_mb1]="tests/fuzz/fuzz_mb1.c guest/mb1.c arch/elf.c arch/printf.c"
	[fuzz_linux]="tests/fuzz/fuzz_linux.c guest/linux.c arch/printf.c"
	[fuzz_options]="tests/fuzz/fuzz_options.c boot/options.c boot/uefi/cmdline.c arch/printf.c"
	[fuzz_devices]="tests/fuzz/fuzz_devices.c devices/iobus.c devices/uart.c devices/debug_exit.c devices/pic.c devices/pit.c devices/sysport.c devices/rtc.c devices/reset.c devices/board.c"
)
# longest input per harness: whole images for the loaders
declare -A max_len=([fuzz_mb1]=65536 [fuzz_linux]=16384)
names=${FUZZ_ONLY:-fuzz_decode fuzz_interp fuzz_mb1 fuzz_linux fuzz_options fuzz_devices}
if ! command -v "$CC" >/dev/null; then
	for name in $names; do echo "ok - fuzz: $name # SKIP $CC not installed (scripts/deps.sh)"; done
	exit 0
fi
# seeds: the test guests for the Multiboot loader, a few option lines and a microhv.cfg
seed() { # NAME FILE TEXT
	mkdir -p "$out/$1/corpus"
	[ -e "$out/$1/corpus/$2" ] || printf '%s' "$3" > "$out/$1/corpus/$2"
}
# inputs that once found a bug (tests/fuzz/seeds/NAME/) run first, every time
for d in tests/fuzz/seeds/*/; do
	n=$(basename "$d")
	mkdir -p "$out/$n/corpus"
	cp -n "$d"* "$out/$n/corpus/" 2>/dev/null
done
mkdir -p "$out/fuzz_mb1/corpus"
for g in "${BUILD:-build}"/guest/tests/*.elf; do [ -f "$g" ] && cp -n "$g" "$out/fuzz_mb1/corpus/" 2>/dev/null; done
seed fuzz_options line "block_io=on extent=cpu guest_mem=64M trace=blocks stats_interval=5 on_exit=halt"
seed fuzz_options cfg $'# microhv.cfg\nblock_io=off extent=512\nkernel=/boot/vmlinuz initrd=\\initrd.img\nappend=console=ttyS0 # kept\n'
runs_arg=()
[ -n "${FUZZ_RUNS:-}" ] && runs_arg=(-runs="$FUZZ_RUNS")
for name in $names; do
	bin=$out/$name.bin
	# shellcheck disable=SC2086
	if ! "$CC" "${CFLAGS[@]}" ${srcs[$name]} -o "$bin" >"$out/$name.build.log" 2>&1; then
		echo "not ok - fuzz: $name does not build"
		sed 's/^/# /' "$out/$name.build.log" | tail -20
		continue
	fi
	mkdir -p "$out/$name/corpus"
	log=$out/$name.log
	( cd "$out/$name" && timeout $((secs + 60)) "../$name.bin" -max_total_time="$secs" "${runs_arg[@]}" \
		-print_final_stats=1 -seed=1 -max_len="${max_len[$name]:-512}" corpus ) >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
	cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, ft \2, corpus \3/p')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz: $name (${FUZZ_RUNS:+up to $FUZZ_RUNS runs in }$secs s at most: $runs runs, ${cov:-no coverage line}, 0 crashes)"
	else
		echo "not ok - fuzz: $name (exit status $rc after ${runs:-?} runs; see $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 | sed 's/^/# /'
	fi
done
exit 0
