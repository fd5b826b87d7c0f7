# The block-IO units (DESIGN.md section 3): block dispatch, scanner, hash, table, RIP update and
# the call-following recorder. They need EMUL_SRCS and VCPU_SRCS beside them.
BLOCKIO_SRCS := dispatcher/blockio/block_dispatch.c dispatcher/blockio/scanner.c dispatcher/blockio/hash.c \
	dispatcher/blockio/table.c dispatcher/blockio/rip_update.c dispatcher/blockio/follow.c dispatcher/blockio/replay.c
BLOCKIO_SRCS += dispatcher/blockio/block_top.c
BLOCKIO_SRCS += dispatcher/blockio/replay_prepare.c
BLOCKIO_SRCS += dispatcher/blockio/block_code.c
BLOCKIO_SRCS += dispatcher/blockio/block_policy.c
BLOCKIO_SRCS += dispatcher/blockio/replay_fetch.c
BLOCKIO_SRCS += dispatcher/blockio/replay_mem.c
