#!/usr/bin/env bash
# Boots an L0 image of scripts/nested-image.sh in Bochs (corei7_skylake_x: VMX with EPT, VPID,
# unrestricted guest, the preemption timer and VMCS shadowing, so L0's KVM offers nested VMX),
# headless, COM1 to --log. Ends when L0's init reports "nested: done" (it then stops Bochs through
# its shutdown port) or at --timeout. With --stamps FILE, every serial line is also written
# there behind the wall second at which it appeared.
# Usage: scripts/run-nested.sh --iso L0.ISO --log FILE [--timeout S] [--stamps FILE] [--megs N]
# Exit status: 0 when the init got to "nested: done", 124 on timeout, 2 when Bochs could not
# start, 125 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib.sh"
iso= log= timeout_s=1800 stamps= megs=2048
while [ $# -gt 0 ]; do
	case "$1" in
	--iso) iso=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--stamps) stamps=$2; shift 2 ;;
	--megs) megs=$2; shift 2 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) echo "run-nested: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -f "$iso" ] && [ -n "$log" ] || { echo "run-nested: --iso (an existing image) and --log are needed" >&2; exit 2; }
case "$timeout_s$megs" in *[!0-9]*) echo "run-nested: --timeout and --megs take whole numbers" >&2; exit 2 ;; esac
command -v bochs >/dev/null || { echo "run-nested: bochs is not installed (scripts/deps.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$log")"
: > "$log"
# L0 (kernel, QEMU, KVM's shadow structures) and QEMU's 256 MB guest: 2 GB
{
	bochsrc_common "$tmp/bochs.log"
	cat <<RC
megs: $megs
cpu: model=corei7_skylake_x, count=1, ips=100000000, reset_on_triple_fault=0
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$log"
RC
} > "$tmp/bochsrc"
echo c > "$tmp/rc"
start=$(date +%s)
bochs_launch "$timeout_s" "$tmp/bochsrc" "$tmp/rc" "$tmp/bochs.out" "$tmp/bochs.log" || exit 2
seen=0 done_seen=0
while kill -0 "$bochs_pid" 2>/dev/null; do
	if [ -n "$stamps" ]; then # new complete lines, behind their wall second
		n=$(wc -l < "$log") # complete lines only
		[ "$n" -gt "$seen" ] && tail -n +"$((seen + 1))" "$log" | head -n "$((n - seen))" | tr -d '\r' |
			sed "s/^/$(( $(date +%s) - start )) /" >> "$stamps"
		seen=$n
	fi
	grep -aq '^nested: done' "$log" && { done_seen=1; sleep 3; kill "$bochs_pid" 2>/dev/null; break; }
	sleep 1
done
wait "$bochs_pid"
rc=$?
echo "run-nested: Bochs ran $(( $(date +%s) - start )) s (serial log $log)"
[ "$done_seen" = 1 ] || grep -aq '^nested: done' "$log" && exit 0
[ "$rc" = 124 ] || [ "$rc" = 137 ] && { echo "run-nested: timed out after $timeout_s s" >&2; exit 124; }
echo "run-nested: Bochs ended before L0's init was done; its last words:" >&2
tail -n 5 "$tmp/bochs.out" >&2
exit 125
