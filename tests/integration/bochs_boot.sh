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
