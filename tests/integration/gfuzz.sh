#!/usr/bin/env bash
# The guest-level differential fuzzer (issue 12): guest/tests/gfuzz.c builds a random program
# from the seed on its command line (IO to the UART, PIC and CMOS mixed with the interpreter's
# subset, page-table edits, CR writes, interrupts, PAE paging with random PDPTEs, an OUT at the
# 4-GiB wrap) and prints its end state. Each seed runs under microhv in Bochs with
# block_io=off and in the other configurations of GFUZZ_CONFIGS; every run must end with code 0
# and print the same transcript as block_io=off. A failure names the seed and the command that
# reproduces it. GFUZZ_SEEDS (default "1 2") and GFUZZ_CONFIGS (default "on cpu") choose the
# runs; `make fuzz-guests N=...` runs seeds 1..N in every configuration. GFUZZ_ARGS adds guest
# arguments after the seed ("no=hpw" leaves out hole OUTS, PAE rounds, the 4-GiB wrap). TAP
# lines; status 0.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/gfuzz
GUEST=$BUILD/guest/tests/gfuzz.elf
CORE=$BUILD/microhv.elf
SEEDS=${GFUZZ_SEEDS:-1 2}
CONFIGS=${GFUZZ_CONFIGS:-on cpu}
rm -rf "$out"
mkdir -p "$out"
[ -f "$GUEST" ] || { not_ok "gfuzz: $GUEST missing (make guests)"; exit 0; }
[ -f "$CORE" ] || { not_ok "gfuzz: $CORE missing (make core)"; exit 0; }

# the microhv options of each configuration
options() {
	case $1 in
	off) echo "block_io=off" ;;
	on) echo "block_io=on block_policy=always" ;;
	cpu) echo "block_io=on block_policy=always extent=cpu" ;;
	nofollow) echo "block_io=on block_policy=always block_follow=off" ;;
	*) echo "unknown-config-$1" ;;
	esac
}

run() { # SEED CONFIG: a background run; status in $out/SEED-CONFIG.rc
	bochs_bg "$1-$2" --core "$CORE" --guest "$GUEST" --cmdline "guest_mem=16M $(options "$2")" \
		--append "$1 ${GFUZZ_ARGS:-}" --timeout 120
	throttle
}

for s in $SEEDS; do
	for c in off $CONFIGS; do run "$s" "$c"; done
done
wait

for s in $SEEDS; do
	for c in off $CONFIGS; do
		r=$s-$c
		again="# reproduce: scripts/run-bochs.sh --guest $GUEST --append '$s ${GFUZZ_ARGS:-}' --cmdline 'guest_mem=16M $(options "$c")'"
		rc=$(cat "$out/$r.rc" 2>/dev/null)
		expect_code "$rc" 0 "gfuzz seed $s $c: ends with code 0" "$out/$r.log"
		[ "$rc" = 0 ] || echo "$again"
		[ "$c" = off ] && continue
		if diff <(guest_text "$out/$s-off.log") <(guest_text "$out/$r.log") > "$out/$r.diff"; then
			ok "gfuzz seed $s $c: the same end state as block_io=off"
		else
			not_ok "gfuzz seed $s $c: end state differs from block_io=off" "$out/$r.diff"
			echo "$again"
		fi
	done
done
expect_no_entry_failure "$out" "gfuzz: no VM entry failed"
exit 0
