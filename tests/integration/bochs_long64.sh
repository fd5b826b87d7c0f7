#!/usr/bin/env bash
# Followed blocks (README "Block IO virtualization", 64-bit code) against one exit per IO
# instruction: guest/tests/blk_long64.c (IA-32e mode, its blocks in 64-bit code) runs bare on
# QEMU (the oracle), then under microhv in Bochs, one run at a time, with block_io=off,
# block_io=on block_follow=off and the default (block_io=on, block_follow=on). It must end with
# code 0 everywhere and print the same transcript ("[hv] " lines removed). Its "(cpu)" line
# says where the processor reported a RET or CALL to a non-canonical address (the SDM: on the
# branch; QEMU's TCG: at the target), so it is compared between microhv's runs only, and Bochs
# must report it on the branch. From the "[hv] stats {json}" lines: the same IO instructions in every
# mode (less the interrupt handler's EOIs), one exit per IO instruction with block_io=off, no
# followed block with block_follow=off, and with the default followed blocks that ran from the
# table (followed > 0, hits > 0) and fewer IO exits than with block_io=off; interrupts injected
# (part 10) in every run. TAP lines; the status is always 0.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_long64
G=$BUILD/guest/tests
CORE=$BUILD/microhv.elf
ELF=$G/blk_long64.elf
rm -rf "$out"
mkdir -p "$out"
[ -f "$ELF" ] || { not_ok "bochs_long64: $ELF missing (make guests)"; exit 0; }
[ -f "$CORE" ] || { not_ok "bochs_long64: $CORE missing (make core)"; exit 0; }

bg_run bare "$root/scripts/run-qemu-bare.sh" "$ELF" --timeout 60 --log "$out/bare.log"
throttle 1
# RUN CMDLINE: one Bochs run at a time (16 MiB of guest RAM: the guest lives in its first 4)
RUNS="off on-nofollow on"
declare -A CMDLINE=([off]="block_io=off" [on-nofollow]="block_io=on block_follow=off block_policy=always" [on]="block_policy=always")
for r in $RUNS; do
	bochs_bg "$r" --core "$CORE" --guest "$ELF" --cmdline "guest_mem=16M ${CMDLINE[$r]}" --timeout 180
	throttle 1
done

# text RUN [all]: the guest's lines; without the "(cpu)" line unless asked for all
text() {
	if [ "${2:-}" = all ]; then
		guest_text "$out/$1.log" | grep -v '^$'
	else
		guest_text "$out/$1.log" | grep -v '^$' | grep -v '^blk_long64: (cpu) '
	fi
}
same_text() { # A B NAME [all]
	if diff <(text "$1" "${4:-}") <(text "$2" "${4:-}") > "$out/$1-vs-$2.diff"; then
		ok "$3"
	else
		not_ok "$3" "$out/$1-vs-$2.diff"
	fi
}
stat() { stat_of "$out/$1.log" "$2"; }

expect_code "$(cat "$out/bare.rc")" 0 "bochs_long64: ends with code 0 bare on QEMU" "$out/bare.log"
expect_line "$out/bare.log" '^blk_long64: IA-32e mode active' "bochs_long64: bare on QEMU in IA-32e mode"
for r in $RUNS; do
	expect_code "$(cat "$out/$r.rc" 2>/dev/null)" 0 "bochs_long64 $r: ends with code 0 under microhv" "$out/$r.log"
	same_text bare "$r" "bochs_long64 $r: transcript equals the bare-QEMU transcript"
done
same_text off on-nofollow "bochs_long64: block_io=on block_follow=off prints what block_io=off prints" all
same_text off on "bochs_long64: the default (followed blocks) prints what block_io=off prints" all
# the native reference itself: Bochs reports the #GP of a non-canonical RET or CALL on it
expect_line "$out/off.log" '^blk_long64: \(cpu\) 7 #GP reported at the branch itself: ([1-9][0-9]*) of \1$' \
	"bochs_long64 off: #GP of a RET or CALL to a non-canonical address reported on the branch"

# the guest's own IO instructions: each interrupt (part 10, as time allows) adds its handler's EOI
own_io='s["io_instructions"] - s["irqs_injected"]'
io_off=$(stat off "$own_io")
for r in on-nofollow on; do
	expect_code "$(stat "$r" "$own_io")" "$io_off" "bochs_long64 $r: the same IO instructions as block_io=off (less one EOI per interrupt)"
done
expect_code "$(stat off 's["io_exits"]')" "$(stat off 's["io_instructions"]')" "bochs_long64 off: one exit per IO instruction"
expect_code "$(stat off 's["blocks"]["runs"]')" 0 "bochs_long64 off: no block runs"
expect_code "$(stat on-nofollow 's["blocks"]["followed"]')" 0 "bochs_long64 on-nofollow: no followed block"
followed=$(stat on 's["blocks"]["followed"]'); hits=$(stat on 's["blocks"]["hits"]')
ex_on=$(stat on 's["io_exits"]'); ex_off=$(stat off 's["io_exits"]')
echo "# blk_long64: io_instructions $io_off; io_exits off $ex_off, default $ex_on; followed runs $followed, table hits $hits"
if [ "${followed:-0}" -gt 0 ] && [ "${hits:-0}" -gt 0 ]; then
	ok "bochs_long64 on: followed blocks replayed ($followed followed runs, $hits table hits)"
else
	not_ok "bochs_long64 on: followed runs ${followed:-none}, table hits ${hits:-none}" "$out/on.log"
fi
if [ -n "$ex_on" ] && [ -n "$ex_off" ] && [ "$ex_on" -lt "$ex_off" ]; then
	ok "bochs_long64 on: fewer IO exits ($ex_on) than block_io=off ($ex_off)"
else
	not_ok "bochs_long64 on: IO exits ${ex_on:-none}, not fewer than block_io=off ${ex_off:-none}" "$out/on.log"
fi
# part 10 ran with the PIT's interrupts: they must have come (how many depends on time)
for r in $RUNS; do
	irqs=$(stat "$r" 's["irqs_injected"]')
	if [ "${irqs:-0}" -gt 0 ]; then
		ok "bochs_long64 $r: PIT interrupts injected ($irqs)"
	else
		not_ok "bochs_long64 $r: no interrupts injected" "$out/$r.log"
	fi
done
expect_no_entry_failure "$out" "bochs_long64: no unexpected VM entry failure"
exit 0
