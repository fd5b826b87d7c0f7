#!/usr/bin/env bash
# Nothing of the host's audio, display or terminal set-up is needed, and a dead emulator ends a
# run within seconds (issue 10):
# - scripts/serial-bridge.py against fake emulators (fake_emulator.py beside this file): one that
#   dies without ever listening, one killed while connected (the line closes), one killed while a
#   child keeps the line open, one killed before it accepted: the bridge ends within 5 s each
#   time, and where the emulator ended first it says so, quoting the emulator's last output;
# - run-bochs.sh whose Bochs dies at start while the bridge waits for COM1: status 125 within
#   seconds, not at the timeout;
# - Bochs with an empty ALSA configuration, no DISPLAY, no TERM and stdin from /dev/null boots
#   hello to its exit line (Bochs 2.7's sound mixer aborted there before bochsrc_common's dummy
#   sound line), and QEMU likewise boots hello bare, saying nothing about audio.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/host_independent
mkdir -p "$out"
fake=$root/tests/integration/fake_emulator.py
bridge=$root/scripts/serial-bridge.py
LIMIT_MS=5000     # the bridge must end this soon after the emulator does
WAIT_TENTHS=100   # how long (in 0.1 s) to wait for a fake to get ready
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for CMD...: polls CMD until it succeeds; status 1 after WAIT_TENTHS tries
wait_for() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
connected() { ss -Htn state established "( dport = :$1 )" | grep -q .; }
# within NAME MS: the bridge ended within LIMIT_MS
within() {
	echo "# $1: the bridge ended ${2} ms after the emulator"
	if [ "$2" -lt "$LIMIT_MS" ]; then ok "$1: the bridge ends within 5 s"; else not_ok "$1: the bridge took ${2} ms"; fi
}
# start_bridge NAME PORT FAKEPID: the bridge in the background (pid in $bpid)
start_bridge() {
	python3 "$bridge" --port "$2" --log "$out/$1.serial" --timeout 60 --pid "$3" \
		--emulator-output "$out/$1.out" 2>"$out/$1.err" &
	bpid=$!
	pids+=("$bpid")
}

# 1. the emulator dies without ever listening (as a Bochs with a bad bochsrc or an audio abort)
port=$(free_port)
python3 "$fake" die "$port" >"$out/die.out" 2>&1 &
fpid=$!
pids+=("$fpid")
: > "$out/die.serial"
start_bridge die "$port" "$fpid"
wait "$fpid"
t0=$(now_ms)
wait "$bpid"
rc=$?
within "bridge, emulator dies before listening" $(( $(now_ms) - t0 ))
expect_code "$rc" 3 "bridge, emulator dies before listening: status 3" "$out/die.err"
expect_line "$out/die.err" "^serial-bridge: the emulator \(pid $fpid\) ended before its serial port listened" "bridge, emulator dies before listening: says so"
expect_line "$out/die.err" 'fake emulator: cannot open its serial port: giving up' "bridge, emulator dies before listening: quotes the emulator's last output"

# 2. killed while connected: the line closes, the bridge ends as at a normal end (status 0;
#    run-bochs.sh judges the run by its exit line) with the transcript complete
for mode in close hold; do
	port=$(free_port)
	python3 "$fake" "$mode" "$port" "$out/$mode.holder" >"$out/$mode.out" 2>&1 &
	fpid=$!
	pids+=("$fpid")
	: > "$out/$mode.serial"
	start_bridge "$mode" "$port" "$fpid"
	wait_for grep -q 'hello from the fake' "$out/$mode.serial" ||
		not_ok "bridge, $mode: the fake's line never reached the transcript" "$out/$mode.out"
	[ "$mode" = hold ] && wait_for test -s "$out/hold.holder" && pids+=("$(cat "$out/hold.holder")")
	t0=$(now_ms)
	kill -KILL "$fpid"; wait "$fpid" 2>/dev/null
	wait "$bpid"
	eval "${mode}_rc=\$?"
	within "bridge, emulator killed ($mode)" $(( $(now_ms) - t0 ))
	expect_no_line "$out/$mode.err" 'Traceback' "bridge, emulator killed ($mode): no Python traceback"
done
expect_code "$close_rc" 0 "bridge, emulator killed (close): the line closed, status 0 as at a normal end" "$out/close.err"
expect_line "$out/close.serial" 'hello from the fake' "bridge, emulator killed (close): transcript kept"
# 3. killed while a child of it keeps the line open: only the pid says it ended
expect_code "$hold_rc" 3 "bridge, emulator killed (line held open): status 3" "$out/hold.err"
expect_line "$out/hold.err" "^serial-bridge: the emulator \(pid [0-9]+\) ended, but its serial line stayed open" "bridge, emulator killed (line held open): says so"
expect_line "$out/hold.err" 'fake emulator: guest line sent' "bridge, emulator killed (line held open): quotes the emulator's last output"

# 4. killed after the bridge connected but before it accepted: the line is reset
port=$(free_port)
: > "$out/noaccept.serial"
python3 "$fake" noaccept "$port" >"$out/noaccept.out" 2>&1 &
fpid=$!
pids+=("$fpid")
start_bridge noaccept "$port" "$fpid"
wait_for connected "$port" || not_ok "bridge, emulator killed before accepting: the bridge never connected"
t0=$(now_ms)
kill -KILL "$fpid"; wait "$fpid" 2>/dev/null
wait "$bpid"
rc=$?
within "bridge, emulator killed before accepting" $(( $(now_ms) - t0 ))
expect_code "$rc" 3 "bridge, emulator killed before accepting: status 3" "$out/noaccept.err"
expect_line "$out/noaccept.err" '^serial-bridge: the emulator \(pid [0-9]+\) reset the serial line' "bridge, emulator killed before accepting: says so"
expect_line "$out/noaccept.err" 'fake emulator: listening on' "bridge, emulator killed before accepting: quotes the emulator's last output"

if [ ! -f "$BUILD/microhv.elf" ] || [ ! -f "$BUILD/guest/tests/hello.elf" ]; then
	not_ok "bochs host: build/microhv.elf or hello.elf missing (run make)"
	exit 0
fi
# 5. a real Bochs that dies at start (a CPU model it does not know) while the bridge waits
l=$out/badcpu.log
t0=$(now_ms)
"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/hello.elf" --cpu no_such_model --send 'never=>x' \
	--timeout 60 --log "$l" >"$out/badcpu.out" 2>&1
rc=$?
ms=$(( $(now_ms) - t0 ))
echo "# run-bochs with a Bochs dead at start: status $rc after $ms ms (timeout 60 s)"
expect_code "$rc" 125 "run-bochs, Bochs dies at start under the bridge: status 125" "$out/badcpu.out"
[ "$ms" -lt $((2 * LIMIT_MS)) ] && ok "run-bochs, Bochs dies at start under the bridge: ends within 10 s" ||
	not_ok "run-bochs, Bochs dies at start under the bridge: took $ms ms"
expect_line "$out/badcpu.out" '^serial-bridge: the emulator \(pid [0-9]+\) ended before its serial port listened' "run-bochs, Bochs dies at start under the bridge: the bridge says so"
expect_line "$out/badcpu.out" 'cpu directive malformed' "run-bochs, Bochs dies at start under the bridge: Bochs's own message shown"

# 6. a host without sound, display or terminal: an empty ALSA configuration (no default PCM),
#    no DISPLAY, no TERM, stdin not a terminal
l=$out/noaudio.log
: > "$out/empty-asound.conf"
env -u DISPLAY -u TERM ALSA_CONFIG_PATH="$out/empty-asound.conf" \
	"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/hello.elf" --timeout 60 --log "$l" \
	</dev/null >"$out/noaudio.out" 2>&1
expect_code $? 0 "bochs without ALSA config, DISPLAY or TERM: hello ends with code 0" "$out/noaudio.out"
expect_line "$l" '^\[hv\] exit: code=0' "bochs without ALSA config, DISPLAY or TERM: exit line"
# 7. QEMU the same way (bare hello): a sound device without -audiodev none would make QEMU probe
#    the host's backends and print about them (e.g. "module audio-audio-pa not found")
env -u DISPLAY -u TERM ALSA_CONFIG_PATH="$out/empty-asound.conf" \
	"$root/scripts/run-qemu-bare.sh" hello --timeout 60 --log "$out/qemu.log" </dev/null >"$out/qemu.out" 2>&1
expect_code $? 0 "qemu without ALSA config, DISPLAY or TERM: hello ends with code 0" "$out/qemu.out"
expect_no_line "$out/qemu.out" 'audio|alsa|ALSA|pcm' "qemu without ALSA config, DISPLAY or TERM: nothing about audio"
exit 0
