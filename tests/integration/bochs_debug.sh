#!/usr/bin/env bash
# `make debug`: Bochs's debugger stops before the first instruction with microhv's symbols loaded
# and takes commands from standard input: a break at the guest's entry RIP (in VMX non-root
# mode, through EPT), a break at dispatch_exit (shown by name), a VM-exit break, then q.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/debug
mkdir -p "$out"
sym() { nm "$BUILD/microhv.elf" | awk -v f="$1" '$3 == f { print $1 }'; }
entry=$(readelf -h "$BUILD/guest/tests/hello.elf" | awk '/Entry point/ { print $4 }')
printf 'lb %s\nc\nlb 0x%s\nc\nvmexitbp\nc\nq\n' "$entry" "$(sym dispatch_exit)" >"$out/cmds"
start=$(date +%s)
timeout 200 make -s -C "$root" debug GUEST=hello TIMEOUT=180 BUILD="$BUILD" <"$out/cmds" >"$out/debug.out" 2>&1
rc=$?
expect_code "$rc" 0 "make debug ends on the debugger's q (in $(( $(date +%s) - start ))s)" "$out/debug.out"
expect_line "$out/debug.out" '^run-bochs: Bochs debugger, stopped before the first instruction; [0-9]+ symbols' "make debug: symbols loaded"
expect_line "$out/debug.out" "^run-bochs:   lb 0x$(sym vmx_exit_point) +breaks at vmx_exit_point" "make debug: prints where to break at a VM exit"
expect_line "$out/debug.out" '^Next at t=0$' "make debug: stopped before the first instruction"
expect_line "$out/debug.out" "Breakpoint 1, 0x0*${entry#0x} in" "break at the guest's entry RIP"
expect_line "$out/debug.out" '^\(0\) Breakpoint 2, .*' "break at dispatch_exit"
expect_line "$out/debug.out" '\(dispatch_exit\+0\): push rbp' "break at dispatch_exit: shown by name (ldsym)"
expect_line "$out/debug.out" '\(vmx_exit_point\+0\)' "vmexitbp stops at microhv's exit point"
expect_no_line "$out/debug.out" 'syntax error' "every command accepted"
