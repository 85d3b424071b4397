#!/usr/bin/env bash
# Fields benchmark (issue: distributed grids, kernels, deposition): for each case and rank count, one
# `stressflux deposit` whose deposit.json reports, on the slowest rank,
#   fft_pair              one r2c + c2r on the grid (FFTW_MEASURE plans; timed as FFTW-MPI's floor is: no 1/N pass)
#   density               the deposition of ρ̄_ℓ (all particles) by the route in `method`, → ns per particle
#   hardy, hardy_nodes    the filtered Hardy stress (λ nodes per bond from the 1e-12 rule), → ns per bond node
#   multiscale_per_scale  one Gaussian refilter to a larger ℓ (forward, multiply, inverse)
# and, in the same run, the plain FFTW-MPI floor of ../shared/anchors/fft_mpi_bench.c (256³ and 4096², transposed
# layout, median of 10 pairs) when that file is there (ANCHORS), built with mpicc.
#
#   bash bench/fields/run.sh          # about 5 minutes on 2 cores
#
# Cases: 2D N = 1e6 on 2048² (ℓ/h = 4.5) and on 4096² (ℓ/h = 9, the floor's 2D grid), 2D N = 1e5 on 1024² (ℓ/h = 4.5;
# with the Hardy stress, by the gridded route and by real-space footprints), 3D N = 1e5 on 256³ (ℓ/h = 3, the
# real-space minimum). Default route `gridded`. Configurations: random placement (φ = 0.9 in 2D, 0.6 in 3D) without
# FIRE; the cost does not depend on order (the spread sorts points by grid tile).
# Environment: NPS ["1 2"], BIN [.build/release/stressflux], WORK [/tmp/bench-fields], ANCHORS [../shared/anchors],
# RESULTS_MD [bench/fields/RESULTS.md]. Run on a quiet machine: times are measured, not asserted.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NPS="${NPS:-1 2}"
BIN="${BIN:-$REPO/.build/release/stressflux}"
WORK="${WORK:-/tmp/bench-fields}"
RESULTS_MD="${RESULTS_MD:-$HERE/RESULTS.md}"
ANCHORS="${ANCHORS:-$REPO/../shared/anchors}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
. "$HERE/../fft-floor.sh"
[ -x "$BIN" ] || (cd "$REPO" && make build)
mkdir -p "$WORK"
rm -rf "$WORK"/out-*  # the table reads every out-*/deposit.json

make_config() {  # name dimension particles packing_fraction
  cat > "$WORK/$1.toml" <<TOML
[system]
dimension = $2
particles = $3
packing_fraction = $4
[minimize]
enabled = false
[dynamics]
steps = 0
[output]
thermo_every = 0
TOML
  [ -f "$WORK/$1/final.h5" ] || mpirun -q --oversubscribe -n 2 "$BIN" run "$WORK/$1.toml" --output "$WORK/$1" --quiet
}
box_of() { python3 -c "import json; print(json.load(open('$WORK/$1/summary.json'))['box'][0])"; }

make_config 2d-1e6 2 1000000 0.9
make_config 2d-1e5 2 100000 0.9
make_config 3d-1e5 3 100000 0.6
for np in $NPS; do
  fft_floor "$WORK" "$ANCHORS" "$np"
  for c in "2d-1e6 2 2048 4.5 gridded --" "2d-1e6 2 4096 9 gridded --" "2d-1e5 2 1024 4.5 gridded --stress" \
           "2d-1e5 2 1024 4.5 real --stress" "3d-1e5 3 256 3.0 gridded --"; do
    set -- $c
    name=$1 dim=$2 grid=$3 ratio=$4 method=$5 extra=$6
    [ "$extra" = "--" ] && extra=""
    ell="$(python3 -c "print($(box_of "$name") / $grid * $ratio)")"
    scales="$(python3 -c "print(f'{2*$ell},{4*$ell}')")"
    out="$WORK/out-$name-$grid-$method-np$np"
    rm -rf "$out"
    echo "$name on $np rank(s): grid $grid^$dim, ℓ = $ell, $method (load $(cut -d' ' -f1 /proc/loadavg))"
    mpirun -q --oversubscribe -n "$np" "$BIN" deposit "$WORK/$name/final.h5" --dimension "$dim" --scale "$ell" \
      --grid "$grid" --scales "$scales" --method "$method" $extra --wisdom "$WORK/wisdom-$name-$grid-np$np" --output "$out"
  done
done
python3 "$HERE/summarize.py" "$WORK" > "$RESULTS_MD"
cat "$RESULTS_MD"
