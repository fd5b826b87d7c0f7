#!/usr/bin/env bash
# The fallbacks of issue 13 that Bochs can run. preemption_timer=off: the host's local APIC
# timer (one-shot, external-interrupt exits) bounds guest execution instead of the
# VMX-preemption timer, which every Bochs model has. The timer-driven oracle guests (halttimer,
# pitirq, pitoneshot, blk_irq) must end with code 0 and print the transcript they print bare on
# QEMU ("[hv] " lines removed), with external-interrupt exits and no preemption-timer exit in
# the stats. selftest=root_nmi: an NMI taken in root mode (INT 2 through the IDT's NMI gate)
# before the guest's first entry is counted and dropped, and the run goes on (hello's transcript).
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_lapic_timer
oracle=$BUILD/oracle
G=$BUILD/guest/tests
GUESTS="halttimer pitirq pitoneshot blk_irq"
HELLO_ARGS="answer=42 two words"
mkdir -p "$out" "$oracle"
for g in $GUESTS hello; do
	[ -f "$G/$g.elf" ] || { not_ok "bochs lapic timer: $G/$g.elf missing (make guests)"; exit 0; }
done

# the bare-QEMU transcript of an oracle guest (made here if no other test has made it)
oracle_of() { # NAME ARGS
	if [ ! -f "$oracle/$1.txt" ] || [ "$(cat "$oracle/$1.args" 2>/dev/null)" != "$2" ]; then
		"$root/scripts/run-qemu-bare.sh" "$G/$1.elf" --timeout 60 --append "$2" --log "$oracle/$1.txt" >/dev/null 2>&1
		printf '%s\n' "$2" > "$oracle/$1.args"
	fi
	tr -d '\r' < "$oracle/$1.txt"
}
for g in $GUESTS; do oracle_of "$g" "" > "$out/$g.oracle"; done
oracle_of hello "$HELLO_ARGS" > "$out/hello.oracle"

bochs() { # RUN GUEST CMDLINE [APPEND]
	bochs_bg "$1" --guest "$G/$2.elf" --cmdline "$3" ${4:+--append "$4"} --timeout 120
	throttle
}
# guest_mem=16M spares Bochs setting up 256 MiB; hello prints its memory size, so it keeps the default
for g in $GUESTS; do bochs "$g" "$g" "guest_mem=16M preemption_timer=off"; done
bochs root_nmi hello "selftest=root_nmi" "$HELLO_ARGS"
wait

# Lines starting with "(datasheet) " state a guarantee QEMU's PIT lacks (bochs_devices.sh): left
# out of the comparison, and under microhv each must end in "yes".
DATASHEET='^\(datasheet\) '
same_as_oracle() { # RUN GUEST
	if diff <(grep -avE "$DATASHEET" "$out/$2.oracle") <(guest_text "$out/$1.log" | grep -avE "$DATASHEET") \
		> "$out/$1.diff"; then
		ok "bochs $1: guest transcript equals the bare-QEMU transcript"
	else
		not_ok "bochs $1: guest transcript differs from the bare-QEMU transcript" "$out/$1.diff"
	fi
}
for g in $GUESTS; do
	l=$out/$g.log
	expect_code "$(cat "$out/$g.rc")" 0 "bochs $g preemption_timer=off: guest ends with code 0" "$l"
	expect_line "$l" '^\[hv\] vmx: guest execution bounded by the local APIC timer \(preemption_timer=off\): one-shot' \
		"bochs $g preemption_timer=off: the LAPIC timer is said to be used"
	same_as_oracle "$g" "$g"
	if guest_text "$l" | grep -aE "$DATASHEET" | grep -avq ': yes$'; then
		not_ok "bochs $g preemption_timer=off: a datasheet line does not end in yes" "$l"
	else
		ok "bochs $g preemption_timer=off: every datasheet line ends in yes"
	fi
	got=$(stat_of "$l" 's["by_reason"].get("external interrupt", 0) > 0 and "VMX-preemption timer expired" not in s["by_reason"]')
	expect_code "$got" True "bochs $g preemption_timer=off: external-interrupt exits, no preemption-timer exit"
done
got=$(stat_of "$out/halttimer.log" 's["halted_exits"] >= 50')
expect_code "$got" True "bochs halttimer preemption_timer=off: the guest slept in HLT (halted_exits >= 50)"

l=$out/root_nmi.log
expect_code "$(cat "$out/root_nmi.rc")" 0 "bochs selftest=root_nmi: hello ends with code 0 after a root-mode NMI" "$l"
expect_line "$l" '^\[hv\] selftest=root_nmi: INT 2 in root mode' "bochs selftest=root_nmi: the NMI was raised"
expect_no_line "$l" '^\[hv\] host exception' "bochs selftest=root_nmi: no host exception report"
same_as_oracle root_nmi hello
got=$(stat_of "$l" 's["nmis"] == {"in_guest": 0, "in_root": 1, "reflected": 0, "dropped": 1, "reflect": True}')
expect_code "$got" True "bochs selftest=root_nmi: nmis counts in_root 1, dropped 1 (before the first entry), reflect true"
exit 0
