#!/usr/bin/env python3
"""Writes the ACPI table blobs of tests/unit/test_acpi.c (issue 13 section 1).

QEMU builds no SPCR table for x86 machines (its SPCR is built for Arm and RISC-V virt only), so
the tables are crafted here from the specifications: ACPI 6.5 chapter 5.2 (RSDP, RSDT, XSDT,
FADT), the Microsoft SPCR specification (table 3), the IA-PC HPET specification 1.0a (3.2.4).

Each .bin file is a window of physical memory starting at BASE (below): the RSDP is at BASE,
every address inside the tables is a physical address in that window. Checksums are computed,
so a blob is valid as written; the tests corrupt copies of it. Run: python3 gen_acpi.py (in this
folder); the output is deterministic.
"""
import struct
import sys
from pathlib import Path

BASE = 0x000E0000
OEM = b"MICRHV"


def checksum_fix(buf, off):
    """Sets buf[off] so that the bytes of buf sum to 0 (mod 256)."""
    buf[off] = 0
    buf[off] = (-sum(buf)) & 0xFF


def sdt(sig, revision, body):
    """A system description table: the 36-byte header, then body, checksum at byte 9."""
    length = 36 + len(body)
    hdr = struct.pack("<4sIBB6s8sI4sI", sig, length, revision, 0, OEM, b"MICROHVT", 1, b"MHVG", 1)
    t = bytearray(hdr + body)
    checksum_fix(t, 9)
    return t


def gas(space, bit_width, bit_offset, access, address):
    return struct.pack("<BBBBQ", space, bit_width, bit_offset, access, address)


def spcr(iface, gas_bytes, baud_code):
    body = struct.pack("<B3s", iface, b"\0\0\0") + gas_bytes
    body += struct.pack("<BBIBBBBBB", 1, 4, 4, baud_code, 0, 1, 0, 0, 0)  # IRQ 4, 8N1, no flow, VT100
    body += struct.pack("<HHBBBIB", 0xFFFF, 0xFFFF, 0, 0, 0, 0, 0)  # not a PCI device
    body += struct.pack("<I", 0)  # UART clock frequency (revision 3), 0 = unknown
    assert 36 + len(body) == 80, len(body)
    return sdt(b"SPCR", 2, body)


def hpet(base):
    body = struct.pack("<I", 0x8086A201) + gas(0, 64, 0, 0, base) + struct.pack("<BHB", 0, 0x80, 0)
    return sdt(b"HPET", 1, body)


def fadt(pm_tmr_blk, tmr_val_ext, x_pm_tmr):
    body = bytearray(276 - 36)
    struct.pack_into("<I", body, 76 - 36, pm_tmr_blk)
    struct.pack_into("<I", body, 112 - 36, (1 << 8) if tmr_val_ext else 0)
    if x_pm_tmr:
        body[208 - 36:220 - 36] = gas(1, 32, 0, 3, x_pm_tmr)
    return sdt(b"FACP", 6, bytes(body))


def image(tables, revision):
    """RSDP at BASE, then the tables, then an RSDT and (revision 2) an XSDT naming them."""
    mem = bytearray(64)  # room for the RSDP
    addrs = []
    for t in tables:
        while len(mem) % 16:
            mem.append(0)
        addrs.append(BASE + len(mem))
        mem += t
    while len(mem) % 16:
        mem.append(0)
    rsdt_addr = BASE + len(mem)
    mem += sdt(b"RSDT", 1, b"".join(struct.pack("<I", a) for a in addrs))
    xsdt_addr = 0
    if revision >= 2:
        while len(mem) % 16:
            mem.append(0)
        xsdt_addr = BASE + len(mem)
        mem += sdt(b"XSDT", 1, b"".join(struct.pack("<Q", a) for a in addrs))
    rsdp = bytearray(struct.pack("<8sB6sBI", b"RSD PTR ", 0, OEM, revision, rsdt_addr))
    checksum_fix(rsdp, 8)
    if revision >= 2:
        rsdp += struct.pack("<IQB3s", 36, xsdt_addr, 0, b"\0\0\0")
        checksum_fix(rsdp, 32)
    mem[0:len(rsdp)] = rsdp
    return bytes(mem)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    blobs = {
        # a PC with its console on COM2 at 115200 (what a server BIOS with serial redirection says)
        "spcr_io_xsdt.bin": image([fadt(0x608, True, 0x608), hpet(0xFED00000),
                                   spcr(0x00, gas(1, 8, 0, 1, 0x2F8), 7)], 2),
        # an Intel LPSS-style MMIO 16550 with 32-bit registers, ACPI 1.0 (RSDT only), baud as is
        "spcr_mmio32_rsdt.bin": image([fadt(0xB008, False, 0), spcr(0x12, gas(0, 32, 0, 3, 0xFE032000), 0)], 0),
        # a laptop: no SPCR, no HPET table
        "no_spcr.bin": image([fadt(0x1808, True, 0)], 2),
    }
    for name, data in blobs.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
