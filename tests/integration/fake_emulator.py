#!/usr/bin/env python3
"""A stand-in for an emulator whose COM1 is a TCP server on 127.0.0.1, for the tests of
scripts/serial-bridge.py (tests/integration/host_independent.sh). Its own output goes to stdout,
as an emulator's would; the test kills it (or it dies by itself) and checks the bridge.
  fake_emulator.py die PORT       never listens; prints a last line and exits with status 1
  fake_emulator.py close PORT     accepts, sends a line, then waits to be killed
  fake_emulator.py hold PORT PIDFILE  as close, but a child process keeps the accepted
                                  connection open after the fake is killed (its pid in PIDFILE)
  fake_emulator.py noaccept PORT  listens but never accepts, and waits to be killed
"""
import socket
import subprocess
import sys
import time

WAIT_S = 60  # how long a fake waits to be killed; the tests kill it within seconds
DIE_AFTER_S = 1.0


def say(text):
    print(f"fake emulator: {text}", flush=True)


def listen(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    say(f"listening on 127.0.0.1:{port}")
    return srv


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "die":
        say("starting")
        time.sleep(DIE_AFTER_S)
        say("cannot open its serial port: giving up")
        return 1
    srv = listen(port)
    if mode == "noaccept":
        time.sleep(WAIT_S)
        return 0
    conn, _ = srv.accept()
    conn.sendall(b"guest: hello from the fake\r\n")
    say("guest line sent")
    if mode == "hold":
        holder = subprocess.Popen(["sleep", str(WAIT_S)], pass_fds=[conn.fileno()])
        with open(sys.argv[3], "w") as f:
            f.write(f"{holder.pid}\n")
    time.sleep(WAIT_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
