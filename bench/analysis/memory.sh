#!/usr/bin/env bash
# The measurement on the slabs (issue 17): peak resident memory per rank and wall time of `stressflux analyze` at
# N = 1e6 (2D, φ = 0.9, ℓ = 16, --points-per-ell 4, averages route) on 1, 2 and 4 ranks, from an H5MD and a LAMMPS data
# file of the same configuration; ℓ = 0.25 at N = 1e5 (averages) on 2 ranks with bytes per grid point; and the cost of
# the analysis in line with `run` (N = 1e5, ℓ ∈ {2, 4}, every 1000 of 5000 Brownian steps, both routes) as a fraction
# of the run. Peak memory: "Maximum resident set size" of /usr/bin/time -v around every rank, the largest rank.
#
#   bash bench/analysis/memory.sh          # about 15 minutes on 2 quiet cores; writes bench/analysis/MEMORY.md
#
# Environment: BIN [.build/release/stressflux], WORK [/tmp/bench-analysis-memory], OUT_MD [bench/analysis/MEMORY.md],
# PARTS ["memory small startup inline"]: which sections to measure (small: ℓ = 0.25, ≈ 9 GB per rank; startup: `run`'s
# start-up against its loop, ≈ 5 minutes; inline: ≈ 25 minutes).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BIN="${BIN:-$REPO/.build/release/stressflux}"
WORK="${WORK:-/tmp/bench-analysis-memory}"
OUT_MD="${OUT_MD:-$HERE/MEMORY.md}"
PARTS="${PARTS:-memory small startup inline}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -x "$BIN" ] || (cd "$REPO" && make build)
mkdir -p "$WORK"
MPIRUN="mpirun -q --oversubscribe"
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)

# `timed NAME NP ARGS...`: runs BIN ARGS under mpirun with /usr/bin/time -v per rank; prints "peak_MiB wall_s".
timed() {
  local name=$1 np=$2; shift 2
  rm -f "$WORK/$name".time.*
  local start end
  start=$(date +%s.%N)
  $MPIRUN -n "$np" sh -c 'exec /usr/bin/time -v -o "$0.time.$OMPI_COMM_WORLD_RANK" "$@"' "$WORK/$name" "$BIN" "$@" > "$WORK/$name.log" 2>&1
  end=$(date +%s.%N)
  local peak
  peak=$(grep -h "Maximum resident set size" "$WORK/$name".time.* | awk '{ if ($6 > m) m = $6 } END { printf "%.0f", m / 1024 }')
  echo "$peak $(python3 -c "print(f'{$end - $start:.2f}')")"
}

make_state() {  # N STEM: a random 2D configuration (no FIRE) as H5MD and LAMMPS data
  local N=$1 stem=$2
  [ -f "$WORK/$stem/final.h5" ] && return
  cat > "$WORK/$stem.toml" <<TOML
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
formats = ["h5md", "lammps"]
TOML
  $MPIRUN -n 2 "$BIN" run "$WORK/$stem.toml" --output "$WORK/$stem" --quiet
}

make_state 1000000 n1e6
make_state 100000 n1e5
{
  echo "# The measurement on the slabs: memory and time (\`bench/analysis/memory.sh\`)"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $commit on $(hostname) (2 cores; 4 ranks oversubscribe them)."
  echo "Peak: the largest rank's maximum resident set size (\`/usr/bin/time -v\`); wall: the whole \`mpirun\`, start-up included."
  echo
  echo "## analyze, 2D N = 1e6, ℓ = 16, --points-per-ell 4, averages route"
  echo
  echo "| input | ranks | peak per rank (MiB) | / 1 rank | wall (s) | / 1 rank |"
  echo "|---|---|---|---|---|---|"
} > "$OUT_MD"
for input in $( [[ " $PARTS " == *" memory "* ]] && echo final.h5 final.data ); do
  base_peak="" base_wall=""
  for np in 1 2 4; do
    read -r peak wall < <(timed "analyze-$input-$np" "$np" analyze "$WORK/n1e6/$input" --scales 16 --points-per-ell 4 --route averages \
                            --output "$WORK/out-$input-$np")
    [ -z "$base_peak" ] && base_peak=$peak && base_wall=$wall
    echo "| $input | $np | $peak | $(python3 -c "print(f'{$peak / $base_peak:.2f}')") | $wall | $(python3 -c "print(f'{$wall / $base_wall:.2f}')") |" >> "$OUT_MD"
  done
done
if [[ " $PARTS " == *" small "* ]]; then
  read -r peak wall < <(timed "analyze-small-ell" 2 analyze "$WORK/n1e5/final.h5" --scales 0.25 --points-per-ell 5 --route averages \
                          --output "$WORK/out-small-ell")
  grid=$(python3 -c "import json; print(json.load(open('$WORK/out-small-ell/summary.json'))['scales'][0]['grid'])")
  points=$(python3 -c "import json; g = json.load(open('$WORK/out-small-ell/summary.json'))['scales'][0]['grid']; print(g[0] * g[1])")
  {
    echo
    echo "## analyze, 2D N = 1e5, ℓ = 0.25 (--points-per-ell 5), averages route, 2 ranks"
    echo
    echo "Grid $grid: peak $peak MiB per rank, $(python3 -c "print(f'{2 * $peak * 2**20 / $points:.0f}')") bytes per grid point (both ranks' peaks over the points), wall $wall s."
  } >> "$OUT_MD"
fi
if [[ " $PARTS " == *" startup "* ]]; then
  # `sampled NAME NP ARGS...`: like `timed`, and every rank's VmRSS sampled every 0.2 s into NAME.rss.R; prints
  # "peak start loop" in MiB for the largest rank: the whole process's peak, the largest sample of the first 20% of the
  # process's life (reading and routing the input, building the engine) and the median sample of 40–80% (the loop).
  sampled() {
    local name=$1 np=$2; shift 2
    rm -f "$WORK/$name".time.* "$WORK/$name".rss.*
    $MPIRUN -n "$np" bash -c '
      /usr/bin/time -v -o "$0.time.$OMPI_COMM_WORLD_RANK" "$@" & t=$!; c=""
      for _ in $(seq 50); do c=$(pgrep -P $t | head -1); [ -n "$c" ] && break; sleep 0.02; done
      while [ -n "$c" ] && kill -0 $c 2>/dev/null; do
        while read -r k v _; do [ "$k" = VmRSS: ] && echo "$EPOCHREALTIME $v"; done < /proc/$c/status 2>/dev/null; sleep 0.2
      done > "$0.rss.$OMPI_COMM_WORLD_RANK"; wait $t' "$WORK/$name" "$BIN" "$@" > "$WORK/$name.log" 2>&1
    python3 - "$WORK/$name" "$np" <<'PY'
import statistics, sys
stem, ranks = sys.argv[1], int(sys.argv[2])
peak = start = loop = 0.0
for r in range(ranks):
    peak = max(peak, [int(l.split()[-1]) for l in open(f"{stem}.time.{r}") if "Maximum resident" in l][0] / 1024)
    samples = [tuple(map(float, l.split())) for l in open(f"{stem}.rss.{r}")]
    t0, t1 = samples[0][0], samples[-1][0]
    start = max(start, max(v for t, v in samples if t <= t0 + 0.2 * (t1 - t0)) / 1024)
    loop = max(loop, statistics.median(v for t, v in samples if t0 + 0.4 * (t1 - t0) <= t <= t0 + 0.8 * (t1 - t0)) / 1024)
print(f"{peak:.0f} {start:.0f} {loop:.0f}")
PY
  }
  {
    echo
    echo "## run start-up against the loop: 2D N = 1e6, 300 Brownian steps (T_v = 1e-4), H5MD output only"
    echo
    echo "Start-up: the largest VmRSS sample in the first 20% of the process's life (the input read in blocks and routed,"
    echo "the engine built); loop: the median sample over 40–80%; peak: the whole process (\`/usr/bin/time -v\`), which"
    echo "includes writing final.h5. Largest rank."
    echo
    echo "| start | ranks | start-up (MiB) | loop (MiB) | start-up / loop | peak (MiB) |"
    echo "|---|---|---|---|---|---|"
  } >> "$OUT_MD"
  for start in data h5 random; do
    case $start in
      data) system=$(printf 'input = "%s"\ntype_diameters = [1.0, 1.4]' "$WORK/n1e6/final.data") ;;
      h5) system=$(printf 'input = "%s"' "$WORK/n1e6/final.h5") ;;
      random) system=$(printf 'particles = 1000000\npacking_fraction = 0.9') ;;
    esac
    printf '[system]\ndimension = 2\n%s\n[minimize]\nenabled = false\n[dynamics]\nsteps = 300\ntemperature = 1e-4\n[output]\nthermo_every = 100\nformats = ["h5md"]\n' \
      "$system" > "$WORK/startup-$start.toml"
    for np in 1 2; do
      read -r peak begin loop < <(sampled "startup-$start-$np" "$np" run "$WORK/startup-$start.toml" --output "$WORK/out-startup-$start-$np" --quiet)
      echo "| $start | $np | $begin | $loop | $(python3 -c "print(f'{$begin / $loop:.2f}')") | $peak |" >> "$OUT_MD"
    done
  done
fi
[[ " $PARTS " == *" inline "* ]] || { echo "wrote $OUT_MD"; exit 0; }
{
  echo
  echo "## Analysis in line with run: 2D N = 1e5, 5000 Brownian steps (Δt = 1e-3, T_v = 1e-4), ℓ ∈ {2, 4} every 1000 steps"
  echo
  echo "| ranks | route | run without (s) | run with (s) | analysis (s, summary.json) | overhead |"
  echo "|---|---|---|---|---|---|"
} >> "$OUT_MD"
for np in 1 2; do
  for route in none averages quadrature; do
    cat > "$WORK/inline-$route.toml" <<TOML
[system]
dimension = 2
input = "$WORK/n1e5/final.h5"
[minimize]
enabled = false
[dynamics]
dt = 1e-3
steps = 5000
temperature = 1e-4
[output]
thermo_every = 1000
$( [ "$route" != none ] && printf '[analysis]\nscales = [2.0, 4.0]\nroute = "%s"\nevery = 1000\n' "$route" )
TOML
    read -r _ wall < <(timed "inline-$route-$np" "$np" run "$WORK/inline-$route.toml" --output "$WORK/out-inline-$route-$np" --quiet)
    if [ "$route" = none ]; then base=$wall; continue; fi
    analysis=$(python3 -c "import json; print(f\"{json.load(open('$WORK/out-inline-$route-$np/summary.json'))['analysisSeconds']:.2f}\")")
    echo "| $np | $route | $base | $wall | $analysis | $(python3 -c "print(f'{($wall - $base) / $base:.2f}')") |" >> "$OUT_MD"
  done
done
echo "wrote $OUT_MD"
