#!/usr/bin/env bash
# Debian's stock kernel with a busybox initramfs under microhv in Bochs: boots to the init's
# marker with block_io=on and =off (same kernel output, timestamps aside; the timer on XT-PIC
# IRQ0 and ttyS0 on IRQ4; a clean end; fewer IO exits with on), a command typed into the shell
# through the serial line, and bad kernels and initrds refused before launch.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_linux
mkdir -p "$out"
K=$BUILD/linux/vmlinuz
I=$BUILD/linux/initrd.img
if ! "$root/scripts/linux-guest.sh" >"$out/linux-guest.log" 2>&1; then
	if grep -qiE "could not resolve|temporary failure|failed to fetch|unable to connect|no route" "$out/linux-guest.log"; then
		echo "ok - bochs linux: boots # SKIP Debian's kernel could not be downloaded here: $(grep -iE 'fail|could not' "$out/linux-guest.log" | head -n 1)"
		exit 0
	fi
	not_ok "bochs linux: scripts/linux-guest.sh failed" "$out/linux-guest.log"
	exit 0
fi
BASE="console=ttyS0 nolapic noapic acpi=off pci=off nosmp reboot=pci"

linux() { # NAME HVARGS APPEND [run-bochs args...]: a background run; status in $out/NAME.rc
	local name=$1 hv=$2 app=$3
	shift 3
	bochs_bg "$name" --guest "$K" --initrd "$I" --cmdline "$hv" --append "$app" --timeout 1500 "$@"
	throttle
}
# bad inputs first: each is refused before VMLAUNCH, in seconds
head -c 200000 "$K" > "$out/truncated-vmlinuz"
python3 - "$K" "$out/badhdr-vmlinuz" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0x202:0x206] = b"XXXX"  # the setup header's "HdrS" signature
open(sys.argv[2], "wb").write(b)
PY
head -c $((24 * 1024 * 1024)) /dev/urandom > "$out/big-initrd"
for t in truncated badhdr; do
	bochs_bg "$t" --guest "$out/$t-vmlinuz" --initrd "$I" --timeout 120
	throttle
done
bochs_bg bigrd --guest "$K" --initrd "$out/big-initrd" --cmdline "guest_mem=96M" --timeout 300
wait
expect_code "$(cat "$out/truncated.rc")" 69 "bochs linux truncated kernel: refused with code 69" "$out/truncated.log"
expect_line "$out/truncated.log" '^\[hv\] kernel image: .*truncated' "bochs linux truncated kernel: says it is truncated"
expect_code "$(cat "$out/badhdr.rc")" 69 "bochs linux bad setup header: refused with code 69" "$out/badhdr.log"
expect_line "$out/badhdr.log" '^\[hv\] guest image: no Multiboot header|^\[hv\] kernel image: ' "bochs linux bad setup header: named"
expect_code "$(cat "$out/bigrd.rc")" 69 "bochs linux initrd too big: refused with code 69" "$out/bigrd.log"
expect_line "$out/bigrd.log" '^\[hv\] initrd: ' "bochs linux initrd too big: says the initrd does not fit"

# nokaslr: the same kernel addresses in both runs, so their output can be compared
linux on "block_io=on" "$BASE nokaslr microhv.test=1"
linux off "block_io=off" "$BASE nokaslr microhv.test=1"
wait
linux shell "block_io=on" "$BASE" --send 'shell on the console=>echo answer-$((6*7)); cat /proc/cmdline\n' \
	--send 'answer-42=>exit\n'
wait

for r in on off; do
	l=$out/$r.log
	expect_code "$(cat "$out/$r.rc")" 0 "bochs linux block_io=$r: the run ends cleanly (code 0)" "$l"
	expect_line "$l" '^microhv-linux-init: up$' "bochs linux block_io=$r: the init's marker"
	expect_line "$l" '^ +0: +[0-9]+ +XT-PIC +timer$' "bochs linux block_io=$r: the timer on XT-PIC IRQ0 in /proc/interrupts"
	expect_line "$l" '^ +4: +[0-9]+ +XT-PIC +ttyS0$' "bochs linux block_io=$r: ttyS0 on IRQ4"
	expect_line "$l" '^\[hv\] guest reset the machine' "bochs linux block_io=$r: the guest's reboot ends the run"
done
# the kernel's own output up to the marker, timestamps and timing-dependent lines removed
norm() {
	tr -d '\r' < "$1" | sed -n '/^\[hv\] vmx: VMXON/,/^microhv-linux-init: up$/p' | grep -av '^\[hv\]' |
		sed -E 's/^\[ *[0-9]+\.[0-9]+\] //; s/ffff[0-9a-f]{12}/<address>/g' |
		grep -avE 'audit\(|setting system clock|Trying to unpack rootfs|MHz|BogoMIPS|calibrat|lpj=|clocksource|[0-9]+ ?(ns|us|usecs|ms)\b|Unstable clock|trace_clock|global|random|RETBleed|hash table entries|Memory:|Freeing|Run /init'
}
if diff <(norm "$out/on.log") <(norm "$out/off.log") > "$out/on-off.diff"; then
	ok "bochs linux: the kernel's output is the same with block_io on and off (timestamps aside)"
else
	not_ok "bochs linux: kernel output differs between block_io on and off" "$out/on-off.diff"
fi
on_ex=$(stat_of "$out/on.log" 's["io_exits"]'); off_ex=$(stat_of "$out/off.log" 's["io_exits"]')
if [ -n "$on_ex" ] && [ -n "$off_ex" ] && [ "$on_ex" -lt "$off_ex" ]; then
	ok "bochs linux: fewer IO exits with block_io=on ($on_ex against $off_ex)"
else
	not_ok "bochs linux: IO exits with block_io=on '$on_ex', off '$off_ex'"
fi
# the default block policy (block_policy=auto, README "Which blocks run") at the exit cost
# measured at start: in Bochs an exit and entry cost 65 ticks, less than the console's followed
# blocks save, so auto declines them (most by the forecast of their first recording) and keeps the
# timer handler's PIC block
pol() { stat_of "$out/on.log" "s['policy']['$1']"; }
if [ "$(pol mode)" = auto ] && [ "$(pol cost_source)" = measured ] && [ "$(pol exit_cost)" -ge 1 ] 2>/dev/null &&
	[ "$(pol exit_cost)" -le 5000 ]; then
	ok "bochs linux default: block_policy=auto judges at the exit cost measured at start ($(pol exit_cost) ticks)"
else
	not_ok "bochs linux default: policy '$(pol mode)' at C '$(pol exit_cost)' ($(pol cost_source))" "$out/on.log"
fi
if [ "$(pol judgements)" -gt 0 ] 2>/dev/null && { [ "$(pol declines)" -gt 0 ] 2>/dev/null ||
	[ "$(pol forecast_declines)" -gt 0 ] 2>/dev/null; } && [ "$(pol declined_exits)" -gt 0 ] 2>/dev/null; then
	ok "bochs linux default: the policy judged $(pol judgements) times and declined $(pol declines) starts, $(pol forecast_declines) more by their recording's forecast ($(pol declined_exits) IO exits then went one at a time)"
else
	not_ok "bochs linux default: judgements '$(pol judgements)', declines '$(pol declines)' + '$(pol forecast_declines)' by forecast, declined exits '$(pol declined_exits)'" "$out/on.log"
fi
l=$out/shell.log
expect_code "$(cat "$out/shell.rc")" 0 "bochs linux shell: the run ends cleanly after 'exit'" "$l"
expect_line "$l" '^answer-42$' "bochs linux shell: a command typed on the serial line ran in the guest's shell"
expect_line "$l" 'console=ttyS0 nolapic noapic acpi=off pci=off nosmp reboot=pci' "bochs linux shell: /proc/cmdline is the one given"
expect_no_entry_failure "$out" "bochs_linux: no unexpected VM entry failure"
exit 0
