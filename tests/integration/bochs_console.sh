#!/usr/bin/env bash
# The guest console is interactive: bytes typed on the physical serial line reach the guest's
# COM1 receiver with interrupts (guest echo), through scripts/serial-bridge.py.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/bochs_console
mkdir -p "$out"
l=$out/echo.log
"$root/scripts/run-bochs.sh" --guest "$BUILD/guest/tests/echo.elf" --cmdline "guest_mem=16M" --timeout 90 \
	--send 'echo: ready=>hello from the console\r' --send 'echo: ready=>quit\r' --log "$l" >"$out/echo.out" 2>&1
expect_code $? 0 "bochs console: echo guest ends with code 0" "$l"
expect_line "$l" "^echo: got 'hello from the console' \(22 bytes, with IRQ4\)$" "bochs console: a typed line reaches the guest through IRQ4"
expect_line "$l" "^echo: got 'quit' \(4 bytes, with IRQ4\)$" "bochs console: a second line too"
expect_line "$l" '"irqs_injected":[1-9]' "bochs console: interrupts were injected"
expect_no_entry_failure "$out" "bochs_console: no unexpected VM entry failure"
exit 0
