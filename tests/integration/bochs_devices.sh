#!/usr/bin/env bash
# The device and interrupt oracle guests (guest/tests: picregs pitirq pitoneshot uartirq
# halttimer): each runs bare on QEMU TCG and under microhv in Bochs (default CPU, two Bochs at a
# time), with block_io on (the default) and off; every run must end with code 0 and print the
# marker lines, and each transcript ("[hv] " lines and CRs removed) must equal QEMU's. The
# guests need under 1 MiB: guest_mem=16M spares Bochs ~30 s per run of setting up the default
# 256 MiB (bare QEMU keeps -m 256; nothing printed depends on the RAM size). Lines starting with "(datasheet) " state a datasheet
# guarantee that QEMU's device model lacks: they are left out of the comparison, and under
# microhv each must end in "yes". The stats line shows interrupts were injected (none for
# picregs, which keeps IF=0) and, for halttimer, that the guest slept in HLT.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_devices
oracle=$BUILD/oracle
G=$BUILD/guest/tests
GUESTS="picregs pitirq pitoneshot uartirq halttimer"
DATASHEET='^\(datasheet\) '
mkdir -p "$out" "$oracle"

missing=0
for g in $GUESTS; do
	[ -f "$G/$g.elf" ] || { not_ok "bochs devices: $G/$g.elf missing (run make guests)"; missing=1; }
done
[ -f "$BUILD/microhv.elf" ] || { not_ok "bochs devices: $BUILD/microhv.elf missing (run make)"; missing=1; }
[ "$missing" = 0 ] || exit 0

# Bare QEMU first, one at a time (a second or so each): the oracle transcripts, kept where
# bochs_guests.sh looks for them.
for g in $GUESTS; do
	rm -f "$oracle/$g.txt" "$oracle/$g.args"
	"$root/scripts/run-qemu-bare.sh" "$G/$g.elf" --timeout 60 --log "$oracle/$g.txt" >"$out/$g.qemu.out" 2>&1
	echo $? > "$out/$g.qemu.rc"
	printf '\n' > "$oracle/$g.args"
done

# bochs NAME GUEST CMDLINE: a background run under microhv; status in $out/NAME.rc
bochs() {
	bochs_bg "$1" --core "$BUILD/microhv.elf" --guest "$2" --cmdline "$3" --timeout 120
	throttle
}
RUNS=
for g in $GUESTS; do
	bochs "$g" "$G/$g.elf" "guest_mem=16M"
	bochs "$g-off" "$G/$g.elf" "guest_mem=16M block_io=off"
	RUNS+=" $g:$g $g:$g-off"
done
wait

# the transcript a guest printed, without microhv's lines, CRs and the datasheet-only lines
compared_text() { guest_text "$1" | grep -avE "$DATASHEET"; }

expect_stat() { # NAME EXPRESSION DESCRIPTION: EXPRESSION over s must be True
	local log=$out/$1.log got
	got=$(stat_of "$log" "$2")
	if [ "$got" = True ]; then
		ok "bochs $1: $3"
	else
		not_ok "bochs $1: $3 (stats: $(stat_of "$log" '{k: s.get(k) for k in ("irqs_injected", "halted_exits", "exits")}'))" "$log"
	fi
}

# markers NAME REGEX...: each REGEX matches a line of every transcript of guest NAME
markers() {
	local g=$1
	shift
	for re in "$@"; do
		expect_line "$oracle/$g.txt" "$re" "qemu bare $g: /$re/"
		expect_line "$out/$g.log" "$re" "bochs $g: /$re/"
		expect_line "$out/$g-off.log" "$re" "bochs $g-off: /$re/"
	done
}

for g in $GUESTS; do
	expect_code "$(cat "$out/$g.qemu.rc")" 0 "qemu bare $g: exits with code 0" "$oracle/$g.txt"
done
for run in $RUNS; do
	g=${run%%:*} r=${run#*:}
	expect_code "$(cat "$out/$r.rc" 2>/dev/null)" 0 "bochs $r: guest ends with code 0" "$out/$r.log"
	if diff <(tr -d '\r' < "$oracle/$g.txt" | grep -avE "$DATASHEET") <(compared_text "$out/$r.log") > "$out/$r.diff"; then
		ok "bochs $r: guest transcript equals the bare-QEMU transcript"
	else
		not_ok "bochs $r: guest transcript differs from the bare-QEMU transcript" "$out/$r.diff"
	fi
	# the datasheet lines: as many as on QEMU, and all "yes" under microhv
	nq=$(tr -d '\r' < "$oracle/$g.txt" | grep -acE "$DATASHEET")
	nb=$(tr -d '\r' < "$out/$r.log" | grep -acE "$DATASHEET")
	if [ "$nq" -gt 0 ] || [ "$nb" -gt 0 ]; then
		tr -d '\r' < "$out/$r.log" | grep -aE "$DATASHEET" | grep -avE ': yes$' > "$out/$r.datasheet"
		if [ "$nb" = "$nq" ] && [ ! -s "$out/$r.datasheet" ]; then
			ok "bochs $r: $nb datasheet-only facts hold under microhv"
		else
			echo "($nb datasheet lines under microhv, $nq on QEMU)" >> "$out/$r.datasheet"
			not_ok "bochs $r: datasheet-only facts under microhv" "$out/$r.datasheet"
		fi
	fi
done

markers picregs '^picregs: poll word with IRQ0 unmasked: 0x80$' '^picregs: master ISR after the poll: 0x01$' \
	'^picregs: poll word after IRQ0.s EOI: 0x84$' '^picregs: 0 failures$'
markers pitirq '^pitirq: 100 ticks at 1000 Hz$' '^pitirq: IRQ0 masked for 5 periods: 0 ticks, IRR bit 0 1$' \
	'^pitirq: 40 ticks at 2000 Hz, counts above the new period: 0$' \
	"^pitirq: IRQ0 nested inside IRQ4's handler once it set IF: yes, ISR there 0x0011: yes$" \
	"^pitirq: IRQ4 raised in IRQ0's handler with IF set: held off until the EOI: yes, then delivered: yes$" \
	'^pitirq: IRQ0 handlers that found another ISR than expected: 0, unexpected IRQs: 0$'
markers pitoneshot '^pitoneshot: mode 0 status once counting: 0x30$' \
	'^pitoneshot: mode 0 latched counts, 20 samples: decreasing: yes$' \
	'^pitoneshot: mode 0 with IRQ0 unmasked: 1 interrupt\(s\), OUT high in the handler: yes$' \
	'^pitoneshot: unexpected IRQs: 0, failures: 0$'
markers uartirq '^uartirq: received string equals the sent one: yes$' \
	'^uartirq: IIR identities seen: THR empty yes, received data yes; handlers without ISR bit 4: 0$' \
	'^uartirq: IIR bits 7..6 with FCR=0x00: 0x00, with FCR=0x01: 0xc0$'
markers halttimer '^halttimer: 50 wakeups, 50 ticks$' '^halttimer: HLTs that ended without a tick: 0, unexpected IRQs: 0$'

for sfx in "" -off; do
	expect_stat picregs$sfx 's["irqs_injected"] == 0' "no interrupt injected: the guest keeps IF=0 and only polls"
	expect_stat pitirq$sfx 's["irqs_injected"] >= 145' "at least 145 interrupts injected (100 + 1 + 40 ticks, 2 for each priority case)"
	expect_stat pitoneshot$sfx 's["irqs_injected"] == 1' "exactly one interrupt injected for the one-shot"
	expect_stat uartirq$sfx 's["irqs_injected"] > 0' "UART interrupts injected"
	expect_stat halttimer$sfx 's["irqs_injected"] >= 50' "at least 50 interrupts injected"
	expect_stat halttimer$sfx 's["halted_exits"] > 0' "the guest slept in the HLT activity state (halted_exits > 0)"
done
expect_stat pitirq-off 's["blocks"]["runs"] == 0 and s["io_exits"] == s["io_instructions"]' \
	"block_io=off: one exit per IO instruction, no block runs"
expect_no_entry_failure "$out" "bochs_devices: no unexpected VM entry failure"
exit 0
