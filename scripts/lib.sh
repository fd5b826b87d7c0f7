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

# stats_json LOG: the JSON of the last "[hv] stats {...}" line in LOG; nothing, status 1, if none.
stats_json() { python3 "$hv_scripts_dir/hv_stats.py" "$1"; }
# stat_of LOG EXPR: the Python expression EXPR over s, that line as a dict (e.g. 's["io_exits"]');
# nothing, status 1, without a stats line or when EXPR fails. Python code imports
# scripts/hv_stats.py (last_stats) for the same.
stat_of() { python3 "$hv_scripts_dir/hv_stats.py" "$1" "$2"; }
