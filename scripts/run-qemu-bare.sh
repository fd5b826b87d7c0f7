#!/usr/bin/env bash
# Runs a test guest bare (no hypervisor) on QEMU TCG, booted by QEMU's own Multiboot1 loader:
#   scripts/run-qemu-bare.sh GUEST [--log FILE] [--timeout S] [--append "CMDLINE"]
#   GUEST              a name from guest/tests (hello -> build/guest/tests/hello.elf) or a file
#   --log FILE         write the serial transcript there (default: to stdout as it comes)
#   --timeout SECONDS  wall-clock limit (default 60)
#   --append "WORDS"   the guest's command line arguments; QEMU passes "<kernel path> WORDS"
# The machine: -m 256 (microhv's default guest_mem), COM1 to the transcript, no display, no
# host audio (-audiodev none: the only backend a sound device could use),
# isa-debug-exit at 0xf4 (4 bytes), -no-reboot so a triple fault ends QEMU.
# Exit status: the guest's exit code, decoded from QEMU's (code << 1) | 1 (so 0..127);
# 124 on timeout; 125 when QEMU ended without a debug-exit write (reset, triple fault,
# shutdown); 2 when QEMU could not start or the arguments are bad.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
guest= log= timeout_s=60 append= have_append=0
while [ $# -gt 0 ]; do
	case "$1" in
	--log) log=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) append=$2; have_append=1; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	-*) echo "run-qemu-bare: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$guest" ] || { echo "run-qemu-bare: more than one guest given" >&2; exit 2; }
	   guest=$1; shift ;;
	esac
done
[ -n "$guest" ] || { echo "usage: run-qemu-bare.sh GUEST [--log FILE] [--timeout S] [--append CMDLINE]" >&2; exit 2; }
case "$timeout_s" in ''|*[!0-9]*) echo "run-qemu-bare: --timeout needs whole seconds" >&2; exit 2 ;; esac
if [ ! -f "$guest" ] && [ -f "$BUILD/guest/tests/$guest.elf" ]; then guest=$BUILD/guest/tests/$guest.elf; fi
[ -f "$guest" ] || { echo "run-qemu-bare: no guest '$guest' (run 'make guests')" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-qemu-bare: qemu-system-x86_64 is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
transcript=${log:-$tmp/serial.log}
mkdir -p "$(dirname "$transcript")"
: > "$transcript"
args=(-accel tcg -kernel "$guest" -serial "file:$transcript" -display none -audiodev none,id=noaudio
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 256 -no-reboot)
[ "$have_append" = 1 ] && args+=(-append "$append")

timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" < /dev/null 2> "$tmp/stderr" &
qpid=$!
# Without --log the transcript streams to stdout as it comes.
[ -z "$log" ] && tail -n +1 -f --pid="$qpid" "$transcript"
wait "$qpid"
rc=$?
# QEMU's own messages (warnings included) go to our stderr, never into the transcript.
[ -s "$tmp/stderr" ] && cat "$tmp/stderr" >&2
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "run-qemu-bare: timed out after ${timeout_s}s" >&2
	exit 124
fi
# Status 1 is both "the guest wrote 0" and "QEMU failed" (it prints why, before any guest
# output): a silent guest with something on QEMU's stderr is taken as QEMU failing.
if [ "$rc" -eq 1 ] && [ -s "$tmp/stderr" ] && [ ! -s "$transcript" ]; then
	echo "run-qemu-bare: QEMU could not run $guest" >&2
	exit 2
fi
if [ "$rc" -eq 0 ]; then
	echo "run-qemu-bare: QEMU ended without a debug-exit write (reset, triple fault or shutdown)" >&2
	exit 125
fi
if [ $((rc & 1)) -eq 1 ]; then
	exit $((rc >> 1))
fi
echo "run-qemu-bare: QEMU exited with status $rc" >&2
exit 2
