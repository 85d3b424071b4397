#!/usr/bin/env python3
"""Table of bench/fields/run.sh: summarize.py WORK > RESULTS.md (one row per case, route and rank count)."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fftfloor  # noqa: E402

work = sys.argv[1]
floors = fftfloor.floors(work)  # (grid, ranks) -> median seconds of the plain FFTW-MPI pair, same run
print("# Fields benchmark: FFT floor, deposition, Hardy stress, multi-scale pass\n")
print("Made by `bench/fields/run.sh`; times on the slowest rank. Routes: `gridded` spreads each point with a narrow"
      " Gaussian (nodes per axis in the table, 1e-12 requested) then filters by FFT; `real` samples the kernel itself on"
      " its footprint (radius 6s·ℓ). Density: all particles, including the route's FFTs. Hardy: the λ nodes per bond"
      " from the 1e-12 rule, 3 (2D) or 6 (3D) components. Multi-scale: one Gaussian refilter (r2c, multiply, c2r)."
      " Floor: the plain FFTW-MPI r2c+c2r pair (../shared/anchors/fft_mpi_bench.c, transposed layout, median of 10)"
      " measured in the same run on the same grid.\n")
print("| case | route | ranks | grid | ℓ/h | nodes per axis | r2c+c2r | floor (ratio) | density | ns per particle |"
      " Hardy | ns per bond node | multi-scale per scale |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = []
for path in glob.glob(os.path.join(work, "out-*", "deposit.json")):
    r = json.load(open(path))
    case = os.path.basename(os.path.dirname(path))[4:].split("-")[:2]
    rows.append(("-".join(case), r))
rows.sort(key=lambda cr: (cr[0], cr[1]["grid"], cr[1]["method"], cr[1]["ranks"]))
for case, r in rows:
    t = r["timings_seconds"]
    grid = "x".join(map(str, r["grid"]))
    ratio = r["scale"] / r["spacing"]
    nodes = f"{r['spreading']['nodes_per_axis']:.0f}" if r.get("spreading") else "—"
    floor = floors.get((grid, r["ranks"]))
    floor_text = f"{1e3 * floor:.1f} ms ({t['fft_pair'] / floor:.2f})" if floor else "—"
    per_particle = 1e9 * t["density"] / r["N"] * r["ranks"]
    hardy = f"{t['hardy']:.2f} s" if "hardy" in t else "—"
    per_node = f"{1e9 * t['hardy'] / r['hardy_nodes'] * r['ranks']:.0f}" if "hardy" in t else "—"
    print(f"| {case} | {r['method']} | {r['ranks']} | {grid} | {ratio:.1f} | {nodes} | {1e3 * t['fft_pair']:.1f} ms | {floor_text} "
          f"| {t['density']:.3f} s | {per_particle:.0f} | {hardy} | {per_node} | {1e3 * t.get('multiscale_per_scale', 0):.1f} ms |")
print("\nns per particle and per bond node are per core (time × ranks / count). The floor's ratio is r2c+c2r over the"
      " floor; both are single launches on a machine whose FFT timings vary by up to 2.5× between launches"
      " (../shared/anchors/RESULTS.md).")
