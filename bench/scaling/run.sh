#!/usr/bin/env bash
# The 1- and 2-rank strong and weak scaling of this machine, through the job scripts themselves, and the
# scaling model's table (jobs/SCALING.md) from the same runs.
#
#   bash bench/scaling/run.sh            # about 3 minutes on 2 idle cores; SLURM=1 runs the studies as sbatch
#                                        # jobs in the one-host cluster (cluster/up.sh) instead of directly
#
# Environment: WORK [/tmp/bench-scaling] keeps the studies; STEPS [1000]; PARTICLES [100000] (strong, 2D and
# 3D); PER_RANK [50000] (weak, 2D); BIN [.build/release/stressflux].
# Writes bench/scaling/RESULTS.md (tables and model) and prints it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/bench-scaling}"
STEPS="${STEPS:-1000}"
PARTICLES="${PARTICLES:-100000}"
PER_RANK="${PER_RANK:-50000}"
export STRESSFLUX_BIN="${BIN:-$REPO/.build/release/stressflux}"
export RANKS="1 2" STEPS PREP_ITERATIONS=200
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

study() {  # study NAME SCRIPT VAR=VALUE...
  local name="$1" script="$2"
  shift 2
  if [ "${SLURM:-0}" = 1 ]; then
    source "$REPO/cluster/.state/env"
    local job
    job=$(env "$@" OUT="$WORK/$name" sbatch --parsable --ntasks=2 "$REPO/jobs/$script")
    while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 2; done
  else
    env "$@" OUT="$WORK/$name" bash "$REPO/jobs/$script" >"$WORK/$name.log" 2>&1
  fi
}
study strong-2d strong-scaling.sbatch PARTICLES="$PARTICLES" DIMENSION=2
study weak-2d weak-scaling.sbatch PER_RANK="$PER_RANK" DIMENSION=2
study strong-3d strong-scaling.sbatch PARTICLES="$PARTICLES" DIMENSION=3

{
  echo "# Scaling on this machine: 1 and 2 ranks"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) on \`$(hostname -s)\` ($(nproc) cores) at commit $(git -C "$REPO" rev-parse --short HEAD) by"
  echo "\`bash bench/scaling/run.sh\`: the studies of \`jobs/strong-scaling.sbatch\` and \`jobs/weak-scaling.sbatch\`"
  echo "($([ "${SLURM:-0}" = 1 ] && echo "as sbatch jobs in the one-host cluster, srun --mpi=pmix" || echo "run directly, mpirun")),"
  echo "$STEPS Brownian steps of 50:50 bidisperse harmonic disks (φ = 0.90) or spheres (φ = 0.70), Gaussian noise,"
  echo "T_v = 1e-4, Δt = 0.01, after 200 FIRE iterations; then \`stressflux analyze --route averages\` at ℓ = 2"
  echo "(ℓ/h = 4). One launch per point: expect 10–30% noise on this shared machine."
  for name in strong-2d weak-2d strong-3d; do
    echo
    echo "## $name"
    echo
    cat "$WORK/$name/scaling.md"
  done
  echo
  echo "## The scaling model's table (jobs/SCALING.md), from these runs"
  echo
  python3 "$REPO/jobs/scaling-model.py" "$WORK/strong-2d" "$WORK/strong-3d"
} >"$HERE/RESULTS.md"
cat "$HERE/RESULTS.md"
