#!/usr/bin/env python3
"""Writes a directory tree as a cpio "newc" archive (the format of the kernel's initramfs), with
character devices that need no root to create. Owners are 0, mtimes 0, inodes numbered in
walk order: the same tree gives the same bytes.
Usage: cpio.py OUT DIR... [--dev NAME:MAJOR:MINOR:MODE ...]   (MODE in octal, e.g. dev/null:1:3:666)
The trees of several DIRs are merged (a folder they share is written once)."""
import os
import stat
import sys

MAGIC = b"070701"


def entries(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(dirpath, root)
        for n in dirs + sorted(files):
            path = os.path.join(dirpath, n)
            name = n if rel == "." else os.path.join(rel, n)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                yield name, stat.S_IFLNK | 0o777, os.readlink(path).encode(), 0, 0
            elif stat.S_ISDIR(st.st_mode):
                yield name, stat.S_IFDIR | 0o755, b"", 0, 0
            else:
                with open(path, "rb") as f:
                    yield name, stat.S_IFREG | (st.st_mode & 0o7777), f.read(), 0, 0


def main(argv):
    dest, args = argv[1], argv[2:]
    roots = args[:args.index("--dev")] if "--dev" in args else args
    devs = args[len(roots) + 1:]
    ents, seen = [], set()
    for root in roots:
        for e in entries(root):
            if e[0] not in seen:
                seen.add(e[0])
                ents.append(e)
    for d in devs:
        name, major, minor, mode = d.split(":")
        ents.append((name, stat.S_IFCHR | int(mode, 8), b"", int(major), int(minor)))
    ents.append(("TRAILER!!!", 0, b"", 0, 0))
    with open(dest, "wb") as out:
        pos = 0
        for ino, (name, mode, data, rmaj, rmin) in enumerate(ents, 1):
            n = name.encode() + b"\0"
            nlink = 2 if stat.S_ISDIR(mode) else 1
            fields = [0 if name == "TRAILER!!!" else ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(n), 0]
            head = MAGIC + b"".join(b"%08X" % v for v in fields) + n
            head += b"\0" * (-(pos + len(head)) % 4)
            body = data + b"\0" * (-len(data) % 4)
            out.write(head + body)
            pos += len(head) + len(body)


if __name__ == "__main__":
    main(sys.argv)
