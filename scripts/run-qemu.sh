#!/usr/bin/env bash
# Boots microhv from its USB image in QEMU with OVMF (UEFI), headless, serial to a log.
#   --cpu MODEL        QEMU CPU model under TCG (default qemu64); ignored under KVM (-cpu host)
#   --cmdline "WORDS"  hypervisor options (on_exit=qemu is put first)
#   --guest FILE       guest image (guest.elf on the ESP)
#   --initrd FILE      initrd for a Linux guest (initrd on the ESP)
#   --kernel FILE      the guest under its own name, named by kernel= in microhv.cfg (with
#                      --initrd: initrd=); --append "ARGS": append= (scripts/mkusb.sh)
#   --timeout SECONDS  wall-clock limit (default 60)
#   --log FILE         the whole serial transcript (default: a temp file)
#   --image FILE       the USB image whose BOOTX64.EFI is booted (default build/microhv-usb.img)
#   --efi FILE         boot this loader instead of the one in --image
#   --as-is            boot --image itself, its own microhv.cfg and files (no per-run image;
#                      the options that build one are refused)
#   --mem MIB          the machine's RAM (default 1024)
#   --console          also show the serial transcript on the terminal as it comes
#   --tcg              TCG even where KVM with nested VMX is available (the tests' CPU)
# KVM with nested VMX when the host offers it (/dev/kvm and kvm_intel nested=Y), else TCG,
# where the CPU has no VMX and the run must end with "VT-x not available" (code 65).
# Exit status: the N of the run's last "[hv] exit: code=N" line; 124 on timeout, 125 when
# the run ended without an exit line. QEMU's own exit status is ignored.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cpu= cmdline= guest= initrd= timeout_s=60 log= console=0 image="$here/build/microhv-usb.img" efi= tcg=0
kernel= append= as_is=0 mem=1024
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
KVM_NESTED=/sys/module/kvm_intel/parameters/nested

while [ $# -gt 0 ]; do
	case "$1" in
	--cpu|--cmdline|--guest|--initrd|--timeout|--log|--image|--efi|--kernel|--append|--mem)
		[ $# -ge 2 ] || { echo "run-qemu: $1 needs a value" >&2; exit 2; } ;;
	esac
	case "$1" in
	--cpu) cpu=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--as-is) as_is=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--efi) efi=$2; shift 2 ;;
	--console) console=1; shift ;;
	--tcg) tcg=1; shift ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$timeout_s" in ''|*[!0-9]*) echo "run-qemu: --timeout needs whole seconds" >&2; exit 2 ;; esac
case "$mem" in ''|*[!0-9]*) echo "run-qemu: --mem needs whole MiB" >&2; exit 2 ;; esac
[ "$as_is" = 0 ] || [ -z "$cmdline$guest$initrd$kernel$append$efi" ] ||
	{ echo "run-qemu: --as-is boots the image as it is: no --cmdline, --guest, --initrd, --kernel, --append or --efi" >&2; exit 2; }
case "$cpu" in *[!A-Za-z0-9_.,+=-]*) echo "run-qemu: bad CPU model '$cpu'" >&2; exit 2 ;; esac
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "run-qemu: qemu-system-x86_64 is not installed (run scripts/deps.sh)" >&2; exit 2; }
for f in "$OVMF_CODE" "$OVMF_VARS"; do
	[ -r "$f" ] || { echo "run-qemu: $f missing (package ovmf; run scripts/deps.sh)" >&2; exit 2; }
done
if [ -n "$efi" ]; then
	[ -r "$efi" ] || { echo "run-qemu: cannot read '$efi'" >&2; exit 2; }
else
	[ -r "$image" ] || { echo "run-qemu: no USB image '$image' (run make usb)" >&2; exit 2; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-qemu.XXXXXX")
cleanup() { [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
[ -n "$log" ] || log="$tmp/serial.log"
mkdir -p "$(dirname "$log")"
: > "$log"

# The per-run image: the loader (out of --image, or --efi), this run's options and files.
if [ "$as_is" = 1 ]; then
	cp "$image" "$tmp/usb.img" # QEMU writes to the disk it is given: the caller's image stays as it was
else
	if [ -n "$efi" ]; then
		cp "$efi" "$tmp/BOOTX64.EFI"
	else
		start_sector=$(sfdisk --dump "$image" 2>/dev/null | sed -nE 's/.*start= *([0-9]+),.*/\1/p' | head -n 1)
		[ -n "$start_sector" ] || { echo "run-qemu: '$image' has no partition table" >&2; exit 2; }
		MTOOLS_SKIP_CHECK=1 mcopy -n -i "$image@@$((start_sector * 512))" ::/EFI/BOOT/BOOTX64.EFI \
			"$tmp/BOOTX64.EFI" 2>"$tmp/mcopy.err" ||
			{ cat "$tmp/mcopy.err" >&2; echo "run-qemu: no EFI/BOOT/BOOTX64.EFI in '$image'" >&2; exit 2; }
	fi
	usb_args=(--efi "$tmp/BOOTX64.EFI" --out "$tmp/usb.img" --cfg "on_exit=qemu $cmdline")
	[ -n "$guest" ] && usb_args+=(--guest "$guest")
	[ -n "$initrd" ] && usb_args+=(--initrd "$initrd")
	[ -n "$kernel" ] && usb_args+=(--kernel "$kernel")
	[ -n "$append" ] && usb_args+=(--append "$append")
	"$here/scripts/mkusb.sh" "${usb_args[@]}" >"$tmp/mkusb.out" 2>&1 ||
		{ cat "$tmp/mkusb.out" >&2; echo "run-qemu: could not build the per-run image" >&2; exit 2; }
fi
cp "$OVMF_VARS" "$tmp/vars.fd"

nested=$(cat "$KVM_NESTED" 2>/dev/null || true)
if [ "$tcg" = 0 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && { [ "$nested" = Y ] || [ "$nested" = 1 ]; }; then
	echo "run-qemu: accelerator KVM (nested VMX)"
	[ -n "$cpu" ] && echo "run-qemu: --cpu $cpu ignored under KVM (the host CPU is passed through)"
	accel=(-enable-kvm -cpu host)
else
	echo "run-qemu: accelerator TCG (no VT-x inside: expect \"VT-x not available\")"
	accel=(-accel tcg -cpu "${cpu:-qemu64}")
fi

# Nothing of the host's display, terminal or sound: -audiodev none is the only audio backend,
# so no device can make QEMU probe the host's (PulseAudio, ALSA, ...).
qemu=(qemu-system-x86_64 -machine q35 "${accel[@]}" -m "$mem" -smp 1 -no-reboot
	-display none -vga none -monitor none -parallel none -nic none
	-audiodev none,id=noaudio
	-serial "file:$log"
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
	-drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd"
	-drive "if=none,id=stick,format=raw,file=$tmp/usb.img"
	-device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=1
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)

if [ "$console" = 1 ]; then
	tail -n +1 -f "$log" &
	tail_pid=$!
fi
start=$(date +%s)
timeout --kill-after=5 "$timeout_s" "${qemu[@]}" </dev/null >"$tmp/qemu.out" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
sleep 0.2
exit_line=$(tr -d '\r' < "$log" | grep -a '^\[hv\] exit: code=' | tail -n 1)
if [ -n "$exit_line" ]; then
	code=$(printf '%s' "$exit_line" | sed -E 's/^\[hv\] exit: code=([0-9]+).*/\1/')
	[ "$code" != 0 ] && echo "run-qemu: run ended with code $code ${exit_line#*code=$code }" >&2
	exit "$code"
fi
echo "run-qemu: no exit line (timeout or crash)" >&2
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run-qemu: timeout after ${timeout_s}s; last lines of the serial log:" >&2
	tail -n 20 "$log" >&2
	exit 124
fi
echo "run-qemu: QEMU ended after ${elapsed}s (status $rc); last lines of the serial log:" >&2
tail -n 20 "$log" >&2
echo "--- QEMU's output:" >&2
tail -n 15 "$tmp/qemu.out" >&2
exit 125
