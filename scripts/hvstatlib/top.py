"""`hvstat top SOURCE`: a live view of a run, refreshed at each stats line (kvm_stat's shape).
SOURCE: a log file (followed while it grows), a serial device (115200 baud) or `-` (standard
input). Curses where standard input and output are a terminal, plain text blocks otherwise."""
import os
import select
import stat
import sys
import time

from .parse import Log, LogError

POLL_S = 0.2
SERIAL_BAUD = 115200
TOP_N = 8


def _rate(delta, dt):
    if delta is None:
        return "-"
    return f"{delta / dt:,.0f}/s" if dt else f"+{delta:,}"


def screen(log, source):
    """The view as text lines, from the Log's stats records so far."""
    out = [f"hvstat top: {source}   (q quits)"]
    s = log.last()
    if s is None:
        out.append(f"waiting for a '[hv] stats' line ({log.lines} lines read)")
        out.extend(log.warnings[-2:])
        return out
    prev = log.stats[-2] if len(log.stats) > 1 else None
    t, tp = log.seconds(s), log.seconds(prev) if prev else None
    dt = (t - tp) if t is not None and tp is not None and t > tp else None
    when = f"guest time {t:.1f} s" if t is not None else "no timestamp in this stats format"
    out.append(f"stats line {len(log.stats)} ({s.kind}, format {s.version}), {when}; "
               + (f"rates over the last {'%.2f s' % dt if dt else 'interval (as +count)'}" if prev else "totals"))
    out.append("")
    out.append(f"{'exit reason':<34}{'total':>14}{'rate':>14}{'root TSC/exit':>15}")
    for reason, n in sorted(s.by_reason.items(), key=lambda kv: -kv[1]):
        d = n - prev.by_reason.get(reason, 0) if prev else None
        tsc = (s.reason_tsc or {}).get(reason)
        per = f"{tsc // n:,}" if tsc is not None and n else "-"
        out.append(f"{reason:<34}{n:>14,}{_rate(d, dt):>14}{per:>15}")
    out.append(f"{'all':<34}{s.exits:>14,}{_rate(s.exits - prev.exits if prev else None, dt):>14}")
    out.append("")
    ratio = s.io_exits_per_io()
    out.append(f"IO instructions {s.io_instructions:,}   IO exits {s.io_exits:,}   "
               f"IO exits per IO instruction {'-' if ratio is None else '%.3f' % ratio}")
    b = s.blocks
    if b["runs"] is not None:
        out.append(f"blocks {'on' if s.block_io else 'off'}: {b['runs']:,} runs, {b['hits']:,} hits, "
                   f"{b['misses']:,} misses, {b['mismatches']:,} mismatches, "
                   f"{s.io_instructions - s.io_exits:,} exits saved")
    if s.ports:
        out.append("")
        out.append(f"{'port':<10}{'in':>12}{'out':>12}{'exits':>12}{'in blocks':>12}")
        for p in sorted(s.ports, key=lambda p: -(p.get("in", 0) + p.get("out", 0)))[:TOP_N]:
            out.append(f"{str(p.get('port')):<10}{p.get('in', 0):>12,}{p.get('out', 0):>12,}"
                       f"{p.get('exits', 0):>12,}{p.get('in_blocks', 0):>12,}")
    if s.top_blocks:
        out.append("")
        out.append(f"{'block at':<20}{'IO/run':>8}{'hits':>12}{'misses':>8}{'mism.':>7}{'early':>7}{'TSC/run':>10}")
        for k in s.top_blocks[:TOP_N]:
            out.append(f"{str(k.get('rip')):<20}{k.get('io', 0):>8}{k.get('hits', 0):>12,}{k.get('misses', 0):>8}"
                       f"{k.get('mismatches', 0):>7}{k.get('early_ends', 0):>7}{k.get('tsc_per_run', 0):>10,}")
    if log.exit_line:
        out.append("")
        out.append(log.exit_line)
    return out


class Source:
    """Lines from a followed file, a serial device or standard input; None when idle."""

    def __init__(self, name, follow):
        self.name, self.follow, self.serial, self.buf, self.eof = name, follow, None, b"", False
        if name == "-":
            self.fd = sys.stdin.buffer.raw.fileno() if hasattr(sys.stdin.buffer, "raw") else 0
            self.file = None
            return
        try:
            st = os.stat(name)
        except OSError as e:
            raise LogError(f"{name}: {e.strerror}") from None
        if stat.S_ISCHR(st.st_mode):
            try:
                import serial
            except ImportError:
                raise LogError("reading a serial device needs pyserial (scripts/deps.sh installs python3-serial)") from None
            try:
                self.serial = serial.Serial(name, SERIAL_BAUD, timeout=POLL_S)
            except (serial.SerialException, OSError) as e:
                raise LogError(f"{name}: cannot open at {SERIAL_BAUD} baud: {e}") from None
            self.file = None
            return
        try:
            self.file = open(name, "rb")
        except OSError as e:
            raise LogError(f"{name}: {e.strerror}") from None

    def _chunk(self):
        if self.serial is not None:
            return self.serial.read(4096) or None
        if self.file is not None:
            data = self.file.read(65536)
            if not data:
                if not self.follow:
                    self.eof = True
                time.sleep(POLL_S)
                return None
            return data
        r, _, _ = select.select([self.fd], [], [], POLL_S)
        if not r:
            return None
        data = os.read(self.fd, 65536)
        if not data:
            self.eof = True
            return None
        return data

    def lines(self):
        """Yields str lines as they complete, None after each idle poll, ends at end of input."""
        while not self.eof:
            data = self._chunk()
            if data is None:
                yield None
                continue
            self.buf += data
            *done, self.buf = self.buf.split(b"\n")
            for raw in done:
                yield raw.decode("utf-8", errors="replace")
        if self.buf:
            yield self.buf.decode("utf-8", errors="replace")


def _plain(src, log):
    shown = 0
    for line in src.lines():
        if line is None:
            continue
        log.feed(line)
        if len(log.stats) != shown:
            shown = len(log.stats)
            print("\n".join(screen(log, src.name)), flush=True)
            print(flush=True)
        if log.exit_line:
            print(log.exit_line, flush=True)
            return


def _curses(src, log):
    import curses

    def loop(win):
        curses.curs_set(0)
        win.nodelay(True)
        dirty = True
        for line in src.lines():
            if line is not None:
                n = len(log.stats)
                log.feed(line)
                dirty = dirty or len(log.stats) != n or log.exit_line is not None
            if dirty:
                win.erase()
                h, w = win.getmaxyx()
                for y, text in enumerate(screen(log, src.name)[:h]):
                    win.addnstr(y, 0, text, w - 1)
                win.refresh()
                dirty = False
            if log.exit_line:
                return
            key = win.getch()
            if key in (ord("q"), ord("Q")):
                return
            if key == curses.KEY_RESIZE:
                dirty = True

    curses.wrapper(loop)
    print("\n".join(screen(log, src.name)))  # the last view stays on the terminal


def run(source, follow=True, plain=False):
    log = Log(source)
    src = Source(source, follow)
    tty = sys.stdout.isatty() and sys.stdin.isatty() and source != "-"
    if tty and not plain:
        _curses(src, log)
    else:
        _plain(src, log)
    for w in log.warnings:
        print(f"hvstat: warning: {w}", file=sys.stderr)
    log.require_stats()  # with no usable stats line: says why
    return 0
