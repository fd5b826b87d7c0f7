#!/usr/bin/env python3
"""The guest's serial line for an emulator whose COM1 is a TCP server on localhost.

Everything the emulator sends goes to the log file (and to the terminal with --console);
bytes typed on the terminal (--stdin) and scripted input (--send 'REGEX=>TEXT': once the
transcript so far matches REGEX, TEXT is sent, with \\n and other escapes decoded) go to the
emulator. Ends when the emulator closes the connection, or after --timeout seconds.
Loopback only: it connects to 127.0.0.1.

With --pid (the emulator's process, or the `timeout` wrapper around it) the bridge also ends
within about a second when that process ends without the line closing: before the emulator
listens (it died at start: a bad bochsrc, a missing library, an abort) or while the line stays
open. It then exits with status 3 and a message that quotes the last lines of the files named
by --emulator-output (the emulator's own stdout/stderr and log).
Exit status: 0 the emulator closed the line; 1 nothing listened before --timeout, or bad
arguments; 3 the emulator ended first (or reset the line).
"""
import argparse
import codecs
import os
import re
import select
import socket
import sys
import time

EMULATOR_ENDED = 3  # exit status: the emulator ended (or reset the line) before closing it
POLL_S = 0.2  # how often the connect loop and the main loop look at the emulator
DRAIN_S = 1.0  # once the emulator has ended, how long its last bytes may take to arrive
TAIL_LINES = 15  # lines quoted from each of the emulator's output files
TAIL_BYTES = 65536


def alive(pid):
    """Whether process pid still runs (a zombie, ended but not yet reaped, counts as ended)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - TAIL_BYTES))
            lines = f.read().decode("latin-1").splitlines()
    except OSError as e:
        return [f"({e.strerror})"]
    return lines[-TAIL_LINES:] or ["(empty)"]


def emulator_ended(a, what):
    """Ends the bridge with a message that says what happened and quotes the emulator."""
    who = f"the emulator (pid {a.pid})" if a.pid is not None else "the emulator"
    msg = [f"serial-bridge: {who} {what}"]
    for path in a.emulator_output:
        msg.append(f"--- last lines of {path}:")
        msg += ["    " + line for line in tail(path)]
    sys.stderr.write("\n".join(msg) + "\n")
    sys.exit(EMULATOR_ENDED)


def connect(a, deadline):
    while time.time() < deadline:
        if not alive(a.pid):
            emulator_ended(a, f"ended before its serial port listened on 127.0.0.1:{a.port}")
        try:
            return socket.create_connection(("127.0.0.1", a.port), timeout=1)
        except OSError:
            time.sleep(POLL_S)
    sys.exit(f"serial-bridge: nothing listens on 127.0.0.1:{a.port}")


def relay(sock, a, sends, deadline, log):
    """Moves bytes both ways until the emulator closes the line (returns) or ends (exits)."""
    seen = ""  # the transcript not yet matched by a scripted send
    ended_at = None  # when the emulator was first seen ended with the line still open
    while time.time() < deadline:
        fds = [sock] + ([0] if a.stdin else [])
        ready, _, _ = select.select(fds, [], [], POLL_S)
        if sock in ready:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                data = None
            if data == b"":
                return
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
        if ended_at is None and not alive(a.pid):
            ended_at = time.time()  # its last bytes may still be on the way: drain them
        if ended_at is not None and time.time() - ended_at > DRAIN_S:
            emulator_ended(a, "ended, but its serial line stayed open")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--console", action="store_true")
    ap.add_argument("--stdin", action="store_true")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--pid", type=int, help="the emulator's process: end when it ends")
    ap.add_argument("--emulator-output", action="append", default=[],
                    help="a file of the emulator's own output, quoted when it ends (repeatable)")
    a = ap.parse_args()
    deadline = time.time() + a.timeout
    sends = []
    for s in a.send:
        regex, sep, text = s.partition("=>")
        if not sep:
            sys.exit(f"serial-bridge: --send needs 'REGEX=>TEXT', got {s!r}")
        sends.append((re.compile(regex, re.M), codecs.decode(text, "unicode_escape").encode("latin-1")))
    sock = connect(a, deadline)
    sock.setblocking(False)
    tty_state = None
    if a.stdin and os.isatty(0):
        import termios
        import tty
        tty_state = termios.tcgetattr(0)
        tty.setcbreak(0)  # keys go to the guest as they are typed; ^C still stops the run
    try:
        with open(a.log, "ab", buffering=0) as log:
            relay(sock, a, sends, deadline, log)
    except (ConnectionResetError, BrokenPipeError):
        emulator_ended(a, "reset the serial line (it ended or failed)")
    finally:
        if tty_state is not None:
            import termios
            termios.tcsetattr(0, termios.TCSADRAIN, tty_state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
