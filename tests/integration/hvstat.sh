#!/usr/bin/env bash
# scripts/hvstat against serial logs recorded from real Bochs runs (tests/data/hvstat/): reports,
# plots, the live view through a pseudo-terminal, the cluster bound, and logs it cannot use
# (truncated, older format, garbage): a clear message and status 2, never a traceback.
source "$(dirname "$0")/lib.sh"
hv=$root/scripts/hvstat
d=$root/tests/data/hvstat
out=$BUILD/test/hvstat
rm -rf "$out"; mkdir -p "$out"

run() { # NAME ARGS...: runs hvstat, output in $out/NAME.out, status in $out/NAME.rc
	local name=$1; shift
	"$hv" "$@" >"$out/$name.out" 2>&1
	echo $? >"$out/$name.rc"
}
no_traceback() { expect_no_line "$out/$1.out" 'Traceback|internal error' "$1: no traceback"; }

run report_pair report "$d/iosweep-off.log" "$d/iosweep-on.log"
expect_code "$(cat "$out/report_pair.rc")" 0 "report of two logs" "$out/report_pair.out"
expect_line "$out/report_pair.out" '^IO exits per IO instruction +1\.000 +0\.345 +0\.345$' "report: IO exits per IO instruction off, on and the ratio"
expect_line "$out/report_pair.out" '^VM exits +30524 +10516 +0\.345$' "report: VM exits side by side with the ratio"
expect_line "$out/report_pair.out" '^block IO +off +on +-$' "report: block IO off/on, no ratio"

run report_on report "$d/iosweep-on.log"
run report_mixed report "$d/interleaved.log"
if [ "$(tail -n +3 "$out/report_on.out" | tr -s ' ')" = "$(tail -n +3 "$out/report_mixed.out" | tr -s ' ')" ] \
	&& grep -q '^IO instructions  *30522$' "$out/report_on.out"; then
	ok "guest output interleaved mid-line: the same figures as the clean log"
else
	not_ok "guest output interleaved mid-line: the same figures as the clean log" "$out/report_mixed.out"
fi

run older report "$d/older-format.log"
expect_code "$(cat "$out/older.rc")" 0 "older stats format (no version, no blocks) is read"
expect_line "$out/older.out" '^stats format version +0$' "older format: recognised as format 0"
expect_line "$out/older.out" '^block runs +-$' "older format: figures it lacks show as -"

run truncated report "$d/truncated.log"
expect_code "$(cat "$out/truncated.rc")" 2 "truncated log: status 2"
expect_line "$out/truncated.out" 'truncated.log:34: stats line is not complete JSON.*truncated' "truncated log: says which line and why"
no_traceback truncated
run garbage report "$d/garbage.bin"
expect_code "$(cat "$out/garbage.rc")" 2 "garbage: status 2"
expect_line "$out/garbage.out" 'garbage.bin: binary data, not a serial log' "garbage: a clear message"
no_traceback garbage
run badfields report "$d/bad-fields.log"
expect_code "$(cat "$out/badfields.rc")" 2 "stats lines of the wrong shape: status 2"
expect_line "$out/badfields.out" "field 'exits' missing or not a count" "wrong field type: named"
expect_line "$out/badfields.out" 'version 99 is newer than this hvstat knows' "a newer format: said so"
no_traceback badfields
run missing report "$d/no-such.log"
expect_line "$out/missing.out" 'no-such.log: cannot read: No such file' "missing log: a clear message"
run plotgarbage plot "$d/garbage.bin" -o "$out/g.png"
expect_code "$(cat "$out/plotgarbage.rc")" 2 "plot of garbage: status 2, no file"
no_traceback plotgarbage

png_size() { # FILE: "W H" from the PNG header, or nothing
	python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", b[16:24])) if b[:8]==b"\x89PNG\r\n\x1a\n" else None' "$1"
}
run plot_pair plot "$d/iosweep-off.log" "$d/iosweep-on.log" -o "$out/pair.png"
run plot_off plot "$d/iosweep-off.log" -o "$out/off.png"
run plot_on plot "$d/iosweep-on.log" -o "$out/on.png"
run plot_svg plot "$d/pitirq-on.log" "$d/older-format.log" -o "$out/mixed.svg"
for p in pair off on; do
	read -r w h <<<"$(png_size "$out/$p.png")"
	bytes=$(stat -c %s "$out/$p.png" 2>/dev/null || echo 0)
	if [ "$(cat "$out/plot_$p.rc")" = 0 ] && [ "${w:-0}" -ge 800 ] && [ "${w:-0}" -le 3000 ] && [ "${h:-0}" -ge 400 ] \
		&& [ "${h:-0}" -le 3000 ] && [ "$bytes" -ge 20000 ] && [ "$bytes" -le 2000000 ]; then
		ok "plot $p.png: a PNG of ${w}x${h}, $bytes bytes"
	else
		not_ok "plot $p.png: a PNG of sane size (got ${w:-?}x${h:-?}, $bytes bytes)" "$out/plot_$p.out"
	fi
done
if cmp -s "$out/off.png" "$out/on.png"; then not_ok "plots of block_io=off and on differ"; else ok "plots of block_io=off and on differ"; fi
if [ "$(cat "$out/plot_svg.rc")" = 0 ] && grep -q '<svg' "$out/mixed.svg"; then ok "plot as SVG, an older format beside a newer"; else not_ok "plot as SVG" "$out/plot_svg.out"; fi

# top on a pseudo-terminal (its curses path) following a log written line by line
python3 "$root/tests/integration/hvstat_pty.py" "$hv" "$d/pitirq-on.log" "$out/growing.log" 0.01 >"$out/pty.out" 2>&1
expect_code $? 0 "top on a terminal ends at the run's exit line" "$out/pty.out"
expect_line "$out/pty.out" "waiting for a '\[hv\] stats' line" "top on a terminal: shown before the stats line came (it follows the log)"
expect_line "$out/pty.out" '^HLT +141 ' "top on a terminal: exits by reason"
expect_line "$out/pty.out" 'IO exits per IO instruction 0\.715' "top on a terminal: IO exits per IO instruction"
expect_line "$out/pty.out" '^\[hv\] exit: code=0' "top on a terminal: the run's exit line"
"$hv" top - <"$d/iosweep-on.log" >"$out/stdin.out" 2>&1
expect_code $? 0 "top from standard input (plain)" "$out/stdin.out"
expect_line "$out/stdin.out" '^blocks on: 10,001 runs, 10,505 hits' "top from standard input: block figures"
run top_trunc top --no-follow "$d/truncated.log"
expect_code "$(cat "$out/top_trunc.rc")" 2 "top of a truncated log: status 2"
no_traceback top_trunc

# the cluster bound: its arithmetic on a small trace (gaps 3,3,94,4,896 guest instructions)
run bound bound "$d/trace-arith.log" --on "$d/iosweep-on.log" --overhead 0
expect_line "$out/bound.out" '^ +5 +2 +5 +3 +0\.500 +0\.689$' "bound at N=5: groups {0,3,6} {100,104}: 3 exits"
expect_line "$out/bound.out" '^ +128 +1 +5 +2 +0\.333 ' "bound at N=128: one group of 5 and a single: 2 exits"
expect_line "$out/bound.out" "^ +4096 +1 +6 +1 +0\.167 +2\.067 +<- microhv's extent$" "bound at N=4096, achieved/bound at microhv's extent"
run bound_none bound "$d/iosweep-off.log"
expect_line "$out/bound_none.out" 'no trace=io records' "bound without a trace: says what to record"

# version 2 (periodic lines with timestamps, root-mode TSC per reason), recorded from Bochs runs
run v2pair report "$d/v2-iosweep-off.log" "$d/v2-iosweep-on.log"
expect_line "$out/v2pair.out" '^root TSC: I/O instruction +31661782 +24425091 +0\.771$' "format 2: root-mode TSC per reason, side by side"
run v2top top --plain --no-follow "$d/v2-idle-periodic.log"
expect_line "$out/v2top.out" '^stats line 3 \(final, format 2\), guest time 2\.5 s; rates over the last 0\.10 s$' "format 2: top rates over guest time"
expect_line "$out/v2top.out" '^HLT +200 +[0-9,]+/s +[0-9,]+$' "format 2: top shows exits/s and root TSC per exit"
run v2plot plot "$d/v2-idle-periodic.log" -o "$out/periodic.png"
run v2plot1 plot "$d/v2-iosweep-on.log" -o "$out/single.png"
if [ "$(cat "$out/v2plot.rc")" = 0 ] && [ -s "$out/periodic.png" ] && ! cmp -s "$out/periodic.png" "$out/single.png"; then
	ok "format 2: plot over guest time"
else
	not_ok "format 2: plot over guest time" "$out/v2plot.out"
fi

# the bound of a real trace: blk_pit with block_io=off trace=io in Bochs (935 IO instructions)
run bound_real bound "$d/trace-blk_pit-off.log" --on "$d/blk_pit-on.log"
expect_line "$out/bound_real.out" '935 IO instructions traced; per-exit overhead 64 ticks \(auto' "bound of a Bochs trace: every IO instruction, the exit overhead found"
if awk '/^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ / { if (prev != "" && $4 > prev) bad = 1; prev = $4; n++ } END { exit !(n >= 6 && !bad) }' "$out/bound_real.out"; then
	ok "bound of a Bochs trace: fewer or as many exits as N grows"
else
	not_ok "bound of a Bochs trace: fewer or as many exits as N grows" "$out/bound_real.out"
fi
expect_line "$out/bound_real.out" '^achieved by .*blk_pit-on.log: 0\.587 IO exits per IO instruction' "bound: achieved from the block_io=on log"

# top blocks and ports of a format-2 line (iosweep, block_io=on, recorded in Bochs)
run v2blocks top --plain --no-follow "$d/v2-iosweep-on-blocks.log"
expect_line "$out/v2blocks.out" '^0x100062 +3 +9,999 +1 +0 +0 +2,149$' "top: the top block (address, IO per run, hits, misses, mismatches, early ends, TSC per run)"
expect_line "$out/v2blocks.out" '^0x80 +0 +14,096 +10,001 +10,000$' "top: the busiest ports"

# scripts/hv_stats.py, the tests' and benchmarks' reader, is the same parser (hvstatlib)
hs=$root/scripts/hv_stats.py
v=$(python3 "$hs" "$d/interleaved.log" 's["io_instructions"]')
expect_code "$?" 0 "hv_stats.py: a stats line after guest output mid-line is read"
[ "$v" = 30522 ] && ok "hv_stats.py: the interleaved log's IO instructions (30522)" || not_ok "hv_stats.py: the interleaved log's IO instructions (30522, got '$v')"
python3 "$hs" "$d/truncated.log" >"$out/hs_trunc.out" 2>&1
expect_code "$?" 1 "hv_stats.py: a truncated last stats line is no stats line (status 1)" "$out/hs_trunc.out"
# two periodic lines, then the final one cut off
awk '/stats \{"version":2,"kind":"final"/ { print substr($0, 1, 100); exit } { print }' "$d/v2-idle-periodic.log" >"$out/hs_cut.log"
python3 "$hs" "$out/hs_cut.log" >/dev/null 2>&1
expect_code "$?" 1 "hv_stats.py: a cut final line does not pass for an earlier periodic one"
python3 "$hs" "$d/garbage.bin" >/dev/null 2>&1
expect_code "$?" 1 "hv_stats.py: binary garbage: status 1, no traceback"
