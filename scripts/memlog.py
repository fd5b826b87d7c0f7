#!/usr/bin/env python3
"""Prints microhv's in-memory console log from a memory dump (README: Real hardware, Console).

The core keeps the last 64 KiB of its console output in a ring in host RAM and prints its
physical address at start ("[hv] console: in-memory log ... at physical 0xADDR"). RAM keeps
its contents across a warm reset, so after one the log can be read, e.g. from a Linux booted
with that page reserved (memmap=...$...) as root:

    dd if=/dev/mem of=log.bin bs=4096 skip=$((ADDR / 4096)) count=18
    scripts/memlog.py log.bin --offset $((ADDR % 4096))

or from any dump of physical memory (a QEMU "dump-guest-memory", a firmware shell's "dmem"):
given no offset, the file is searched for the log's header. Layout (arch/memlog.h), little
endian: u64 magic "mhvLOG01", u64 size, u64 written, u64 self (its physical address), then
size bytes of ring; byte i of the output is at data[i % size].
"""
import argparse
import struct
import sys

MAGIC = b"mhvLOG01"
HEADER = struct.Struct("<8sQQQ")


def decode(buf, off):
    magic, size, written, self_addr = HEADER.unpack_from(buf, off)
    if magic != MAGIC or not 0 < size <= 1 << 24:
        raise ValueError("no microhv log header at offset %d" % off)
    data = buf[off + HEADER.size: off + HEADER.size + size]
    if len(data) < size:
        raise ValueError("the dump ends inside the log (%d of %d bytes)" % (len(data), size))
    held = min(written, size)
    start = written - held
    out = bytes(data[(start + i) % size] for i in range(held))
    return self_addr, written, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dump", help="a file holding the log's memory")
    ap.add_argument("--offset", type=lambda s: int(s, 0), help="where the header is in the file")
    a = ap.parse_args()
    buf = open(a.dump, "rb").read()
    offsets = [a.offset] if a.offset is not None else []
    if not offsets:
        i = buf.find(MAGIC)
        while i >= 0:
            offsets.append(i)
            i = buf.find(MAGIC, i + 1)
    for off in offsets:
        try:
            self_addr, written, out = decode(buf, off)
        except (ValueError, struct.error) as e:
            if a.offset is not None:
                sys.exit("memlog: %s" % e)
            continue
        sys.stderr.write("memlog: log at physical 0x%x, %d bytes written, last %d shown\n"
                         % (self_addr, written, len(out)))
        sys.stdout.buffer.write(out)
        return
    sys.exit("memlog: no microhv log header found")


if __name__ == "__main__":
    main()
