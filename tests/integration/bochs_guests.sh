#!/usr/bin/env bash
# Runs test guests under microhv in Bochs and checks them line by line: each oracle guest's
# transcript ("[hv] " lines removed) must equal its transcript bare on QEMU; guests that fault
# must be reported and end cleanly with statistics; CPUs without EPT or unrestricted guest refuse.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_guests
oracle=$BUILD/oracle
mkdir -p "$out" "$oracle"
G=$BUILD/guest/tests

# bochs NAME CPU GUEST [CMDLINE] [APPEND]: a background run; status in $out/NAME.rc
bochs() {
	local append=${5:-}
	bochs_bg "$1" --cpu "$2" --guest "$3" --cmdline "${4:-}" ${append:+--append "$append"} --timeout 90
	throttle
}

# the bare-QEMU transcript of an oracle guest, made here if qemu_bare_guests.sh has not run yet
oracle_of() {
	local name=$1 args=$2
	if [ ! -f "$oracle/$name.txt" ] || [ "$(cat "$oracle/$name.args" 2>/dev/null)" != "$args" ]; then
		"$root/scripts/run-qemu-bare.sh" "$G/$name.elf" --timeout 60 --append "$args" --log "$oracle/$name.txt" >/dev/null 2>&1
		printf '%s\n' "$args" > "$oracle/$name.args"
	fi
	tr -d '\r' < "$oracle/$name.txt"
}

expect_same_as_oracle() { # RUN NAME ARGS
	local log=$out/$1.log
	if diff <(oracle_of "$2" "$3") <(guest_text "$log") > "$out/$1.diff"; then
		ok "bochs $1: guest transcript equals the bare-QEMU transcript"
	else
		not_ok "bochs $1: guest transcript differs from the bare-QEMU transcript" "$out/$1.diff"
	fi
}

expect_stats() { # RUN
	local log=$out/$1.log
	expect_line "$log" '^\[hv\] exit statistics: [0-9]+ exits$' "bochs $1: statistics table printed"
	local line
	local line
	line=$(stats_json "$log")
	if [ -n "$line" ] && printf '%s\n' "$line" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert all(isinstance(s[k], int) for k in ("exits", "io_instructions", "io_exits", "irqs_injected", "root_tsc"))
assert isinstance(s["by_reason"], dict) and sum(s["by_reason"].values()) == s["exits"]
assert s["io_exits"] <= s["exits"]
' 2>"$out/$1.json.err"; then
		ok "bochs $1: machine stats line is JSON with exits, io_instructions, io_exits, by_reason summing to exits"
	else
		not_ok "bochs $1: machine stats line missing or malformed" "$out/$1.json.err"
	fi
}

HELLO_ARGS="answer=42 two words"
for cpu in corei5_arrandale_m520 corei7_sandy_bridge_2600k corei7_haswell_4770 corei7_skylake_x corei7_icelake_u; do
	bochs "hello-$cpu" "$cpu" "$G/hello.elf" "" "$HELLO_ARGS"
done
bochs iosweep corei7_skylake_x "$G/iosweep.elf" "block_io=on block_policy=always"
bochs iosweep-off corei7_skylake_x "$G/iosweep.elf" "block_io=off"
bochs aout corei7_skylake_x "$G/aout.elf"
bochs aout-off corei7_skylake_x "$G/aout.elf" "block_io=off"
bochs hello-off corei7_skylake_x "$G/hello.elf" "block_io=off" "$HELLO_ARGS"
bochs hello-extent16 corei7_skylake_x "$G/hello.elf" "extent=16" "$HELLO_ARGS"
bochs hello-extentcpu corei7_skylake_x "$G/hello.elf" "extent=cpu" "$HELLO_ARGS"
bochs outside corei7_skylake_x "$G/outside.elf"
bochs triple corei7_skylake_x "$G/triple.elf"
bochs lynnfield corei5_lynnfield_750 "$G/hello.elf"
bochs penryn core2_penryn_t9600 "$G/hello.elf"
head -c 300 "$G/hello.elf" > "$out/truncated.elf"
bochs truncated corei7_skylake_x "$out/truncated.elf"
printf 'this is not an ELF file at all, just text\n' > "$out/garbage.elf"
bochs garbage corei7_skylake_x "$out/garbage.elf"
bochs toobig corei7_skylake_x "$G/hello.elf" "guest_mem=2048M"
wait

for cpu in corei5_arrandale_m520 corei7_sandy_bridge_2600k corei7_haswell_4770 corei7_skylake_x corei7_icelake_u; do
	r=hello-$cpu
	expect_code "$(cat "$out/$r.rc")" 0 "bochs $r: guest ends with code 0" "$out/$r.log"
	expect_same_as_oracle "$r" hello "$HELLO_ARGS"
	expect_stats "$r"
done
for g in iosweep aout; do
	for r in $g $g-off; do
		expect_code "$(cat "$out/$r.rc")" 0 "bochs $r: guest ends with code 0" "$out/$r.log"
		expect_same_as_oracle "$r" "$g" ""
	done
done
for r in hello-off hello-extent16 hello-extentcpu; do
	expect_code "$(cat "$out/$r.rc")" 0 "bochs $r: guest ends with code 0" "$out/$r.log"
	expect_same_as_oracle "$r" hello "$HELLO_ARGS"
done
# block IO: the same IO instructions in fewer exits, and none of it with block_io=off
run_stat() { stat_of "$out/$1.log" "$2"; }
on_io=$(run_stat iosweep 's["io_instructions"]'); off_io=$(run_stat iosweep-off 's["io_instructions"]')
on_ex=$(run_stat iosweep 's["io_exits"]'); off_ex=$(run_stat iosweep-off 's["io_exits"]')
expect_code "$on_io" "$off_io" "bochs iosweep: the same number of IO instructions with block_io on and off"
expect_code "$off_ex" "$off_io" "bochs iosweep-off: one exit per IO instruction with block_io=off"
if [ -n "$on_ex" ] && [ -n "$on_io" ] && [ $(( on_ex * 2 )) -le "$on_io" ]; then
	ok "bochs iosweep: block_io=on takes at most half an exit per IO instruction ($on_ex exits, $on_io IO instructions)"
else
	not_ok "bochs iosweep: block_io=on IO exits $on_ex for $on_io IO instructions"
fi
expect_code "$(run_stat iosweep-off 's["blocks"]["runs"]')" 0 "bochs iosweep-off: no block runs with block_io=off"
expect_stats iosweep
expect_line "$out/iosweep.log" '"io_instructions":[1-9][0-9]{4,}' "bochs iosweep: more than 10000 IO instructions counted"

l=$out/outside.log
expect_code "$(cat "$out/outside.rc")" 68 "bochs outside: guest stopped with code 68" "$l"
expect_line "$l" '^outside: reading 0x000a0000 \(legacy hole\)$' "bochs outside: reached the legacy-hole read"
expect_line "$l" '^\[hv\] guest access outside its RAM: ' "bochs outside: the access is reported"
expect_line "$l" '^\[hv\] guest state: rip=0x[0-9a-f]+ ' "bochs outside: guest state dumped"
expect_stats outside
l=$out/triple.log
expect_code "$(cat "$out/triple.rc")" 68 "bochs triple: guest stopped with code 68" "$l"
expect_line "$l" '^\[hv\] guest stopped: triple fault' "bochs triple: triple fault reported"
expect_line "$l" '"triple fault":1' "bochs triple: counted in the stats line"
expect_stats triple

l=$out/lynnfield.log
expect_code "$(cat "$out/lynnfield.rc")" 66 "bochs lynnfield: refuses with code 66" "$l"
expect_line "$l" '^\[hv\] VT-x not usable: unrestricted guest$' "bochs lynnfield: names unrestricted guest"
l=$out/penryn.log
expect_code "$(cat "$out/penryn.rc")" 66 "bochs penryn: refuses with code 66" "$l"
expect_line "$l" '^\[hv\] VT-x not usable: EPT$' "bochs penryn: names EPT"

l=$out/truncated.log
expect_code "$(cat "$out/truncated.rc")" 69 "bochs truncated guest: refused with code 69" "$l"
expect_line "$l" '^\[hv\] guest image: ' "bochs truncated guest: the problem is named"
l=$out/garbage.log
expect_code "$(cat "$out/garbage.rc")" 69 "bochs garbage guest: refused with code 69" "$l"
expect_line "$l" '^\[hv\] guest image: no Multiboot header' "bochs garbage guest: no Multiboot header named"
l=$out/toobig.log
expect_code "$(cat "$out/toobig.rc")" 69 "bochs guest_mem too big: refused with code 69" "$l"
expect_line "$l" '^\[hv\] guest RAM: guest_mem=2048M does not fit' "bochs guest_mem too big: says it does not fit"
expect_no_entry_failure "$out" "bochs_guests: no unexpected VM entry failure"
exit 0
