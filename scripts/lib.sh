# Shared shell helpers for scripts/ (sourced, never run).

# bochsrc_common LOGFILE: the bochsrc lines every Bochs run of this project needs, whatever the
# host: no GUI (rfb, never waiting for a viewer), no sound (Bochs 2.7's mixer thread aborts with
# "buffer overflow detected" when ALSA has no default PCM, as on a machine without a sound card),
# a deterministic clock (guest TSC = emulated instructions), and Bochs's own log in LOGFILE.
# Every bochsrc written by the project starts with these lines; the caller adds megs, cpu, the
# boot device and the serial port.
bochsrc_common() {
	cat <<RC
clock: sync=none, time0=1
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: rfb, options="timeout=0"
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $1
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
RC
}

# The directory of these scripts, for the helpers below wherever the caller runs.
hv_scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# bochs_launch TIMEOUT BOCHSRC COMMANDS OUT LOG: starts Bochs in the background under
# `timeout TIMEOUT` (stdout and stderr to OUT, Bochs's log file LOG as BOCHSRC names it); its
# pid (the timeout's) in bochs_pid. Bochs's RFB display binds the first free TCP port from 5900
# with SO_REUSEADDR before it listens, so two Bochs starting together can both bind 5900; the
# one whose listen then fails stops with "RFB could not bind any port" (seen in CI: a run with
# an empty serial log and status 125). So every start holds a host-wide lock until its display
# listens (scripts/rfb-wait.py); a start that still finds no port (another program holds them
# all) is retried 5 times, a second apart, then refused by name (status 1).
bochs_launch() {
	local t=$1 rcfile=$2 cmds=$3 out=$4 blog=$5 try lockfd
	for try in 1 2 3 4 5; do
		exec {lockfd}>"${TMPDIR:-/tmp}/microhv-bochs-display.lock"
		flock "$lockfd"
		timeout --kill-after=5 "$t" bochs -q -f "$rcfile" -rc "$cmds" </dev/null >"$out" 2>&1 {lockfd}>&- &
		bochs_pid=$!
		python3 "$hv_scripts_dir/rfb-wait.py" "$bochs_pid" {lockfd}>&-
		exec {lockfd}>&-
		grep -aqs 'RFB could not bind any port' "$blog" "$out" || return 0
		wait "$bochs_pid"
		[ "$try" = 5 ] || sleep 1
	done
	echo "bochs: no free TCP port for Bochs's RFB display (5900-5949) in 5 tries: another program holds them all; $(grep -ah 'RFB could not' "$blog" | tail -n 1)" >&2
	return 1
}

# stats_json LOG: the JSON of the last "[hv] stats {...}" line in LOG; nothing, status 1, if none.
stats_json() { python3 "$hv_scripts_dir/hv_stats.py" "$1"; }
# stat_of LOG EXPR: the Python expression EXPR over s, that line as a dict (e.g. 's["io_exits"]');
# nothing, status 1, without a stats line or when EXPR fails. Python code imports
# scripts/hv_stats.py (last_stats) for the same.
stat_of() { python3 "$hv_scripts_dir/hv_stats.py" "$1" "$2"; }
