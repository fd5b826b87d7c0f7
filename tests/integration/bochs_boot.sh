#!/usr/bin/env bash
# Boots the GRUB ISO in Bochs on several CPU models and checks the core's report line by line.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_boot
mkdir -p "$out"
if [ ! -f "$BUILD/microhv.elf" ]; then not_ok "bochs boot: build/microhv.elf missing (run make)"; exit 0; fi

run() { # NAME CPU CMDLINE [GUEST]: runs in the background, status in $out/NAME.rc
	bochs_bg "$1" --cpu "$2" --cmdline "$3" ${4:+--guest "$4"} --timeout 60
}
run skylake corei7_skylake_x "" "$BUILD/guest/tests/hello.elf"
run ryzen ryzen ""
wait
run noguest corei7_skylake_x ""
run p4 p4_prescott_celeron_336 ""
wait
run badopt corei7_skylake_x "bogus=1"
run badval corei7_skylake_x "guest_mem=7"
wait
run notword corei7_skylake_x "block_io"
run icelake corei7_icelake_u "exit_cost=5000" "$BUILD/guest/tests/hello.elf"
wait

l=$out/skylake.log
expect_code "$(cat "$out/skylake.rc")" 0 "bochs skylake: run ends with code 0" "$l"
expect_line "$l" '^\[hv\] microhv [0-9.]+ \(multiboot2\)$' "bochs skylake: banner names the loader"
expect_line "$l" '^\[hv\] memory map: [0-9]+ ranges, [0-9]+ MiB usable' "bochs skylake: memory map summary"
expect_line "$l" '^\[hv\] memory: core at 0x[0-9a-f]+ .* page tables loaded$' "bochs skylake: own page tables loaded"
expect_line "$l" '^\[hv\] cpu: GenuineIntel family 0x6 model 0x55' "bochs skylake: CPU identified"
expect_line "$l" '^\[hv\] cpu: IA32_FEATURE_CONTROL=0x[0-9a-f]+ lock=1 vmx_outside_smx=1$' "bochs skylake: feature control bits"
expect_line "$l" '^\[hv\] vmx: EPT: yes \(4-level: yes, WB: yes.*unrestricted guest: yes.*preemption timer: yes' "bochs skylake: EPT, unrestricted guest and preemption timer reported"
expect_line "$l" '^\[hv\] vmx: revision 0x2b, VMCS [0-9]+ bytes, true controls: yes$' "bochs skylake: VMCS revision and true controls"
expect_line "$l" '^\[hv\] tsc: [0-9]+\.[0-9]{3} MHz \(HPET; CPUID 0x16 base frequency says [0-9]+\.[0-9]{3} MHz, disagreeing\)$' "bochs skylake: TSC calibrated against the HPET; the CPU model's CPUID 0x16 figure is caught by the cross-check"
# C, one VM exit and entry, measured at start (vmx/exit_cost.h). In Bochs with clock: sync=none a
# TSC tick is an emulated instruction, so C is the exit and entry stubs plus Bochs's own VM exit
# and entry (about 65-75); the bound 1..5000 refuses 0 and a figure that took guest or root-mode
# work into its round trips (a guest instruction run, a VMREAD loop timed), both of which cost
# thousands of ticks here.
exit_cost_checks() { # RUN CPU SUFFIX: the line, its place, a plausible C; the measurement's exits not the guest's
	local l=$out/$1.log re="^\[hv\] exit cost: ([0-9]+) TSC ticks per VM exit and entry \(smallest mean of 8 batches of 128\)$3\$"
	expect_line "$l" "$re" "bochs $1: exit cost line printed"
	local c
	c=$(tr -d '\r' <"$l" | sed -nE "s/$re/\1/p" | head -n 1)
	if [ -n "$c" ] && [ "$c" -ge 1 ] && [ "$c" -le 5000 ]; then ok "bochs $1 ($2): measured C = $c TSC ticks, within 1..5000"
	else not_ok "bochs $1 ($2): measured C within 1..5000 (got '${c:-none}')" "$l"; fi
	if hv_text "$l" | grep -A1 '^\[hv\] footprint: ' | tail -n 1 | grep -Eq "$re" &&
		[ "$(guest_text "$l" | head -n 1)" = "hello from the microhv test guest" ]; then
		ok "bochs $1: the exit cost line follows the VMX set-up lines, before the guest's first output"
	else not_ok "bochs $1: the exit cost line's place" "$l"; fi
	# 1024 interrupt-window exits were made; none is the guest's: hello never opens a window
	if [ "$(stat_of "$l" '"interrupt window" not in {k.lower() for k in s["by_reason"]} and s["exits"] == sum(s["by_reason"].values()) == s["io_exits"] < 1024 and sum(s["reason_tsc"].values()) == s["root_tsc"] and s["nmis"]["in_guest"] == 0')" = True ]; then ok "bochs $1: the measurement's exits are not in the guest's statistics (exits, by_reason, root_tsc)"
	else not_ok "bochs $1: the measurement's exits are not in the guest's statistics" "$l"; fi
}
exit_cost_checks skylake corei7_skylake_x ""
exit_cost_checks icelake corei7_icelake_u "; blocks are judged at exit_cost=5000"
expect_code "$(cat "$out/icelake.rc")" 0 "bochs icelake exit_cost=5000: run ends with code 0" "$out/icelake.log"
expect_line "$out/icelake.log" ' block_policy=auto exit_cost=5000$' "bochs icelake: exit_cost=5000 in the options line"
if diff <(guest_text "$out/skylake.log") <(guest_text "$out/icelake.log") >"$out/hello.diff" &&
	[ "$(guest_text "$out/skylake.log" | tail -n 1)" = "hello: bye" ] &&
	[ "$(stat_of "$out/skylake.log" 's["exits"]')" = "$(stat_of "$out/icelake.log" 's["exits"]')" ]; then
	ok "bochs hello on skylake and on icelake (exit_cost=5000): the same transcript to 'hello: bye', the same exit count"
else not_ok "bochs hello on skylake and icelake: the same transcript and exit count" "$out/hello.diff"; fi

l=$out/noguest.log
expect_code "$(cat "$out/noguest.rc")" 69 "bochs without a guest: ends cleanly with code 69" "$l"
expect_line "$l" '^\[hv\] no guest image: ' "bochs without a guest: says so"
expect_no_line "$l" '^[^[]' "bochs without a guest: every console line is a [hv] line"

for m in ryzen p4; do
	l=$out/$m.log
	expect_code "$(cat "$out/$m.rc")" 65 "bochs $m: ends cleanly with code 65" "$l"
	expect_line "$l" '^\[hv\] cpu: VMX in CPUID: no$' "bochs $m: reports no VMX in CPUID"
	expect_line "$l" '^\[hv\] VT-x not available: CPUID.1:ECX.VMX is 0' "bochs $m: VT-x not available with the reason"
done

l=$out/badopt.log
expect_code "$(cat "$out/badopt.rc")" 64 "bochs bad option: code 64" "$l"
expect_line "$l" "^\[hv\] unknown option 'bogus'$" "bochs bad option: named"
expect_no_line "$l" '^\[hv\] cpu:' "bochs bad option: stops before doing anything else"
l=$out/badval.log
expect_code "$(cat "$out/badval.rc")" 64 "bochs bad value: code 64" "$l"
expect_line "$l" "^\[hv\] bad value '7' for option 'guest_mem': expected" "bochs bad value: key and value named"
l=$out/notword.log
expect_code "$(cat "$out/notword.rc")" 64 "bochs word without '=': code 64" "$l"
expect_line "$l" "^\[hv\] option 'block_io' is not a key=value word$" "bochs word without '=': named"
expect_no_entry_failure "$out" "bochs_boot: no unexpected VM entry failure"
exit 0
