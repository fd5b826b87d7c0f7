#!/usr/bin/env bash
# The core's serial console choice (issue 13 section 1) in Bochs, whose board has COM1 only and no
# ACPI SPCR table: the default says why COM1 was taken; a serial= port where no 16550 answers
# (an IO port, an MMIO address, a PCI function that does not exist) is probed, reported and
# replaced by COM1, so the output never vanishes; the guest's transcript is unchanged.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_serial
mkdir -p "$out"
hello=$BUILD/guest/tests/hello.elf
run() { # NAME OPTIONS
	"$root/scripts/run-bochs.sh" --guest "$hello" --cmdline "$2" --timeout 90 --log "$out/$1.log" >"$out/$1.out" 2>&1
}
run auto ""
expect_code $? 0 "bochs serial auto: hello ends with code 0" "$out/auto.log"
expect_line "$out/auto.log" '^\[hv\] console: serial IO 0x3f8, 115200 baud, 16-byte FIFO \(ACPI SPCR: no ACPI SPCR table; COM1 fallback\)$' \
	"bochs serial auto: no SPCR in Bochs's ACPI tables, COM1 taken, and said"
expect_line "$out/auto.log" '^\[hv\] console: in-memory log of the last 64 KiB at physical 0x[0-9a-f]+ ' \
	"bochs serial: the in-memory log's address is printed"
expect_line "$out/auto.log" '^\[hv\] console: [0-9]+ bytes sent while the guest ran, .* 0 ring-full waits' \
	"bochs serial: the console's figures before the statistics"
expect_line "$out/auto.log" '^hello: bye' "bochs serial auto: the guest's output"
for c in "io serial=0x2f8 serial= option: no 16550 answers there" \
	"mmio serial=mmio:0xfe032000 serial= option: no 16550 answers there" \
	"pci serial=pci:00:1f.3 serial= option: no PCI function there"; do
	set -- $c
	name=$1 opt=$2
	shift 2
	why="$*"
	run "$name" "$opt"
	expect_code $? 0 "bochs $opt: the run ends with code 0 on COM1" "$out/$name.log"
	expect_line "$out/$name.log" "^\[hv\] console: serial IO 0x3f8, 115200 baud, 16-byte FIFO \(${why}[^;]*; COM1 fallback\)\$" \
		"bochs $opt: refused with the reason, COM1 instead"
	if diff <(grep -av '^\[hv\]' "$out/auto.log") <(grep -av '^\[hv\]' "$out/$name.log") >/dev/null; then
		ok "bochs $opt: the guest's transcript is unchanged"
	else
		not_ok "bochs $opt: the guest's transcript differs" "$out/$name.log"
	fi
done
exit 0
