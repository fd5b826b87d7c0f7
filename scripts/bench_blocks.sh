#!/usr/bin/env bash
# Benchmark part "blocks": what block IO saves in root mode, measured in Bochs (clock:
# sync=none, so TSC ticks are executed instructions, root mode included). Defines bench_blocks,
# for scripts/bench.sh to call after sourcing this file, or run it alone:
# scripts/bench_blocks.sh. Three runs of the guest blockcost side by side (5000 rounds of a
# 10-OUT block of 28 instructions): block_io=off (ten IO exits a round), block_io=on (one exit
# a round that runs the cached block: a table hit), and block_io=on with the guest argument
# "cold" (the block's bytes change every round: a hash mismatch and a fresh scan each time).
# From each run: guest-TSC ticks per round (the loop's whole cost) and root-mode TSC per round
# (the stats line's root_tsc over the rounds; the few exits of printing are in it too). Then
# the guest blk_picinit with block_io=off and on: IO exits per 14-IO PIC initialisation.
# Environment: BUILD (default build).

bench_blocks() {
	local bb_root bb_build bb_out g core m
	bb_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	bb_build=${BUILD:-$bb_root/build}
	case "$bb_build" in /*) ;; *) bb_build=$bb_root/$bb_build ;; esac
	bb_out=$bb_build/bench
	g=$bb_build/guest/tests
	core=$bb_build/microhv.elf
	mkdir -p "$bb_out"
	echo "== block IO root-mode cost: guest blockcost, block_io=off / on (hit) / on (cold), side by side (corei7_skylake_x)"
	for m in off on cold; do
		local cmd="block_io=$m" arg=""
		[ "$m" = cold ] && cmd="block_io=on" arg="cold"
		"$bb_root/scripts/run-bochs.sh" --core "$core" --guest "$g/blockcost.elf" --cmdline "$cmd" \
			--append "$arg" --timeout 300 --log "$bb_out/blockcost-$m.log" >/dev/null 2>&1
		if ! grep -aq 'ticks for [0-9]* rounds without IO' "$bb_out/blockcost-$m.log"; then
			echo "bench: blockcost ($m) failed; see $bb_out/blockcost-$m.log" >&2
			return 1
		fi
	done
	echo "== block IO on the PIC initialisation: guest blk_picinit, block_io=off and on"
	for m in off on; do
		"$bb_root/scripts/run-bochs.sh" --core "$core" --guest "$g/blk_picinit.elf" --cmdline "block_io=$m" \
			--timeout 300 --log "$bb_out/picinit-$m.log" >/dev/null 2>&1
	done
	PYTHONPATH="$bb_root/scripts" python3 - "$bb_out" <<'PY'
import re, sys
from hv_stats import need_stats
out = sys.argv[1]
def log(name):
    return open(f"{out}/{name}.log", errors="replace").read().replace("\r", "")
def stats(name):
    return need_stats(f"{out}/{name}.log")
rows = {}
for m in ("off", "on", "cold"):
    t = log(f"blockcost-{m}")
    mo = re.search(r"blockcost: (\d+) ticks for (\d+) rounds of 10 OUT", t)
    mp = re.search(r"blockcost: (\d+) ticks for \d+ rounds without IO", t)
    if not mo or not mp:
        sys.exit(f"bench: blockcost-{m} printed no timing")
    n = int(mo.group(2))
    s = stats(f"blockcost-{m}")
    rows[m] = dict(round=(int(mo.group(1)) - int(mp.group(1))) / n, root=s["root_tsc"] / n,
                   exits=s["io_exits"] / n, s=s)
names = {"off": "block_io=off (10 single exits)", "on": "block_io=on, table hit", "cold": "block_io=on, cold scan"}
for m in ("off", "on", "cold"):
    r = rows[m]
    print(f"  {names[m]:32} {r['exits']:5.2f} IO exits/round, root-mode TSC {r['root']:8.0f}/round, "
          f"loop cost over the no-IO loop {r['round']:8.0f} ticks/round")
off, on, cold = rows["off"], rows["on"], rows["cold"]
print(f"  root-mode TSC, table hit / ten singles: {on['root'] / off['root']:.3f} "
      f"(target < 1: {'met' if on['root'] < off['root'] else 'NOT met'})")
print(f"  root-mode TSC, cold scan / ten singles: {cold['root'] / off['root']:.3f}; "
      f"a scan costs {cold['root'] - on['root']:.0f} ticks more than a hit")
print(f"  whole round, hit / ten singles: {on['round'] / off['round']:.3f}")
for m in ("off", "on"):
    t = log(f"picinit-{m}")
    mm = re.search(r"blk_picinit: (\d+) sequences of (\d+) IO instructions", t)
    if not mm:
        sys.exit(f"bench: blk_picinit ({m}) did not run; see {out}/picinit-{m}.log")
    s = stats(f"picinit-{m}")
    print(f"  blk_picinit block_io={m:3}: {s['io_exits']} IO exits for {s['io_instructions']} IO instructions "
          f"({mm.group(1)} PIC initialisations of {mm.group(2)} IO instructions)")
PY
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	bench_blocks
fi
