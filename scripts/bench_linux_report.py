#!/usr/bin/env python3
"""The table of scripts/bench_linux.sh: reads OUT/linux-{off,on,bare,shell}.{times,log} and
writes OUT/linux.json and OUT/linux.txt (the text also goes to stdout).
Usage: bench_linux_report.py OUT "DEFAULT COMMAND LINE"
"""
import json
import sys
from hv_stats import last_stats

RUNS = ("off", "on", "bare", "shell")
OVERHEAD_GOAL = 1.3  # issue 6: microhv's wall time to the marker against bare Bochs
PROMPT_GOAL_S = 60   # issue 6: the shell prompt within a minute
IO_RATIO_GOAL = 0.5  # issue 6: IO exits per IO instruction with block_io=on


def times(out, name):
    t = dict(line.rstrip("\n").split("=", 1) for line in open(f"{out}/linux-{name}.times"))
    return {k: (int(v) / 1000 if k in ("marker", "prompt", "total") and v else v) for k, v in t.items()}


def stats(out, name):
    return last_stats(f"{out}/linux-{name}.log")


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, nd=3):
    if v is None:
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def main():
    out, cmdline = sys.argv[1], sys.argv[2]
    t = {n: times(out, n) for n in RUNS}
    s = {n: stats(out, n) for n in RUNS if n != "bare"}
    cols = ("off", "on", "bare")
    reasons = sorted({r for n in ("off", "on") for r in s[n]["by_reason"]})

    def per_io(n):
        return ratio(s[n]["io_exits"], s[n]["io_instructions"]) if n in s else None

    rows = [
        ("wall to the init marker (s)", {n: t[n]["marker"] for n in cols}, 1),
        ("wall to the end of the run (s)", {n: t[n]["total"] for n in cols}, 1),
        ("IO instructions", {n: s[n]["io_instructions"] if n in s else None for n in cols}),
        ("IO exits", {n: s[n]["io_exits"] if n in s else None for n in cols}),
        ("IO exits per IO instruction", {n: per_io(n) for n in cols}),
        ("exits, all reasons", {n: s[n]["exits"] if n in s else None for n in cols}),
    ]
    rows += [(f"  {r}", {n: s[n]["by_reason"].get(r, 0) if n in s else None for n in cols}) for r in reasons]
    rows += [
        ("IRQs injected", {n: s[n]["irqs_injected"] if n in s else None for n in cols}),
        ("root-mode TSC", {n: s[n]["root_tsc"] if n in s else None for n in cols}),
        ("load average at start", {n: t[n]["load"] for n in cols}),
    ]
    on_off = ratio(t["on"]["marker"], t["off"]["marker"])
    over_on = ratio(t["on"]["marker"], t["bare"]["marker"])
    over_off = ratio(t["off"]["marker"], t["bare"]["marker"])
    prompt = t["shell"]["prompt"]

    text = [f"Linux boot in Bochs, command line \"{cmdline} microhv.test=1\" (bare: + mem=256M)", ""]
    w = max(len(r[0]) for r in rows) + 2
    text.append(f"{'':{w}}" + "".join(f"{'block_io=' + c if c != 'bare' else 'bare':>16}" for c in cols))
    for label, vals, *nd in rows:
        text.append(f"{label:{w}}" + "".join(f"{fmt(vals[c], *nd):>16}" for c in cols))
    text += [
        "",
        f"wall to the marker, on/off:           {fmt(on_off)}",
        f"overhead against bare, block_io=on:   {fmt(over_on)}  (goal <= {OVERHEAD_GOAL})",
        f"overhead against bare, block_io=off:  {fmt(over_off)}",
        f"IO exits on/off:                      {fmt(ratio(s['on']['io_exits'], s['off']['io_exits']))}",
        f"IO exits per IO instruction, on:      {fmt(per_io('on'))}  (goal <= {IO_RATIO_GOAL})",
        f"wall to the shell prompt (block_io=on, default command line): {fmt(prompt, 1)} s (goal < {PROMPT_GOAL_S} s)",
    ]
    b = s["on"].get("blocks")
    if b:
        text.append(f"blocks (on): {b['runs']} runs, {b['io_in_blocks']} IO instructions in blocks, "
                    f"{b['insns']} instructions emulated, table {b['hits']} hits / {b['misses']} misses / "
                    f"{b['mismatches']} mismatches, {b['singles']} singles")
    print("\n".join("  " + l if l else "" for l in text))
    with open(f"{out}/linux.txt", "w") as f:
        f.write("\n".join(text) + "\n")
    result = {
        "cmdline": cmdline,
        "runs": {n: {"times_s": t[n], "stats": s.get(n)} for n in RUNS},
        "ratios": {"wall_on_over_off": on_off, "overhead_on_over_bare": over_on, "overhead_off_over_bare": over_off,
                   "io_exits_per_io_instruction_on": per_io("on"), "io_exits_per_io_instruction_off": per_io("off")},
        "goals": {"io_exits_per_io_instruction_max": IO_RATIO_GOAL,
                  "io_ratio_met": per_io("on") is not None and per_io("on") <= IO_RATIO_GOAL,
                  "overhead_max": OVERHEAD_GOAL, "overhead_met": over_on is not None and over_on <= OVERHEAD_GOAL,
                  "prompt_max_s": PROMPT_GOAL_S, "prompt_s": prompt,
                  "prompt_met": prompt is not None and prompt < PROMPT_GOAL_S},
    }
    with open(f"{out}/linux.json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
