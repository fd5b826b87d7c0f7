#!/usr/bin/env bash
# Benchmark part "cost" (issue 11 item 6): the Linux boot of bench_linux.sh (Debian's kernel,
# busybox initramfs, `microhv.test=1 nokaslr`) three times side by side — block_io=off,
# block_io=on block_follow=off, and the default — then scripts/bench_cost_report.py: exits,
# root-mode instructions, modelled cycles at C = 1,000 / 2,000 / 10,000 / 40,000 per exit round
# trip, and each block configuration's break-even C against block_io=off. About 15 minutes of
# Bochs. Defines bench_cost, for scripts/bench.sh; or run it alone: scripts/bench_cost.sh.

bench_cost() {
	local bc_root bl_out K I base
	bc_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	source "$bc_root/scripts/bench_linux.sh"
	echo "== block IO cost model: the Linux boot with block_io=off, block_follow=off and the default, side by side"
	bench_linux_prepare || return 1
	local bc_out=$bl_out
	bench_linux_run "$bc_out" cost-off "" --guest "$K" --initrd "$I" --cmdline "block_io=off" \
		--append "$base microhv.test=1 nokaslr" || return 1
	bench_linux_run "$bc_out" cost-nofollow "" --guest "$K" --initrd "$I" --cmdline "block_io=on block_follow=off" \
		--append "$base microhv.test=1 nokaslr" || return 1
	bench_linux_run "$bc_out" cost-on "" --guest "$K" --initrd "$I" --cmdline "block_io=on" \
		--append "$base microhv.test=1 nokaslr" || return 1
	python3 "$bc_root/scripts/bench_cost_report.py" "$bc_out/linux-cost-off.log" "$bc_out/linux-cost-nofollow.log" \
		"$bc_out/linux-cost-on.log"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	bench_cost
fi
