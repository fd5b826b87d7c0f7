# The instruction emulator's source list (DESIGN.md section 2), the one list every build site
# uses: the core (Makefile), the unit tests (tests/unit/unit.mk), the fuzz and differential
# harnesses (they ask `make -s print-EMUL_SRCS`). EMUL_SRCS needs VCPU_SRCS beside it.
EMUL_SRCS := dispatcher/emul/decode.c dispatcher/emul/decode_subset.c dispatcher/emul/interp.c \
	dispatcher/emul/interp_string.c dispatcher/emul/interp_stack.c dispatcher/emul/interp_fast.c
DECODE_SRCS := dispatcher/emul/decode.c dispatcher/emul/decode_subset.c
