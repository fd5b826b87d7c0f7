#!/usr/bin/env bash
# Benchmark part "idle": what a guest waiting for its timer costs the host. Defines bench_idle,
# for scripts/bench.sh to call after sourcing this file:
#     source "$root/scripts/bench_idle.sh" && bench_idle
# or run it alone: scripts/bench_idle.sh. It boots microhv in Bochs twice, side by side, with
# the guest "idle" (PIT at 100 Hz, 200 ticks counted by its IRQ0 handler): once halting in
# STI; HLT between ticks, once spinning on PAUSE with interrupts on ("spin"). From each run's
# last "[hv] stats {...}" line it reports exits, halted_exits, irqs_injected, root_tsc and the
# root-mode TSC ticks per guest timer tick (root_tsc / irqs_injected). A hypervisor that idles
# a halted guest in the HLT activity state (or by any wait that is not a root-mode busy loop)
# spends about as little root-mode time per tick on the halting guest as on the spinning one;
# one that polled in root mode until the next tick would spend the whole 10 ms tick there
# (1,000,000 TSC ticks at Bochs's 100 MHz). Under Bochs with clock: sync=none the TSC counts
# instructions, so the figures do not depend on the speed of the machine.
# Environment: BUILD (default build), BENCH_IDLE_CPU (default corei7_skylake_x).

bench_idle() {
	local bi_root bi_build bi_out bi_guest bi_core bi_cpu rc_halt rc_spin
	bi_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	bi_build=${BUILD:-$bi_root/build}
	case "$bi_build" in /*) ;; *) bi_build=$bi_root/$bi_build ;; esac
	bi_out=$bi_build/bench
	bi_guest=$bi_build/guest/tests/idle.elf
	bi_core=$bi_build/microhv.elf
	bi_cpu=${BENCH_IDLE_CPU:-corei7_skylake_x}
	mkdir -p "$bi_out"
	echo "== idle guest: halting vs spinning between 200 PIT ticks at 100 Hz, side by side ($bi_cpu)"
	if [ ! -f "$bi_guest" ] || [ ! -f "$bi_core" ]; then
		echo "bench: $bi_guest or $bi_core missing (run make)" >&2
		return 1
	fi
	# guest_mem=16M: the guest needs under 1 MiB, and Bochs takes ~30 s to set up the default 256M
	"$bi_root/scripts/run-bochs.sh" --core "$bi_core" --cpu "$bi_cpu" --guest "$bi_guest" \
		--cmdline "guest_mem=16M" --timeout 300 --log "$bi_out/idle-halt.log" >/dev/null 2>&1 &
	local pid_halt=$!
	"$bi_root/scripts/run-bochs.sh" --core "$bi_core" --cpu "$bi_cpu" --guest "$bi_guest" --append spin \
		--cmdline "guest_mem=16M" --timeout 300 --log "$bi_out/idle-spin.log" >/dev/null 2>&1 &
	local pid_spin=$!
	wait "$pid_halt"; rc_halt=$?
	wait "$pid_spin"; rc_spin=$?
	if [ "$rc_halt" -ne 0 ] || [ "$rc_spin" -ne 0 ]; then
		echo "bench: idle runs failed (halt: code $rc_halt, spin: code $rc_spin); see $bi_out/idle-*.log" >&2
		return 1
	fi
	PYTHONPATH="$bi_root/scripts" python3 - "$bi_out" <<'PY'
import sys
from hv_stats import need_stats
out = sys.argv[1]
def stats(mode):
    return need_stats(f"{out}/idle-{mode}.log")
ratio = {}
for mode in ("halt", "spin"):
    s = stats(mode)
    irqs = s["irqs_injected"]
    ratio[mode] = s["root_tsc"] / irqs if irqs else float("inf")
    print(f"  {'halting' if mode == 'halt' else 'spinning'}: {s['exits']} exits, halted_exits {s['halted_exits']}, "
          f"irqs_injected {irqs}, root_tsc {s['root_tsc']}, root-mode TSC per guest tick {ratio[mode]:.0f}")
print(f"  root-mode TSC per tick, halting / spinning: {ratio['halt'] / ratio['spin']:.2f} "
      f"(a 10 ms tick is 1000000 TSC ticks at 100 MHz: a root-mode busy wait would cost that much per tick)")
PY
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	bench_idle
fi
