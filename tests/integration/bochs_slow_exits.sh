#!/usr/bin/env bash
# Forward progress when exits are slow (issue 16): Bochs at 10 M instructions per second instead
# of 100 M makes each VM exit of microhv about 100 us of guest time (its ~1,000 root-mode
# instructions), longer than the period of blk_irq's 10 kHz PIT -- the ratio under which it hung
# under nested KVM (a round trip of ~20 us against a handler of five IO exits). Before the
# minimum slice (dispatcher/interrupts.c irq_pace) it printed nothing after VMXON; now it must
# end with code 0 and the transcript it prints bare on QEMU, with block_io=off and on, with
# interrupts during its loop. TAP lines; the status is always 0.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_slow_exits
G=$BUILD/guest/tests
SLOW_IPS=10000000
rm -rf "$out"
mkdir -p "$out"
[ -f "$G/blk_irq.elf" ] && [ -f "$BUILD/microhv.elf" ] || { not_ok "bochs_slow_exits: build/ is missing blk_irq.elf or microhv.elf (make core guests)"; exit 0; }
"$root/scripts/run-qemu-bare.sh" blk_irq --timeout 60 --log "$out/bare.log" >"$out/bare.out" 2>&1
expect_code $? 0 "bochs_slow_exits: blk_irq bare on QEMU (the oracle) exits with code 0" "$out/bare.log"
guest_text() { grep -av '^\[hv\] ' "$1" | tr -d '\r' | grep -v '^$'; }
for m in off on; do
	"$root/scripts/run-bochs.sh" --guest "$G/blk_irq.elf" --cmdline "guest_mem=16M block_io=$m irq_pace=on" --ips "$SLOW_IPS" \
		--timeout 180 --log "$out/$m.log" >"$out/$m.out" 2>&1
	expect_code $? 0 "bochs_slow_exits blk_irq block_io=$m: ends with code 0 at $SLOW_IPS instructions per second" "$out/$m.log"
	if diff <(guest_text "$out/bare.log") <(guest_text "$out/$m.log") > "$out/$m.diff"; then
		ok "bochs_slow_exits blk_irq block_io=$m: transcript equals bare QEMU's"
	else
		not_ok "bochs_slow_exits blk_irq block_io=$m: transcript differs from bare QEMU's" "$out/$m.diff"
	fi
	expect_line "$out/$m.log" '^blk_irq: timer interrupts during the loop: yes$' "bochs_slow_exits blk_irq block_io=$m: interrupts came during the loop"
	# exits cost more than the period: every interrupt came late, the rises between were coalesced
	expect_line "$out/$m.log" '"irqs_injected":[1-9][0-9]*' "bochs_slow_exits blk_irq block_io=$m: interrupts were injected"
done
