#!/usr/bin/env bash
# Differential tests of the decoder and the interpreter (DESIGN.md section 6), on the host:
#   1. dispatcher/emul/decode.c against Zydis (libzydis-dev) on random bytes in 64/32/16-bit mode
#      and on real code: /bin/ls, libc, build/microhv.elf, the test guests, BIOS images;
#   2. dispatcher/emul/interp.c against the host CPU executing the same instruction bytes
#      (x86-64 Linux only).
# Prints TAP lines ("ok - ..." / "not ok - ...") and "# " comments; always exits 0.
# DIFF_DECODE_COUNT (default 200000 per input and mode) and DIFF_INTERP_COUNT (default 200000)
# set the number of random cases.
set -u
cd "$(dirname "$0")/../.." || exit 0
out=${BUILD:-build}/tests/diff
mkdir -p "$out"
CC=${DIFF_CC:-gcc}
CFLAGS=(-std=c11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. -D_DEFAULT_SOURCE
	"-fsanitize=address,undefined" -fno-sanitize-recover=all)

# Runs a test binary, passes its TAP through and reports a crash or a missing result line.
run_tap() { # NAME LOG CMD...
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(ok|not ok) - |^# ' "$log"
	if [ "$rc" -ne 0 ] || ! grep -qE '^(ok|not ok) - ' "$log"; then
		echo "not ok - $name crashed or failed to report (exit status $rc)"
		grep -vE '^(ok|not ok) - |^# ' "$log" | tail -20 | sed 's/^/#   /'
	fi
}

# the emulator's one source list (dispatcher/emul/emul.mk)
mk() { MAKEFLAGS= MAKELEVEL= make -s --no-print-directory "print-$1"; }

# 1. decoder vs Zydis
if [ ! -f /usr/include/Zydis/Zydis.h ]; then
	echo "ok - decoder vs zydis # SKIP libzydis-dev is not installed (scripts/deps.sh)"
elif ! "$CC" "${CFLAGS[@]}" tests/diff/diff_decode.c $(mk DECODE_SRCS) -lZydis \
	-o "$out/diff_decode" >"$out/diff_decode.build.log" 2>&1; then
	echo "not ok - decoder vs zydis: does not build"
	sed 's/^/# /' "$out/diff_decode.build.log" | tail -20
else
	files=()
	for f in /bin/ls /lib/x86_64-linux-gnu/libc.so.6 "${BUILD:-build}/microhv.elf" "${BUILD:-build}"/guest/tests/*.elf; do
		[ -f "$f" ] && files+=("$f")
	done
	for f in /usr/share/seabios/bios.bin /usr/share/bochs/BIOS-bochs-latest; do
		[ -f "$f" ] && files+=("raw16:$f")
	done
	run_tap "decoder vs zydis" "$out/diff_decode.log" \
		"$out/diff_decode" "${DIFF_DECODE_COUNT:-200000}" "${files[@]}"
fi

# 2. interpreter vs the host CPU
if [ "$(uname -m)" != x86_64 ] || [ "$(uname -s)" != Linux ]; then
	echo "ok - interpreter vs host CPU # SKIP needs an x86-64 Linux host"
elif ! "$CC" "${CFLAGS[@]}" tests/diff/diff_interp.c tests/diff/host_exec.S $(mk EMUL_SRCS) \
	$(mk VCPU_SRCS) -o "$out/diff_interp" >"$out/diff_interp.build.log" 2>&1; then
	echo "not ok - interpreter vs host CPU: does not build"
	sed 's/^/# /' "$out/diff_interp.build.log" | tail -20
else
	echo "# host CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(grep -m1 vendor_id /proc/cpuinfo | sed 's/.*: //'))"
	run_tap "interpreter vs host CPU" "$out/diff_interp.log" "$out/diff_interp" "${DIFF_INTERP_COUNT:-200000}"
fi
exit 0
