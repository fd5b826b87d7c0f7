#!/usr/bin/env bash
# Runs every test (host unit tests, then the integration tests) and counts the
# TAP-style lines they print. The last line is "N passed, N failed[, N skipped]".
# Usage: scripts/test.sh [PATTERN]  (only integration tests whose file name contains PATTERN)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pattern=${1:-}
log=build/test/all.log
mkdir -p build/test
: > "$log"
suites=()
[ -z "$pattern" ] && suites+=(tests/unit/run.sh)
for t in tests/integration/*.sh; do
	case "$t" in */lib.sh) continue ;; esac
	# nested KVM runs only when named (make test-nested, its own CI step in .ci/run): about five
	# minutes of one Bochs booting a Linux L0, which would take make test past 30 minutes on a
	# loaded 2-core machine (README, "Nested KVM")
	case "$t" in */nested_kvm.sh) [ -n "$pattern" ] || continue ;; esac
	[ -n "$pattern" ] && [[ "$t" != *"$pattern"* ]] && continue
	suites+=("$t")
done
for s in "${suites[@]}"; do
	echo "== $s"
	start=$(date +%s)
	if [ -x "$s" ]; then
		"$s" 2>&1 | tee -a "$log"
	else
		echo "not ok - $s is not executable" | tee -a "$log"
	fi
	echo "== $s: $(( $(date +%s) - start ))s"
done

skipped=$(grep -E '^ok( [0-9]+)? - ' "$log" | grep -c '# SKIP' || true)
passed=$(( $(grep -cE '^ok( [0-9]+)? - ' "$log") - skipped ))
failed=$(grep -cE '^not ok( [0-9]+)? - ' "$log")
if [ "$failed" -gt 0 ]; then
	echo
	echo "failed:"
	grep -E '^not ok( [0-9]+)? - ' "$log" | sed 's/^/  /'
fi
if [ "$skipped" -gt 0 ]; then
	echo "skipped:"
	grep -E '^ok( [0-9]+)? - .*# SKIP' "$log" | sed 's/^/  /'
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
