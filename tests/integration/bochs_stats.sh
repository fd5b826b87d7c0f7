#!/usr/bin/env bash
# Statistics while a guest runs: stats_interval=1 prints a version-2 stats line every second of
# guest time (idle: 2 s of PIT ticks in HLT), none without it, Ctrl-A s typed on the console
# prints them at once while every other byte still reaches the guest; hvstat reads the result.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/stats
mkdir -p "$out"
hv=$root/scripts/hvstat
stats() { tr -d '\r' <"$1" | grep -a '^\[hv\] stats {'; }

"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/idle.elf" --cmdline "stats_interval=1" --timeout 150 \
	--log "$out/idle-1s.log" 2>"$out/idle-1s.err"
expect_code $? 0 "idle guest with stats_interval=1 ends with code 0" "$out/idle-1s.log"
periodic=$(stats "$out/idle-1s.log" | grep -c '"kind":"periodic"')
if [ "$periodic" -ge 2 ]; then ok "stats_interval=1: $periodic periodic lines in 2 s of guest time"; else not_ok "stats_interval=1: periodic lines (got $periodic)" "$out/idle-1s.log"; fi
# consecutive periodic lines 1 s of guest time apart (the loop polls at least every 10 ms), seq counting up
if stats "$out/idle-1s.log" | python3 -c '
import json, sys
recs = [json.loads(l[len("[hv] stats "):]) for l in sys.stdin]
per = [r for r in recs if r["kind"] == "periodic"]
gaps = [b["guest_ns"] - a["guest_ns"] for a, b in zip(per, per[1:])]
assert gaps and all(1000000000 <= g <= 1011000000 for g in gaps), gaps
assert [r["seq"] for r in recs] == list(range(len(recs))), [r["seq"] for r in recs]
assert recs[-1]["kind"] == "final" and all(r["version"] == 2 for r in recs)
assert all(a["exits"] <= b["exits"] and a["host_tsc"] < b["host_tsc"] for a, b in zip(recs, recs[1:]))
assert sum(recs[-1]["reason_tsc"].values()) == recs[-1]["root_tsc"], "reason_tsc adds up to root_tsc"
ports = recs[-1]["ports"]
assert sum(p["exits"] for p in ports) == recs[-1]["io_exits"], "port exits add up to io_exits"
assert sum(p["in"] + p["out"] for p in ports) >= recs[-1]["io_instructions"], "accesses cover IO instructions"
assert {"0x20", "0x43"} <= {p["port"] for p in ports}, "the PIC and PIT ports are there"
top = recs[-1]["top_blocks"]
assert [b["hits"] for b in top] == sorted((b["hits"] for b in top), reverse=True), "top blocks: most hits first"
assert sum(b["runs"] for b in top) <= recs[-1]["blocks"]["runs"], "top blocks: runs within all runs"
assert all(b["io"] >= 2 and b["tsc_per_run"] > 0 for b in top), "top blocks: IO per run, root TSC per run"
'; then ok "periodic lines: 1 s of guest time apart, seq and counters rising, reason_tsc adds up to root_tsc, ports add up to io_exits, top blocks consistent"
else not_ok "periodic lines: spacing, seq, counters, reason_tsc" "$out/idle-1s.log"; fi

"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/idle.elf" --timeout 150 --log "$out/idle-0.log" 2>"$out/idle-0.err"
expect_code $? 0 "idle guest without stats_interval ends with code 0" "$out/idle-0.log"
lines=$(stats "$out/idle-0.log" | wc -l)
if [ "$lines" = 1 ] && stats "$out/idle-0.log" | grep -q '"kind":"final"'; then ok "no stats_interval: the final line only"; else not_ok "no stats_interval: the final line only (got $lines)" "$out/idle-0.log"; fi

"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/echo.elf" --cmdline "guest_mem=16M" --timeout 120 \
	--send 'echo: ready=>ab\x01scd\r' --send "echo: got 'abcd'=>quit\r" --log "$out/echo.log" >"$out/echo.out" 2>&1
expect_code $? 0 "echo guest with Ctrl-A s typed ends with code 0" "$out/echo.log"
expect_line "$out/echo.log" '^\[hv\] stats \{"version":2,"kind":"request","seq":0,' "Ctrl-A s: a stats line at once"
expect_line "$out/echo.log" "^echo: got 'abcd' " "Ctrl-A s: the other typed bytes reach the guest, and only they"
n=$(tr -d '\r' <"$out/echo.log" | grep -c '^\[hv\] exit statistics:')
expect_code "$n" 2 "Ctrl-A s: the table too (once on request, once at the end)" "$out/echo.log"

"$hv" report "$out/idle-1s.log" >"$out/report.out" 2>&1
expect_code $? 0 "hvstat report reads the version-2 lines" "$out/report.out"
expect_line "$out/report.out" '^stats format version +2$' "hvstat report: format 2"
"$hv" top --plain --no-follow "$out/idle-1s.log" >"$out/top.out" 2>&1
expect_line "$out/top.out" '^stats line 2 \(periodic, format 2\), guest time [0-9.]+ s; rates over the last 1\.0[0-9] s$' "hvstat top: rates over each second"

# trace=io with a 16-record ring: it fills and is printed many times during the run, and still
# every IO instruction of a block_io=off run has its record, in guest-time order
"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/blk_pit.elf" --cmdline "block_io=off trace=io:16" --timeout 120 \
	--log "$out/trace.log" 2>"$out/trace.err"
expect_code $? 0 "blk_pit with trace=io:16 ends with code 0" "$out/trace.log"
if tr -d '\r' <"$out/trace.log" | python3 -c '
import json, re, sys
text = sys.stdin.read()
recs = re.findall(r"^\[hv\] tio ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([124])([io])([xb])$", text, re.M)
s = json.loads([l for l in text.splitlines() if l.startswith("[hv] stats {")][-1][len("[hv] stats "):])
assert len(recs) == s["io_instructions"] == 935, (len(recs), s["io_instructions"])
assert all(r[5] == "x" for r in recs), "block_io=off: every record an exit"
t = [int(r[0], 16) for r in recs]
assert all(a < b for a, b in zip(t, t[1:])), "guest time rises"
assert text.index("[hv] tio ") < text.index("[hv] guest ended"), "the ring was printed during the run"
'; then ok "trace=io:16: one record per IO instruction (935), all exits, in order, printed as the ring filled"
else not_ok "trace=io:16: one record per IO instruction" "$out/trace.log"; fi
"$hv" bound "$out/trace.log" >"$out/bound.out" 2>&1
expect_line "$out/bound.out" '^cluster bound of .*: 935 IO instructions traced' "hvstat bound reads the trace"
