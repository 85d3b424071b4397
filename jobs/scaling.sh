# Sourced by strong-scaling.sbatch and weak-scaling.sbatch (after common.sh) with `mode` set to strong
# or weak: one short timed `stressflux run` per rank count inside the allocation, each followed by an
# analysis pass (`stressflux analyze --route averages`), then scaling-table.py collects them.
#
# Environment (defaults in brackets):
#   RANKS        rank counts ["1 2 4 … SLURM_NTASKS", powers of two and the allocation; "1 2" outside Slurm]
#   PARTICLES    strong: N of the fixed system [100000]
#   PER_RANK     weak: N per rank [50000]
#   DIMENSION    2 or 3 [2]; 50:50 bidisperse harmonic spheres at PACKING [0.90 in 2D, 0.70 in 3D]
#   STEPS        timed Brownian steps per point [500]; PREP_ITERATIONS FIRE iterations before them [200]
#   SCALES       analysis scales ℓ (comma separated) [2]; SCALES=none skips the analysis pass
#   OUT          the study folder [runs/<mode>-scaling-<job id>]
submit_dir="${SLURM_SUBMIT_DIR:-$PWD}"
cd "$submit_dir" || exit 2
find_binary || exit 2
choose_launcher || exit 2

job="${SLURM_JOB_ID:-local-$(date +%Y%m%d-%H%M%S)}"
dimension="${DIMENSION:-2}"
case "$dimension" in
  2) packing="${PACKING:-0.90}" ;;
  3) packing="${PACKING:-0.70}" ;;
  *) echo "error: DIMENSION=$dimension: use 2 or 3" >&2; exit 2 ;;
esac
steps="${STEPS:-500}"
prep="${PREP_ITERATIONS:-200}"
scales="${SCALES:-2}"
out="${OUT:-runs/$mode-scaling-$job}"
if [ -z "${RANKS:-}" ]; then
  total="${SLURM_NTASKS:-2}"
  RANKS=""
  for ((r = 1; r < total; r *= 2)); do RANKS+="$r "; done
  RANKS+="$total"
fi
for r in $RANKS; do
  [[ "$r" =~ ^[1-9][0-9]*$ ]] || { echo "error: RANKS=\"$RANKS\": $r is not a positive rank count" >&2; exit 2; }
  [ -z "${SLURM_NTASKS:-}" ] || [ "$r" -le "$SLURM_NTASKS" ] \
    || { echo "error: RANKS=\"$RANKS\": $r ranks exceed the allocation's $SLURM_NTASKS tasks; ask sbatch for --ntasks=$r" >&2; exit 2; }
done
case "$mode" in
  strong) per_rank=""; fixed="${PARTICLES:-100000}" ;;
  weak) per_rank="${PER_RANK:-50000}"; fixed="" ;;
esac
for value in "$steps" "$prep" ${per_rank:-$fixed}; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "error: STEPS, PREP_ITERATIONS, PARTICLES and PER_RANK must be whole numbers, got $value" >&2; exit 2; }
done
mkdir -p "$out" || { echo "error: cannot write $out in $submit_dir" >&2; exit 2; }

echo "$mode scaling, job $job: ranks $RANKS; ${DIMENSION:-2}D, $([ "$mode" = strong ] && echo "N = $fixed" || echo "N = $per_rank per rank"), $steps steps; analysis at ℓ = $scales; in $out"
describe_launch
status=0
for r in $RANKS; do
  n="${fixed:-$((per_rank * r))}"
  point="$out/ranks-$r"
  mkdir -p "$point"
  cat >"$point/config.toml" <<TOML
# $mode scaling point: $r rank(s), written by jobs/scaling.sh
[system]
dimension = $dimension
particles = $n
packing_fraction = $packing
mixture = "bidisperse"
seed = 1

[potential]
kind = "harmonic"
skin = 0.3

[minimize]
enabled = true
force_tolerance = 1e-6
max_iterations = $prep

[dynamics]
dt = 0.01
steps = $steps
temperature = 1e-4
seed = 2

[output]
thermo_every = 0
checkpoint_every = 0
formats = ["h5md"]
TOML
  echo "== $r rank(s), N = $n"
  # not --quiet: the log shows each point's progress and time breakdown
  launch "$r" "$bin" run "$point/config.toml" --output "$point" || { status=$?; echo "error: the run on $r rank(s) failed"; continue; }
  if [ "$scales" != none ]; then
    launch "$r" "$bin" analyze "$point/final.h5" --scales "$scales" --points-per-ell 4 --route averages \
      --output "$point/analysis" >"$point/analysis.log" 2>&1 || { status=$?; echo "error: the analysis on $r rank(s) failed, see $point/analysis.log"; }
  fi
done
python3 "$jobs_dir/scaling-table.py" "$out" || status=$?
exit $status
