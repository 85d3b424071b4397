"""The analysis benchmark's table (bench/analysis/run.sh): per N, ranks, ℓ and route the time per scale, against
1000 Brownian steps of the same system and the FFT pair on that scale's grid.

    python3 bench/analysis/summarize.py /tmp/bench-analysis > bench/analysis/RESULTS.md
"""
import glob
import json
import os
import sys

work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench-analysis"
brownian = {}
for path in glob.glob(os.path.join(work, "out-*-brownian", "summary.json")):
    s = json.load(open(path))
    n, ranks = s["particles"], s["ranks"]
    brownian[(n, ranks)] = n * 1000 / s["atomStepsPerSecond"]
rows = []
for path in glob.glob(os.path.join(work, "out-*-ell*", "summary.json")):
    s = json.load(open(path))
    scale = s["scales"][0]
    rows.append(dict(N=s["N"], ranks=s["ranks"], ell=scale["ell"], route=scale["route"].split()[0], grid=scale["grid"],
                     seconds=scale["seconds"], t=scale["timings_seconds"], nodes=scale["bond_nodes"]))
for path in glob.glob(os.path.join(work, "out-*.skipped.json")):
    s = json.load(open(path))
    rows.append(dict(N=s["N"], ranks=s["ranks"], ell=s["ell"], route=s["route"], grid=s["grid"], skipped=s["skipped"],
                     estimate=s.get("estimate_seconds")))
rows.sort(key=lambda r: (r["N"], r["ranks"], r["ell"], r["route"]))
print("# Analysis benchmark: cost per scale of `stressflux analyze` (`bench/analysis/run.sh`)\n")
print("2D bidisperse harmonic disks, φ = 0.9, Gaussian kernel, each scale on its own grid with ℓ/h ≥ 5. `averages`: every")
print("box mean (⟨σ̲⟩, ⟨σ^self⟩, ⟨W⟩, ⟨Q^flux⟩, ⟨∂_tσ̲⟩) by one pass over the modes (physics.md §3.7a); `quadrature`:")
print("every field (σ̲, J̄, ∇·J̄, W, Q^flux, rate; maps, RMS, PDFs, residual) by the bond quadrature (§3.5, 768 nodes).")
print("Times are wall seconds on the slowest rank of one launch; `/ 1000 BD` is the scale's time over 1000 Brownian")
print("steps of the same system on the same ranks (the goal: < 1); `FFT pair` is one r2c + c2r on the scale's grid.\n")
print("| N | ranks | ℓ | grid | route | scale (s) | deposit | terms | self | FFT pair | 1000 BD (s) | / 1000 BD |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    bd = brownian.get((r["N"], r["ranks"]))
    grid = "x".join(map(str, r["grid"]))
    bd_text = f"{bd:.1f}" if bd else "—"
    if "skipped" in r:
        est = f"~{r['estimate']:.0f} (estimate)" if r.get("estimate") else "—"
        ratio = f"~{r['estimate'] / bd:.0f} (estimate)" if r.get("estimate") and bd else "—"
        print(f"| {r['N']:.0e} | {r['ranks']} | {r['ell']} | {grid} | {r['route']} | skipped: {r['skipped']} | | | | | {bd_text} | {ratio} |")
        continue
    t = r["t"]
    ratio = f"{r['seconds'] / bd:.3f}" if bd else "—"
    print(f"| {r['N']:.0e} | {r['ranks']} | {r['ell']} | {grid} | {r['route']} | {r['seconds']:.2f} | {t.get('deposit', 0):.2f} "
          f"| {t.get('terms', 0):.2f} | {t.get('self', 0):.2f} | {1e3 * t.get('fft_pair', 0):.1f} ms | {bd_text} | {ratio} |")
