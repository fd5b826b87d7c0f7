#!/usr/bin/env bash
# Runs every host unit-test binary built by `make unit` and prints one TAP stream:
#   ok N - <binary>: <test>     /     not ok N - <binary>: <test>
# Everything else the binaries print becomes a "# " comment line. A binary that crashes,
# hangs, or exits nonzero without reporting a failure shows up as `not ok N - <binary> crashed`.
# Always exits 0: scripts/test.sh counts the ok / not ok lines.
set -u
cd "$(dirname "$0")/../.." || exit 0
dir="${BUILD:-build}/tests/unit"
timeout_s="${UNIT_TIMEOUT:-120}"
n=0
shopt -s nullglob
# The binaries tests/unit/unit.mk builds now, not whatever test_* an older tree left in build/
# (a test removed or renamed would otherwise go on running from its stale binary).
listed=$(make -s --no-print-directory print-UNIT_BINS BUILD="${BUILD:-build}" 2>/dev/null)
if [ -n "$listed" ]; then
	bins=()
	for b in $listed; do
		[ -e "$b" ] && bins+=("$b") || bins+=("$dir/missing:$(basename "$b")")
	done
else
	bins=("$dir"/test_*)
fi
if [ ${#bins[@]} -eq 0 ]; then
	echo "not ok 1 - unit: no test binaries in $dir (run 'make unit')"
	echo "1..1"
	exit 0
fi
for bin in "${bins[@]}"; do
	case "$bin" in
	*/missing:*)
		n=$((n + 1))
		echo "not ok $n - ${bin##*missing:}: not built (run 'make unit')"
		continue
		;;
	esac
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout "$timeout_s" "$bin" 2>&1)
	rc=$?
	plan=0 seen=0 failed=0
	while IFS= read -r line; do
		if [[ "$line" =~ ^(not )?ok\ [0-9]+( -)?\ ?(.*)$ ]]; then
			n=$((n + 1)) seen=$((seen + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failed=$((failed + 1))
			echo "${BASH_REMATCH[1]}ok $n - $name: ${BASH_REMATCH[3]}"
			continue
		fi
		case "$line" in
		1..*)
			plan=${line#1..}
			plan=${plan%% *}
			;;
		"")
			;;
		*)
			echo "# $line"
			;;
		esac
	done <<<"$out"
	[[ "$plan" =~ ^[0-9]+$ ]] || plan=0
	why=""
	if [ "$rc" -eq 124 ]; then
		why="timed out after ${timeout_s}s"
	elif [ "$rc" -ge 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ "$seen" -lt "$plan" ]; then
		why="stopped after $seen of $plan tests (exit status $rc)"
	elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		why="exit status $rc"
	elif [ "$seen" -eq 0 ]; then
		why="printed no TAP lines (exit status $rc)"
	fi
	if [ -n "$why" ]; then
		n=$((n + 1))
		echo "not ok $n - $name crashed: $why"
	fi
done
echo "1..$n"
exit 0
