#!/usr/bin/env python3
"""AQS figures from runs of bench/aqs/run.sh: summarize.py WORK NP N [N ...] > RESULTS.md

Per system size: the shear modulus G from the first step's secant (linear response; the integration test
checks it against a δγ = 1e-6 step), the mean σ_xy over γ ∈ [γ_max/2, γ_max] (steady flow; [0.05, 0.1] for
the full run), the stress drops of events.csv (count, per unit strain, mean and largest |Δσ_xy|, mean
participation ratio and radius of gyration), FIRE iterations per step (median, max) and the wall time per
AQS step from summary.json.

If WORK/lammps-N/aqs_lammps.csv exists (in.aqs.lmp), a second table compares StressFlux with LAMMPS on the
same start and rank count: G, σ_xy of step 1, mean flow stress, drops of σ_xy larger than 1e-6 between
consecutive steps (the same rule for both codes: StressFlux's absolute threshold without its relative one),
FIRE iterations per step, wall time per AQS step and per FIRE iteration, and the speed ratio; then, per N,
how closely σ_xy and U/N agree over the steps before the first drop of either code, and up to which step
both codes pass through the same minima (|Δσ_xy| ≤ 1e-8; after a step where an event ends in different
minima the curves are independent samples).
"""
import csv
import json
import math
import os
import re
import statistics
import sys

DROP = 1e-6  # absolute drop threshold of σ_xy between steps ([events] threshold)
SAME = 1e-8  # |Δσ_xy| between the codes below which both sit in the same minimum (FIRE residue ≲ 1e-9)


def mean_or_none(values):
    values = list(values)
    return statistics.mean(values) if values else None


def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def read_rows(path):
    """(step, strain, σ_xy, U/N, iterations) per AQS step, any header; rows with step ≥ 1."""
    rows = [r for r in csv.reader(open(path))][1:]
    out = [(int(r[0]), float(r[1]), float(r[2]), float(r[4]), int(r[5])) for r in rows]
    return [r for r in out if r[0] >= 1]


def drops(stress):
    return [i for i in range(1, len(stress)) if stress[i - 1] - stress[i] > DROP]


work, ranks, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
print("# AQS of the 2D bidisperse harmonic glass (φ = 0.90, δγ = 1e-4 to γ = 0.1, FIRE to max|F| < 1e-10)\n")
print(f"Made by `bench/aqs/run.sh` on {ranks} MPI rank(s); stresses in V0/l0^2, lengths in l0.\n")
print("| N | G (first step) | mean σ_xy, γ ∈ [γ_max/2, γ_max] | events | events per unit strain | mean drop "
      "| largest drop | mean PR | mean R_g | FIRE iterations per step (median, max) | wall time per AQS step |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for n in sizes:
    out = f"{work}/aqs-{n}"
    rows = [r for r in csv.reader(open(f"{out}/aqs.csv"))][1:]
    strain = [float(r[1]) for r in rows]
    stress = [float(r[2]) for r in rows]
    iterations = [int(r[5]) for r in rows]
    events = [r for r in csv.reader(open(f"{out}/events.csv"))][1:]
    dsig = [-float(e[4]) for e in events]
    summary = json.load(open(f"{out}/summary.json"))
    modulus = (stress[1] - stress[0]) / (strain[1] - strain[0])
    flow = mean_or_none(s for g, s in zip(strain, stress) if g >= strain[-1] / 2 - 1e-12)
    per_step = summary["wallSeconds"] / (summary["lastStep"] - summary["firstStep"])
    print(f"| {n} | {modulus:.4f} | {fmt(flow, '.3e')} (γ_max {strain[-1]:.3g}) | {len(events)} "
          f"| {len(events) / strain[-1]:.0f} | {fmt(mean_or_none(dsig), '.2e')} | {fmt(max(dsig, default=None), '.2e')} "
          f"| {fmt(mean_or_none(float(e[7]) for e in events), '.3f')} "
          f"| {fmt(mean_or_none(float(e[11]) for e in events), '.2f')} "
          f"| {statistics.median(iterations):.0f}, {max(iterations)} | {1e3 * per_step:.1f} ms |")

compared = [n for n in sizes if os.path.exists(f"{work}/lammps-{n}/aqs_lammps.csv")]
if not compared:
    sys.exit(0)
print("\n## StressFlux and LAMMPS (same start, same rank count)\n")
print("LAMMPS: `bench/aqs/in.aqs.lmp` (change_box xy + min_style fire, `min_modify norm inf`, FIRE parameters "
      "of physics.md §1.6; it mixes v after the kick where StressFlux mixes before it). G is the secant "
      "between steps 1 and 2 for both; drops count steps where σ_xy falls by more than 1e-6 (StressFlux's "
      "detector in the table above also needs 5 robust s.d.); times are the AQS loop only (StressFlux: "
      "summary.json wallSeconds; LAMMPS: the loop timer in log.lammps), and the speed ratio is LAMMPS's time "
      "per AQS step over StressFlux's.\n")
print("| N | code | G (first step) | σ_xy at step 1 | mean σ_xy, γ ∈ [γ_max/2, γ_max] | drops > 1e-6 "
      "| first drop at γ | FIRE iterations per step (median, mean) | wall time per AQS step "
      "| per FIRE iteration | speed ratio |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
notes = []
for n in compared:
    sf = read_rows(f"{work}/aqs-{n}/aqs.csv")
    lm = read_rows(f"{work}/lammps-{n}/aqs_lammps.csv")
    summary = json.load(open(f"{work}/aqs-{n}/summary.json"))
    sf_time = summary["wallSeconds"] / (summary["lastStep"] - summary["firstStep"])
    log = open(f"{work}/lammps-{n}/log.lammps").read()
    m = re.search(r"^AQS loop: ([0-9.eE+-]+) s for (\d+) steps", log, re.M)
    if m:
        lm_time = float(m.group(1)) / int(m.group(2))
    else:  # unfinished run: the per-step wall times of the steps it did
        lm_time = statistics.mean(float(r[8]) for r in list(csv.reader(open(f"{work}/lammps-{n}/aqs_lammps.csv")))[2:])
    times = {"StressFlux": sf_time, "LAMMPS": lm_time}
    first = {}
    for code, rows in (("StressFlux", sf), ("LAMMPS", lm)):
        strain = [r[1] for r in rows]
        stress = [r[2] for r in rows]
        iterations = [r[4] for r in rows]
        d = drops(stress)
        first[code] = d[0] if d else len(rows)
        modulus = (stress[1] - stress[0]) / (strain[1] - strain[0])
        flow = mean_or_none(s for g, s in zip(strain, stress) if g >= strain[-1] / 2 - 1e-12)
        ratio = f"{times['LAMMPS'] / times['StressFlux']:.2f}" if code == "StressFlux" else "1"
        print(f"| {n} | {code} | {modulus:.6f} | {stress[0]:.10e} | {fmt(flow, '.4e')} | {len(d)} "
              f"| {fmt(strain[d[0]] if d else None, '.4f')} "
              f"| {statistics.median(iterations):.0f}, {statistics.mean(iterations):.0f} "
              f"| {1e3 * times[code]:.1f} ms | {1e6 * times[code] / statistics.mean(iterations):.1f} µs | {ratio} |")
    # agreement over the steps before the first drop of either code (elastic branch: one minimum)
    k = min(first["StressFlux"], first["LAMMPS"], len(sf), len(lm))
    if k > 0:
        ds = max(abs(a[2] - b[2]) for a, b in zip(sf[:k], lm[:k]))
        rs = max(abs(a[2] - b[2]) / abs(a[2]) for a, b in zip(sf[:k], lm[:k]))
        ru = max(abs(a[3] - b[3]) / abs(a[3]) for a, b in zip(sf[:k], lm[:k]))
        notes.append(f"- N = {n}: over steps 1–{k} (before the first drop, γ ≤ {sf[k - 1][1]:.4f}) σ_xy agrees to "
                     f"max |Δσ_xy| = {ds:.1e} (relative {rs:.1e}, {-math.log10(rs):.1f} digits), U/N to relative "
                     f"{ru:.1e}.")
    # the same sequence of minima (|Δσ_xy| far below a drop) until the codes first part
    part = next((i for i, (a, b) in enumerate(zip(sf, lm)) if abs(a[2] - b[2]) > SAME), None)
    shared = len(drops([r[2] for r in sf[:part]]))
    if part is None:
        notes.append(f"  Both follow the same minima (|Δσ_xy| ≤ {SAME:g}) at all {min(len(sf), len(lm))} steps, "
                     f"through {shared} drops.")
    else:
        notes.append(f"  Both follow the same minima (|Δσ_xy| ≤ {SAME:g}) through step {sf[part - 1][0]} "
                     f"(γ = {sf[part - 1][1]:.4f}, {shared} drops) and part at step {sf[part][0]} "
                     f"(|Δσ_xy| = {abs(sf[part][2] - lm[part][2]):.1e}): from there on only statistics compare.")
print()
print("\n".join(notes))
