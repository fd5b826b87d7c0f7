"""`hvstat bound LOG [--on LOG2]`: the cluster bound of a workload, from the `trace=io` records of
a block_io=off run: group consecutive IO instructions whose gap is at most N guest instructions;
no block method whose blocks span at most N instructions can have fewer exits than
  IO instructions - IO instructions in groups + groups.
Under Bochs with `clock: sync=none` the guest TSC counts guest instructions, so the gap between
two IO instructions is the difference of their guest TSC values."""
from .parse import LogError

GAPS = (5, 20, 50, 128, 512, 4096)
PAGE_EXTENT = 4096


def cluster_bound(tscs, n, overhead=0):
    """(groups, IO instructions in groups, bound exits) for gap limit n over sorted guest TSCs,
    each gap less overhead (the ticks an exit and entry add to the guest-mode clock)."""
    groups = in_groups = 0
    run = 1
    for prev, cur in zip(tscs, tscs[1:]):
        if cur - prev - overhead <= n:
            run += 1
            continue
        if run > 1:
            groups, in_groups = groups + 1, in_groups + run
        run = 1
    if run > 1 and tscs:
        groups, in_groups = groups + 1, in_groups + run
    return groups, in_groups, len(tscs) - in_groups + groups


def extent_of(log):
    """The scanner's extent in bytes from a log's options line (an extent of E bytes holds at most
    E instructions, so the bound at N=E is the limit for microhv's own extent)."""
    e = (log.options or {}).get("extent", "page")
    return int(e) if e.isdigit() else PAGE_EXTENT


def auto_overhead(tscs):
    """The ticks every exit adds to the guest-mode clock (VM entry and exit and the stub around
    them, counted as guest time): taken as the smallest gap less one, that is, the two closest
    IO instructions of the trace are assumed one instruction apart."""
    gaps = [b - a for a, b in zip(tscs, tscs[1:]) if b > a]
    return max(min(gaps) - 1, 0) if gaps else 0


def table(off, on=None, overhead=None):
    if not off.trace:
        raise LogError(f"{off.name}: no trace=io records ('[hv] tio ...'): record the workload with "
                       "block_io=off trace=io")
    lines = []
    if any(r[5] == "b" for r in off.trace):
        lines.append(f"warning: {off.name} has IO instructions run inside blocks: the bound wants a block_io=off trace")
    tscs = sorted(r[0] for r in off.trace)
    io = len(tscs)
    achieved = None
    ext = None
    if on is not None:
        s = on.require_stats()
        achieved = s.io_exits_per_io()
        ext = extent_of(on)
    auto = overhead is None
    if auto:
        overhead = auto_overhead(tscs)
    lines.append(f"cluster bound of {off.name}: {io} IO instructions traced; per-exit overhead "
                 f"{overhead} ticks{' (auto: the smallest gap less one)' if auto else ''} taken off every gap")
    head = f"{'N (gap, guest instr.)':>22}{'groups':>10}{'IO in groups':>14}{'bound exits':>13}{'per IO':>9}"
    if achieved is not None:
        head += f"{'achieved/bound':>16}"
    lines.append(head)
    gaps = list(GAPS)
    if ext is not None and ext not in gaps:
        gaps = sorted(gaps + [ext])
    for n in gaps:
        groups, in_groups, bound = cluster_bound(tscs, n, overhead)
        per = bound / io
        row = f"{n:>22}{groups:>10}{in_groups:>14}{bound:>13}{per:>9.3f}"
        if achieved is not None:
            row += f"{achieved / per:>16.3f}" + ("   <- microhv's extent" if n == ext else "")
        lines.append(row)
    if achieved is not None:
        lines.append(f"achieved by {on.name}: {achieved:.3f} IO exits per IO instruction (extent {ext} bytes)")
    return lines
