#!/usr/bin/env bash
# Benchmark part "nested": block IO where exits are expensive. Under nested KVM inside Bochs
# (tests/integration/nested_kvm.sh's machine: scripts/nested-image.sh, scripts/run-nested.sh) the
# guests exitcost and iosweep, then Debian's kernel (scripts/linux-guest.sh) to its init marker,
# each with block_io=off, block_follow=off and the default (both on). Bochs's TSC counts its
# instructions (clock: sync=none) and L0's KVM passes it through, so microhv's
# "tsc: N from the core's start to its exit" counts every level's instructions of the run (L0's
# KVM and QEMU included), root_tsc microhv's own share. Reported per run: exits, IO exits,
# root-mode TSC and its share per exit, the total, and each configuration's speed-up over off
# (total(off) / total(config)). Two Bochs runs, one after the other: the guests (about 15
# minutes of one core) and Linux (about 20); NESTED_PARTS="guests" or "linux" runs one,
# NESTED_GUESTS="iosweep" fewer guests.
# Results: build/bench/nested.txt (the table printed) and the serial logs beside it.
# Defines bench_nested for scripts/bench.sh; or run it alone: scripts/bench_nested.sh

bn_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bn_session NAME RUN...: one L0 image with these runs, booted once; its serial log is NAME.log
bn_session() {
	local name=$1 args=() r
	shift
	for r in "$@"; do args+=(--run "$r"); done
	"$bn_root/scripts/nested-image.sh" --out "$bn_out/nested-$name" "${args[@]}" >"$bn_out/nested-$name.image" 2>&1 ||
		{ echo "bench: nested image $name failed; see $bn_out/nested-$name.image" >&2; return 1; }
	"$bn_root/scripts/run-nested.sh" --iso "$bn_out/nested-$name/l0.iso" --log "$bn_out/nested-$name.log" \
		--timeout "${NESTED_TIMEOUT:-3600}" >"$bn_out/nested-$name.run" 2>&1 ||
		{ echo "bench: nested session $name did not finish; see $bn_out/nested-$name.log" >&2; return 1; }
}

bench_nested() {
	local parts=${NESTED_PARTS:-guests linux} p logs=()
	bn_out=${BUILD:-$bn_root/build}/bench
	mkdir -p "$bn_out"
	local modes=("off block_io=off" "follow_off block_follow=off" "default")
	for p in $parts; do
		local runs=() m tag opts g
		case $p in
		guests)
			for g in ${NESTED_GUESTS:-exitcost iosweep}; do
				for m in "${modes[@]}"; do
					read -r tag opts <<<"$m"
					runs+=("${g}_$tag $g 3 host $opts")
				done
			done ;;
		linux)
			"$bn_root/scripts/linux-guest.sh" >/dev/null || return 1
			for m in "${modes[@]}"; do
				read -r tag opts <<<"$m"
				runs+=("linux_$tag linux 8 host $opts")
			done ;;
		*) echo "bench: NESTED_PARTS: no part '$p' (guests, linux)" >&2; return 2 ;;
		esac
		echo "== nested KVM in Bochs: $p (${#runs[@]} runs in one Bochs session)"
		bn_session "$p" "${runs[@]}" || return 1
		logs+=("$bn_out/nested-$p.log")
	done
	python3 - "${logs[@]}" <<'PY' | tee "$bn_out/nested.txt"
import json, re, sys
rows = {}
for path in sys.argv[1:]:
    tag, r = None, None
    for line in open(path, errors="replace"):
        line = line.rstrip("\r\n")
        m = re.match(r"nested: run (\S+): begin", line)
        if m:
            tag, r = m.group(1), {}
            rows[tag] = r
            continue
        if r is None:
            continue
        if line.startswith("[hv] stats {"):
            r["stats"] = json.loads(line[len("[hv] stats "):])
        m = re.match(r"\[hv\] tsc: (\d+) from the core's start", line)
        if m:
            r["total"] = int(m.group(1))
        m = re.match(r"\[hv\] exit: code=(-?\d+)", line)
        if m:
            r["code"] = int(m.group(1))
        m = re.match(r"exitcost: (\d+) ticks for (\d+) exits", line)
        if m:
            r["per_exit"] = int(m.group(1)) / int(m.group(2))
        if line.startswith("microhv-linux-init: up"):
            r["marker"] = True
print("| run | code | exits | IO exits | root-mode TSC | root TSC / exit | total TSC (start to exit) | speed-up over off |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for tag, r in rows.items():
    s = r.get("stats", {})
    base = rows.get(re.sub(r"_(off|follow_off|default)$", "_off", tag), {}).get("total")
    total = r.get("total")
    up = f"{base / total:.2f}x" if base and total else "-"
    extra = f" (guest: {r['per_exit']:.0f} TSC per IO exit round trip)" if "per_exit" in r else ""
    print(f"| {tag}{extra} | {r.get('code', 'none')} | {s.get('exits', '-')} | {s.get('io_exits', '-')} | "
          f"{s.get('root_tsc', '-')} | {s.get('root_tsc_per_exit', '-')} | {total or '-'} | {up} |")
PY
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	bench_nested
fi
