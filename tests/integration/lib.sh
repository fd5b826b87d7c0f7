# Shared helpers for the integration tests: TAP-style lines that scripts/test.sh counts.
# ok NAME / not_ok NAME [LOG] / expect_line LOG REGEX NAME / expect_code GOT WANT NAME [LOG]
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$root/build}
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		echo "# last lines of $2:"
		tail -n 25 "$2" | sed 's/^/#   /'
	fi
}
expect_line() { # LOG REGEX NAME: some line of LOG matches the extended REGEX
	if tr -d '\r' < "$1" | grep -aEq -- "$2"; then ok "$3"; else not_ok "$3 (no line matches /$2/)" "$1"; fi
}
expect_no_line() {
	if tr -d '\r' < "$1" | grep -aEq -- "$2"; then not_ok "$3 (a line matches /$2/)" "$1"; else ok "$3"; fi
}
expect_code() { # GOT WANT NAME [LOG]
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (exit status $1, expected $2)" "${4:-}"; fi
}
# expect_no_entry_failure DIR NAME [LOG...]: no log in DIR holds a "VM entry failed" line, except
# the LOGs named (file names of runs that provoke one on purpose). A VM-entry failure that a guest
# causes is a hypervisor bug (issue 12): every guest-state value microhv writes must pass the
# processor's checks, so no test may shrug one off.
expect_no_entry_failure() {
	local dir=$1 name=$2 bad= f
	shift 2
	for f in "$dir"/*.log; do
		[ -f "$f" ] || continue
		case " $* " in *" ${f##*/} "*) continue ;; esac
		if tr -d '\r' < "$f" | grep -aq 'VM entry failed'; then bad+=" ${f##*/}"; fi
	done
	if [ -z "$bad" ]; then ok "$name"; else not_ok "$name (VM entry failed in:$bad)" "$dir/${bad##* }"; fi
}
