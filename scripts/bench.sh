#!/usr/bin/env bash
# Benchmarks (`make bench`): figures are measured side by side in one run and reported as
# ratios where the machine's speed could skew them. Under Bochs with clock: sync=none the
# guest TSC counts executed instructions, so TSC figures are instruction counts, not time.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/bench
mkdir -p "$out"
G=$root/build/guest/tests

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
