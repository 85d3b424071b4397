#!/usr/bin/env bash
# Jamming sanity check (issue 4, a validation target outside CI): 2D 50:50 bidisperse harmonic disks,
# N = 1024, FIRE from random placement to max|F| < 1e-12 at packing fractions around phi_J ~ 0.84,
# three seeds each; prints phi, seed, FIRE iterations, converged, virial pressure, U/N, z.
# Then fits P = a (phi - phi_J) to the points with phi >= 0.85.  Takes ~10 minutes on one core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${STRESSFLUX_BIN:-$here/../../.build/release/stressflux}"
work="${WORK:-/tmp/stressflux-jamming}"
mkdir -p "$work"
cd "$work"
for phi in 0.80 0.82 0.83 0.835 0.84 0.845 0.85 0.86 0.88 0.90; do
  for seed in 1 2 3; do
    printf '[system]\nparticles = 1024\npacking_fraction = %s\nseed = %s\n[minimize]\nforce_tolerance = 1e-12\nmax_iterations = 200000\n[dynamics]\nsteps = 0\n' \
      "$phi" "$seed" > "j$phi-$seed.toml"
    "$bin" run "j$phi-$seed.toml" --output "o$phi-$seed" --quiet > /dev/null
    python3 -c "
import json; s = json.load(open('o$phi-$seed/summary.json')); t = s['finalThermo']
print($phi, $seed, s['fire']['iterations'], s['fire']['converged'], t['virialPressure'], t['potentialEnergy'] / 1024, t['contactsPerParticle'])"
  done
done | tee results.txt
python3 - <<'PY'
import numpy as np
rows = [l.split() for l in open("results.txt") if l.strip()]
by = {}
for r in rows: by.setdefault(float(r[0]), []).append(float(r[4]))
phis = sorted(by); mean = [np.mean(by[p]) for p in phis]
for p, v in zip(phis, mean): print(f"phi {p:.3f}  mean P {v:.4e}")
sel = [(p, v) for p, v in zip(phis, mean) if p >= 0.85]
a, b = np.polyfit([s[0] for s in sel], [s[1] for s in sel], 1)
print(f"fit P = {a:.4f} (phi - {-b / a:.4f}) over phi >= 0.85")
PY
