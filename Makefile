# StressFlux quick start (README): `make run` runs the main job, `make test` runs the tests.
# Both install missing system packages first and build in release mode.
SHELL := /bin/bash
SWIFT ?= swift
NP ?= 2
BIN := .build/release/stressflux
# Instruction set of the release build: `native` uses this machine's vector units (AVX2/AVX-512 for the
# pair loop and the noise). Build on the machine type that runs the jobs, or name a CPU that all nodes
# have, e.g. `make ARCH=haswell` (AVX2) or `make ARCH=x86-64` (no vector extensions, slower).
ARCH ?= native
RELEASE := -c release -Xswiftc -target-cpu -Xswiftc $(ARCH)

# Open MPI refuses to run as root unless told; harmless for other users.
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
# --oversubscribe: more ranks than cores is fine for checks; -q: no Open MPI banners on failure.
MPIRUN := mpirun -q --oversubscribe

.PHONY: all deps build run test clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(RELEASE) --product stressflux

# Until the default study exists: versions and slab layout, the self-check, and the example simulation,
# all on $(NP) ranks.
run: build
	$(MPIRUN) -np $(NP) $(BIN) info --grid 256x256
	$(MPIRUN) -np $(NP) $(BIN) selfcheck --quiet
	$(MPIRUN) -np $(NP) $(BIN) run examples/bidisperse-2d.toml

# Unit tests (one process, an MPI singleton) and integration tests (the release binary under mpirun).
test: build
	@scripts/python-env.sh
	STRESSFLUX_BIN="$(CURDIR)/$(BIN)" STRESSFLUX_PYTHON="$(CURDIR)/.venv/bin/python" $(SWIFT) test --no-parallel

clean:
	rm -rf .build
