#!/usr/bin/env python3
"""microhv's machine statistics line, read from a serial log, for the tests and the benchmarks:
a thin front of hvstatlib/parse.py, the one reader of '[hv] stats {json}' lines (DESIGN.md
section 5; hvstat uses the same).

As a module: last_stats(path) is the last stats line of the log as a dict, or None (no such
line, or the last one is not usable: truncated JSON, not the shape of any stats format);
need_stats(path) the same, ending the program with a message where there is none.
As a command: hv_stats.py LOG [EXPR] prints that line's JSON, or the Python expression EXPR
over it as s (e.g. 's["io_exits"]'); it prints nothing, with status 1, when the log has no
stats line or EXPR fails.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hvstatlib.parse import LogError, read_log  # noqa: E402


def last_stats(path):
    try:
        return read_log(path).final_raw()
    except LogError:
        return None


def need_stats(path):
    """last_stats(path), or the program ends with a message naming the log."""
    s = last_stats(path)
    if s is None:
        sys.exit(f"bench: no stats line in {path}")
    return s


def main(argv):
    s = last_stats(argv[1])
    if s is None:
        return 1
    if len(argv) < 3:
        print(json.dumps(s))
        return 0
    try:
        print(eval(argv[2], {"s": s}))
    except Exception:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
