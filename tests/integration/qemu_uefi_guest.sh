#!/usr/bin/env bash
# The guest named in microhv.cfg (kernel=, initrd=, append=) in QEMU + OVMF under TCG (no VMX).
# The image is made by scripts/mkusb.sh --kernel/--initrd/--append, as `make usb KERNEL=...`
# makes it. The test build of the loader hands over without VT-x: the loader's lines say which
# files it read, their sizes and CRC-32s (compared with the files'), the command line, and the
# core's lines say what boot_info carried. Then the bad inputs, each a clean stop before the
# VT-x gate with its message: a named file that is absent, an empty one, one larger than guest
# RAM, one larger than the machine's memory, an append= longer than a command line holds.
# The files are random bytes: the loader does not look inside them, and under TCG the core
# stops at the VT-x gate. Builds nothing: run `make all` first.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/qemu_uefi_guest
rm -rf "$out"
mkdir -p "$out"
TIMEOUT=90
handover_efi=$BUILD/efi/BOOTX64-test-handover.EFI
image=$BUILD/microhv-usb.img
for f in "$handover_efi" "$image"; do
	[ -f "$f" ] || { not_ok "qemu uefi guest: $f missing (run make all)"; exit 0; }
done
export MTOOLS_SKIP_CHECK=1

# odd sizes (not whole pages); the kernel is over 16 MiB, the loader's read chunk
K=$out/vmlinuz-6.1.0-test
I=$out/initrd.img-6.1.0-test
head -c $((17 * 1024 * 1024 + 123)) /dev/urandom > "$K"
head -c 1000007 /dev/urandom > "$I"
APPEND="console=ttyS0 nolapic root=/dev/ram0 quiet # not a comment"

run() { # NAME ARGS...: run-qemu.sh in the background, at most two at a time; status in NAME.rc
	local name=$1
	shift
	bg_run "$name" "$root/scripts/run-qemu.sh" --tcg --timeout "$TIMEOUT" --log "$out/$name.log" "$@"
	throttle
}
hv() { hv_text "$out/$1.log"; }
esp_put() { # IMAGE SRC NAME: SRC as \NAME on the image's ESP (mkusb puts the ESP at 1 MiB)
	mcopy -o -i "$1@@1048576" "$2" "::/$3"
}

# a good image, and a copy whose kernel is emptied after mkusb (which refuses empty files)
"$root/scripts/mkusb.sh" --efi "$BUILD/BOOTX64.EFI" --out "$out/empty.img" --cfg "on_exit=qemu" \
	--kernel "$K" --initrd "$I" > "$out/mkusb-empty.out" 2>&1 || { not_ok "qemu uefi guest: mkusb" "$out/mkusb-empty.out"; exit 0; }
: > "$out/zero"
esp_put "$out/empty.img" "$out/zero" "$(basename "$K")"
# larger than the 256 MiB machine, smaller than guest_mem: only the allocation can refuse it
truncate -s 300M "$out/huge-kernel"
long=$(printf 'x%.0s' $(seq 1 1100))

run good --efi "$handover_efi" --kernel "$K" --initrd "$I" --append "$APPEND" --cmdline "guest_mem=512M"
run absent --cmdline "kernel=/boot/absent-vmlinuz"
run absent_rd --kernel "$K" --cmdline "initrd=no-such-initrd"
run empty --as-is --image "$out/empty.img"
run bigger_than_ram --kernel "$K" --cmdline "guest_mem=16M"
run bigger_than_memory --kernel "$out/huge-kernel" --cmdline "guest_mem=1G" --mem 256
run long_append --cmdline "block_io=off append=$long"
wait

# ---- the good image ----
l=$out/good.log
expect_code "$(cat "$out/good.rc")" 65 "qemu uefi guest: the handed-over core ends with code 65 (no VT-x)" "$l"
for f in "$K" "$I"; do
	name=$(basename "$f")
	size=$(stat -c %s "$f")
	crc=$(python3 -c 'import sys, zlib; print("0x%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$f")
	mod=guest
	[ "$f" = "$I" ] && mod=initrd
	line=$(hv good | grep -E "^\[hv\] module $mod: " || true)
	if [[ "$line" =~ ^\[hv\]\ module\ $mod:\ \\$name,\ $size\ bytes\ at\ (0x[0-9a-f]+),\ crc32\ $crc$ ]]; then
		ok "qemu uefi guest: $mod is \\$name as microhv.cfg names it, $size bytes, CRC-32 $crc like the file"
		addr=${BASH_REMATCH[1]}
	else
		not_ok "qemu uefi guest: $mod read from \\$name with $size bytes and CRC-32 $crc (got '$line')" "$l"
		addr=none
	fi
	want="[hv] boot module $mod: $size bytes at $addr, command line \""
	[ $mod = guest ] && want+="$APPEND\"" || want+='"'
	if hv good | grep -qxF -- "$want"; then
		ok "qemu uefi guest: the core got the $mod module from boot_info (size, address, command line)"
	else
		not_ok "qemu uefi guest: the core's line '$want'" "$l"
	fi
done
expect_line "$l" "^\[hv\] guest command line: \"$APPEND\"$" "qemu uefi guest: append= is the guest's command line, '#' included"
n=$(hv good | grep -c '^\[hv\] options: on_exit=qemu guest_mem=512M ')
[ "$n" = 2 ] && ok "qemu uefi guest: loader and core parse the options without the guest's words" ||
	not_ok "qemu uefi guest: options lines without the guest's words ($n of 2)" "$l"
expect_no_line "$l" "^\[hv\] (unknown option|bad value)" "qemu uefi guest: kernel=, initrd=, append= are not hypervisor options"

# ---- bad inputs: each stops before the VT-x gate, with its message and code ----
bad() { # NAME CODE REASON REGEX WHAT
	local l=$out/$1.log
	expect_code "$(cat "$out/$1.rc")" "$2" "qemu uefi guest $1: $5: code $2" "$l"
	expect_line "$l" "$4" "qemu uefi guest $1: the message names the problem"
	expect_no_line "$l" '^\[hv\] (cpu:|VT-x|exiting boot services)' "qemu uefi guest $1: stops before the VT-x gate"
	if [ "$(hv "$1" | tail -n 1)" = "[hv] exit: code=$2 ($3)" ]; then ok "qemu uefi guest $1: the exit line last"
	else not_ok "qemu uefi guest $1: the exit line last" "$l"; fi
}
bad absent 69 "guest load failed" '^\[hv\] kernel=\\boot\\absent-vmlinuz: no such file on the boot volume$' \
	"kernel= names an absent file"
bad absent_rd 69 "guest load failed" '^\[hv\] initrd=\\no-such-initrd: no such file on the boot volume$' \
	"initrd= names an absent file"
bad empty 69 "guest load failed" "^\\[hv\\] \\\\$(basename "$K") is empty$" "the named kernel is empty"
bad bigger_than_ram 69 "guest load failed" \
	"^\\[hv\\] \\\\$(basename "$K"): $(stat -c %s "$K") bytes, more than the 16777216 bytes of guest RAM \\(guest_mem=16M\\)$" \
	"a kernel larger than guest RAM"
bad bigger_than_memory 69 "guest load failed" '^\[hv\] cannot allocate 307200 KiB for \\huge-kernel: out of resources$' \
	"a kernel larger than the machine's free memory"
bad long_append 64 "bad option" \
	'^\[hv\] microhv\.cfg line [0-9]+: append= is 1100 characters long; a guest command line holds at most 1023$' \
	"an append= longer than a command line holds"
exit 0
