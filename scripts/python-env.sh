#!/usr/bin/env bash
# The Python environment the tests use to read StressFlux's files with other people's readers
# (gsd, h5py): .venv in the package root, made when missing. Prints what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ] && .venv/bin/python -c "import gsd.hoomd, h5py, numpy" 2>/dev/null; then
  echo "python-env: .venv has gsd, h5py, numpy"
  exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "+ apt-get install -y python3-venv"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
fi
echo "+ python3 -m venv .venv && .venv/bin/pip install gsd h5py numpy"
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check gsd h5py numpy
