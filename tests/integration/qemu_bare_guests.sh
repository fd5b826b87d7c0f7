#!/usr/bin/env bash
# Runs the test guests bare on QEMU TCG (scripts/run-qemu-bare.sh) and checks their exit codes
# and marker lines. The oracle guests' transcripts are kept in build/oracle/<name>.txt, with the
# command-line arguments they were given in build/oracle/<name>.args: the Bochs tests run the
# same guest under microhv with the same arguments and diff the transcripts, "[hv] " lines
# removed. Transcripts are raw serial bytes (CR LF line ends).
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/qemu_bare
oracle=$BUILD/oracle
mkdir -p "$out" "$oracle"
if ! command -v qemu-system-x86_64 >/dev/null; then
	not_ok "qemu bare: qemu-system-x86_64 is not installed"
	exit 0
fi

# run NAME LOG [ARGS]: runs guest NAME, prints its exit status
run() {
	local name=$1 log=$2
	if [ ! -f "$BUILD/guest/tests/$name.elf" ]; then
		echo missing
		return
	fi
	"$root/scripts/run-qemu-bare.sh" "$BUILD/guest/tests/$name.elf" --timeout 60 --log "$log" \
		${3+--append "$3"} >"$out/$name.stderr" 2>&1
	echo $?
}

# oracle NAME ARGS REGEX...: exit code 0, every REGEX matches a line; keeps the transcript
oracle() {
	local name=$1 args=$2
	shift 2
	local log=$oracle/$name.txt
	rm -f "$log" "$oracle/$name.args"
	local rc
	rc=$(run "$name" "$log" "$args")
	if [ "$rc" = missing ]; then
		not_ok "qemu bare $name: build/guest/tests/$name.elf missing (run make guests)"
		return
	fi
	printf '%s\n' "$args" > "$oracle/$name.args"
	expect_code "$rc" 0 "qemu bare $name: exits with code 0" "$log"
	for re in "$@"; do
		expect_line "$log" "$re" "qemu bare $name: /$re/"
	done
}

oracle hello "answer=42 two words" \
	'^hello from the microhv test guest$' \
	'^hello: multiboot magic 0x2badb002$' \
	'^hello: data 42, bss words not zero: 0$' \
	"^hello: arguments 'answer=42 two words'$" \
	'^hello: mem_lower 639 KiB, mem_upper rounded up to 255 MiB$' \
	'^hello: memory map: \[0x00000, 0x9fc00\) type 1$' \
	'^hello: memory map: available from 1 MiB: yes$' \
	'^hello: bye$'
oracle iosweep "" \
	'^iosweep: start, multiboot magic 0x2badb002$' \
	'^iosweep: 10000 rounds of out 0x80 and out/in scratch: checksum 0x[0-9a-f]{8}, mismatches 0$' \
	'^iosweep: rep outsb 4096 bytes to 0x80, rep insb 4096 bytes from scratch: checksum 0x[0-9a-f]{8}, mismatches 0$' \
	'^iosweep: bye$'
oracle aout "" \
	'^aout: loaded by the Multiboot header.s address fields$' \
	'^aout: multiboot magic 0x2badb002$' \
	'^aout: data sum 0xaaaaaaaa, bss words not zero: 0$' \
	'^aout: bye$'

# The other guests are no oracles, but they must run bare as they say they do.
log=$out/triple.txt
rc=$(run triple "$log")
expect_code "$rc" 125 "qemu bare triple: the triple fault ends QEMU (-no-reboot) without an exit code" "$log"
expect_line "$log" '^triple: loading an empty IDT, then dividing by zero$' "qemu bare triple: marker before the fault"
expect_no_line "$log" 'still running' "qemu bare triple: nothing runs after the fault"
log=$out/outside.txt
rc=$(run outside "$log")
expect_code "$rc" 0 "qemu bare outside: exits with code 0" "$log"
expect_line "$log" '^outside: writing 0xd0000000 \(far outside RAM\)$' "qemu bare outside: reaches the last access"
log=$out/exitcost.txt
rc=$(run exitcost "$log")
expect_code "$rc" 0 "qemu bare exitcost: exits with code 0" "$log"
expect_line "$log" '^exitcost: [0-9]+ ticks for [0-9]+ exits$' "qemu bare exitcost: reports ticks with exits"
expect_line "$log" '^exitcost: [0-9]+ ticks for [0-9]+ rounds without exits$' "qemu bare exitcost: reports ticks without exits"
log=$out/mbinfo.txt
rc=$(run mbinfo "$log" "x")
expect_code "$rc" 0 "qemu bare mbinfo: exits with code 0" "$log"
expect_line "$log" '^mbinfo: printf check: \[   42\] \[42   \] \[-0042\] \[beef\] \[0000BEEF\] \[z\] \[str\] \[18446744073709551615\] \[-2147483648\]$' \
	"qemu bare mbinfo: the guests' printf formats as C's does"
exit 0
