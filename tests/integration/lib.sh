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
