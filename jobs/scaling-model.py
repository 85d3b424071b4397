#!/usr/bin/env python3
"""The scaling model of jobs/SCALING.md: per-step and analysis times of the slab (and pencil)
decomposition at thousands of ranks, from costs measured on this machine and an assumed network.

    python3 jobs/scaling-model.py STUDY_2D STUDY_3D > table.md

STUDY_2D and STUDY_3D are strong-scaling studies (jobs/strong-scaling.sbatch, RANKS="1 2") of 2D and 3D
systems; the measured constants are read from their ranks-1 and ranks-2 points (run and analysis
summaries). The network constants below are assumptions, stated in SCALING.md. Standard library only.
"""
import json
import math
import os
import sys

# ---- assumed: a typical InfiniBand HDR cluster, 64 cores per node ------------------------------------
ALPHA = 1.5e-6          # point-to-point latency per message (s)
NIC = 12.5e9            # injection bandwidth per node (B/s), HDR100 ≈ 12.5 GB/s
CORES = 64              # ranks per node
ALLREDUCE_STAGE = 2e-6  # per log2(P) stage of a small allreduce (s), latency + software
HALO = 1.7              # pair cutoff + skin of 1.4/1.0 bidisperse harmonic disks (l0)
SCALE_POINTS = 4        # analysis grid: ℓ/h = 4 at ℓ = 2, h = 0.5
SHARED = 20e9           # copies between ranks of one node (B/s), used for P ≤ CORES


def load(folder, ranks):
    point = os.path.join(folder, f"ranks-{ranks}")
    with open(os.path.join(point, "summary.json")) as f:
        run = json.load(f)
    with open(os.path.join(point, "analysis", "summary.json")) as f:
        analysis = json.load(f)
    return run, analysis


# Transforms (forward or inverse) per analysis scale on the averages route, counted once by instrumenting
# SlabFFT on the studies' ranks-1 states (84 in 2D and 110 in 3D, less the 6 of the fft_pair timing).
TRANSFORMS = {2: 78, 3: 104}


def measured(folder):
    """Per-particle and per-point costs on one rank, and shared-memory costs on two."""
    run1, an1 = load(folder, 1)
    run2, _ = load(folder, 2)
    n, steps = run1["particles"], run1["lastStep"] - run1["firstStep"]
    mean = lambda run, key: run["timers"]["phases"][key]["mean"]
    scale = an1["scales"][0]
    grid = math.prod(scale["grid"])
    deposit = scale["timings_seconds"]["deposit"]
    return {
        "dimension": run1["dimension"],
        "pair": mean(run1, "pair_forces") / (n * steps),
        "rest": (mean(run1, "neighbor_lists") + mean(run1, "other")) / (n * steps),
        # at one rank the ghosts are periodic images, packed and copied exactly as for a neighbour
        "ghost": mean(run1, "ghost_exchange") / (run1["ghostsPerRank"] * steps),
        "reduction_shm": mean(run2, "reductions") / steps,
        "deposit_particle": deposit / n,
        # everything else of the pass (FFTs, Φ table, mode pass, structure functions) per M log2 M
        "grid_work": (an1["seconds"] - deposit) / (grid * math.log2(grid)),
        "fft_point": scale["timings_seconds"]["fft_pair"] / (grid * math.log2(grid)),
        "box_per_particle": math.prod(run1["box"]) / n,
    }


def process_grid(p, pencil):
    """Ranks along the split axes: (p,) for slabs, the most nearly square (p1, p2), p1 ≤ p2, for pencils."""
    if not pencil:
        return (p,)
    p1 = max(f for f in range(1, math.isqrt(p) + 1) if p % f == 0)
    return (p1, p // p1)


def step_time(m, n, p, pencil):
    """(seconds per Brownian step, its communication part, ghosts/owned) on p ranks, or the reason the
    layout fails."""
    d = m["dimension"]
    side = (m["box_per_particle"] * n) ** (1 / d)
    density = 1 / m["box_per_particle"]
    split = process_grid(p, pencil)
    thinnest = side / max(split)
    if thinnest < HALO:
        return f"domain {thinnest:.2f} l0 thinner than the halo {HALO}"
    if pencil:
        a, b = side / split[0], side / split[1]
        ghosts = density * ((a + 2 * HALO) * (b + 2 * HALO) - a * b) * (side if d == 3 else 1)
        neighbours, offnode = 8, CORES / 2  # about half of a node's ranks have an off-node face
    else:
        ghosts = density * 2 * HALO * side ** (d - 1)
        neighbours, offnode = 2, 2          # consecutive slabs: the two ranks at a node's ends
    owned = n / p
    bandwidth = NIC / offnode if p > CORES else SHARED
    exchange = ghosts * m["ghost"] + neighbours * ALPHA + ghosts * 8 * d / bandwidth
    reduction = ALLREDUCE_STAGE * math.log2(p) if p > 1 else 0
    total = owned * (m["pair"] + m["rest"]) + exchange + reduction
    return total, exchange + reduction, ghosts / owned


def analysis_time(m, n, p, pencil):
    """(seconds of one `analyze --route averages` pass at ℓ = 2, and the same with no communication), or
    the reason the layout fails."""
    d = m["dimension"]
    side = (m["box_per_particle"] * n) ** (1 / d)
    points = math.ceil(side * SCALE_POINTS / 2)
    grid = points ** d
    split = process_grid(p, pencil)
    if max(split) > points:
        return f"{points} grid planes for {max(split)} ranks along an axis"
    local = (n / p) * m["deposit_particle"] + (grid / p) * math.log2(grid) * m["grid_work"]
    peers = sum(s - 1 for s in split)  # pairwise exchanges in the row (and column) transposes
    # each transform transposes its local half-spectrum (M/P complex doubles = 8 M/P bytes) out and back;
    # in an all-to-all every rank of a node uses the NIC at once
    per_transform = 2 * (peers * ALPHA + 8 * (grid / p) / (NIC / CORES if p > CORES else SHARED))
    return local + TRANSFORMS[d] * per_transform, local


def table(studies):
    rows = ["| system | layout | ranks | N/rank | ghosts/owned | step (ms) | atom-steps/s | strong eff. | comm. | "
            "weak eff. | analysis (s) | analysis eff. |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m, label, n in studies:
        d = m["dimension"]
        weak_per_rank = n / 4096
        for pencil in (False, True):
            layout = ("blocks" if d == 2 else "pencils") if pencil else "slabs"
            for p in (64, 512, 4096):
                step = step_time(m, n, p, pencil)
                if isinstance(step, str):
                    rows.append(f"| {label} | {layout} | {p} | {n / p:.3g} | – | – ({step}) | – | – | – | – | – | – |")
                    continue
                t, comm, ratio = step
                compute = (n / p) * (m["pair"] + m["rest"])
                weak = step_time(m, weak_per_rank * p, p, pencil)
                weak_eff = "–" if isinstance(weak, str) else format(weak_per_rank * (m["pair"] + m["rest"]) / weak[0], ".2f")
                a = analysis_time(m, n, p, pencil)
                analysis = ("– | –" if isinstance(a, str) else f"{a[0]:.3g} | {a[1] / a[0]:.2f}")
                rows.append(f"| {label} | {layout} | {p} | {n / p:.3g} | {ratio:.2f} | {1e3 * t:.3g} | {n / t:.3g} | "
                            f"{compute / t:.2f} | {100 * comm / t:.0f}% | {weak_eff} | {analysis} |")
    return "\n".join(rows)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scaling-model.py STUDY_2D STUDY_3D (strong-scaling studies with ranks-1 and ranks-2)")
    m2, m3 = measured(sys.argv[1]), measured(sys.argv[2])
    if (m2["dimension"], m3["dimension"]) != (2, 3):
        sys.exit("error: give the 2D study first, then the 3D one")
    print("Measured here (1 rank unless stated):\n")
    print("| constant | 2D | 3D |\n|---|---:|---:|")
    for key, unit, factor in (("pair", "ns per particle-step", 1e9), ("rest", "ns per particle-step", 1e9),
                              ("ghost", "ns per ghost per step", 1e9), ("reduction_shm", "µs per step, 2 ranks", 1e6),
                              ("fft_point", "ns per grid point per log2(points), one FFT pair", 1e9),
                              ("grid_work", "ns per grid point per log2(points), the pass outside the deposit", 1e9),
                              ("deposit_particle", "µs per particle, analysis deposit", 1e6)):
        print(f"| {key} ({unit}) | {factor * m2[key]:.3g} | {factor * m3[key]:.3g} |")
    print()
    print(f"| transforms per analysis scale (counted) | {TRANSFORMS[2]} | {TRANSFORMS[3]} |")
    print()
    print(table([(m2, "2D N = 1e8", 1e8), (m3, "3D N = 1e9", 1e9)]))


if __name__ == "__main__":
    main()
