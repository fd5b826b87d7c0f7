#!/usr/bin/env python3
"""rfb-wait.py PID: waits until the process PID or one of its descendants (Bochs under
`timeout`) listens on a TCP port -- Bochs's RFB display server, the only socket it listens on
when COM1 goes to a file -- or until that process tree has ended.

Exit status 0: a listening socket was seen; 1: the tree ended first; 2: neither within
--timeout seconds (default 20).

Why: Bochs 2.7's RFB thread sets SO_REUSEADDR, then binds port 5900 and listens; when two
Bochs processes start together both binds can succeed before either listens, the second
listen fails, and that socket, already bound, then fails every later bind: Bochs stops with
"RFB could not bind any port between 5900 and 5949". scripts/lib.sh (bochs_launch) starts
Bochs under a host-wide lock and holds it until this script returns, so no two binds race.
With COM1 in socket-server mode Bochs also listens on COM1's port; it opens that before the
display starts, so a listening socket seen here does not prove the display is up: the caller
passes --port-range to count only the display's ports.
"""
import argparse
import os
import sys
import time


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree(pid):
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo += children(p)
    return seen


def socket_inodes(pids):
    inodes = set()
    for p in pids:
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def listening_ports(inodes):
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # fields: sl local_address rem_address st ... inode (the 10th)
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pid", type=int)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--port-range", default="5900-5949")
    a = ap.parse_args()
    lo, hi = (int(x) for x in a.port_range.split("-"))
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        if not alive(a.pid):
            return 1
        if any(lo <= p <= hi for p in listening_ports(socket_inodes(tree(a.pid)))):
            return 0
        time.sleep(0.02)
    return 2


if __name__ == "__main__":
    sys.exit(main())
