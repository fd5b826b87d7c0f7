#!/usr/bin/env bash
# A host panic prints a symbolised backtrace: the test build (build/test/microhv-panic.elf, with
# HV_TEST_PANIC) panics on purpose three calls deep; every frame must name its function, and
# function+offset must agree with the ELF's own symbols (nm).
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/panic
mkdir -p "$out"
core=$BUILD/test/microhv-panic.elf
if make -s -C "$root" BUILD="$BUILD" "$core" >"$out/build.out" 2>&1; then ok "test build with a deliberate panic"; else not_ok "test build with a deliberate panic" "$out/build.out"; fi
if nm "$BUILD/microhv.elf" | grep -q ' test_panic_now$'; then not_ok "the deliberate panic is not in build/microhv.elf"; else ok "the deliberate panic is not in build/microhv.elf"; fi
"$root/scripts/run-bochs.sh" --core "$core" --guest "$BUILD/guest/tests/hello.elf" --timeout 120 --log "$out/serial.log" 2>"$out/run.err"
expect_code $? 67 "the panic ends the run with code 67" "$out/serial.log"
expect_line "$out/serial.log" '^\[hv\] panic: deliberate panic of the test build \(depth 1\)' "panic message"
expect_line "$out/serial.log" '^\[hv\]   #0 0x[0-9a-f]{16} test_panic_inner[.a-z0-9]*\+0x[0-9a-f]+$' "frame 0: test_panic_inner+offset"
expect_line "$out/serial.log" '^\[hv\]   #1 0x[0-9a-f]{16} test_panic_now\+0x[0-9a-f]+$' "frame 1: test_panic_now+offset"
expect_line "$out/serial.log" '^\[hv\]   #2 0x[0-9a-f]{16} core_main\+0x[0-9a-f]+$' "frame 2: core_main+offset"
# function+offset against nm: the return address lies in the named function, at that offset
bad=0 frames=0
while read -r addr name off; do
	frames=$((frames + 1))
	start=$(nm "$core" | awk -v f="$name" '$3 == f { print $1; exit }')
	if [ -z "$start" ] || [ $(( 0x$addr - 0x$start )) -ne $(( off )) ]; then
		bad=1
		echo "# frame 0x$addr $name+$off: nm says $name is at 0x${start:-?}"
	fi
done < <(tr -d '\r' <"$out/serial.log" | sed -nE 's/^\[hv\]   #[0-9]+ 0x([0-9a-f]+) ([^+ ]+)\+(0x[0-9a-f]+)$/\1 \2 \3/p')
if [ "$bad" = 0 ] && [ "$frames" -ge 3 ]; then ok "all $frames frames agree with nm"; else not_ok "frames agree with nm ($frames frames)" "$out/serial.log"; fi
expect_no_line "$out/serial.log" '#[0-9]+ 0x[0-9a-f]+ \?$' "no frame left unnamed"
