#!/usr/bin/env bash
# Dean benchmark (issue 20): the time of one step of `stressflux dean` against the r2c + c2r pair on the same grid,
# both from the run's summary.json (`secondsPerStep`: the steps alone, slowest rank; `fftPairSeconds`: the median of
# five pairs on the run's own plans before the first step), and, in the same run, the plain FFTW-MPI floor of
# ../shared/anchors/fft_mpi_bench.c (256³ and 4096², median of 10 pairs) when that file is there.
#
#   bash bench/dean/run.sh          # about 4 minutes on 2 cores
#
# Cases, 1 and 2 ranks: the deterministic SBDF2 step (GEM-4, ρ₀ = 4, T_v = 0.5) on 2D 4096² (L = 256) and 3D 256³
# (L = 32), and the Dean–Kawasaki step (GEM-4, ρ₀ = 100, T_v = 1, h = 1) on 2D 4096². A deterministic step is
# 1 + 2d transforms (ρ, then per axis u_α back and ρu_α forward): 2.5 pairs in 2D, 3.5 in 3D, before any pointwise work.
# Environment: NPS ["1 2"], STEPS [10], BIN [.build/release/stressflux], WORK [/tmp/bench-dean], ANCHORS
# [../shared/anchors], RESULTS_MD [bench/dean/RESULTS.md]. Run on a quiet machine: times are measured, not asserted.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NPS="${NPS:-1 2}"
STEPS="${STEPS:-10}"
BIN="${BIN:-$REPO/.build/release/stressflux}"
WORK="${WORK:-/tmp/bench-dean}"
RESULTS_MD="${RESULTS_MD:-$HERE/RESULTS.md}"
ANCHORS="${ANCHORS:-$REPO/../shared/anchors}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
. "$HERE/../fft-floor.sh"
[ -x "$BIN" ] || (cd "$REPO" && make build)
mkdir -p "$WORK"
rm -rf "$WORK"/out-* "$WORK"/floor-*

config() {  # name dimension points box mean temperature stochastic
  cat > "$WORK/$1.toml" <<TOML
[grid]
dimension = $2
points = $3
box = $4
[potential]
kind = "gem4"
[dynamics]
dt = 1e-4
steps = $STEPS
temperature = $6
stochastic = $7
[initial]
mean = $5
amplitude = 0.1
[output]
thermo_every = 0
checkpoint_every = 0
TOML
}
config sbdf2-2d-4096 2 4096 256.0 4.0 0.5 false
config sbdf2-3d-256 3 256 32.0 4.0 0.5 false
config dk-2d-4096 2 4096 4096.0 100.0 1.0 true

for np in $NPS; do
  fft_floor "$WORK" "$ANCHORS" "$np"
  for name in sbdf2-2d-4096 sbdf2-3d-256 dk-2d-4096; do
    echo "$name on $np rank(s) (load $(cut -d' ' -f1 /proc/loadavg))"
    mpirun -q --oversubscribe -n "$np" "$BIN" dean "$WORK/$name.toml" --output "$WORK/out-$name-np$np" --quiet
  done
done
python3 "$HERE/summarize.py" "$WORK" > "$RESULTS_MD"
cat "$RESULTS_MD"
