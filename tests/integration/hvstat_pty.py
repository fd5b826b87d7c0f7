#!/usr/bin/python3
"""Runs `hvstat top LOG` on a pseudo-terminal (so it takes its curses path) while feeding LOG
line by line from SOURCE, as a run in progress writes its serial log; prints what the terminal
showed, escape sequences removed, and exits with hvstat's status (124 when it did not end).
Usage: hvstat_pty.py HVSTAT SOURCE LOG [DELAY_S]"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import threading
import time

ROWS, COLS = 40, 120
LIMIT_S = 30


def feed(source, log, delay):
    with open(source, "rb") as src, open(log, "wb") as out:
        for line in src:
            out.write(line)
            out.flush()
            time.sleep(delay)


def main():
    hvstat, source, log = sys.argv[1:4]
    delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
    open(log, "wb").close()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(hvstat, [hvstat, "top", log])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    writer = threading.Thread(target=feed, args=(source, log, delay), daemon=True)
    writer.start()
    seen, end = b"", time.time() + LIMIT_S
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            seen += data
        elif os.waitpid(pid, os.WNOHANG)[0]:
            break
    else:
        os.kill(pid, 9)
        print(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", seen.decode(errors="replace")))
        sys.exit(124)
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", seen.decode(errors="replace"))
    print(text.replace("\r", ""))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
