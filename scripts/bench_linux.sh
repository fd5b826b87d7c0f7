#!/usr/bin/env bash
# Benchmark part "linux": Debian's kernel with the busybox initramfs (scripts/linux-guest.sh)
# booted in Bochs (corei7_skylake_x, the run-bochs.sh machine) four times, one after another:
#   bare   no hypervisor: GRUB's `linux`/`initrd` boot the pair in the same Bochs
#          (run-bochs.sh --bare), the default command line + mem=256M (microhv's guest_mem)
#          + microhv.test=1; ended once the kernel says "reboot: Restarting system" (Bochs
#          itself would reset and boot again; the init's last line may be cut by the reset)
#   off    under microhv, block_io=off, the default command line + microhv.test=1
#   on     under microhv, block_io=on, the same command line
#   shell  under microhv, block_io=on, the default command line (no microhv.test=1): the
#          busybox shell prompt, then `exit` typed on the serial line ends the run
# Wall times come from this script's clock: from the start of run-bochs.sh (ISO build and
# BIOS included, the same for all) to the first appearance of the init's marker
# ("microhv-linux-init: up") or of the shell prompt in the serial log, polled every 0.1 s.
# The microhv runs' counts come from the last "[hv] stats {json}" line. Results:
# build/bench/linux.json and build/bench/linux.txt (the table printed), logs beside them.
# Defines bench_linux, for scripts/bench.sh to call after sourcing this file, or run it alone:
#     scripts/bench_linux.sh                          (about 15 minutes)
# Runs are never concurrent with each other; other load on the machine skews wall times, so
# the load average at each run's start is recorded with it.

bl_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Sets bl_out, K, I and base (the kernel, initramfs and LINUX_DEFAULT_CMDLINE) for a Linux
# benchmark part, fetching the guest when needed; bench_cost.sh uses it too.
bench_linux_prepare() {
	bl_out=${BUILD:-$bl_root/build}/bench
	case "$bl_out" in /*) ;; *) bl_out=$bl_root/$bl_out ;; esac
	mkdir -p "$bl_out"
	K=$bl_out/../linux/vmlinuz
	I=$bl_out/../linux/initrd.img
	if ! "$bl_root/scripts/linux-guest.sh" >"$bl_out/linux-guest.log" 2>&1; then
		echo "bench: scripts/linux-guest.sh failed; see $bl_out/linux-guest.log" >&2
		return 1
	fi
	# boot/launch.c's LINUX_DEFAULT_CMDLINE; the shell run gets it by giving no --append
	base=$(sed -nE 's/^#define LINUX_DEFAULT_CMDLINE "(.*)"$/\1/p' "$bl_root/boot/launch.c")
	[ -n "$base" ] || { echo "bench: no LINUX_DEFAULT_CMDLINE in boot/launch.c" >&2; return 1; }
}

bench_linux() {
	local bl_out K I base
	echo "== Linux boot: Debian's kernel + busybox initramfs in Bochs, block_io=off / on / bare (no hypervisor)"
	bench_linux_prepare || return 1
	bench_linux_run "$bl_out" bare "" --bare --guest "$K" --initrd "$I" --append "$base mem=256M microhv.test=1" \
		--until 'reboot: Restarting system' || return 1
	bench_linux_run "$bl_out" off "" --guest "$K" --initrd "$I" --cmdline "block_io=off" --append "$base microhv.test=1" ||
		return 1
	bench_linux_run "$bl_out" on "" --guest "$K" --initrd "$I" --cmdline "block_io=on" --append "$base microhv.test=1" ||
		return 1
	bench_linux_run "$bl_out" shell 'microhv-linux# ' --guest "$K" --initrd "$I" --cmdline "block_io=on" \
		--send 'microhv-linux# =>exit\n' || return 1
	python3 "$bl_root/scripts/bench_linux_report.py" "$bl_out" "$base"
}

# bench_linux_run OUT NAME PROMPT RUN-BOCHS-ARGS...: one boot; writes OUT/linux-NAME.log and
# linux-NAME.times (marker=, prompt=, total= in milliseconds, rc=, load=).
bench_linux_run() {
	local out=$1 name=$2 prompt=$3 log pid t0 now marker= seen_prompt= rc load
	shift 3
	log=$out/linux-$name.log
	: > "$log"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "  $name: booting (load average $load)"
	t0=$(date +%s%N)
	"$bl_root/scripts/run-bochs.sh" --timeout 1500 --log "$log" "$@" >"$out/linux-$name.out" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		now=$(date +%s%N)
		[ -n "$marker" ] || ! grep -aq '^microhv-linux-init: up' "$log" || marker=$(( (now - t0) / 1000000 ))
		[ -z "$prompt" ] || [ -n "$seen_prompt" ] || ! grep -aqF -- "$prompt" "$log" ||
			seen_prompt=$(( (now - t0) / 1000000 ))
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	now=$(( ($(date +%s%N) - t0) / 1000000 ))
	printf 'marker=%s\nprompt=%s\ntotal=%s\nrc=%s\nload=%s\n' "$marker" "$seen_prompt" "$now" "$rc" "$load" \
		> "$out/linux-$name.times"
	if [ "$rc" != 0 ] || [ -z "$marker" ] || { [ -n "$prompt" ] && [ -z "$seen_prompt" ]; }; then
		echo "bench: Linux run '$name' failed (status $rc, marker '${marker}' ms); see $log and $out/linux-$name.out" >&2
		return 1
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	bench_linux
fi
