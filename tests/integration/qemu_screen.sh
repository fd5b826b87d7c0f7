#!/usr/bin/env bash
# What a user without a serial port sees: the screen, read back with the QEMU monitor's
# screendump and Debian's tesseract-ocr, under TCG (no VMX), so every run ends at the VT-x gate.
#   bios      build/microhv.iso on SeaBIOS, -serial none -vga std: the core's screen console on
#             GRUB's VBE framebuffer (Multiboot2 framebuffer tag, the built-in font)
#   biostext  the same ISO built with --bios-gfx text: the core in VGA text memory (as in Bochs)
#   onlyscreen, onlyserial  console=screen and console=serial: what each output still gets
#   uefiiso   the same ISO on OVMF (the hybrid's x86_64-efi GRUB): the banner on serial and on
#             the GOP framebuffer GRUB hands over
#   loader    BOOTX64.EFI on OVMF: the loader's own VT-x gate, before ExitBootServices, on the
#             firmware console (screen) and the serial line; it then returns to the firmware
#   handover  the test build of the loader hands over anyway: the core draws on the GOP
#             framebuffer from boot_info
# The screenshots stay in build/test/qemu_screen/*.png for a person to look at.
# tesseract's English model reads the made-up word "microhv" as "microhy" or "microhu", a
# slashed 0 as 8 or @, and may split "uefi" or read its ")" as "d", in any font: the banner is
# matched with those confusions allowed. "VT-x not available" is matched exactly on the core's
# own font; in the VGA BIOS's and OVMF's fonts tesseract reads that V as U, allowed there.
# Builds the extra images it needs (in build/test/qemu_screen); run `make all` first.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/qemu_screen
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.ppm "$out"/*.txt "$out"/*.log
version=$(sed -nE 's/^VERSION := (.*)$/\1/p' "$root/Makefile")
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
TIMEOUT=120 # OVMF under TCG, with up to 8 helpers on 2 cores
banner_re() { # LOADER: the banner as tesseract reads it
	local v=${version//./\\.}
	v=$(echo "$v" | sed 's/[0-9]/[0-9O@]/g')
	local name=$1
	name=$(echo "$name" | sed 's/./& ?/g; s/ ?$//')
	echo "microh[vyu] $v \\($name"
}

for need in tesseract qemu-system-x86_64; do
	command -v "$need" >/dev/null || { not_ok "qemu screen: $need missing (run scripts/deps.sh)"; exit 0; }
done
for f in "$BUILD/microhv.iso" "$BUILD/BOOTX64.EFI" "$BUILD/efi/BOOTX64-test-handover.EFI"; do
	[ -f "$f" ] || { not_ok "qemu screen: $f missing (run make all)"; exit 0; }
done

monitor() { # NAME COMMAND: one QEMU monitor command; waits for its answer
	python3 - "$out/$1.sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(20)
def prompt():
    buf = b""
    while not buf.rstrip().endswith(b"(qemu)"):
        d = s.recv(4096)
        if not d:
            break
        buf += d
prompt()
s.sendall(sys.argv[2].encode() + b"\n")
if sys.argv[2] != "quit":
    prompt()
PY
}
start() { # NAME SERIAL QEMU-ARGS...: QEMU in the background, its monitor on $out/NAME.sock
	local name=$1 serial=$2
	shift 2
	rm -f "$out/$name.sock"
	timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg -cpu qemu64 -m 512 -smp 1 -no-reboot \
		-display none -vga std -serial "$serial" -monitor "unix:$out/$name.sock,server,nowait" \
		-parallel none -nic none "$@" >"$out/$name.qemu" 2>&1 &
	for _ in $(seq 50); do [ -S "$out/$name.sock" ] && return 0; sleep 0.2; done
}
shoot() { # NAME: screendump, PNG for people, OCR text in $out/NAME.txt
	monitor "$1" "screendump $out/$1.ppm" >/dev/null 2>&1 && [ -s "$out/$1.ppm" ] || return 1
	"$root/scripts/ppm2png.py" "$out/$1.ppm" "$out/$1.png"
	tesseract "$out/$1.ppm" - --psm 6 2>/dev/null | tr -d '\r' > "$out/$1.txt"
}
# NAME REGEX: screenshots every 3 s until the OCR text matches REGEX (or time runs out)
shoot_until() {
	local deadline=$((SECONDS + TIMEOUT - 10))
	while [ $SECONDS -lt $deadline ]; do
		sleep 3
		shoot "$1" && grep -aEq -- "$2" "$out/$1.txt" && return 0
	done
	return 1
}
wait_serial() { # NAME REGEX
	local deadline=$((SECONDS + TIMEOUT - 10))
	while [ $SECONDS -lt $deadline ]; do
		tr -d '\r' < "$out/$1.log" 2>/dev/null | grep -aEq -- "$2" && return 0
		sleep 1
	done
	return 1
}
stop() { monitor "$1" quit >/dev/null 2>&1; wait; }
ovmf() { # NAME: the pflash pair, with a fresh copy of the variables
	cp "$OVMF_VARS" "$out/$1.vars"
	echo -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,unit=1,file=$out/$1.vars"
}
# NAME EFI REGEX: a USB stick with the loader EFI (on_exit=halt) on OVMF; the screen is taken
# once the serial line matches REGEX
boot_stick() {
	"$root/scripts/mkusb.sh" --efi "$2" --out "$out/$1.img" --cfg "on_exit=halt" >/dev/null
	start "$1" "file:$out/$1.log" $(ovmf "$1") -drive "if=none,id=stick,format=raw,file=$out/$1.img" \
		-device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=1
	wait_serial "$1" "$3"
	shoot "$1"
	stop "$1"
}
screen_expect() { # NAME REGEX WHAT
	if grep -aEq -- "$2" "$out/$1.txt" 2>/dev/null; then ok "qemu screen $1: $3"
	else not_ok "qemu screen $1: $3 (OCR has no /$2/; see $out/$1.png)" "$out/$1.txt"; fi
}
novtx='VT-x not available'

# BIOS, no serial port at all: only the screen says anything
start bios none -cdrom "$BUILD/microhv.iso"
shoot_until bios "$novtx"
stop bios
screen_expect bios "$(banner_re multiboot2)" "banner on the VBE framebuffer"
screen_expect bios "$novtx: CPUID" "VT-x not available, with the reason"
screen_expect bios 'console: serial and screen [0-9]+x[0-9]+, 32 bpp' "the console line names the framebuffer"

"$root/scripts/mkiso.sh" --core "$BUILD/microhv.elf" --out "$out/text.iso" --bios-gfx text
start biostext none -cdrom "$out/text.iso"
shoot_until biostext "[VU]T-x not available" # tesseract reads this font's V as U (below)
stop biostext
# 25 rows: the banner has scrolled away by the time VT-x is refused (the graphical modes above
# keep it on screen)
screen_expect biostext "QEMU Virtual CPU" "the cpu line in VGA text mode"
screen_expect biostext "80x25 [VU]GA text" "the console line says VGA text" # its V reads as U too
screen_expect biostext "[VU]T-x not available: CPUID" "VT-x not available in VGA text mode"

# console=screen: serial gets the lines up to the console line, the screen everything
"$root/scripts/mkiso.sh" --core "$BUILD/microhv.elf" --out "$out/onlyscreen.iso" --cmdline "console=screen"
start onlyscreen "file:$out/onlyscreen.log" -cdrom "$out/onlyscreen.iso"
shoot_until onlyscreen "$novtx"
l=$out/onlyscreen.log
# the in-memory log keeps everything after the console line too: read it out of guest RAM
mlog=$(tr -d '\r' < "$l" | sed -nE 's/^\[hv\] console: in-memory log of the last ([0-9]+) KiB at physical (0x[0-9a-f]+).*/\2 \1/p' | head -n 1)
rm -f "$out/onlyscreen.mem"
[ -n "$mlog" ] && monitor onlyscreen "pmemsave ${mlog% *} $(( (${mlog#* } + 4) * 1024 )) \"$out/onlyscreen.mem\"" >/dev/null 2>&1
stop onlyscreen
if [ -z "$mlog" ]; then
	not_ok "qemu screen onlyscreen: the in-memory log's address on serial" "$l"
elif "$root/scripts/memlog.py" "$out/onlyscreen.mem" --offset 0 2>/dev/null | tr -d '\r' | grep -aEq "^\[hv\] $novtx: CPUID"; then
	ok "qemu screen onlyscreen: the in-memory log goes on after the console line"
else
	not_ok "qemu screen onlyscreen: the in-memory log goes on after the console line" "$out/onlyscreen.mem"
fi
last=$(tr -d '\r' < "$l" | grep -a '^\[hv\] ' | tail -n 1)
case "$last" in
"[hv] console: screen "*) ok "qemu screen onlyscreen: serial ends with the console line" ;;
*) not_ok "qemu screen onlyscreen: serial ends with the console line (last: $last)" "$l" ;;
esac
screen_expect onlyscreen "$novtx: CPUID" "console=screen: the screen goes on"
# console=serial: the screen stops at the console line, serial goes on
"$root/scripts/mkiso.sh" --core "$BUILD/microhv.elf" --out "$out/onlyserial.iso" --cmdline "console=serial"
start onlyserial "file:$out/onlyserial.log" -cdrom "$out/onlyserial.iso"
wait_serial onlyserial '^\[hv\] halted'
shoot onlyserial
stop onlyserial
expect_line "$out/onlyserial.log" "^\[hv\] $novtx: CPUID" "qemu screen onlyserial: serial goes on"
screen_expect onlyserial "console: serial only \(console=serial\)" "console=serial: the screen shows the console line"
if grep -aq "not available" "$out/onlyserial.txt"; then not_ok "qemu screen onlyserial: nothing drawn after the console line" "$out/onlyserial.txt"
else ok "qemu screen onlyserial: nothing drawn after the console line"; fi

# UEFI from the same ISO: x86_64-efi GRUB, the core on GOP
start uefiiso "file:$out/uefiiso.log" $(ovmf uefiiso) -cdrom "$BUILD/microhv.iso"
wait_serial uefiiso '^\[hv\] halted'
shoot uefiiso
stop uefiiso
expect_line "$out/uefiiso.log" "^\[hv\] microhv $version \(multiboot2\)$" "qemu screen uefiiso: the core's banner on serial (hybrid ISO, OVMF)"
expect_line "$out/uefiiso.log" '^\[hv\] console: serial and screen [0-9]+x[0-9]+, [0-9]+ bpp at 0x' "qemu screen uefiiso: GRUB handed over the GOP framebuffer"
expect_line "$out/uefiiso.log" "^\[hv\] $novtx: CPUID" "qemu screen uefiiso: VT-x gate reached"
screen_expect uefiiso "$(banner_re multiboot2)" "banner on the GOP framebuffer"
screen_expect uefiiso "$novtx" "VT-x not available on the GOP framebuffer"

# The UEFI loader's own gate (on_exit=halt: on screen, then back to the firmware after 5 s)
boot_stick loader "$BUILD/BOOTX64.EFI" 'returning to the firmware'
expect_line "$out/loader.log" "^\[hv\] $novtx: CPUID.1:ECX.VMX is 0" "qemu screen loader: the loader's gate on the serial line"
expect_line "$out/loader.log" '^\[hv\] exit: code=65 \(VT-x not available\)' "qemu screen loader: exit code 65, back to the firmware"
expect_no_line "$out/loader.log" '^\[hv\] (core:|exiting boot services)' "qemu screen loader: boot services never left"
# the transcript is longer than the firmware console's rows (the options line alone takes three):
# the banner scrolls away, and the loader's last line names it again
screen_expect loader "$(banner_re uefi)" "the loader's name and version on the firmware console"
screen_expect loader "[VU]T-x not available: CPUID" "the loader's gate on the firmware console"
screen_expect loader "returning to the firmware" "the loader says it returns to the firmware"

# The core on the GOP framebuffer the loader handed over
boot_stick handover "$BUILD/efi/BOOTX64-test-handover.EFI" '^\[hv\] halted'
expect_line "$out/handover.log" '^\[hv\] screen: GOP [0-9]+x[0-9]+, 32 bpp, framebuffer at 0x[0-9a-f]+, for the core$' "qemu screen handover: the loader found the GOP framebuffer"
expect_line "$out/handover.log" "^\[hv\] microhv $version \(uefi\)$" "qemu screen handover: the core started"
screen_expect handover "$(banner_re uefi)" "the core's banner on the GOP framebuffer"
screen_expect handover "console: serial and screen [0-9]+x[0-9]+, 32 bpp" "the core's console line on the GOP framebuffer"
screen_expect handover "$novtx" "the core's VT-x gate on the GOP framebuffer"
exit 0
