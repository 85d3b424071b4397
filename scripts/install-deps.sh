#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages StressFlux builds and runs against, only those missing:
# Open MPI, FFTW with its MPI interface, parallel HDF5 (Open MPI flavour), pkg-config.
# Checks with pkg-config (or dpkg where a library has no .pc file) first; prints what it does.
set -euo pipefail

missing=()
has_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
has_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
has_pc ompi-c || missing+=(libopenmpi-dev)
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
has_pc fftw3 || missing+=(libfftw3-dev)
{ has_deb libfftw3-mpi-dev && [ -f /usr/include/fftw3-mpi.h ]; } || missing+=(libfftw3-mpi-dev)  # no .pc file
has_pc hdf5-openmpi || missing+=(libhdf5-openmpi-dev)

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: Open MPI, FFTW-MPI and parallel HDF5 are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "error: deps: missing ${missing[*]} and not root, install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: deps: missing ${missing[*]} and no apt-get, install Open MPI, FFTW 3 with MPI and parallel HDF5 with your package manager or modules" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
echo "+ ${sudo[*]} apt-get update"
"${sudo[@]}" apt-get update -qq
echo "+ ${sudo[*]} apt-get install -y ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
