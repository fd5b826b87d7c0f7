#!/usr/bin/env bash
# Boots microhv in Bochs (headless, deterministic clock) from a per-run GRUB ISO.
#   --cpu MODEL        Bochs CPU model (default corei7_skylake_x)
#   --cmdline "WORDS"  hypervisor options (on_exit=bochs is put first)
#   --guest FILE       guest image (a Multiboot module named "guest")
#   --initrd FILE      initrd for a Linux guest
#   --append "ARGS"    the guest's own command line
#   --timeout SECONDS  wall-clock limit (default 120)
#   --log FILE         the whole serial transcript (default: a temp file)
#   --console          also show the serial transcript on the terminal as it comes (and, when
#                      standard input is a terminal, type into the guest: --interactive)
#   --interactive      type into the guest's console (its COM1) from this terminal
#   --send 'RE=>TEXT'  once the transcript matches RE, type TEXT (\n etc. decoded); repeatable
#   --core FILE        the core ELF (default build/microhv.elf)
#   --megs N           emulated RAM in MiB (default 1024)
#   --ips N            Bochs's emulated instructions per second (default 100000000); fewer make
#                      every exit longer in guest time (a nested exit's cost, for the PIT tests)
#   --bare             no hypervisor: GRUB boots --guest (a Linux bzImage) itself, with --initrd
#                      and --append (scripts/mkiso.sh --bare); a bare run prints no exit line,
#                      so give it --until
#   --until REGEX      end the run once a line of the serial log matches REGEX (grep -E):
#                      exit status 0
#   --debug            Bochs's debugger, stopped before the first instruction, the core's symbols
#                      loaded (ldsym); its commands come from standard input (README "Exit
#                      statistics": make debug); the serial transcript goes to --log
# Exit status (without --until): the N of the run's last "[hv] exit: code=N" line (0: the run
# ended as it should; from the VMX issue on, the guest's own exit code); 124 on timeout, 125 when the
# run ended without an exit line; 2 when it could not start (a bad option, no Bochs, no free port
# for Bochs's display). Bochs's own exit status is always 1 and is ignored.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"
cpu=corei7_skylake_x cmdline= guest= initrd= append= timeout_s=120 log= console=0 interactive=0 sends=() core="$here/build/microhv.elf" megs=1024
ips=100000000
bare=0 until_re= until_seen=0 debug=0
while [ $# -gt 0 ]; do
	case "$1" in
	--cpu) cpu=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--console) console=1; shift ;;
	--interactive) interactive=1; shift ;;
	--send) sends+=(--send "$2"); shift 2 ;;
	--core) core=$2; shift 2 ;;
	--megs) megs=$2; shift 2 ;;
	--ips) ips=$2; shift 2 ;;
	--bare) bare=1; shift ;;
	--until) until_re=$2; shift 2 ;;
	--debug) debug=1; shift ;;
	-h|--help) sed -n '2,28p' "$0"; exit 0 ;;
	*) echo "run-bochs: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$timeout_s" in ''|*[!0-9]*) echo "run-bochs: --timeout needs whole seconds" >&2; exit 2 ;; esac
case "$megs" in ''|*[!0-9]*) echo "run-bochs: --megs needs a number" >&2; exit 2 ;; esac
case "$ips" in ''|*[!0-9]*|0*) echo "run-bochs: --ips needs a positive number" >&2; exit 2 ;; esac
case "$cpu" in ''|*[!a-z0-9_]*) echo "run-bochs: bad CPU model '$cpu'" >&2; exit 2 ;; esac
command -v bochs >/dev/null || { echo "run-bochs: bochs is not installed (run scripts/deps.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
cleanup() { [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
[ -n "$log" ] || log="$tmp/serial.log"
mkdir -p "$(dirname "$log")"
: > "$log"

if [ "$bare" = 1 ]; then
	[ -z "$cmdline" ] || { echo "run-bochs: --bare runs no hypervisor: no --cmdline" >&2; exit 2; }
	iso_args=(--bare --out "$tmp/microhv.iso")
else
	# VGA text: the core's screen console costs a few bytes a character there, not 128 pixels
	iso_args=(--core "$core" --out "$tmp/microhv.iso" --cmdline "on_exit=bochs $cmdline" --bios-gfx text)
fi
[ -n "$guest" ] && iso_args+=(--guest "$guest")
[ -n "$initrd" ] && iso_args+=(--initrd "$initrd")
[ -n "$append" ] && iso_args+=(--append "$append")
"$here/scripts/mkiso.sh" "${iso_args[@]}" || { echo "run-bochs: could not build the ISO" >&2; exit 2; }

[ "$console" = 1 ] && [ -t 0 ] && interactive=1
# COM1 to a file, or, when the guest gets input, a TCP server on 127.0.0.1 that
# scripts/serial-bridge.py connects to.
bridge=0
if [ "$interactive" = 1 ] || [ ${#sends[@]} -gt 0 ]; then
	bridge=1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	com1="com1: enabled=1, mode=socket-server, dev=127.0.0.1:$port"
else
	com1="com1: enabled=1, mode=file, dev=\"$log\""
fi
{
	bochsrc_common "$tmp/bochs.log"
	cat <<RC
megs: $megs
cpu: model=$cpu, count=1, ips=$ips, reset_on_triple_fault=0
ata0-master: type=cdrom, path="$tmp/microhv.iso", status=inserted
boot: cdrom
$com1
RC
} > "$tmp/bochsrc"
echo c > "$tmp/rc"
if [ "$debug" = 1 ]; then
	[ "$bridge" = 0 ] || { echo "run-bochs: --debug reads debugger commands from standard input: no --interactive or --send" >&2; exit 2; }
	# Bochs's symbol file: "ADDRESS NAME" per line, the core's functions at their link addresses
	nm -n "$core" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' > "$tmp/microhv.sym"
	echo "ldsym global \"$tmp/microhv.sym\"" > "$tmp/rc"
	echo "run-bochs: Bochs debugger, stopped before the first instruction; $(wc -l < "$tmp/microhv.sym") symbols of $core loaded; serial log: $log" >&2
	# Bochs's breakpoint commands take addresses, not names: the ones a session starts with
	for f in vmx_exit_point dispatch_exit hv_panic; do
		awk -v f="$f" '$2 == f { printf "run-bochs:   lb 0x%s   breaks at %s\n", $1, f }' "$tmp/microhv.sym" >&2
	done
	timeout --foreground --kill-after=5 "$timeout_s" bochs -q -f "$tmp/bochsrc" -rc "$tmp/rc"
	exit $?
fi

start=$(date +%s)
if [ "$bridge" = 1 ]; then
	bochs_launch "$timeout_s" "$tmp/bochsrc" "$tmp/rc" "$tmp/bochs.out" "$tmp/bochs.log" || exit 2
	# --pid: the bridge ends within a second or so when Bochs ends, even before it listens
	bridge_args=(--port "$port" --log "$log" --timeout "$timeout_s" "${sends[@]}"
		--pid "$bochs_pid" --emulator-output "$tmp/bochs.out" --emulator-output "$tmp/bochs.log")
	[ "$console" = 1 ] && bridge_args+=(--console)
	[ "$interactive" = 1 ] && bridge_args+=(--stdin)
	python3 "$here/scripts/serial-bridge.py" "${bridge_args[@]}" 2>"$tmp/bridge.err"
	# a bridge that gave up leaves nobody on COM1: end Bochs now rather than at the timeout
	[ $? -ne 0 ] && kill "$bochs_pid" 2>/dev/null
	wait "$bochs_pid"
	rc=$?
else
	if [ "$console" = 1 ]; then
		tail -n +1 -f "$log" &
		tail_pid=$!
	fi
	bochs_launch "$timeout_s" "$tmp/bochsrc" "$tmp/rc" "$tmp/bochs.out" "$tmp/bochs.log" || exit 2
	while [ -n "$until_re" ] && kill -0 "$bochs_pid" 2>/dev/null; do
		if grep -aEq -- "$until_re" "$log"; then
			until_seen=1
			kill "$bochs_pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$bochs_pid"
	rc=$?
fi
elapsed=$(( $(date +%s) - start ))
sleep 0.2
if [ -n "$until_re" ]; then
	if [ "$until_seen" = 1 ] || grep -aEq -- "$until_re" "$log"; then
		echo "run-bochs: the serial log matched /$until_re/ after ${elapsed}s: run ended" >&2
		exit 0
	fi
	echo "run-bochs: /$until_re/ never matched (Bochs status $rc after ${elapsed}s); last lines of the serial log:" >&2
	tail -n 20 "$log" >&2
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && exit 124
	exit 125
fi
exit_line=$(grep -a '^\[hv\] exit: code=' "$log" | tail -n 1)
if [ -n "$exit_line" ]; then
	code=$(printf '%s' "$exit_line" | sed -E 's/^\[hv\] exit: code=([0-9]+).*/\1/' | tr -d '\r')
	[ "$code" != 0 ] && echo "run-bochs: run ended with code $code ${exit_line#*code=$code }" >&2
	exit "$code"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run-bochs: timeout after ${timeout_s}s with no exit line; last lines of the serial log:" >&2
	tail -n 20 "$log" >&2
	exit 124
fi
echo "run-bochs: Bochs ended after ${elapsed}s without an exit line (crash, triple fault or Bochs panic)." >&2
echo "--- last lines of the serial log:" >&2
tail -n 20 "$log" >&2
if [ -s "$tmp/bridge.err" ]; then
	cat "$tmp/bridge.err" >&2  # what the serial bridge saw, with Bochs's last lines
else
	echo "--- last lines of Bochs's log:" >&2
	tail -n 15 "$tmp/bochs.log" "$tmp/bochs.out" >&2 2>/dev/null
fi
exit 125
