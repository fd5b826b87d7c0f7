#!/usr/bin/env bash
# libFuzzer harnesses of the decoder and the interpreter, FUZZ_SECONDS (default 20) each: see
# tests/fuzz/run.sh. Builds what it needs; prints TAP lines; exits 0.
"$(dirname "$0")/../fuzz/run.sh" "${FUZZ_SECONDS:-20}"
exit 0
