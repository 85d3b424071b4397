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


def load(folder, ranks):
    point = os.path.join(folder, f"ranks-{ranks}")
    with open(os.path.join(point, "summary.json")) as f:
        run = json.load(f)
    with open(os.path.join(point, "analysis", "summary.json")) as f:
        analysis = json.load(f)
    return run, analysis


def measured(folder):
    """Per-particle and per-point costs on one rank, and shared-memory costs on two."""
    run1, an1 = load(folder, 1)
    run2, _ = load(folder, 2)
    n, steps = run1["particles"], run1["lastStep"] - run1["firstStep"]
    mean = lambda run, key: run["timers"]["phases"][key]["mean"]
    scale = an1["scales"][0]
    grid = math.prod(scale["grid"])
    fft_pair = scale["timings_seconds"]["fft_pair"]
    deposit = scale["timings_seconds"]["deposit"]
    return {
        "particles": n,
        "pair": mean(run1, "pair_forces") / (n * steps),
        "rest": (mean(run1, "neighbor_lists") + mean(run1, "other")) / (n * steps),
        # at one rank the ghosts are periodic images, packed and copied exactly as for a neighbour
        "ghost": mean(run1, "ghost_exchange") / (run1["ghostsPerRank"] * steps),
        "reduction_shm": mean(run2, "reductions") / steps,
        "fft_point": fft_pair / (grid * math.log2(grid)),
        "deposit_particle": deposit / n,
        "fft_equivalents": (an1["seconds"] - deposit) / fft_pair,
        "box_per_particle": math.prod(run1["box"]) / n,
    }


def step_time(m, d, n, p, pencil):
    """Seconds per Brownian step, and its communication part, on p ranks (None if the layout fails)."""
    side = (m["box_per_particle"] * n) ** (1 / d)
    density = 1 / m["box_per_particle"]
    if pencil:
        split = math.isqrt(p)
        if split * split != p or side / split < HALO:
            return None
        a = side / split
        cross = (a + 2 * HALO) ** 2 - a * a
        ghosts = density * cross * (side if d == 3 else 1)
        neighbours, offnode_share = 8, 0.5  # ~half the ranks of a node have an off-node face
    else:
        if side / p < HALO:
            return None
        ghosts = density * 2 * HALO * side ** (d - 1)
        neighbours, offnode_share = 2, 2 / CORES  # consecutive slabs: two ranks per node face other nodes
    owned = n / p
    compute = owned * (m["pair"] + m["rest"])
    bandwidth = NIC / max(1, offnode_share * CORES) if p > CORES else 20e9  # shared memory inside one node
    exchange = ghosts * m["ghost"] + neighbours * ALPHA + ghosts * 8 * d / bandwidth
    reduction = ALLREDUCE_STAGE * math.log2(p) if p > 1 else 0
    return compute + exchange + reduction, exchange + reduction, ghosts / owned


def analysis_time(m, d, n, p, pencil):
    """Seconds of one `analyze --route averages` pass at ℓ = 2: deposit + FFT-equivalent passes."""
    side = (m["box_per_particle"] * n) ** (1 / d)
    points_per_axis = math.ceil(side * SCALE_POINTS / 2)
    grid = points_per_axis ** d
    if pencil:
        split = math.isqrt(p)
        if split * split != p or split > points_per_axis:
            return None
        peers = 2 * (split - 1)  # two transposes, each within a row or column of the process grid
    else:
        if p > points_per_axis:
            return None
        peers = 2 * (p - 1)
    fft = (grid / p) * math.log2(grid) * m["fft_point"]
    # each FFT pair moves the local half-spectrum (complex doubles) twice; all ranks of a node share the NIC
    transpose = peers * ALPHA + 2 * (grid / p) * 8 / (NIC / CORES if p > CORES else 20e9)
    return (n / p) * m["deposit_particle"] + m["fft_equivalents"] * (fft + transpose)


def table(m2, m3):
    rows = ["| system | layout | ranks | N/rank | ghosts/owned | step (ms) | atom-steps/s | strong eff. | comm. | "
            "weak eff. | analysis (s) | analysis eff. |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, m, d, n in (("2D N = 1e8", m2, 2, 1e8), ("3D N = 1e9", m3, 3, 1e9)):
        per_rank_weak = n / 4096
        for pencil in (False, True):
            if d == 2 and pencil:
                layout = "blocks"
            else:
                layout = "pencils" if pencil else "slabs"
            for p in (64, 512, 4096):
                step = step_time(m, d, n, p, pencil)
                if step is None:
                    rows.append(f"| {label} | {layout} | {p} | {n / p:.3g} | – | slab thinner than the halo "
                                f"({(m['box_per_particle'] * n) ** (1 / d) / p:.2f} < {HALO}) | | | | | | |")
                    continue
                t, comm, ratio = step
                ideal = (n / p) * (m["pair"] + m["rest"])
                weak = step_time(m, d, per_rank_weak * p, p, pencil)
                weak_base = per_rank_weak * (m["pair"] + m["rest"])
                a = analysis_time(m, d, n, p, pencil)
                a_ideal = (n / p) * m["deposit_particle"] + m["fft_equivalents"] * (
                    ((m["box_per_particle"] * n) ** (1 / d) * SCALE_POINTS / 2) ** d / p
                    * math.log2(((m["box_per_particle"] * n) ** (1 / d) * SCALE_POINTS / 2) ** d) * m["fft_point"])
                rows.append(f"| {label} | {layout} | {p} | {n / p:.3g} | {ratio:.2f} | {1e3 * t:.3g} | {n / t:.3g} | "
                            f"{ideal / t:.2f} | {100 * comm / t:.0f}% | "
                            f"{(weak_base / weak[0]) if weak else float('nan'):.2f} | "
                            f"{'–' if a is None else format(a, '.3g')} | {'–' if a is None else format(a_ideal / a, '.2f')} |")
    return "\n".join(rows)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scaling-model.py STUDY_2D STUDY_3D (strong-scaling studies with ranks-1 and ranks-2)")
    m2, m3 = measured(sys.argv[1]), measured(sys.argv[2])
    print("Measured here (1 rank unless stated):\n")
    print("| constant | 2D | 3D |\n|---|---:|---:|")
    for key, unit, factor in (("pair", "ns per particle-step", 1e9), ("rest", "ns per particle-step", 1e9),
                              ("ghost", "ns per ghost per step", 1e9), ("reduction_shm", "µs per step, 2 ranks", 1e6),
                              ("fft_point", "ns per grid point per log2(points), FFT pair", 1e9),
                              ("deposit_particle", "µs per particle, analysis deposit", 1e6),
                              ("fft_equivalents", "FFT pairs per analysis scale", 1)):
        print(f"| {key} ({unit}) | {factor * m2[key]:.3g} | {factor * m3[key]:.3g} |")
    print()
    print(table(m2, m3))


if __name__ == "__main__":
    main()
