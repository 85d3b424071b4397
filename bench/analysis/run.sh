#!/usr/bin/env bash
# Analysis benchmark (issue: the stress budget): the cost of `stressflux analyze` per scale against 1000 Brownian
# steps of the same system and the FFT floor, for 2D bidisperse harmonic disks (φ = 0.9, random placement without
# FIRE: the cost does not depend on the state) with N = 1e5 and 1e6, on 1 and 2 ranks, at ℓ = 0.25, 0.5, 1, 2, 4,
# each scale on its own grid with ℓ/h ≥ 5 (`--points-per-ell 5`), one `analyze` per scale:
#   brownian    1000 overdamped Brownian steps (`stressflux run`, Δt = 1e-3, T_v = 1e-4), wall time from summary.json
#   averages    `--route averages`: every box mean by one pass over the modes (physics.md §3.7a)
#   quadrature  `--route quadrature`: every field by the bond quadrature (§3.5), when its estimate fits the budgets
#               (time from the cost per bond node × grid point of the first run on that rank count, memory ~ 60 fields)
# analyze reports per scale `timings_seconds` (deposit, terms, self, fft_pair: one r2c + c2r on that grid, the floor
# an FFT-based analysis cannot beat). Cells that do not fit MEM_GB or QUAD_SECONDS are skipped with the estimate.
#
#   bash bench/analysis/run.sh     # about 30 minutes on 2 quiet cores
#
# Environment: NPS ["1 2"], NS ["100000 1000000"], ELLS ["0.25 0.5 1 2 4"], MEM_GB [16], QUAD_SECONDS [900],
# BIN [.build/release/stressflux], WORK [/tmp/bench-analysis], RESULTS_MD [bench/analysis/RESULTS.md].
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NPS="${NPS:-1 2}"
NS="${NS:-100000 1000000}"
ELLS="${ELLS:-0.25 0.5 1 2 4}"
MEM_GB="${MEM_GB:-16}"
QUAD_SECONDS="${QUAD_SECONDS:-900}"
BIN="${BIN:-$REPO/.build/release/stressflux}"
WORK="${WORK:-/tmp/bench-analysis}"
RESULTS_MD="${RESULTS_MD:-$HERE/RESULTS.md}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -x "$BIN" ] || (cd "$REPO" && make build)
mkdir -p "$WORK"
MPIRUN="mpirun -q --oversubscribe"

# grid points along x of a scale: the rule of `--points-per-ell 5` (ScaleGrid), for the estimates
grid_of() { python3 - "$1" "$2" <<'PY'
import sys
L, ell = float(sys.argv[1]), float(sys.argv[2])
n = int(-(-L * 5 // ell))
def smooth(m):
    if m % 2: return False
    for p in (2, 3, 5, 7):
        while m % p == 0: m //= p
    return m == 1
while not smooth(n): n += 1
print(n)
PY
}

declare -A quad_cost  # per rank count: seconds per (bond node × grid point) of the first quadrature run; N hardly matters
for N in $NS; do
  case="2d-$N"
  cat > "$WORK/$case.toml" <<TOML
[system]
dimension = 2
particles = $N
packing_fraction = 0.9
[minimize]
enabled = false
[dynamics]
steps = 0
[output]
thermo_every = 0
TOML
  [ -f "$WORK/$case/final.h5" ] || $MPIRUN -n 2 "$BIN" run "$WORK/$case.toml" --output "$WORK/$case" --quiet
  L=$(python3 -c "import json; print(json.load(open('$WORK/$case/summary.json'))['box'][0])")
  for np in $NPS; do
    cat > "$WORK/$case-brownian.toml" <<TOML
[system]
dimension = 2
input = "$WORK/$case/final.h5"
[minimize]
enabled = false
[dynamics]
dt = 1e-3
steps = 1000
temperature = 1e-4
[output]
thermo_every = 0
TOML
    out="$WORK/out-$case-np$np-brownian"
    [ -f "$out/summary.json" ] || $MPIRUN -n "$np" "$BIN" run "$WORK/$case-brownian.toml" --output "$out" --quiet
    for ell in $(echo "$ELLS" | tr ' ' '\n' | sort -gr); do
      M=$(grid_of "$L" "$ell")
      for route in averages quadrature; do
        out="$WORK/out-$case-np$np-$route-ell$ell"
        fields=$([ "$route" = averages ] && echo 40 || echo 60)
        mem=$(python3 -c "print($fields * $M * $M * 8 / 2**30)")
        if python3 -c "import sys; sys.exit(0 if $mem > $MEM_GB else 1)"; then
          printf '{"skipped": "memory: about %.0f GB for %dx%d > MEM_GB = %s", "N": %s, "ranks": %s, "ell": %s, "route": "%s", "grid": [%s, %s]}\n' \
            "$mem" "$M" "$M" "$MEM_GB" "$N" "$np" "$ell" "$route" "$M" "$M" > "$out.skipped.json"
          continue
        fi
        if [ "$route" = quadrature ] && [ -n "${quad_cost[$np]:-}" ]; then
          estimate=$(python3 -c "print(${quad_cost[$np]} * 768 * $M * $M)")
          if python3 -c "import sys; sys.exit(0 if $estimate > $QUAD_SECONDS else 1)"; then
            printf '{"skipped": "time: about %.0f s estimated (768 bond nodes x %dx%d at the measured cost per node and point) > QUAD_SECONDS = %s", "estimate_seconds": %s, "N": %s, "ranks": %s, "ell": %s, "route": "%s", "grid": [%s, %s]}\n' \
              "$estimate" "$M" "$M" "$QUAD_SECONDS" "$estimate" "$N" "$np" "$ell" "$route" "$M" "$M" > "$out.skipped.json"
            continue
          fi
        fi
        [ -f "$out/summary.json" ] || $MPIRUN -n "$np" "$BIN" analyze "$WORK/$case/final.h5" --scales "$ell" --points-per-ell 5 \
          --route "$route" --output "$out" > "$out.log" 2>&1 || { echo "analyze failed: $out.log"; tail -3 "$out.log"; continue; }
        if [ "$route" = quadrature ] && [ -z "${quad_cost[$np]:-}" ]; then
          quad_cost[$np]=$(python3 -c "import json; s = json.load(open('$out/summary.json'))['scales'][0]; print(s['timings_seconds']['terms'] / (s['bond_nodes'] * s['grid'][0] * s['grid'][1]))")
        fi
      done
    done
  done
done
# the table replaces the file's head; the notes from "## How this table was measured" on are kept
python3 - "$HERE/summarize.py" "$WORK" "$RESULTS_MD" <<'PY'
import os, subprocess, sys
table = subprocess.run([sys.executable, sys.argv[1], sys.argv[2]], capture_output=True, text=True, check=True).stdout
old = open(sys.argv[3]).read() if os.path.exists(sys.argv[3]) else ""
marker = "\n## How this table was measured"
open(sys.argv[3], "w").write(table + (old[old.index(marker):] if marker in old else ""))
PY
echo "table: $RESULTS_MD"
