# Shared helpers for the integration tests: TAP-style lines that scripts/test.sh counts.
# ok NAME / not_ok NAME [LOG] / expect_line LOG REGEX NAME / expect_code GOT WANT NAME [LOG]
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$root/build}
source "$root/scripts/lib.sh" # stats_json, stat_of
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		echo "# last lines of $2:"
		tail -n 25 "$2" | sed 's/^/#   /'
		# an empty serial log says nothing: the runner's own messages (bg_run's NAME.out) do
		if [ ! -s "$2" ] && [ "${2%.log}" != "$2" ] && [ -s "${2%.log}.out" ]; then
			echo "# it is empty; last lines of ${2%.log}.out:"
			tail -n 25 "${2%.log}.out" | sed 's/^/#   /'
		fi
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

# Background runs. The caller sets out, the folder of this test's files.
# bg_run NAME CMD...: CMD in the background, its output in $out/NAME.out, then its exit status
# in $out/NAME.rc (a stale .rc is removed first: every status read is this run's).
bg_run() {
	local name=$1
	shift
	rm -f "$out/$name.rc"
	( "$@" >"$out/$name.out" 2>&1; echo $? > "$out/$name.rc" ) &
}
# bochs_bg NAME [run-bochs.sh options]: microhv in Bochs in the background, its serial log in
# $out/NAME.log (removed first), status in $out/NAME.rc.
bochs_bg() {
	local name=$1
	shift
	rm -f "$out/$name.log"
	bg_run "$name" "$root/scripts/run-bochs.sh" "$@" --log "$out/$name.log"
}
# throttle [N]: waits until fewer than N (2) background jobs run: the machine has two cores,
# so two emulators at a time.
throttle() { while [ "$(jobs -r | wc -l)" -ge "${1:-2}" ]; do wait -n; done; }

# guest_text LOG: what the guest printed: LOG without microhv's "[hv] " lines and without CRs.
guest_text() { grep -av '^\[hv\] ' "$1" | tr -d '\r'; }
# hv_text LOG: microhv's own "[hv] " lines of LOG, without CRs.
hv_text() { tr -d '\r' < "$1" | grep -a '^\[hv\] '; }

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
