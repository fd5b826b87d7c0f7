#!/usr/bin/env bash
# microhv under nested KVM, on a machine without VT-x: Bochs (corei7_skylake_x, VMX with EPT)
# boots Debian's kernel as L0 (scripts/nested-image.sh), which loads kvm_intel with nested=1 and
# runs QEMU -enable-kvm -cpu host with microhv (L1) and a test guest (L2) under KVM's nested VMX
# -- the user's first way of running microhv, and scripts/run-qemu.sh's KVM path. Checked: KVM
# loaded with nested=Y; hello, halttimer, pitirq and blk_irq (IRQ0 at about 10 kHz: the PIT
# livelock of issue 16) end with code 0; blk_irq with block_io=off and on prints the transcript
# it prints bare on QEMU TCG (the oracle), "[hv] " lines removed; a CPU without the
# VMX-preemption timer (-cpu host,-vmx-preemption-timer) runs pitirq to code 0 with the host
# LAPIC timer standing in (vmx/timer.c); a CPU without unrestricted guest
# (-cpu host,-vmx-unrestricted-guest), which microhv requires (vmx/caps.c), is refused by name
# with code 66 before the guest runs; the exit cost C that microhv measures at start is larger
# under nested KVM than in Bochs directly.
# One Bochs run, about 6-10 minutes of one core. TAP lines; the status is always 0.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/nested_kvm
G=$BUILD/guest/tests
rm -rf "$out"
mkdir -p "$out"
CODE_VTX_UNUSABLE=66 # arch/shutdown.h HV_EXIT_VTX_UNUSABLE
qemu_status() { echo $(( $1 * 2 + 1 )); } # isa-debug-exit: (code << 1) | 1

# TAG GUEST LIMIT CPU OPTIONS: LIMIT in L0 seconds (~75 s of Bochs wall each); a small guest
# needs well under one, blk_irq with block_io=off about one.
RUNS=(
	"hello hello 2 host"
	"halttimer halttimer 2 host"
	"pitirq pitirq 3 host"
	"blk_irq_off blk_irq 4 host block_io=off irq_pace=on"
	"blk_irq_on blk_irq 4 host block_io=on block_policy=always irq_pace=on"
	"lapic_timer pitirq 3 host,-vmx-preemption-timer"
	"refusal hello 2 host,-vmx-unrestricted-guest"
)
for g in hello halttimer pitirq blk_irq; do
	[ -f "$G/$g.elf" ] || { not_ok "nested_kvm: $G/$g.elf missing (make guests)"; exit 0; }
done
[ -f "$BUILD/microhv.elf" ] || { not_ok "nested_kvm: $BUILD/microhv.elf missing (make core)"; exit 0; }

# the oracle: blk_irq bare on QEMU TCG
"$root/scripts/run-qemu-bare.sh" blk_irq --timeout 60 --log "$out/blk_irq.bare.log" >"$out/blk_irq.bare.out" 2>&1
expect_code $? 0 "nested_kvm: blk_irq bare on QEMU (the oracle) exits with code 0" "$out/blk_irq.bare.log"

args=()
for r in "${RUNS[@]}"; do args+=(--run "$r"); done
if ! "$root/scripts/nested-image.sh" --out "$out" "${args[@]}" >"$out/image.out" 2>&1; then
	not_ok "nested_kvm: scripts/nested-image.sh builds the L0 image" "$out/image.out"
	exit 0
fi
ok "nested_kvm: scripts/nested-image.sh builds the L0 image"
log=$out/serial.log
start=$(date +%s)
"$root/scripts/run-nested.sh" --iso "$out/l0.iso" --log "$log" --stamps "$out/stamps.log" \
	--timeout "${NESTED_TIMEOUT:-1800}" >"$out/run.out" 2>&1
expect_code $? 0 "nested_kvm: L0 ran every run and stopped Bochs ($(( $(date +%s) - start )) s wall)" "$out/run.out"

expect_line "$log" '^nested: cpu vmx: 1$' "nested_kvm: L0 sees VMX in CPUID"
expect_line "$log" '^nested: insmod kvm-intel: ok$' "nested_kvm: kvm_intel loads"
expect_line "$log" '^nested: kvm_intel nested=Y$' "nested_kvm: kvm_intel has nested=Y"
expect_line "$log" '^nested: /dev/kvm: present$' "nested_kvm: /dev/kvm is there"

# segment TAG: the run's serial lines (QEMU's stdio: microhv's COM1), CRs removed
segment() { tr -d '\r' < "$log" | sed -n "/^nested: run $1: begin/,/^nested: run $1: end/p"; }
status_of() { segment "$1" | sed -n 's/^nested: run .*: end at .*, QEMU status \([0-9]*\)$/\1/p'; }
for tag in hello halttimer pitirq blk_irq_off blk_irq_on lapic_timer refusal; do segment "$tag" > "$out/$tag.log"; done

for tag in hello halttimer pitirq blk_irq_off blk_irq_on lapic_timer; do
	expect_line "$out/$tag.log" '^\[hv\] exit: code=0' "nested_kvm $tag: microhv's guest ends with code 0 under nested KVM"
	expect_code "$(status_of "$tag")" "$(qemu_status 0)" "nested_kvm $tag: QEMU ends through isa-debug-exit with code 0" "$out/$tag.log"
done
expect_line "$out/hello.log" '^hello from the microhv test guest$' "nested_kvm hello: the guest's greeting"
expect_line "$out/halttimer.log" '^halttimer: .*wakeups' "nested_kvm halttimer: its wake-ups reported"

# C, one VM exit and entry, measured at start (vmx/exit_cost.c). Under nested KVM each of microhv's
# round trips is an exit to L0, KVM's reflection into L1, and L1's VMRESUME emulated by KVM, so C
# must come out above microhv's C directly in Bochs (hello on the same CPU model and ips, run here).
# Both are Bochs TSC ticks: QEMU asks KVM for no other TSC rate, so L1's TSC runs at L0's (ratio 1).
cost_of() { tr -d '\r' < "$1" | sed -nE 's/^\[hv\] exit cost: ([0-9]+) TSC ticks per VM exit and entry .*/\1/p' | head -n 1; }
"$root/scripts/run-bochs.sh" --guest "$G/hello.elf" --timeout 60 --log "$out/bare_hello.log" >"$out/bare_hello.out" 2>&1
bare=$(cost_of "$out/bare_hello.log")
nested=$(cost_of "$out/hello.log")
if [ -n "$bare" ] && [ -n "$nested" ] && [ "$nested" -gt "$bare" ]; then
	ok "nested_kvm hello: C measured under nested KVM ($nested TSC ticks) is above C in Bochs directly ($bare)"
else
	not_ok "nested_kvm hello: C under nested KVM (${nested:-not measured}) above C in Bochs directly (${bare:-not measured})" "$out/hello.log"
fi

# blk_irq's transcript under nested KVM, both block modes, against the bare oracle
guest_text() { grep -av -e '^\[hv\] ' -e '^nested: ' "$1" | tr -d '\r' | grep -v '^$'; }
for tag in blk_irq_off blk_irq_on; do
	if diff <(guest_text "$out/blk_irq.bare.log") <(guest_text "$out/$tag.log") > "$out/$tag.diff"; then
		ok "nested_kvm $tag: transcript equals bare QEMU's"
	else
		not_ok "nested_kvm $tag: transcript differs from bare QEMU's" "$out/$tag.diff"
	fi
done
expect_line "$out/blk_irq_off.log" '^blk_irq: timer interrupts during the loop: yes$' "nested_kvm blk_irq_off: interrupts came during the loop"

expect_line "$out/lapic_timer.log" '^\[hv\] vmx: guest execution bounded by the local APIC timer \(the CPU has no VMX-preemption timer\)' \
	"nested_kvm lapic_timer: without the VMX-preemption timer microhv says it uses the LAPIC timer"
expect_line "$out/pitirq.log" '^\[hv\] vmx: guest execution bounded by the VMX-preemption timer' \
	"nested_kvm pitirq: with -cpu host microhv uses the VMX-preemption timer"
expect_line "$out/refusal.log" '^\[hv\] VT-x not usable: unrestricted guest$' \
	"nested_kvm refusal: a CPU without unrestricted guest is refused by name"
expect_code "$(status_of refusal)" "$(qemu_status $CODE_VTX_UNUSABLE)" "nested_kvm refusal: QEMU ends with microhv's code $CODE_VTX_UNUSABLE" "$out/refusal.log"
if [ -s "$out/refusal.log" ]; then
	expect_no_line "$out/refusal.log" '^hello from the microhv test guest$' "nested_kvm refusal: the guest never ran"
else
	not_ok "nested_kvm refusal: the run did not happen"
fi
