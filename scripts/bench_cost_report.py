#!/usr/bin/env python3
"""Benchmark part "cost" (issue 11 item 6): from one side-by-side run of the Linux boot with
block_io=off, block_follow=off and the default (block_io=on), the exits, the root-mode
instructions (Bochs with clock: sync=none counts instructions as TSC ticks), the modelled
hypervisor cycles at exit round-trip costs C, and each block configuration's break-even C
against block_io=off.

Model: cycles = root-mode instructions x CPI + exits x C, with CPI = 1 (a guess for the
dispatcher's code on a modern core; the ratios between configurations do not depend on it
much). C is one VM exit and entry: about 1,000-2,000 cycles on bare silicon, 10,000-40,000
under nested virtualization. A block configuration pays where its modelled cycles are below
off's: C > (root - root_off) / (exits_off - exits).

With block_policy=auto (issue 11 item 7) the blocks that run depend on the C the policy judges
by: the runs at exit_cost=2000 and 40000 show the selection a bare-silicon and a nested
machine would make, each row's break-even C against the root-mode work it really did.

usage: bench_cost_report.py NAME=LOG ... (the first: block_io=off; a NAME may hold "=", a LOG not)
"""
import json
import sys

COSTS = (1000, 2000, 10000, 40000)
CPI = 1


def stats(path):
    lines = [l for l in open(path, errors="replace").read().replace("\r", "").splitlines()
             if l.startswith("[hv] stats {")]
    if not lines:
        sys.exit(f"bench: no stats line in {path}")
    return json.loads(lines[-1][len("[hv] stats "):])


def main():
    if len(sys.argv) < 3 or any("=" not in a for a in sys.argv[1:]):
        sys.exit(__doc__)
    rows = [(a.rsplit("=", 1)[0], stats(a.rsplit("=", 1)[1])) for a in sys.argv[1:]]
    off = rows[0][1]
    print(f"  {'config':22} {'IO exits/IO':>11} {'exits':>8} {'root instr':>14} " +
          " ".join(f"{'C=' + format(c, ','):>15}" for c in COSTS) + f" {'break-even C':>13}")
    for name, s in rows:
        root, exits = s["root_tsc"], s["exits"]
        cyc = [root * CPI + exits * c for c in COSTS]
        if s is off:
            be = "-"
        elif exits >= off["exits"]:
            be = "never"
        else:
            be = f"{max(0, (root - off['root_tsc']) * CPI / (off['exits'] - exits)):,.0f}"
        print(f"  {name:22} {s['io_exits'] / s['io_instructions']:11.3f} {exits:8,} {root:14,} " +
              " ".join(f"{c:15,}" for c in cyc) + f" {be:>13}")
    print("  modelled cycles relative to block_io=off:")
    for name, s in rows[1:]:
        rel = [(s["root_tsc"] * CPI + s["exits"] * c) / (off["root_tsc"] * CPI + off["exits"] * c) for c in COSTS]
        print(f"    {name:22} " + "  ".join(f"C={c:,}: {r:.3f}" for c, r in zip(COSTS, rel)))
    print("  root-mode TSC of block dispatch (share of root_tsc):")
    for name, s in rows[1:]:
        b, t = s["blocks"], s["root_tsc"]
        parts = [(k, b.get("tsc_" + k, 0)) for k in ("replay", "check", "record", "scan")]
        rest = t - sum(v for _, v in parts)
        print(f"    {name:22} " + ", ".join(f"{k} {v:,} ({100 * v / t:.1f} %)" for k, v in parts) +
              f", rest {rest:,} ({100 * rest / t:.1f} %); {b.get('recordings', 0)} recordings, "
              f"{b['early_ends']} early ends")
    print("  block policy (block_policy.h): the C it judged by, R1, starts declined, IO exits left to one exit each:")
    for name, s in rows[1:]:
        p = s.get("policy")
        if p:
            print(f"    {name:22} {p['mode']} at C={p['exit_cost']:,} ({p['cost_source']}), R1 {p['single_cost']:,}: "
                  f"{p['declines']} declined of {p['judgements']} judgements, {p['declined_exits']:,} declined exits, "
                  f"{p.get('forecast_declines', 0)} declined by the forecast ({p.get('forecast_stops', 0)} recordings "
                  f"it stopped), {p['retries']} judged afresh; replay rate "
                  f"{p.get('block_work', 0) // max(p.get('block_insns', 0), 1):,} ticks/instruction "
                  f"(fitted {p.get('fit_fixed', 0):,} + {p.get('fit_rate', 0):,} x n); "
                  f"devices {p['dev_tsc']:,} ticks")


main()
