#!/usr/bin/env bash
# The block-IO correctness principle (DESIGN.md section 3), guest by guest: each blk_* guest
# (guest/tests/blk_*.c) runs bare on QEMU (the oracle), under microhv in Bochs with
# block_io=off and with block_io=on, and must end with code 0 and print the same transcript
# ("[hv] " lines removed) everywhere. From the "[hv] stats {json}" line: the same IO
# instructions in both modes (blk_irq: interrupts instead, its handler's IO comes with time),
# one exit per IO instruction with block_io=off, and strictly fewer IO exits with
# block_io=on wherever microhv may run blocks. In blk_tf it may not (single-stepping): its
# trace=blocks log must show no block designated in the stepped code. blk_pagecross also runs
# with extent=cpu (a block then crosses the page). blk_picinit reports the IO
# exits each PIC initialisation sequence takes; blk_hits and blk_smc check the table's hits
# and mismatches. BLK_GUESTS="blk_x ..." runs only those. TAP lines; the status is always 0.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_blocks
G=$BUILD/guest/tests
CORE=$BUILD/microhv.elf
# nothing left from an earlier run: the checks below look only at the logs this run writes
rm -rf "$out"
mkdir -p "$out"

# every blk_* guest there is (guests.mk builds them all), but blk_long64: bochs_long64.sh runs it
# (its "(cpu)" line differs between QEMU and Bochs by design)
GUESTS=${BLK_GUESTS:-$(cd "$root/guest/tests" && for f in blk_*.c; do echo "${f%.c}"; done | grep -vx blk_long64)}

# bochs RUN GUEST CMDLINE: a background run; status in $out/RUN.rc. The guests live in their
# first 4 MiB: 16 MiB of guest RAM spares Bochs zeroing 256 (about 2 s a run).
bochs() {
	bochs_bg "$1" --core "$CORE" --guest "$G/$2.elf" --cmdline "guest_mem=16M $3" --timeout 120
	throttle
}

# The guest's lines without microhv's (guest_text). Empty lines go too: a "[hv] " line that comes
# between the guest's "\r" and "\n" (trace=blocks does that) leaves the "\n" on a line of its own.
blocks_text() { guest_text "$1" | grep -v '^$'; }

# stat RUN EXPR: a Python expression over the run's last stats line, s (empty if none)
stat() { stat_of "$out/$1.log" "$2"; }

# symbol GUEST NAME: the address of a symbol of the guest image, in hex
symbol() { nm "$G/$1.elf" | awk -v n="$2" '$3 == n { print $1 }'; }

# blocks_in RUN FROM TO: "count io crossing" over the blocks that trace=blocks logged with a
# start address in [FROM, TO) (hex): how many addresses, the IO instructions of the last block
# designated at each, summed, and how many designations ran into the next page
blocks_in() {
	tr -d '\r' < "$out/$1.log" | python3 -c '
import re, sys
lo, hi = int(sys.argv[1], 16), int(sys.argv[2], 16)
last, cross = {}, 0
for line in sys.stdin:
    m = re.match(r"\[hv\] block at 0x([0-9a-f]+): (\d+) bytes, (\d+) instructions, (\d+) IO", line)
    if m:
        a, n, io = int(m.group(1), 16), int(m.group(2)), int(m.group(4))
        if lo <= a < hi:
            last[a] = io
            cross += (a >> 12) != ((a + n - 1) >> 12)
print(len(last), sum(last.values()), cross)' "$2" "$3"
}

missing=
for g in $GUESTS; do
	if [ ! -f "$G/$g.elf" ]; then
		not_ok "bochs_blocks $g: $G/$g.elf missing (make guests: guest/tests/guests.mk must list it)"
		missing+=" $g"
	fi
done
[ -f "$CORE" ] || { not_ok "bochs_blocks: $CORE missing (make core)"; exit 0; }

# the oracles first (QEMU is quick), then the Bochs runs, two emulators at a time
for g in $GUESTS; do
	case " $missing " in *" $g "*) continue ;; esac
	bg_run "$g-bare" "$root/scripts/run-qemu-bare.sh" "$G/$g.elf" --timeout 60 --log "$out/$g-bare.log"
	throttle
done
for g in $GUESTS; do
	case " $missing " in *" $g "*) continue ;; esac
	case $g in
	blk_picinit|blk_tf|blk_pagecross) on_cmdline="block_io=on block_policy=always trace=blocks" ;;
	*) on_cmdline="block_io=on block_policy=always" ;;
	esac
	bochs "$g-on" "$g" "$on_cmdline"
	bochs "$g-off" "$g" "block_io=off"
done
if [ -f "$G/blk_pagecross.elf" ]; then
	bochs blk_pagecross-cpu blk_pagecross "block_io=on block_policy=always extent=cpu trace=blocks"
fi
wait

# same_text A B NAME: the two runs' guest transcripts are equal
same_text() {
	if diff <(blocks_text "$out/$1.log") <(blocks_text "$out/$2.log") > "$out/$1-vs-$2.diff"; then
		ok "$3"
	else
		not_ok "$3" "$out/$1-vs-$2.diff"
	fi
}

for g in $GUESTS; do
	case " $missing " in *" $g "*) continue ;; esac
	expect_code "$(cat "$out/$g-bare.rc")" 0 "bochs_blocks $g: ends with code 0 bare on QEMU" "$out/$g-bare.log"
	runs="$g-off $g-on"
	[ "$g" = blk_pagecross ] && runs+=" $g-cpu"
	for r in $runs; do
		expect_code "$(cat "$out/$r.rc" 2>/dev/null)" 0 "bochs_blocks $r: ends with code 0 under microhv" "$out/$r.log"
		same_text "$g-bare" "$r" "bochs_blocks $r: transcript equals the bare-QEMU transcript"
	done
	same_text "$g-off" "$g-on" "bochs_blocks $g: transcript with block_io=on equals block_io=off"

	on_io=$(stat "$g-on" 's["io_instructions"]'); off_io=$(stat "$g-off" 's["io_instructions"]')
	on_ex=$(stat "$g-on" 's["io_exits"]'); off_ex=$(stat "$g-off" 's["io_exits"]')
	if [ -z "$on_io" ] || [ -z "$off_io" ] || [ -z "$on_ex" ] || [ -z "$off_ex" ]; then
		not_ok "bochs_blocks $g: stats lines missing or malformed" "$out/$g-on.log"
		continue
	fi
	echo "# $g: io_instructions $off_io; io_exits block_io=off $off_ex, block_io=on $on_ex"
	if [ "$g" = blk_irq ]; then
		# its timer interrupts come as time allows, each with its handler's IO instructions
		on_irq=$(stat "$g-on" 's["irqs_injected"]'); off_irq=$(stat "$g-off" 's["irqs_injected"]')
		if [ "${on_irq:-0}" -gt 0 ] && [ "${off_irq:-0}" -gt 0 ]; then
			ok "bochs_blocks $g: interrupts injected with block_io on ($on_irq) and off ($off_irq)"
		else
			not_ok "bochs_blocks $g: no interrupts injected (on ${on_irq:-none}, off ${off_irq:-none})" "$out/$g-on.log"
		fi
	else
		expect_code "$on_io" "$off_io" "bochs_blocks $g: the same IO instructions with block_io on and off"
	fi
	expect_code "$off_ex" "$off_io" "bochs_blocks $g: one exit per IO instruction with block_io=off"
	expect_code "$(stat "$g-off" 's["blocks"]["runs"]')" 0 "bochs_blocks $g: no block runs with block_io=off"
	if [ "$g" = blk_tf ]; then
		# single-stepped: the dispatcher runs no block with RFLAGS.TF, so none is even designated
		read -r n _ _ <<< "$(blocks_in "$g-on" "$(symbol blk_tf tf_start)" "$(symbol blk_tf tf_end)")"
		expect_code "$n" 0 "bochs_blocks $g: no block designated in the single-stepped code"
	elif [ "$on_ex" -lt "$off_ex" ]; then
		ok "bochs_blocks $g: fewer IO exits with block_io=on ($on_ex) than off ($off_ex)"
	else
		not_ok "bochs_blocks $g: IO exits with block_io=on $on_ex, not fewer than off $off_ex" "$out/$g-on.log"
	fi
done

# blk_picinit: how many exits one PIC initialisation sequence takes with block_io=on: one per
# block the loop was cut into (every sequence passes through each once, none ended early)
if [ -f "$out/blk_picinit-on.log" ]; then
	seqs=$(sed -nE 's/^blk_picinit: ([0-9]+) sequences of ([0-9]+) IO instructions.*/\1 \2/p' "$out/blk_picinit-bare.log" | tr -d '\r')
	read -r nseq nio <<< "$seqs"
	read -r nblk blk_io _ <<< "$(blocks_in blk_picinit-on "$(symbol blk_picinit blk_picinit_loop)" "$(symbol blk_picinit blk_picinit_loop_end)")"
	early=$(stat blk_picinit-on 's["blocks"]["early_ends"]')
	echo "# blk_picinit: $nseq sequences of $nio IO instructions; with block_io=on the loop is $nblk block(s) holding $blk_io IO instructions, early ends $early: $nblk IO exit(s) per sequence"
	if [ -n "$nblk" ] && [ "$nblk" -ge 1 ] && [ "$nblk" -le 2 ] && [ "$blk_io" = "$nio" ] && [ "$early" = 0 ]; then
		ok "bochs_blocks blk_picinit: $nblk IO exit(s) per PIC init sequence of $nio IO instructions"
	else
		not_ok "bochs_blocks blk_picinit: $nblk blocks with $blk_io of $nio IO instructions per sequence, $early early ends" "$out/blk_picinit-on.log"
	fi
fi

# blk_hits: the loop's block came from the table (HOT_ROUNDS - 1 hits at least)
if [ -f "$out/blk_hits-on.log" ]; then
	hits=$(stat blk_hits-on 's["blocks"]["hits"]')
	if [ -n "$hits" ] && [ "$hits" -ge 999 ]; then
		ok "bochs_blocks blk_hits: $hits table hits"
	else
		not_ok "bochs_blocks blk_hits: only ${hits:-no} table hits for a block run 1000 times" "$out/blk_hits-on.log"
	fi
fi

# blk_smc: rewritten blocks were caught by the byte compare, stores into a block ended it
if [ -f "$out/blk_smc-on.log" ]; then
	mism=$(stat blk_smc-on 's["blocks"]["mismatches"]'); early=$(stat blk_smc-on 's["blocks"]["early_ends"]')
	if [ -n "$mism" ] && [ "$mism" -ge 5 ] && [ -n "$early" ] && [ "$early" -ge 1 ]; then
		ok "bochs_blocks blk_smc: $mism cached blocks found rewritten, $early blocks ended before a store into themselves"
	else
		not_ok "bochs_blocks blk_smc: ${mism:-no} mismatches, ${early:-no} early ends" "$out/blk_smc-on.log"
	fi
fi

# blk_pagecross: the block that runs into the next page is cut at the page with extent=page
# and crosses with extent=cpu (once the page is mapped)
if [ -f "$out/blk_pagecross-on.log" ]; then
	from=$(symbol blk_pagecross blk_pc_run); to=$(symbol blk_pagecross blk_pc_run_end)
	read -r n_page _ x_page <<< "$(blocks_in blk_pagecross-on "$from" "$to")"
	read -r n_cpu _ x_cpu <<< "$(blocks_in blk_pagecross-cpu "$from" "$to")"
	expect_code "${x_page:-none}" 0 "bochs_blocks blk_pagecross: no block crosses the page with extent=page ($n_page blocks)"
	if [ -n "$x_cpu" ] && [ "$x_cpu" -ge 1 ]; then
		ok "bochs_blocks blk_pagecross-cpu: a block crosses into the next page with extent=cpu"
	else
		not_ok "bochs_blocks blk_pagecross-cpu: no block crosses the page with extent=cpu" "$out/blk_pagecross-cpu.log"
	fi
fi
expect_no_entry_failure "$out" "bochs_blocks: no unexpected VM entry failure"
exit 0
