#!/usr/bin/env bash
# Benchmarks (`make bench`): figures are measured side by side in one run and reported as
# ratios where the machine's speed could skew them. Under Bochs with clock: sync=none the
# guest TSC counts executed instructions, so TSC figures are instruction counts, not time.
# BENCH="part ..." runs only the parts named (default: all, in this order):
#   exitcost  iosweep  blocks  idle  micro  extent  linux (Debian's kernel, about 15 minutes)
#   cost (the Linux boot off / block_follow=off / on, modelled cycles and break-even C; not in the default set)
#   nested (under nested KVM in Bochs, scripts/bench_nested.sh, about 35 minutes; not in the default set)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/bench
mkdir -p "$out"
G=$root/build/guest/tests
PARTS="exitcost iosweep blocks idle micro extent linux"
EXTRA_PARTS="cost" # run only when named: three Linux boots
for p in ${BENCH:-}; do
	[ "$p" = nested ] && continue
	case " $PARTS $EXTRA_PARTS " in *" $p "*) ;; *) echo "bench: no part '$p' (parts: $PARTS $EXTRA_PARTS nested)" >&2; exit 2 ;; esac
done
want() { [ -z "${BENCH:-}" ] || case " $BENCH " in *" $1 "*) true ;; *) false ;; esac; }

if want exitcost; then
echo "== IO exit round trip (guest exitcost, corei7_skylake_x)"
"$root/scripts/run-bochs.sh" --guest "$G/exitcost.elf" --timeout 300 --log "$out/exitcost.log" >/dev/null 2>&1
rc=$?
with=$(grep -a 'ticks for [0-9]* exits' "$out/exitcost.log" | tr -d '\r' | sed -E 's/exitcost: ([0-9]+) ticks for ([0-9]+) exits/\1 \2/')
without=$(grep -a 'rounds without exits' "$out/exitcost.log" | tr -d '\r' | sed -E 's/exitcost: ([0-9]+) ticks .*/\1/')
if [ $rc -ne 0 ] || [ -z "$with" ] || [ -z "$without" ]; then
	echo "bench: the exitcost run failed (code $rc); see $out/exitcost.log" >&2
	exit 1
fi
set -- $with
ticks=$1 n=$2
awk -v t="$ticks" -v b="$without" -v n="$n" 'BEGIN {
	printf "  loop with one OUT per round:   %d ticks for %d rounds (%.1f per round)\n", t, n, t / n
	printf "  same loop with NOP, no exits:  %d ticks (%.1f per round)\n", b, b / n
	printf "  IO exit round trip:            %.1f guest-TSC ticks (= instructions under sync=none)\n", (t - b) / n
	printf "  ratio loop-with-exit / loop-without: %.1f\n", t / b
}'
grep -a '^\[hv\] stats ' "$out/exitcost.log" | tr -d '\r' | sed 's/^/  /'
fi

if want iosweep; then
echo "== block IO: guest iosweep with block_io=off and on, side by side (corei7_skylake_x)"
for m in off on; do
	start=$(date +%s.%N)
	"$root/scripts/run-bochs.sh" --guest "$G/iosweep.elf" --cmdline "block_io=$m" --timeout 300 \
		--log "$out/iosweep-$m.log" >/dev/null 2>&1 || { echo "bench: iosweep block_io=$m failed" >&2; exit 1; }
	end=$(date +%s.%N)
	echo "$m $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b - a}')" >> "$out/iosweep.wall"
done
# the core's memory footprint, guest RAM excluded (printed at start by boot/launch.c)
grep -a '^\[hv\] footprint: ' "$out/iosweep-on.log" | tr -d '\r' | sed 's/^\[hv\] /  core /'
PYTHONPATH="$root/scripts" python3 - "$out" <<'PY'
import sys
from hv_stats import last_stats
out = sys.argv[1]
def stats(m):
    return last_stats(f"{out}/iosweep-{m}.log")
wall = dict(l.split() for l in open(f"{out}/iosweep.wall"))
off, on = stats("off"), stats("on")
for name, s in (("off", off), ("on", on)):
    print(f"  block_io={name:3}: {s['io_instructions']} IO instructions, {s['io_exits']} IO exits "
          f"({s['io_exits'] / s['io_instructions']:.3f} per IO instruction), {s['exits']} exits, "
          f"root-mode TSC {s['root_tsc']}, wall {wall[name]} s")
print(f"  IO exits on/off: {on['io_exits'] / off['io_exits']:.3f}; root-mode TSC on/off: {on['root_tsc'] / off['root_tsc']:.3f}; "
      f"wall on/off: {float(wall['on']) / float(wall['off']):.3f}")
b = on["blocks"]
print(f"  blocks: {b['runs']} runs, {b['io_in_blocks']} IO instructions in blocks, {b['insns']} instructions emulated, "
      f"table {b['hits']} hits / {b['misses']} misses / {b['mismatches']} mismatches")
PY
rm -f "$out/iosweep.wall"
"$root/scripts/hvstat" plot "$out/iosweep-off.log" "$out/iosweep-on.log" -o "$out/iosweep.png" # README "Exit statistics"
fi

if want blocks; then
source "$root/scripts/bench_blocks.sh" && bench_blocks || exit 1
fi

if want idle; then
echo "== idle: root-mode cost per guest timer tick, halting beside spinning"
source "$root/scripts/bench_idle.sh" && bench_idle
fi

if want micro; then
echo "== host microbenchmarks of the block-IO units (ns per operation, this machine; noisy)"
"$root/build/tests/bench/micro_block"
# Instructions per operation: callgrind's total with MICRO_ITERS=N less that with 0, over N
# (valgrind is installed by scripts/deps.sh).
ir() { # PHASE ITERS: the instructions callgrind counts for one run
	MICRO_PHASE=$1 MICRO_ITERS=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$root/build/tests/bench/micro_block" 2>&1 >/dev/null | sed -n 's/.*Collected : *//p' | tr -d ','
}
echo "  instructions per operation (callgrind, MICRO_ITERS=1000 less MICRO_ITERS=0):"
for ph in hash lookup scan hit singles follow follow_long follow_singles follow_linux follow_linux2 follow_linux3; do
	a=$(ir "$ph" 1000) b=$(ir "$ph" 0)
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "bench: callgrind gave no count for $ph" >&2
		exit 1
	fi
	awk -v p="$ph" -v a="$a" -v b="$b" 'BEGIN {
		split("hash:hash of a 37-byte block|lookup:table lookup (hit)|scan:cold scan of a 10-IO block|hit:table hit running the 10-IO block|singles:ten single IO exits|follow:followed block hit (7 instructions)|follow_long:followed block hit (67 instructions)|follow_singles:its two IO instructions as single exits|follow_linux:Linux console path hit (21 instructions)|follow_linux2:Linux console path hit (77 instructions)|follow_linux3:Linux console path hit (133 instructions)", d, "|")
		for (i in d) { split(d[i], kv, ":"); if (kv[1] == p) name = kv[2] }
		printf "    %-45s %8.0f\n", name, (a - b) / 1000 }'
done
fi

if want extent; then
echo "== extent policy: guest iosweep under each extent, side by side (the default is page)"
for e in 16 64 page cpu; do
	"$root/scripts/run-bochs.sh" --guest "$G/iosweep.elf" --cmdline "guest_mem=16M extent=$e" --timeout 300 \
		--log "$out/extent-$e.log" >/dev/null 2>&1 || { echo "bench: iosweep extent=$e failed" >&2; exit 1; }
done
PYTHONPATH="$root/scripts" python3 - "$out" <<'PY'
import sys
from hv_stats import last_stats
out = sys.argv[1]
rows = []
for e in ("16", "64", "page", "cpu"):
    rows.append((e, last_stats(f"{out}/extent-{e}.log")))
base = rows[2][1]
for e, s in rows:
    print(f"  extent={e:5}: {s['io_exits']} IO exits for {s['io_instructions']} IO instructions, "
          f"root-mode TSC {s['root_tsc']} ({s['root_tsc'] / base['root_tsc']:.3f} of page), "
          f"blocks {s['blocks']['runs']}")
PY
fi

if want linux; then
	source "$root/scripts/bench_linux.sh" && bench_linux || exit 1
fi

if [ -n "${BENCH:-}" ] && want cost; then
	source "$root/scripts/bench_cost.sh" && bench_cost || exit 1
fi
if [ -n "${BENCH:-}" ] && want nested; then
	source "$root/scripts/bench_nested.sh" && bench_nested || exit 1
fi
