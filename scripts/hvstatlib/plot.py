"""`hvstat plot LOG... -o OUT.png|svg`: exits by reason over time (stacked), IO exits per IO
instruction over time, the block IO-length histogram and the top ports; several logs (say
block_io=off and on) side by side in each panel."""
import os

from .parse import LogError

TOP_PORTS = 8
FIG_SIZE_IN = (12, 8)
DPI = 100


def _times(log):
    """x values of the log's stats records: guest seconds where the format has them, else their index."""
    secs = [log.seconds(s) for s in log.stats]
    if all(t is not None for t in secs):
        return secs, "guest time (s)"
    return list(range(1, len(log.stats) + 1)), "stats line"


def _label(log):
    s = log.last()
    mode = "" if s.block_io is None else (" (block_io=on)" if s.block_io else " (block_io=off)")
    return os.path.basename(log.name) + mode


def _exits_stacked(ax, log):
    x, xlabel = _times(log)
    reasons = sorted({r for s in log.stats for r in s.by_reason}, key=lambda r: -log.last().by_reason.get(r, 0))
    prev = None
    deltas = {r: [] for r in reasons}
    for s in log.stats:
        for r in reasons:
            n = s.by_reason.get(r, 0)
            deltas[r].append(n - (prev.by_reason.get(r, 0) if prev else 0))
        prev = s
    if len(x) == 1:
        bottom = 0
        for r in reasons:
            ax.bar([0], [deltas[r][0]], bottom=bottom, label=r)
            bottom += deltas[r][0]
        ax.set_xticks([0], ["whole run"])
        ax.set_title(f"exits by reason: {_label(log)}", fontsize=9)
    elif xlabel.startswith("guest time"):  # exits per second over guest time, from 0
        t = [0.0] + x
        rates = {r: [0.0] + [d / max(t[i + 1] - t[i], 1e-9) for i, d in enumerate(deltas[r])] for r in reasons}
        ax.stackplot(t, [rates[r] for r in reasons], labels=reasons, step="pre")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("exits/s")
        ax.set_title(f"exits per second by reason: {_label(log)}", fontsize=9)
    else:
        ax.stackplot(x, [deltas[r] for r in reasons], labels=reasons, step="pre")
        ax.set_xlabel(xlabel)
        ax.set_title(f"exits by reason per stats line: {_label(log)}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")


def _io_ratio(ax, logs):
    if all(len(log.stats) == 1 for log in logs):  # no periodic lines: one bar per run
        vals = [log.last().io_exits_per_io() for log in logs]
        ax.bar(range(len(logs)), [v if v is not None else 0 for v in vals], color=[f"C{i}" for i in range(len(logs))])
        ax.set_xticks(range(len(logs)), [_label(log) for log in logs], fontsize=7)
        for i, v in enumerate(vals):
            ax.text(i, (v or 0) + 0.02, "-" if v is None else f"{v:.3f}", ha="center", fontsize=8)
        ax.set_ylim(0, 1.15)
        ax.set_ylabel("IO exits per IO instruction")
        ax.set_title("IO exits per IO instruction (whole run)", fontsize=9)
        return
    for log in logs:
        x, xlabel = _times(log)
        y = [s.io_exits_per_io() for s in log.stats]
        ax.plot(x, [v if v is not None else float("nan") for v in y], marker="o", label=_label(log))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("IO exits per IO instruction")
    ax.set_title("IO exits per IO instruction (cumulative)", fontsize=9)
    ax.legend(fontsize=7)


def _hist(ax, logs):
    width = 0.8 / len(logs)
    any_hist = False
    for i, log in enumerate(logs):
        h = log.last().io_hist
        if not h:
            continue
        any_hist = True
        xs = [j + i * width for j in range(len(h))]
        ax.bar(xs, h, width=width, label=_label(log))
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(h))],
                      [f"{j + 2}{'+' if j == len(h) - 1 else ''}" for j in range(len(h))])
    if not any_hist:
        ax.text(0.5, 0.5, "no block histogram in this stats format", ha="center", transform=ax.transAxes)
    ax.set_xlabel("IO instructions per block run")
    ax.set_title("block IO-length histogram", fontsize=9)
    if any_hist:
        ax.legend(fontsize=7)


def _ports(ax, logs):
    width = 0.8 / len(logs)
    ports = []
    for log in logs:
        for p in sorted(log.last().ports or [], key=lambda p: -(p.get("in", 0) + p.get("out", 0))):
            if p.get("port") not in ports and len(ports) < TOP_PORTS:
                ports.append(p.get("port"))
    if not ports:
        ax.text(0.5, 0.5, "no per-port figures in this stats format", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
    for i, log in enumerate(logs):
        by = {p.get("port"): p for p in log.last().ports or []}
        xs = [j + i * width for j in range(len(ports))]
        ax.bar(xs, [by.get(p, {}).get("exits", 0) for p in ports], width=width, label=f"exits {_label(log)}")
    if ports:
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(ports))], [str(p) for p in ports])
        ax.legend(fontsize=7)
    ax.set_title("IO exits by port (top ports by IO instructions)", fontsize=9)


def plot(logs, out):
    for log in logs:
        log.require_stats()
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".svg"):
        raise LogError(f"{out}: the plot is written as .png or .svg")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise LogError("plots need matplotlib (scripts/deps.sh installs python3-matplotlib for /usr/bin/python3)") from None

    rows = 1 + (len(logs) + 1) // 2
    fig = plt.figure(figsize=(FIG_SIZE_IN[0], FIG_SIZE_IN[1] * rows / 3 + 2), dpi=DPI)
    grid = fig.add_gridspec(rows + 1, 2)
    for i, log in enumerate(logs):
        _exits_stacked(fig.add_subplot(grid[i // 2, i % 2]), log)
    base = (len(logs) + 1) // 2
    _io_ratio(fig.add_subplot(grid[base, 0]), logs)
    _hist(fig.add_subplot(grid[base, 1]), logs)
    _ports(fig.add_subplot(grid[base + 1, :]), logs)
    fig.tight_layout()
    try:
        fig.savefig(out)
    except OSError as e:
        raise LogError(f"{out}: cannot write: {e.strerror}") from None
    finally:
        plt.close(fig)
