#!/usr/bin/env bash
# Bochs's headless display (RFB) and concurrent starts. Bochs 2.7's RFB thread binds the first
# free port from 5900 with SO_REUSEADDR and listens afterwards; two Bochs started together can
# both bind 5900, and the one whose listen fails stops with "RFB could not bind any port". It
# happened in CI (bochs_boot's noguest run: status 125, an empty serial log). scripts/lib.sh's
# bochs_launch serializes the binds with a host-wide lock; these checks fail without it.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_display
mkdir -p "$out"
rm -f "$out"/*

# A machine with no boot disk: Bochs's BIOS stops at once ("No bootable device"), after the
# display has started.
for k in 1 2 3 4 5 6; do
	{ bochsrc_common "$out/b$k.log"; printf 'megs: 16\nboot: cdrom\nata0-master: type=cdrom, path="%s/none.iso", status=inserted\n' "$out"; } > "$out/rc$k"
done
echo c > "$out/cmds"

# 1. Six starts at once, five rounds: on this 2-core machine the unlocked start lost the race
# in about one round of five.
lost=0 failed=0
for round in 1 2 3 4 5; do
	for k in 1 2 3 4 5 6; do
		( bochs_launch 30 "$out/rc$k" "$out/cmds" "$out/o$k.txt" "$out/b$k.log" || exit 1; wait "$bochs_pid"; exit 0 ) &
	done
	for k in 1 2 3 4 5 6; do wait -n || failed=$((failed + 1)); done
	lost=$((lost + $(grep -ls 'could not bind' "$out"/b?.log | wc -l)))
done
if [ "$lost" = 0 ] && [ "$failed" = 0 ]; then
	ok "bochs display: 30 starts, six at a time, each found a display port"
else
	not_ok "bochs display: $lost of 30 starts, six at a time, lost the display port race ($failed refused)"
fi

# 2. Every port of the range held by another program for 3 s: the start waits and retries.
hold() { # SECONDS: listens on 5900-5949 for SECONDS; prints "held N" once listening
	python3 - "$1" <<'PY'
import socket, sys, time
held = []
for port in range(5900, 5950):
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", port)); s.listen(1); held.append(s)
    except OSError:
        pass
print("held", len(held), flush=True)
time.sleep(float(sys.argv[1]))
PY
}
hold 3 > "$out/hold1.txt" &
hold_pid=$!
while ! grep -q held "$out/hold1.txt" 2>/dev/null; do sleep 0.1; done
if [ -f "$BUILD/microhv.elf" ]; then
	"$root/scripts/run-bochs.sh" --cpu p4_prescott_celeron_336 --timeout 60 --log "$out/busy.log" > "$out/busy.out" 2>&1
	expect_code $? 65 "bochs display: a run started while another program held every display port for 3 s got one a try later (p4 refused: 65)" "$out/busy.out"
else
	not_ok "bochs display: build/microhv.elf missing (run make)"
fi
wait "$hold_pid"

# 3. Held for longer than the retries: refused by name, not a silent empty run.
hold 20 > "$out/hold2.txt" &
hold_pid=$!
while ! grep -q held "$out/hold2.txt" 2>/dev/null; do sleep 0.1; done
"$root/scripts/run-bochs.sh" --cpu p4_prescott_celeron_336 --timeout 60 --log "$out/busy2.log" > "$out/busy2.out" 2>&1
expect_code $? 2 "bochs display: every display port held throughout: run-bochs stops with status 2" "$out/busy2.out"
expect_line "$out/busy2.out" 'no free TCP port for Bochs.s RFB display \(5900-5949\)' "bochs display: and says why"
kill "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null
exit 0
