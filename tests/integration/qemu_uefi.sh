#!/usr/bin/env bash
# Boots the USB image in QEMU + OVMF under TCG (no VMX) and checks the UEFI loader's
# transcript line by line: banner, options, memory map, CPU report, the VT-x gate, the exit
# codes of bad options. Then the test build of the loader (build/efi/BOOTX64-test-handover.EFI,
# which hands over even without VT-x) checks ExitBootServices and the jump into the core,
# with 2 MiB (qemu64) and 1 GiB (max) identity pages. Builds nothing: run `make all` first.
# OVMF under TCG reaches the loader in about 5 s; the 90 s limit leaves room for slow hosts.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/qemu_uefi
mkdir -p "$out"
TIMEOUT=90
version=$(sed -nE 's/^VERSION := (.*)$/\1/p' "$root/Makefile")
image=$BUILD/microhv-usb.img
handover_efi=$BUILD/efi/BOOTX64-test-handover.EFI

if [ ! -f "$BUILD/BOOTX64.EFI" ] || [ ! -f "$image" ]; then
	not_ok "qemu uefi: build/BOOTX64.EFI or build/microhv-usb.img missing (run make all)"
	exit 0
fi

run() { # NAME ARGS...: runs in the background; status and seconds in $out/NAME.rc, NAME.secs
	local name=$1
	shift
	( start=$(date +%s)
	  "$root/scripts/run-qemu.sh" --tcg --image "$image" --timeout "$TIMEOUT" --log "$out/$name.log" "$@" \
		>"$out/$name.out" 2>&1
	  echo $? > "$out/$name.rc"
	  echo $(( $(date +%s) - start )) > "$out/$name.secs" ) &
}
ended_alone() { # NAME: the run ended by itself, well before the limit
	local rc secs
	rc=$(cat "$out/$1.rc") secs=$(cat "$out/$1.secs")
	if [ "$rc" != 124 ] && [ "$secs" -lt "$TIMEOUT" ]; then ok "qemu $1: ended by itself (${secs}s)"
	else not_ok "qemu $1: ended by itself (status $rc after ${secs}s)" "$out/$1.log"; fi
}
first_hv_line() { # LOG TEXT NAME
	if [ "$(hv_text "$1" | head -n 1)" = "$2" ]; then ok "$3"; else not_ok "$3 (first [hv] line is not '$2')" "$1"; fi
}
last_hv_line() {
	if [ "$(hv_text "$1" | tail -n 1)" = "$2" ]; then ok "$3"; else not_ok "$3 (last [hv] line is not '$2')" "$1"; fi
}

handovers=(handover handover1g)
if [ ! -f "$handover_efi" ]; then
	not_ok "qemu handover: build/efi/BOOTX64-test-handover.EFI missing (run make all)"
	handovers=()
fi
run novtx
run badopt --cmdline "bogus=1"
wait
run badval --cmdline "guest_mem=7"
if [ ${#handovers[@]} -gt 0 ]; then
	run handover --efi "$handover_efi" --guest "$BUILD/microhv.elf" --cmdline "guest_mem=512M"
	wait
	run handover1g --efi "$handover_efi" --cpu max
fi
wait

banner="[hv] microhv $version (uefi)"
l=$out/novtx.log
grep -q '^run-qemu: accelerator TCG' "$out/novtx.out" && ok "qemu novtx: runs under TCG" ||
	not_ok "qemu novtx: runs under TCG" "$out/novtx.out"
expect_code "$(cat "$out/novtx.rc")" 65 "qemu novtx: run ends with code 65" "$l"
ended_alone novtx
first_hv_line "$l" "$banner" "qemu novtx: first line is the banner"
expect_line "$l" '^\[hv\] config: \\microhv\.cfg, [0-9]+ bytes$' "qemu novtx: microhv.cfg read from the ESP"
expect_line "$l" '^\[hv\] options: on_exit=qemu guest_mem=256M ' "qemu novtx: options from microhv.cfg"
expect_line "$l" '^\[hv\] memory map: [0-9]+ ranges, [0-9]+ MiB usable in [0-9]+ ranges' "qemu novtx: memory map summary"
expect_line "$l" '^\[hv\]   \[0x0000000000100000-0x[0-9a-f]{16}\) usable$' "qemu novtx: memory map ranges"
expect_line "$l" '^\[hv\] cpu: [A-Za-z]+ family 0x[0-9a-f]+ model' "qemu novtx: CPU identified"
expect_line "$l" '^\[hv\] cpu: VMX in CPUID: no$' "qemu novtx: no VMX in CPUID"
expect_line "$l" '^\[hv\] VT-x not available: CPUID.1:ECX.VMX is 0' "qemu novtx: VT-x not available with the reason"
last_hv_line "$l" "[hv] exit: code=65 (VT-x not available)" "qemu novtx: exit line last"
expect_no_line "$l" '^\[hv\] (core:|exiting boot services)' "qemu novtx: core not loaded without VT-x"

l=$out/badopt.log
expect_code "$(cat "$out/badopt.rc")" 64 "qemu badopt: code 64" "$l"
ended_alone badopt
expect_line "$l" "^\[hv\] unknown option 'bogus'$" "qemu badopt: the unknown key named"
expect_no_line "$l" '^\[hv\] (cpu|memory map):' "qemu badopt: stops before doing anything else"
last_hv_line "$l" "[hv] exit: code=64 (bad option)" "qemu badopt: exit line last"

l=$out/badval.log
expect_code "$(cat "$out/badval.rc")" 64 "qemu badval: code 64" "$l"
ended_alone badval
expect_line "$l" "^\[hv\] bad value '7' for option 'guest_mem': expected" "qemu badval: key and value named"

# the hand-over: the loader's lines, then the core's own, in one transcript
for m in "${handovers[@]}"; do
	l=$out/$m.log
	expect_code "$(cat "$out/$m.rc")" 65 "qemu $m: the core ends the run with code 65" "$l"
	ended_alone "$m"
	expect_line "$l" '^\[hv\] boot services exited \(attempt [123]\): [0-9]+ memory ranges; entering the core at 0xffffffff8[0-9a-f]+$' \
		"qemu $m: ExitBootServices and the jump"
	n=$(hv_text "$l" | grep -cxF "$banner")
	[ "$n" = 2 ] && ok "qemu $m: loader and core banners" || not_ok "qemu $m: loader and core banners ($n of 2)" "$l"
	placed=$(hv_text "$l" | sed -nE 's/^\[hv\] core: [0-9]+ KiB placed at (0x[0-9a-f]+), .*/\1/p')
	seen=$(hv_text "$l" | sed -nE 's/^\[hv\] memory: core at (0x[0-9a-f]+) .*page tables loaded$/\1/p')
	if [ -n "$placed" ] && [ "$placed" = "$seen" ] && [ $(( placed % (2 * 1024 * 1024) )) = 0 ]; then
		ok "qemu $m: the core runs where the loader put it ($placed, 2 MiB aligned)"
	else
		not_ok "qemu $m: the core runs where the loader put it (loader '$placed', core '$seen')" "$l"
	fi
	last_hv_line "$l" "[hv] exit: code=65 (VT-x not available)" "qemu $m: the core's exit line last"
done
[ ${#handovers[@]} -gt 0 ] || exit 0
l=$out/handover.log
expect_line "$l" '^\[hv\] page tables at 0x[0-9a-f]+ .*identity map of [0-9]+ GiB in 2 MiB pages' "qemu handover: 2 MiB identity pages"
expect_line "$l" '^\[hv\] module guest: \\guest\.elf, [0-9]+ bytes at 0x[0-9a-f]+, crc32 0x[0-9a-f]{8}$' "qemu handover: guest.elf loaded from the ESP"
n=$(hv_text "$l" | grep -c '^\[hv\] options: on_exit=qemu guest_mem=512M ')
[ "$n" = 2 ] && ok "qemu handover: the core parsed the options boot_info carried" ||
	not_ok "qemu handover: the core parsed the options boot_info carried ($n of 2 options lines)" "$l"
expect_line "$out/handover1g.log" '^\[hv\] page tables at 0x[0-9a-f]+ .*identity map of [0-9]+ GiB in 1 GiB pages' \
	"qemu handover1g: 1 GiB identity pages"
exit 0
