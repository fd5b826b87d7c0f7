#!/usr/bin/env python3
"""The guest's serial line for an emulator whose COM1 is a TCP server on localhost.

Everything the emulator sends goes to the log file (and to the terminal with --console);
bytes typed on the terminal (--stdin) and scripted input (--send 'REGEX=>TEXT': once the
transcript so far matches REGEX, TEXT is sent, with \\n and other escapes decoded) go to the
emulator. Ends when the emulator closes the connection, or after --timeout seconds.
Loopback only: it connects to 127.0.0.1.
"""
import argparse
import codecs
import os
import re
import select
import socket
import sys
import time


def connect(port, deadline):
    while time.time() < deadline:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.2)
    sys.exit(f"serial-bridge: nothing listens on 127.0.0.1:{port}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--console", action="store_true")
    ap.add_argument("--stdin", action="store_true")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    deadline = time.time() + a.timeout
    sends = []
    for s in a.send:
        regex, sep, text = s.partition("=>")
        if not sep:
            sys.exit(f"serial-bridge: --send needs 'REGEX=>TEXT', got {s!r}")
        sends.append((re.compile(regex, re.M), codecs.decode(text, "unicode_escape").encode("latin-1")))
    sock = connect(a.port, deadline)
    sock.setblocking(False)
    tty_state = None
    if a.stdin and os.isatty(0):
        import termios
        import tty
        tty_state = termios.tcgetattr(0)
        tty.setcbreak(0)  # keys go to the guest as they are typed; ^C still stops the run
    seen = ""  # the transcript not yet matched by a scripted send
    try:
        with open(a.log, "ab", buffering=0) as log:
            while time.time() < deadline:
                fds = [sock] + ([0] if a.stdin else [])
                ready, _, _ = select.select(fds, [], [], 0.5)
                if sock in ready:
                    try:
                        data = sock.recv(4096)
                    except BlockingIOError:
                        data = None
                    if data == b"":
                        break
                    if data:
                        log.write(data)
                        if a.console:
                            sys.stdout.buffer.write(data)
                            sys.stdout.buffer.flush()
                        seen += data.decode("latin-1").replace("\r", "")
                while sends:
                    m = sends[0][0].search(seen)
                    if not m:
                        break
                    sock.sendall(sends[0][1])
                    seen = seen[m.end():]
                    sends.pop(0)
                if a.stdin and 0 in ready:
                    keys = os.read(0, 1024)
                    if not keys:
                        a.stdin = False
                    else:
                        sock.sendall(keys)
    finally:
        if tty_state is not None:
            import termios
            termios.tcsetattr(0, termios.TCSADRAIN, tty_state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
