"""`hvstat report LOG [LOG2]`: the summary table of a run's last stats line; with two logs,
side by side with the ratio LOG2/LOG."""
import os


NO_RATIO = ("stats format version", "block IO")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def ratio(a, b):
    """b / a, or None where it has no meaning."""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or isinstance(a, bool) or not a:
        return None
    return b / a


def rows(s):
    """(label, value) pairs for one stats record; None where the format has no such figure."""
    b = s.blocks
    out = [
        ("stats format version", s.version),
        ("block IO", s.block_io),
        ("VM exits", s.exits),
        ("IO instructions", s.io_instructions),
        ("IO exits", s.io_exits),
        ("IO exits per IO instruction", s.io_exits_per_io()),
        ("interrupts injected", s.irqs_injected),
        ("halted exits", s.halted_exits),
        ("root-mode TSC ticks", s.root_tsc),
        ("root-mode TSC per exit", s.root_tsc / s.exits if s.root_tsc is not None and s.exits else None),
        ("block runs", b["runs"]),
        ("IO instructions in blocks", b["io_in_blocks"]),
        ("other instructions in blocks", b["non_io_insns"]),
        ("single IO exits", b["singles"]),
        ("table hits", b["hits"]),
        ("table misses", b["misses"]),
        ("table mismatches", b["mismatches"]),
        ("early ends", b["early_ends"]),
        ("exits saved by blocks", (s.io_instructions - s.io_exits) if s.io_exits is not None else None),
    ]
    for reason in sorted(s.by_reason):
        out.append((f"exits: {reason}", s.by_reason[reason]))
    for reason in sorted(s.reason_tsc or {}):
        out.append((f"root TSC: {reason}", s.reason_tsc[reason]))
    for p in s.ports or []:
        out.append((f"port {p.get('port', '?')} in+out / exits", f"{p.get('in', 0) + p.get('out', 0)} / {p.get('exits')}"))
    return out


def table(logs):
    """The report as a list of text lines, for one or two Logs."""
    recs = [log.require_stats() for log in logs]
    cols = [dict(rows(s)) for s in recs]
    labels = []
    for s in recs:
        for label, _ in rows(s):
            if label not in labels:
                labels.append(label)
    head = ["figure"] + [os.path.basename(log.name) for log in logs]
    if len(logs) == 2:
        head.append("ratio 2/1")
    body = []
    for label in labels:
        vals = [c.get(label) for c in cols]
        line = [label] + [fmt(v) for v in vals]
        if len(logs) == 2:
            line.append(fmt(ratio(vals[0], vals[1]) if label not in NO_RATIO else None))
        body.append(line)
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    out = []
    for log in logs:
        out.append(f"{log.name}: {log.exit_line or 'no [hv] exit: line (run cut short?)'}")
    for r in [head] + body:
        out.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    return out
