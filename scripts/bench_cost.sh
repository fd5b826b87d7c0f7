#!/usr/bin/env bash
# Benchmark part "cost" (issue 11 items 6 and 7): the Linux boot of bench_linux.sh (Debian's
# kernel, busybox initramfs, `microhv.test=1 nokaslr`) six times side by side — block_io=off,
# block_follow=off, every block kept (block_policy=always), the default (block_policy=auto at the
# C measured at start), and auto judging at exit_cost=2000 (bare silicon) and 40000 (nested
# virtualization) — then scripts/bench_cost_report.py: exits,
# root-mode instructions, modelled cycles at C = 1,000 / 2,000 / 10,000 / 40,000 per exit round
# trip, and each block configuration's break-even C against block_io=off. About 25 minutes of
# Bochs. Defines bench_cost, for scripts/bench.sh; or run it alone: scripts/bench_cost.sh.

bench_cost() {
	local bc_root bl_out K I base
	bc_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	source "$bc_root/scripts/bench_linux.sh"
	echo "== block IO cost model: the Linux boot with block_io=off, block_follow=off, always, the default (auto) and auto at C=2000 and 40000, side by side"
	bench_linux_prepare || return 1
	local bc_out=$bl_out
	local runs=(off "block_io=off" nofollow "block_io=on block_follow=off block_policy=always"
		always "block_policy=always" auto "" auto-c2000 "exit_cost=2000" auto-c40000 "exit_cost=40000")
	local names=(block_io=off block_follow=off always "default (auto)" auto,exit_cost=2000 auto,exit_cost=40000)
	local i args=()
	for ((i = 0; i < ${#runs[@]}; i += 2)); do
		bench_linux_run "$bc_out" "cost-${runs[i]}" "" --guest "$K" --initrd "$I" --cmdline "${runs[i + 1]}" \
			--append "$base microhv.test=1 nokaslr" || return 1
		args+=("${names[i / 2]}=$bc_out/linux-cost-${runs[i]}.log")
	done
	python3 "$bc_root/scripts/bench_cost_report.py" "${args[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	bench_cost
fi
