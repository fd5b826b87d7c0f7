"""Reading microhv serial logs: the `[hv] stats {json}` lines, the `[hv] exit:` line, the TSC
frequency and `trace=io` records, from any of the stats formats microhv has printed.

Formats (README "Exit statistics"):
  0  exits, io_instructions, io_exits, by_reason                     (no "version" field)
  1  + irqs_injected, halted_exits, root_tsc, block_io, blocks{...}   (no "version" field)
  2  "version":2 + kind, seq, host_tsc, guest_tsc, reason_tsc, ports, top_blocks
Every record is normalised to the newest shape; what an older format lacks is None.
"""
import json
import re

STATS_TAG = "[hv] stats "
EXIT_RE = re.compile(r"\[hv\] exit: code=(\d+)(.*)")
TSC_RE = re.compile(r"\[hv\] tsc: ([0-9.]+) MHz")
TRACE_RE = re.compile(r"\[hv\] tio ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([124])([io])([xb])\s*$")
NEWEST_VERSION = 2
COUNTERS = ("exits", "io_instructions", "io_exits", "irqs_injected", "halted_exits", "root_tsc")
BLOCK_COUNTERS = ("runs", "insns", "io_in_blocks", "non_io_insns", "singles", "hits", "misses",
                  "mismatches", "early_ends", "followed")


class LogError(Exception):
    """A log hvstat cannot use: the message says why, for the user."""


class Stats:
    """One stats line, normalised. Counters are cumulative since the guest started."""

    def __init__(self, lineno, raw):
        self.lineno = lineno
        self.raw = raw
        self.version = raw.get("version", 1 if "blocks" in raw else 0)
        self.kind = raw.get("kind", "final")
        self.seq = raw.get("seq")
        self.host_tsc = raw.get("host_tsc")
        self.guest_tsc = raw.get("guest_tsc")
        self.guest_ns = raw.get("guest_ns")
        for k in COUNTERS:
            setattr(self, k, raw.get(k))
        self.block_io = raw.get("block_io")
        b = raw.get("blocks") or {}
        self.blocks = {k: b.get(k) for k in BLOCK_COUNTERS}
        self.io_hist = b.get("io_hist")
        self.by_reason = dict(raw.get("by_reason") or {})
        self.reason_tsc = raw.get("reason_tsc")
        self.ports = raw.get("ports")
        self.top_blocks = raw.get("top_blocks")

    def io_exits_per_io(self):
        if self.io_exits is None or not self.io_instructions:
            return None
        return self.io_exits / self.io_instructions


class Log:
    """Everything hvstat reads from one serial log (or a live stream, fed line by line)."""

    def __init__(self, name):
        self.name = name
        self.stats = []
        self.exit_line = None
        self.exit_code = None
        self.tsc_mhz = None
        self.trace = []  # (guest_tsc, rip, port, size, direction, 'x' exit / 'b' block)
        self.warnings = []
        self.lines = 0
        self.last_stats_lineno = None  # the last line that held a stats tag, usable or not
        self.options = None

    def feed(self, line):
        """Takes one line of the log (str, without its end of line)."""
        self.lines += 1
        line = line.replace("\r", "")
        at = line.find(STATS_TAG + "{")
        if at >= 0:
            self.last_stats_lineno = self.lines
            self._stats_line(line[at + len(STATS_TAG):])
            return
        m = EXIT_RE.search(line)
        if m:
            self.exit_code, self.exit_line = int(m.group(1)), line[m.start():].strip()
            return
        m = TSC_RE.search(line)
        if m:
            self.tsc_mhz = float(m.group(1))
            return
        m = TRACE_RE.search(line)
        if m:
            t, rip, port, size, d, how = m.groups()
            self.trace.append((int(t, 16), int(rip, 16), int(port, 16), int(size), d, how))
            return
        at = line.find("[hv] options: ")
        if at >= 0:
            self.options = dict(w.split("=", 1) for w in line[at + 14:].split() if "=" in w)

    def _stats_line(self, text):
        try:
            raw, _ = json.JSONDecoder().raw_decode(text)
        except ValueError as e:
            self.warnings.append(f"{self.name}:{self.lines}: stats line is not complete JSON "
                                 f"({e.msg} at column {e.pos}): skipped (a truncated log?)")
            return
        problem = check(raw)
        if problem:
            self.warnings.append(f"{self.name}:{self.lines}: stats line skipped: {problem}")
            return
        self.stats.append(Stats(self.lines, raw))

    def last(self):
        return self.stats[-1] if self.stats else None

    def final_raw(self):
        """The JSON of the log's last stats line, or None when that line is not usable (a
        truncated run must not pass for its last periodic line)."""
        s = self.last()
        return s.raw if s is not None and s.lineno == self.last_stats_lineno else None

    def seconds(self, s):
        """Guest time of a stats record in seconds, or None without a timestamp."""
        if isinstance(s.guest_ns, int):
            return s.guest_ns / 1e9
        if s.guest_tsc is None or not self.tsc_mhz:
            return None
        return s.guest_tsc / (self.tsc_mhz * 1e6)

    def require_stats(self):
        if not self.stats:
            why = f"{len(self.warnings)} skipped, see the warnings" if self.warnings else \
                "is this a microhv serial log? (microhv prints one at the end of every run)"
            raise LogError(f"{self.name}: no usable '[hv] stats {{...}}' line in {self.lines} lines: {why}")
        return self.stats[-1]


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def check(raw):
    """None when raw has the shape of some stats format, else what is wrong with it."""
    if not isinstance(raw, dict):
        return "not a JSON object"
    version = raw.get("version", 0)
    if not _is_count(version):
        return f"bad version {version!r}"
    if version > NEWEST_VERSION:
        return f"stats format version {version} is newer than this hvstat knows ({NEWEST_VERSION})"
    for k in COUNTERS[:3]:
        if not _is_count(raw.get(k)):
            return f"field '{k}' missing or not a count"
    for k in COUNTERS[3:]:
        if k in raw and not _is_count(raw[k]):
            return f"field '{k}' is not a count"
    br = raw.get("by_reason")
    if not isinstance(br, dict) or not all(isinstance(k, str) and _is_count(v) for k, v in br.items()):
        return "field 'by_reason' missing or not an object of counts"
    b = raw.get("blocks")
    if b is not None:
        if not isinstance(b, dict) or not all(_is_count(b[k]) for k in BLOCK_COUNTERS if k in b):
            return "field 'blocks' is not an object of counts"
        h = b.get("io_hist")
        if h is not None and not (isinstance(h, list) and all(_is_count(x) for x in h)):
            return "field 'blocks.io_hist' is not a list of counts"
    for k in ("seq", "guest_ns", "host_tsc", "guest_tsc"):
        if k in raw and not _is_count(raw[k]):
            return f"field '{k}' is not a count"
    for k in ("reason_tsc",):
        if k in raw and not (isinstance(raw[k], dict) and all(_is_count(v) for v in raw[k].values())):
            return f"field '{k}' is not an object of counts"
    if "ports" in raw and not (isinstance(raw["ports"], list) and all(isinstance(p, dict) for p in raw["ports"])):
        return "field 'ports' is not a list of objects"
    if "top_blocks" in raw and not (isinstance(raw["top_blocks"], list)
                                    and all(isinstance(p, dict) for p in raw["top_blocks"])):
        return "field 'top_blocks' is not a list of objects"
    return None


def read_log(path):
    """Reads a whole log file into a Log; a file that is not there or not readable is a LogError."""
    log = Log(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LogError(f"{path}: cannot read: {e.strerror}") from None
    if b"\0" in data[:4096] and STATS_TAG.encode() not in data:
        raise LogError(f"{path}: binary data, not a serial log")
    for line in data.decode("utf-8", errors="replace").split("\n"):
        log.feed(line)
    return log
