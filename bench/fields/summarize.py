#!/usr/bin/env python3
"""Table of bench/fields/run.sh: summarize.py WORK > RESULTS.md (one row per case and rank count)."""
import glob
import json
import os
import sys

work = sys.argv[1]
print("# Fields benchmark: FFT floor, deposition, Hardy stress, multi-scale pass\n")
print("Made by `bench/fields/run.sh`; times on the slowest rank. Density: real-space Gaussian deposition of all particles"
      " (footprint of radius 6s·ℓ, renormalised); Hardy: 24 λ nodes per bond, each a renormalised footprint with 3 (2D)"
      " or 6 (3D) components; multi-scale: one Gaussian refilter (r2c, multiply, c2r).\n")
print("| case | ranks | grid | ℓ/h | r2c+c2r | density | ns per particle | Hardy | ns per bond node | multi-scale per scale |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in sorted(glob.glob(os.path.join(work, "out-*", "deposit.json"))):
    r = json.load(open(path))
    t = r["timings_seconds"]
    case = os.path.basename(os.path.dirname(path))[4:].rsplit("-np", 1)[0]
    grid = "x".join(map(str, r["grid"]))
    ratio = r["scale"] / r["spacing"]
    per_particle = 1e9 * t["density"] / r["N"] * r["ranks"]
    hardy = f"{t['hardy']:.2f} s" if "hardy" in t else "—"
    per_node = f"{1e9 * t['hardy'] / r['hardy_nodes'] * r['ranks']:.0f}" if "hardy" in t else "—"
    print(f"| {case} | {r['ranks']} | {grid} | {ratio:.1f} | {1e3 * t['fft_pair']:.1f} ms | {t['density']:.2f} s "
          f"| {per_particle:.0f} | {hardy} | {per_node} | {1e3 * t.get('multiscale_per_scale', 0):.1f} ms |")
print("\nns per particle and per bond node are per core (time × ranks / count).")
