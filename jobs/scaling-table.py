#!/usr/bin/env python3
"""Collects a scaling study (jobs/scaling.sh) into scaling.csv and scaling.md, and prints the table.

    python3 jobs/scaling-table.py runs/strong-scaling-<job>

Reads <dir>/ranks-<R>/summary.json (stressflux run) and <dir>/ranks-<R>/analysis/summary.json
(stressflux analyze, when present). Parallel efficiency is throughput per rank relative to the fewest
ranks: E(p) = (X(p)/p) / (X(p0)/p0), with X = atom-steps/s for the run and N/seconds for the analysis;
for strong scaling that is T(p0) p0 / (T(p) p), for weak scaling (N ∝ p) T(p0)/T(p). The communication
fraction is the mean over ranks of the time in ghost exchange, migration and reductions, over the loop's
wall time; reductions include waiting for the slowest rank. Standard library only.
"""
import csv
import json
import os
import re
import sys

PHASES = ["pair_forces", "neighbor_lists", "ghost_exchange", "migration", "reductions", "io", "other"]
COLUMNS = (["ranks", "particles", "steps", "wall_seconds", "atom_steps_per_second", "parallel_efficiency",
            "communication_fraction", "pair_forces_imbalance"]
           + [f"{p}_seconds" for p in PHASES] + ["analysis_seconds", "analysis_efficiency"])


def load(folder):
    rows = []
    for name in os.listdir(folder):
        match = re.fullmatch(r"ranks-(\d+)", name)
        path = os.path.join(folder, name, "summary.json")
        if not match or not os.path.exists(path):
            continue
        with open(path) as f:
            run = json.load(f)
        timers = run["timers"]["phases"]
        pair = timers["pair_forces"]
        row = {
            "ranks": run["ranks"], "particles": run["particles"], "steps": run["lastStep"] - run["firstStep"],
            "wall_seconds": run["wallSeconds"], "atom_steps_per_second": run["atomStepsPerSecond"],
            "communication_fraction": run["timers"]["communicationFraction"],
            "pair_forces_imbalance": pair["max"] / pair["mean"] if pair["mean"] > 0 else 1.0,
        }
        row.update({f"{p}_seconds": timers[p]["mean"] for p in PHASES})
        analysis = os.path.join(folder, name, "analysis", "summary.json")
        if os.path.exists(analysis):
            with open(analysis) as f:
                row["analysis_seconds"] = json.load(f)["seconds"]
        rows.append(row)
    rows.sort(key=lambda r: r["ranks"])
    return rows


def efficiencies(rows, needs, column, throughput):
    """Sets `column` = throughput per rank over that of the fewest ranks, on rows that have `needs`."""
    measured = [r for r in rows if r.get(needs)]
    for r in measured:
        r[column] = (throughput(r) / r["ranks"]) / (throughput(measured[0]) / measured[0]["ranks"])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scaling-table.py STUDY_FOLDER (runs/strong-scaling-<job> or runs/weak-scaling-<job>)")
    folder = sys.argv[1]
    rows = load(folder)
    if not rows:
        sys.exit(f"error: no ranks-<R>/summary.json in {folder}: did the runs fail? see the job log")
    efficiencies(rows, "atom_steps_per_second", "parallel_efficiency", lambda r: r["atom_steps_per_second"])
    efficiencies(rows, "analysis_seconds", "analysis_efficiency", lambda r: r["particles"] / r["analysis_seconds"])

    with open(os.path.join(folder, "scaling.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in COLUMNS})

    def number(value, form):
        return "–" if value is None or value == "" else format(value, form)

    lines = ["| ranks | N | atom-steps/s | parallel efficiency | communication | pair-force imbalance (max/mean) "
             "| analysis (s) | analysis efficiency |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['ranks']} | {r['particles']} | {number(r['atom_steps_per_second'], '.3g')} "
                     f"| {number(r.get('parallel_efficiency'), '.2f')} | {number(100 * r['communication_fraction'], '.1f')}% "
                     f"| {number(r['pair_forces_imbalance'], '.2f')} | {number(r.get('analysis_seconds'), '.3g')} "
                     f"| {number(r.get('analysis_efficiency'), '.2f')} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(folder, "scaling.md"), "w") as f:
        f.write(table)
    print(table, end="")
    print(f"scaling.csv and scaling.md in {folder}")


if __name__ == "__main__":
    main()
